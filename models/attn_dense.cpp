// attn_dense.cpp — Dense Synthesizer logits: a two-layer ReLU MLP per head, token → row of logits.
#include "attn_dense.h"

#include "engine/init.h"
#include "engine/ops.h"

namespace attnlab {

OptionSpec dense_hidden_option() {
    return {"dense_hidden", 0, 0, kMaxWidth, {}};
}

int64_t dense_hidden_width(const AttentionConfig& config) {
    const int64_t hidden = config.integer("dense_hidden");
    return hidden > 0 ? hidden : config.d_model / config.heads;
}

const KindInfo& dense_kind() {
    static const KindInfo kind = logit_kind<DenseLogits>(
        "dense", {dense_hidden_option()}, [](const AttentionConfig& config, int64_t L) {
            const int64_t d = config.d_model, hn = config.heads * dense_hidden_width(config);
            return MixerFlops{2 * d * hn + 2 * hn * L, 0};
        });
    return kind;
}

Tensor dense_hidden_per_head(const Tensor& x, const Tensor& w1, const Tensor& b1, int64_t heads) {
    const int64_t B = x.size(0), L = x.size(1), hidden = w1.size(1) / heads;
    const Tensor h = relu(linear(x, w1, b1));                    // [B, L, h·n]
    return transpose(reshape(h, {B * L, heads, hidden}), 0, 1);  // [h, B·L, n]
}

DenseLogits::DenseLogits(const AttentionConfig& config, Rng& rng)
    : heads_(config.heads), hidden_(dense_hidden_width(config)), max_len_(config.max_len) {
    w1_ = register_parameter("w1", Tensor::empty({config.d_model, heads_ * hidden_}));
    b1_ = register_parameter("b1", Tensor::zeros({heads_ * hidden_}));
    w2_ = register_parameter("w2", Tensor::empty({heads_, hidden_, max_len_}));
    b2_ = register_parameter("b2", Tensor::zeros({heads_, max_len_}));
    init::xavier_uniform(w1_, rng);
    init::xavier_uniform(w2_, rng);  // per head: fans (n, max_len)
}

Tensor DenseLogits::rows(const Tensor& x, int64_t columns) const {
    const int64_t B = x.size(0), L = x.size(1);
    const Tensor hidden = dense_hidden_per_head(x, w1_, b1_, heads_);  // [h, B·L, n]
    // Only the first `columns` of the max_len output columns are used: slice the weights first.
    const Tensor w2 = slice(w2_, 2, 0, columns);                                 // [h, n, c]
    const Tensor b2 = reshape(slice(b2_, 1, 0, columns), {heads_, 1, columns});  // [h, 1, c]
    const Tensor s = add(matmul(hidden, w2), b2);                                // [h, B·L, c]
    return transpose(reshape(s, {heads_, B, L, columns}), 0, 1);                 // [B, h, L, c]
}

Tensor DenseLogits::logits(const Tensor& x) {
    return rows(x, x.size(1));  // [B, h, L, L]
}

// Tiles of hidden · W2 + b2: the hidden layer [h, B·L, n] as queries, W2 [h, n, max_len] as
// transposed keys shared by the batch, b2 [h, max_len] as the column bias.
TiledLogits DenseLogits::tiles(const Tensor& x) {
    const int64_t L = x.size(1), N = x.size(0) * L;
    const Tensor hidden = dense_hidden_per_head(x, w1_, b1_, heads_);
    const kernels::View hidden_view{L * hidden_, N * hidden_, hidden_};
    const kernels::View w2_view{0, hidden_ * max_len_, max_len_};
    return {{hidden, w2_, b2_},
            std::make_shared<kernels::ProductTiles>(hidden.data(), hidden_view, w2_.data(), w2_view,
                                                    true, hidden_, b2_.data(), max_len_)};
}

// Every step computes all max_len columns and slices the result: the same sizes each step, so the
// buffer pool reuses one block instead of keeping one of every width (O(L²) memory in all).
LogitRows DenseLogits::start_rows() const {
    return [this](const Tensor& x, int64_t t) { return slice(rows(x, max_len_), 3, 0, t + 1); };
}

}  // namespace attnlab
