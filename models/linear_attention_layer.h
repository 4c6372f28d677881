// linear_attention_layer.h — the one linear-attention path shared by the kinds that replace the
// softmax by a kernel φ(q)·φ(k): the Performer (attn_performer.h, FAVOR+ random features or
// deterministic ReLU features) and the Linear Transformer (attn_linear_transformer.h, elu + 1).
// Katharopoulos et al., ICML 2020 (arXiv 2006.16236) eq. 2–6, the same sums as Choromanski et al.,
// ICLR 2021 (arXiv 2009.14794) App. B.1 Algorithm 1. The feature map is the only difference:
//
//     q, k, v = x·W_q + b_q, x·W_k + b_k, x·W_v + b_v       split into h heads [B, h, L, dh]
//     φq = φ_query(q), φk = φ_key(k)                        [B, h, L, m']
//     φk ← φk ⊙ key_padding                                 padded keys add nothing to the sums
//     out_i = φq_i·S_i / φq_i·z_i,  [S_i z_i] = Σ_j φk_j [v_j 1]ᵀ over every j, or j ≤ i when
//     causal Y = merge_heads(out) · W_o + b_o
//
// The sums run in engine/linear_attention.h (a fused op: gemms when bidirectional, a chunked prefix
// sum when causal, O(L·m'·dh) per head either way; never an L × L matrix). Key padding zeroes
// padded keys' features, so padded positions still get outputs (from the real keys) but never
// influence any other position.
// Decoding (token_mixer.h): causal, the path is a prefix sum, so a state is the running [S z] per
// head (linear_attention_step), O(m'·dh) per token whatever the context, with no max_len. A state
// takes a frozen copy of the feature map when it starts (frozen_feature_map), so a redraw of random
// features during a generation does not reach it.
// Parameters: "w_q", "w_k", "w_v", "w_o" (each "weight" [d, d] + "bias" [d]): 4·(d² + d), plus
// whatever the kind's map holds. Forward FLOPs per token: 8d² (W_q,k,v,o) + 4m'd (φk ⊗ v into the
// sums and φq·S out of them, summed over heads) + the map's own (linear_attention_flops).
#pragma once

#include <functional>

#include "linear.h"
#include "token_mixer.h"

namespace attnlab {

// A kind's φ for queries and for keys: [B, h, L, dh] → [B, h, L, m'] (m' the same for both).
// Differentiable compositions of engine ops; a map may hold constants (a projection ω).
struct FeatureMap {
    std::function<Tensor(const Tensor&)> queries, keys;
};

// Forward FLOPs per token of the shared path for model width d and m' features per head (see the
// header comment); a kind adds its map's own cost.
int64_t linear_attention_flops(int64_t d, int64_t features_per_head);

class LinearAttentionLayer : public TokenMixer {
  public:
    // x [B, L, d] → [B, L, d]; key_padding (optional) [B, L] with 1 = real token, 0 = pad.
    Tensor forward(const Tensor& x, const Tensor& key_padding = Tensor()) override;

    // The implicit attention matrix for x [B, L, d]: Â = D⁻¹ (φ(Q) φ(K)ᵀ ⊙ causal mask)
    // [B, h, L, L], the L × L weights the linear path never forms. For pictures and tests only
    // (O(L²) memory); rows sum to 1.
    Tensor implicit_attention(const Tensor& x) const;

    // The running sums of `batch` sequences (see above).
    std::unique_ptr<DecodeState> start_decoding(int64_t batch) const override;

    // The implicit attention of x, whatever the choice.
    std::vector<AttentionPicture> attention_pictures(const Tensor& x, MapChoice choice) override;

    const AttentionConfig& config() const override { return config_; }

  protected:
    // Checks d and h, then initialises and registers w_q, w_k, w_v, w_o from `rng` in that order.
    LinearAttentionLayer(const AttentionConfig& config, Rng& rng);

    // The kind's φ as it is now (may share storage with the layer's parameters).
    virtual FeatureMap feature_map() const = 0;
    // A φ that later changes of the layer (a redraw) leave alone: what a decoding state keeps.
    // Maps without state can return feature_map().
    virtual FeatureMap frozen_feature_map() const = 0;

  private:
    friend class LinearAttentionDecodeState;

    AttentionConfig config_;
    Linear w_q_, w_k_, w_v_, w_o_;
};

}  // namespace attnlab
