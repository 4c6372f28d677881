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

Tensor FactorizedRandomLogits::logits(const Tensor& x) {
    const int64_t L = x.size(1), heads = r1_.size(0);
    const Tensor r = matmul(slice(r1_, 1, 0, L), slice(r2_, 1, 0, L), false, true);  // [h, L, L]
    return reshape(r, {1, heads, L, L});
}

}  // namespace attnlab
