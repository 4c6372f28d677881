// attn_factorized_random.cpp — Factorized Random logits R1[:L] R2[:L]ᵀ per head.
#include "attn_factorized_random.h"

#include <cmath>

#include "engine/init.h"
#include "engine/ops.h"

namespace attnlab {

const KindInfo& factorized_random_kind() {
    static const KindInfo kind = logit_kind<FactorizedRandomLogits>(
        "factorized_random", {{"factorized_k", 8, 1, kMaxWidth, {}}},
        [](const AttentionConfig& config, int64_t L) {
            return MixerFlops{0, 2 * config.heads * L * L * config.integer("factorized_k")};
        });
    return kind;
}

FactorizedRandomLogits::FactorizedRandomLogits(const AttentionConfig& config, Rng& rng) {
    const int64_t k = config.integer("factorized_k"), n = config.max_len;
    ATTNLAB_CHECK(k > 0, "factorized_random: factorized_k must be positive, got ", k);
    r1_ = register_parameter("r1", Tensor::empty({config.heads, n, k}));
    r2_ = register_parameter("r2", Tensor::empty({config.heads, n, k}));
    const double stddev = std::pow(double(k) * double(n), -0.25);
    init::normal(r1_, rng, 0, stddev);
    init::normal(r2_, rng, 0, stddev);
}

Tensor FactorizedRandomLogits::block(int64_t first, int64_t end, int64_t columns) const {
    const Tensor r = matmul(slice(r1_, 1, first, end), slice(r2_, 1, 0, columns), false, true);
    return reshape(r, {1, r1_.size(0), end - first, columns});  // [1, h, end − first, columns]
}

Tensor FactorizedRandomLogits::logits(const Tensor& x) {
    const int64_t L = x.size(1);
    return block(0, L, L);  // [1, h, L, L]
}

// Tiles of R1 R2ᵀ straight from R1, R2 [h, max_len, k], shared by the batch.
TiledLogits FactorizedRandomLogits::tiles(const Tensor&) {
    const int64_t n = r1_.size(1), k = r1_.size(2);
    const kernels::View view{0, n * k, k};
    return {{r1_, r2_},
            std::make_shared<kernels::ProductTiles>(r1_.data(), view, r2_.data(), view, false, k)};
}

LogitRows FactorizedRandomLogits::start_rows() const {
    return [this](const Tensor&, int64_t t) { return block(t, t + 1, t + 1); };
}

}  // namespace attnlab
