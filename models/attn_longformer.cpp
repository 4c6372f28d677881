// attn_longformer.cpp — sliding-window attention with global positions, as a tile schedule.
#include "attn_longformer.h"

#include <algorithm>

namespace attnlab {

LongformerLogits::LongformerLogits(const AttentionConfig& config, Rng& rng)
    : VanillaLogits(config, rng),
      half_window_(config.integer("longformer_window") / 2),
      global_(config.integer("longformer_global")) {}

const KindInfo& longformer_kind() {
    static const KindInfo kind = logit_kind<LongformerLogits>(
        "longformer",
        {{"longformer_window", int64_t(512), 2, 65536, {}},
         {"longformer_global", int64_t(1), 0, 65536, {}}},
        [](const AttentionConfig& config, int64_t L) {
            const int64_t d = config.d_model;
            const int64_t kept = std::min(
                config.integer("longformer_window") + 1 + config.integer("longformer_global"), L);
            return MixerFlops{4 * d * d + 2 * kept * d, 0};
        });
    return kind;
}

// Per query block [first, end): every key if the block holds a global query; otherwise the
// global columns [0, g) and the window [first − w/2, end + w/2), merged where they meet. The
// band (window w/2, g global) then removes what lies outside each row's window.
kernels::TileSchedule LongformerLogits::schedule(int64_t L, bool causal) const {
    const int64_t tile = kernels::kQueryTile;
    std::vector<std::vector<kernels::Span>> spans;
    for (int64_t first = 0; first < L; first += tile) {
        const int64_t end = std::min(first + tile, L);
        const int64_t last_key = causal ? end : L;
        const int64_t window_begin = std::max<int64_t>(0, first - half_window_);
        const int64_t window_end = std::min(end + half_window_, last_key);
        if (first < global_ || window_begin <= std::min(global_, last_key)) {
            spans.push_back({{0, first < global_ ? last_key : window_end}});
            continue;
        }
        std::vector<kernels::Span> keys;
        if (global_ > 0) keys.push_back({0, global_});
        keys.push_back({window_begin, window_end});
        spans.push_back(std::move(keys));
    }
    return kernels::TileSchedule(L, tile, std::move(spans), causal, {half_window_, global_});
}

}  // namespace attnlab
