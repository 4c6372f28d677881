// attn_local.cpp — block-local attention: vanilla's logits on the diagonal blocks only.
#include "attn_local.h"

#include <algorithm>

namespace attnlab {

LocalLogits::LocalLogits(const AttentionConfig& config, Rng& rng)
    : VanillaLogits(config, rng), block_(config.integer("local_block")) {}

const KindInfo& local_kind() {
    static const KindInfo kind = logit_kind<LocalLogits>(
        "local", {{"local_block", int64_t(50), 1, 65536, {}}},
        [](const AttentionConfig& config, int64_t L) {
            const int64_t d = config.d_model, b = std::min(config.integer("local_block"), L);
            return MixerFlops{4 * d * d + 2 * b * d, 0};
        });
    return kind;
}

// Query block r is rows [r·b, (r + 1)·b) and keeps the keys of the same span.
kernels::TileSchedule LocalLogits::schedule(int64_t L, bool causal) const {
    std::vector<std::vector<kernels::Span>> spans;
    for (int64_t first = 0; first < L; first += block_)
        spans.push_back({{first, std::min(first + block_, L)}});
    return kernels::TileSchedule(L, block_, std::move(spans), causal);
}

}  // namespace attnlab
