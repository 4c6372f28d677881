// attn_factorized_dense.cpp — Factorized Dense logits: the outer product of two small per-token
// projections, flattened to a row of max_len logits.
#include "attn_factorized_dense.h"

#include <tuple>

#include "attn_dense.h"
#include "engine/init.h"
#include "engine/ops.h"

namespace attnlab {
namespace {

// The split a · b = max_len: the configured one, or a = the largest divisor ≤ √max_len.
std::pair<int64_t, int64_t> factor_lengths(const AttentionConfig& config) {
    int64_t a = config.integer("factorized_a"), b = config.integer("factorized_b");
    if (a == 0 && b == 0) {
        for (int64_t f = 1; f * f <= config.max_len; ++f)
            if (config.max_len % f == 0) a = f;
        b = config.max_len / a;
    }
    ATTNLAB_CHECK(a > 0 && b > 0 && a * b == config.max_len,
                  "factorized_dense: needs factorized_a · factorized_b = max_len, got a = ", a,
                  ", b = ", b, ", max_len = ", config.max_len);
    return {a, b};
}

}  // namespace

const KindInfo& factorized_dense_kind() {
    static const KindInfo kind = logit_kind<FactorizedDenseLogits>(
        "factorized_dense",
        {dense_hidden_option(),
         {"factorized_a", 0, 0, kMaxSequenceLength, {}},
         {"factorized_b", 0, 0, kMaxSequenceLength, {}}},
        [](const AttentionConfig& config, int64_t L) {
            const auto [a, b] = factor_lengths(config);
            const int64_t d = config.d_model, hn = config.heads * dense_hidden_width(config);
            return MixerFlops{2 * d * hn + 2 * hn * (a + b), 0};
        });
    return kind;
}

FactorizedDenseLogits::FactorizedDenseLogits(const AttentionConfig& config, Rng& rng)
    : heads_(config.heads), hidden_(dense_hidden_width(config)) {
    std::tie(a_, b_) = factor_lengths(config);
    w1_ = register_parameter("w1", Tensor::empty({config.d_model, heads_ * hidden_}));
    b1_ = register_parameter("b1", Tensor::zeros({heads_ * hidden_}));
    wa_ = register_parameter("wa", Tensor::empty({heads_, hidden_, a_}));
    ba_ = register_parameter("ba", Tensor::zeros({heads_, a_}));
    wb_ = register_parameter("wb", Tensor::empty({heads_, hidden_, b_}));
    bb_ = register_parameter("bb", Tensor::zeros({heads_, b_}));
    init::xavier_uniform(w1_, rng);
    init::xavier_uniform(wa_, rng);
    init::xavier_uniform(wb_, rng);
}

std::pair<Tensor, Tensor> FactorizedDenseLogits::factors(const Tensor& x) const {
    const Tensor hidden = dense_hidden_per_head(x, w1_, b1_, heads_);  // [h, N, n]
    return {add(matmul(hidden, wa_), reshape(ba_, {heads_, 1, a_})),   // [h, N, a]
            add(matmul(hidden, wb_), reshape(bb_, {heads_, 1, b_}))};  // [h, N, b]
}

Tensor FactorizedDenseLogits::rows(const Tensor& x, int64_t columns) const {
    const int64_t B = x.size(0), L = x.size(1), N = B * L;
    const auto [A, Bf] = factors(x);
    // C[j] = A[j / b] · B[j mod b]: the outer product [h, N, a, b] read row-major as [h, N, a·b].
    const Tensor outer = mul(reshape(A, {heads_, N, a_, 1}), reshape(Bf, {heads_, N, 1, b_}));
    const Tensor c = slice(reshape(outer, {heads_, N, a_ * b_}), 2, 0, columns);  // [h, N, c]
    return transpose(reshape(c, {heads_, B, L, columns}), 0, 1);                  // [B, h, L, c]
}

Tensor FactorizedDenseLogits::logits(const Tensor& x) {
    return rows(x, x.size(1));  // [B, h, L, L]
}

// Tiles of C[j] = A[j / b] · B[j mod b] straight from the factors [h, B·L, a] and [h, B·L, b].
TiledLogits FactorizedDenseLogits::tiles(const Tensor& x) {
    const int64_t L = x.size(1), N = x.size(0) * L;
    const auto [A, Bf] = factors(x);
    return {
        {A, Bf},
        std::make_shared<kernels::OuterTiles>(A.data(), kernels::View{L * a_, N * a_, a_},
                                              Bf.data(), kernels::View{L * b_, N * b_, b_}, b_)};
}

LogitRows FactorizedDenseLogits::start_rows() const {
    return [this](const Tensor& x, int64_t t) { return rows(x, t + 1); };
}

}  // namespace attnlab
