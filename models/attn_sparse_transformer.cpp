// attn_sparse_transformer.cpp — the fixed and strided patterns as tile schedules.
#include "attn_sparse_transformer.h"

#include <algorithm>

namespace attnlab {

SparseTransformerLogits::SparseTransformerLogits(const AttentionConfig& config, Rng& rng)
    : VanillaLogits(config, rng),
      strided_(config.text("sparse_pattern") == "strided"),
      block_(config.integer("sparse_block")),
      summary_(config.integer("sparse_summary")) {
    ATTNLAB_CHECK(summary_ < block_, "sparse_transformer: sparse_summary ", summary_,
                  " must be below sparse_block ", block_);
}

const KindInfo& sparse_transformer_kind() {
    static const KindInfo kind = logit_kind<SparseTransformerLogits>(
        "sparse_transformer",
        {{"sparse_pattern", std::string("fixed"), 0, 0, {"fixed", "strided"}},
         {"sparse_block", int64_t(128), 1, 65536, {}},
         {"sparse_summary", int64_t(32), 0, 65536, {}}},
        [](const AttentionConfig& config, int64_t L) {
            const int64_t d = config.d_model, l = config.integer("sparse_block");
            const int64_t fixed = l + (1 + config.integer("sparse_summary")) * ((L + l - 1) / l);
            const int64_t kept =
                config.text("sparse_pattern") == "strided" ? L : std::min(fixed, L);
            return MixerFlops{4 * d * d + 2 * kept * d, 0};
        });
    return kind;
}

kernels::TileSchedule SparseTransformerLogits::schedule(int64_t L, bool causal) const {
    if (!strided_) return fixed_schedule(L, causal);
    const kernels::TileSchedule every = kernels::TileSchedule::dense(L, causal);
    std::vector<std::vector<kernels::Span>> spans;
    for (int64_t block = 0; block < every.query_blocks(); ++block)
        spans.push_back(every.key_spans(block));
    return kernels::TileSchedule(L, every.query_tile(), std::move(spans), causal,
                                 {block_ - 1, 0, block_});
}

// Query block r (rows [r·l, (r + 1)·l)): its own block whole; of every other block k (k < r when
// causal), the first column and the last c, merged where they touch.
kernels::TileSchedule SparseTransformerLogits::fixed_schedule(int64_t L, bool causal) const {
    std::vector<std::vector<kernels::Span>> spans;
    for (int64_t first = 0; first < L; first += block_) {
        std::vector<kernels::Span> keys;
        const auto add = [&](int64_t begin, int64_t end) {
            end = std::min(end, L);
            if (begin >= end) return;
            if (!keys.empty() && keys.back().end >= begin)
                keys.back().end = std::max(keys.back().end, end);
            else
                keys.push_back({begin, end});
        };
        for (int64_t start = 0; start < (causal ? first + block_ : L); start += block_) {
            if (start == first) {
                add(start, start + block_);
            } else {
                add(start, start + 1);
                add(start + block_ - summary_, start + block_);
            }
        }
        spans.push_back(std::move(keys));
    }
    return kernels::TileSchedule(L, block_, std::move(spans), causal);
}

}  // namespace attnlab
