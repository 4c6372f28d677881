// attn_factorized_dense.h — the Factorized Dense Synthesizer (Tay et al., Synthesizer §3.1,
// "Factorized Dense Synthesizer"): per head and token, A = F_A(X_i) ∈ R^a and B = F_B(X_i) ∈ R^b
// with a · b = max_len, and the row of logits is C = H_A(A) ∗ H_B(B) (elementwise), H_A and H_B
// tiling functions to length a·b. The paper composes them "to avoid having similar values within
// the same block": here H_A repeats each entry of A b times and H_B tiles the whole of B a times,
//     C[j] = A[j / b] · B[j mod b],   j < max_len,
// i.e. C is the flattened outer product A ⊗ B, so each block of b columns has b distinct values.
// Columns beyond L are dropped for shorter inputs. F_A and F_B share the first ReLU layer of the
// Dense Synthesizer (d → n per head) and each have their own output layer.
// Decoding (attention.h): row t is C of the new token cut to its first t + 1 columns.
//
// Options: "factorized_a", "factorized_b" (both 0, the default: a = the largest divisor of max_len
// ≤ √max_len), and Dense's "dense_hidden" = n.
// Parameters: "w1" [d, h·n], "b1" [h·n], "wa" [h, n, a], "ba" [h, a], "wb" [h, n, b], "bb" [h, b].
// Count: d·h·n + h·n + h·n·(a + b) + h·(a + b).
// Forward FLOPs per token (kind.h): 2d·hn (W1) + 2·hn·(a + b) (W_A, W_B; A ⊗ B is elementwise).
#pragma once

#include "kind.h"

namespace attnlab {

class FactorizedDenseLogits : public LogitSource {
  public:
    FactorizedDenseLogits(const AttentionConfig& config, Rng& rng);
    Tensor logits(const Tensor& x) override;  // [B, L, d] → [B, h, L, L]
    std::string name() const override { return "factorized_dense"; }
    LogitRows start_rows() const override;
    TiledLogits tiles(const Tensor& x) override;

    int64_t a() const { return a_; }
    int64_t b() const { return b_; }

  private:
    // x [B, L, d] → each token's logits over the first `columns` keys [B, h, L, columns].
    Tensor rows(const Tensor& x, int64_t columns) const;
    // x [B, L, d] → the factors A [h, B·L, a] and B [h, B·L, b].
    std::pair<Tensor, Tensor> factors(const Tensor& x) const;

    int64_t heads_, hidden_, a_, b_;
    Tensor w1_, b1_, wa_, ba_, wb_, bb_;
};

const KindInfo& factorized_dense_kind();

}  // namespace attnlab
