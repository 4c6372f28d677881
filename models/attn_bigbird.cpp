// attn_bigbird.cpp — BigBird's window, global and random key blocks, as a tile schedule.
#include "attn_bigbird.h"

#include <algorithm>

namespace attnlab {
namespace {

// The window and global blocks of query block q among `blocks` (BigBird's fixed part).
std::vector<int64_t> fixed_blocks(int64_t q, int64_t blocks, bool causal) {
    std::vector<int64_t> kept = {0, q};
    if (q > 0) kept.push_back(q - 1);
    if (!causal) {
        kept.push_back(blocks - 1);
        if (q + 1 < blocks) kept.push_back(q + 1);
    }
    return kept;
}

bool contains(const std::vector<int64_t>& list, int64_t value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

// r distinct blocks per query block, drawn among those its fixed part leaves out (all of them if
// fewer remain), for the ⌈max_len / b⌉ blocks of the longest input.
Tensor draw_random_blocks(int64_t blocks, int64_t r, bool causal, Rng& rng) {
    Tensor table = Tensor::full({blocks, r}, -1);
    for (int64_t q = 0; q < blocks; ++q) {
        const std::vector<int64_t> fixed = fixed_blocks(q, blocks, causal);
        std::vector<int64_t> candidates;
        for (int64_t k = 0; k < (causal ? q : blocks); ++k)
            if (!contains(fixed, k)) candidates.push_back(k);
        for (int64_t n = 0; n < r && !candidates.empty(); ++n) {
            const size_t pick = size_t(rng.below(candidates.size()));
            table.data()[q * r + n] = real(candidates[pick]);
            candidates.erase(candidates.begin() + int64_t(pick));
        }
    }
    return table;
}

}  // namespace

BigBirdLogits::BigBirdLogits(const AttentionConfig& config, Rng& rng)
    : VanillaLogits(config, rng), block_(config.integer("bigbird_block")), causal_(config.causal) {
    const int64_t blocks = (config.max_len + block_ - 1) / block_;
    random_blocks_ = register_parameter(
        "random_blocks", draw_random_blocks(blocks, config.integer("bigbird_random"), causal_, rng),
        false);
}

const KindInfo& bigbird_kind() {
    static const KindInfo kind = logit_kind<BigBirdLogits>(
        "bigbird",
        {{"bigbird_block", int64_t(64), 1, 4096, {}}, {"bigbird_random", int64_t(3), 0, 64, {}}},
        [](const AttentionConfig& config, int64_t L) {
            const int64_t d = config.d_model;
            const int64_t kept = std::min(
                (5 + config.integer("bigbird_random")) * config.integer("bigbird_block"), L);
            return MixerFlops{4 * d * d + 2 * kept * d, 0};
        });
    return kind;
}

std::vector<int64_t> BigBirdLogits::key_blocks(int64_t q, int64_t blocks, bool causal) const {
    if (!causal && (q == 0 || q == blocks - 1)) {  // a global query block sees every block
        std::vector<int64_t> all(size_t(blocks), 0);
        for (int64_t k = 0; k < blocks; ++k) all[size_t(k)] = k;
        return all;
    }
    std::vector<int64_t> kept = fixed_blocks(q, blocks, causal);
    const int64_t r = random_blocks_.size(1);
    for (int64_t n = 0; n < r; ++n) {
        const int64_t k = int64_t(random_blocks_.data()[q * r + n]);
        if (k >= 0 && k < blocks && (!causal || k < q)) kept.push_back(k);
    }
    std::sort(kept.begin(), kept.end());
    kept.erase(std::unique(kept.begin(), kept.end()), kept.end());
    return kept;
}

kernels::TileSchedule BigBirdLogits::schedule(int64_t L, bool causal) const {
    ATTNLAB_CHECK(!causal || causal_, "bigbird: a causal schedule from random blocks drawn for ",
                  "bidirectional attention (build the layer with causal = true)");
    const int64_t blocks = (L + block_ - 1) / block_;
    std::vector<std::vector<kernels::Span>> spans;
    for (int64_t q = 0; q < blocks; ++q) {
        std::vector<kernels::Span> keys;
        for (int64_t k : key_blocks(q, blocks, causal))
            keys.push_back({k * block_, std::min((k + 1) * block_, L)});
        spans.push_back(std::move(keys));
    }
    return kernels::TileSchedule(L, block_, std::move(spans), causal);
}

}  // namespace attnlab
