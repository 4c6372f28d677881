// attn_dense.h — the Dense Synthesizer (Tay et al., "Synthesizer: Rethinking Self-Attention for
// Transformer Models", §3.1, eq. (1)–(2)): each token predicts the logits of its own row,
//     B_i = F(X_i) = W2 σ_R(W1 X_i + b1) + b2,    F: R^d → R^{max_len}, per head,
// with the output sliced to the first L columns for inputs shorter than max_len. As in the
// authors' Mesh-TF code (dense_minus), W1 X is a per-head projection d → n (n = dense_hidden,
// default d/h, like a query projection); W2 maps each head's n features to max_len logits.
//
// Decoding (attention.h): row t is F(X_t) sliced to its first t + 1 columns, from the new token
// alone.
//
// Option: "dense_hidden" = n, 0 (the default) for d/h; shared with Factorized Dense.
// Parameters: "w1" [d, h·n], "b1" [h·n], "w2" [h, n, max_len], "b2" [h, max_len].
// Count: d·h·n + h·n + h·n·max_len + h·max_len.
// Forward FLOPs per token (kind.h): 2d·hn (W1) + 2·hn·L (W2 sliced to L columns).
#pragma once

#include "kind.h"

namespace attnlab {

class DenseLogits : public LogitSource {
  public:
    DenseLogits(const AttentionConfig& config, Rng& rng);
    Tensor logits(const Tensor& x) override;  // [B, L, d] → [B, h, L, L]
    std::string name() const override { return "dense"; }
    LogitRows start_rows() const override;
    TiledLogits tiles(const Tensor& x) override;

  private:
    // x [B, L, d] → each token's logits over the first `columns` keys [B, h, L, columns].
    Tensor rows(const Tensor& x, int64_t columns) const;

    int64_t heads_, hidden_, max_len_;
    Tensor w1_, b1_, w2_, b2_;
};

// σ_R(x · W1 + b1) rearranged per head: x [B, L, d] → [h, B·L, n] (shared by Factorized Dense).
Tensor dense_hidden_per_head(const Tensor& x, const Tensor& w1, const Tensor& b1, int64_t heads);
// The option "dense_hidden" (0 → d/h), and the hidden width per head it gives.
OptionSpec dense_hidden_option();
int64_t dense_hidden_width(const AttentionConfig& config);

const KindInfo& dense_kind();

}  // namespace attnlab
