// attn_linear_transformer.h — the Linear Transformer (Katharopoulos et al., "Transformers are RNNs:
// Fast Autoregressive Transformers with Linear Attention", ICML 2020, arXiv 2006.16236): softmax
// attention's similarity exp(qᵀk/√d) replaced by the kernel φ(q)ᵀφ(k) with (§3.2.1, eq. 7)
//
//     φ(x) = elu(x) + 1        elementwise on each head's query and key, m' = dh features per head,
//
// positive everywhere, so every row's normaliser φ(q_i)ᵀ Σ_j φ(k_j) is > 0. The output (eq. 4–6)
//     V'_i = φ(Q_i)ᵀ Σ_j φ(K_j) V_jᵀ / φ(Q_i)ᵀ Σ_j φ(K_j)
// sums over every j (bidirectional) or j ≤ i (causal, eq. 8–9 with S_i = Σ_{j≤i} φ(K_j) V_jᵀ and
// Z_i = Σ_{j≤i} φ(K_j), the RNN form of §3.4). It is the Performer's path with another map: a
// LinearAttentionLayer (linear_attention_layer.h) for projections, key padding, the fused sums and
// incremental decoding (the running [S z] of eq. 8–9, O(dh²) per head per token). No dropout.
//
// Options: none. Nothing is random: no projection, nothing to redraw.
// Parameters: "w_q", "w_k", "w_v", "w_o" (each "weight" [d, d] + "bias" [d]): 4·(d² + d).
// Forward FLOPs per token (kind.h): 8d² (W_q,k,v,o) + 4·dh·d (φk ⊗ v into the sums and φq·S out of
// them, over the h heads), dh = d / h.
#pragma once

#include "kind.h"
#include "linear_attention_layer.h"

namespace attnlab {

// φ(x) = elu(x) + 1 [..., dh] → [..., dh]: the Performer's deterministic elu + 1 features
// (performer_features.h) with epsilon 0.
Tensor elu_plus_one_features(const Tensor& x);

class LinearTransformerAttention : public LinearAttentionLayer {
  public:
    // Initialises w_q, w_k, w_v, w_o from `rng`.
    LinearTransformerAttention(const AttentionConfig& config, Rng& rng);

  protected:
    FeatureMap feature_map() const override;
    FeatureMap frozen_feature_map() const override { return feature_map(); }
};

const KindInfo& linear_transformer_kind();

}  // namespace attnlab
