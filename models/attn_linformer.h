// attn_linformer.h — Linformer attention (Wang et al. 2020, "Linformer: Self-Attention with Linear
// Complexity", §4 eq. (7)): keys and values are projected along the LENGTH axis, L → k, so the
// attention matrix is L × k instead of L × L:
//
//     q, k, v = x·W_q + b_q, x·W_k + b_k, x·W_v + b_v      [B, L, d], split into h heads
//     k ← k ⊙ key_padding,  v ← v ⊙ key_padding            padded rows zeroed (see below)
//     K̄ = E[:, :L] k,  V̄ = E[:, :L] v                      [B, h, k, dh]
//     P = softmax(q K̄ᵀ / √dh)                               [B, h, L, k], dropout (training only)
//     Y = merge_heads(P V̄) · W_o + b_o                      [B, L, d]
//
// Sharing: one E [k, max_len] per layer, shared by all heads and by keys and values (the paper's
// "key-value sharing", §4), which is LRA's setup (LRA App. B.1: shared between K and V, not across
// layers; its code has one `lr_kernel` per layer). Inputs shorter than max_len use E's first L
// columns (as LRA's code slices its kernel); longer ones are an error. Bidirectional only: every
// projected key mixes all positions, so no causal mask exists (causal = true throws).
//
// Key padding: the k projected keys are mixtures of positions, not positions, so an additive −∞
// mask on P cannot remove a padded token. Zeroing the padded rows of k and v (after their biases)
// removes every term a padded token contributes to K̄ = Σ_j E[:, j] k_j and V̄: real outputs do not
// depend on padded tokens at all, and with right padding they equal the outputs for the unpadded
// sequence (E[:, :L_real] applied to the real rows). Padded positions still get outputs (their
// queries attend to K̄), as in the Performer layer. LRA's code ignores the mask entirely.
//
// Initialisation: W_* Xavier-uniform (Linear). E ~ N(0, 1/max_len), LRA's choice: its `lr_kernel`
// [max_len, k] uses Flax's default lecun_normal, variance 1/fan_in = 1/max_len (a truncated normal
// there, a plain normal here). Each projected row Σ_j E[r, j] k_j then has the variance of one key
// row times L/max_len ≤ 1, so initial logits and outputs are on vanilla attention's scale. (The
// paper's analysis draws R with N(0, 1/k) entries, a Johnson–Lindenstrauss map preserving column
// norms, which makes projected rows √(L/k) times larger; the authors' fairseq code uses Xavier with
// gain 1/√2, variance 1/(max_len + k), close to LRA's.)
//
// Parameters: "w_q", "w_k", "w_v", "w_o" (each "weight" [d, d] + "bias" [d]) and "linformer.e"
// [k, max_len] (a child module "linformer", the same nesting trick as "performer.projection").
// Count (all trainable): 4·(d² + d) + k·max_len.
// Option: "linformer_k" = k (default 32).
// Forward FLOPs per token (kind.h): 8d² (W_q,k,v,o) + 8kd (E·K, E·V, Q·K̄ᵀ, P·V̄: 2kd each).
#pragma once

#include "kind.h"

namespace attnlab {

// The child module "linformer" holding the length projection E [k, max_len] as parameter "e".
class LinformerProjection : public Module {
  public:
    LinformerProjection(int64_t k, int64_t max_len, Rng& rng);
    const Tensor& e() const { return e_; }

  private:
    Tensor e_;
};

class LinformerAttention : public TokenMixer {
  public:
    // Initialises, in order: w_q, w_k, w_v, w_o, then E, all from `rng`.
    LinformerAttention(const AttentionConfig& config, Rng& rng);

    // x [B, L, d] (L ≤ max_len) → [B, L, d]; key_padding (optional) [B, L], 1 = real, 0 = pad.
    Tensor forward(const Tensor& x, const Tensor& key_padding = Tensor()) override;

    // The attention weights P = softmax(Q K̄ᵀ / √dh) [B, h, L, k] of x, queries against the k
    // projected keys (no dropout, no graph), computed on demand: the forward keeps none.
    Tensor weights(const Tensor& x, const Tensor& key_padding = Tensor());
    const Tensor& projection() const { return projection_.e(); }
    const AttentionConfig& config() const override { return config_; }

    // The weights over the projected keys of x, whatever the choice.
    std::vector<AttentionPicture> attention_pictures(const Tensor& x, MapChoice choice) override;

  private:
    // The weights [B, h, L, k] and the projected values V̄ᵀ [B, h, dh, k] of x.
    struct Projected {
        Tensor weights, values_t;
    };
    Projected project(const Tensor& x, const Tensor& key_padding);

    AttentionConfig config_;
    Linear w_q_, w_k_, w_v_, w_o_;
    LinformerProjection projection_;
    uint64_t dropout_calls_ = 0;
};

const KindInfo& linformer_kind();

}  // namespace attnlab
