// attn_performer.h — Performer (FAVOR+) attention (Choromanski et al., ICLR 2021, §2 eq. (5) and
// Lemma 1 for the positive features; App. B.1 Algorithm 1 for the bidirectional and causal sums).
//
// Unlike the Synthesizer kinds it never forms L × L logits; it takes its own linear path:
//
//     q, k, v = x·W_q + b_q, x·W_k + b_k, x·W_v + b_v       split into h heads [B, h, L, dh]
//     φq = φ(q; ω), φk = φ(k; ω)                            [B, h, L, m'] (m' = m or 2m)
//     φk ← φk ⊙ key_padding                                 padded keys add nothing to the sums
//     Y = merge_heads(linear_attention(φq, φk, v, causal)) · W_o + b_o
//
// ω [m, dh] is shared by all heads and layers' calls; it is a frozen parameter
// ("performer.projection"): saved with the model, never given a gradient, and changed only by an
// explicit redraw(seed) (the trainer calls it every N steps; forward never redraws).
// Stabilizers: queries use PerToken (cancels exactly in D⁻¹, causal-safe); keys use the configured
// one, default None (exact and causal-safe); PerSequence is rejected for causal layers (it leaks
// the future). Key padding zeroes padded keys' features, so padded positions still get outputs
// (from the real keys) but never influence any other position.
// Decoding (token_mixer.h): causal FAVOR+ is a prefix sum, so a state is the running [S z] =
// Σ_j φk_j [v_j 1]ᵀ per head (engine/linear_attention.h's linear_attention_step), O(m·dh) per token
// whatever the context, with no max_len. A state copies ω when it starts, so a redraw during a
// generation changes nothing in it; every key stabiliser allowed when causal is per key.
//
// Options (PerformerOptions below): "performer_features" m (256), "performer_feature_kind"
// (softmax, hyperbolic, trig, relu), "performer_orthogonal" (true), "performer_key_stabilizer"
// (none, per_token, per_sequence).
// Parameters: "w_q", "w_k", "w_v", "w_o" (each "weight" [d, d] + "bias" [d]) and the frozen
// "performer.projection" [m, dh]. Trainable count: 4·(d² + d); all: 4·(d² + d) + m·dh.
// Forward FLOPs per token (kind.h): 8d² (W_q,k,v,o) + 4md (q and k feature projections) + 4m'd
// (the prefix sums φk ⊗ v and φq·S), m' = m, or 2m for hyperbolic and trig features.
#pragma once

#include "kind.h"
#include "performer_features.h"

namespace attnlab {

// The kind's options, read from an AttentionConfig (defaults and choices: performer_kind()).
struct PerformerOptions {
    explicit PerformerOptions(const AttentionConfig& config);
    int64_t features;            // m
    std::string feature_kind;    // softmax, hyperbolic, trig, relu
    bool orthogonal;             // orthogonal (ORF) vs iid projections
    std::string key_stabilizer;  // none, per_token, per_sequence
};

// The child module "performer" holding ω as its frozen parameter "projection" (Module names have
// no dots, so the checkpoint key "performer.projection" comes from this nesting).
class PerformerProjection : public Module {
  public:
    PerformerProjection(int64_t m, int64_t head_dim);
    const Tensor& omega() const { return omega_; }

  private:
    Tensor omega_;
};

class PerformerDecodeState;

class PerformerAttention : public TokenMixer {
  public:
    // Initialises w_q, w_k, w_v, w_o from `rng`, then draws ω with a seed taken from `rng`.
    PerformerAttention(const AttentionConfig& config, Rng& rng);

    // x [B, L, d] → [B, L, d]; key_padding (optional) [B, L] with 1 = real token, 0 = pad.
    Tensor forward(const Tensor& x, const Tensor& key_padding = Tensor()) override;

    // FAVOR+'s implicit attention matrix for x [B, L, d]: Â = D⁻¹ (φ(Q) φ(K)ᵀ ⊙ causal mask)
    // [B, h, L, L], the L × L weights the linear path never forms. For pictures and tests only
    // (O(L²) memory); rows sum to 1 up to the stabiliser.
    Tensor implicit_attention(const Tensor& x) const;

    // Redraws ω in place (same bits for the same seed).
    void redraw(uint64_t seed);
    bool redraw_features(uint64_t seed) override;

    // The running sums of `batch` sequences (see above).
    std::unique_ptr<DecodeState> start_decoding(int64_t batch) const override;

    // The implicit attention of x, whatever the choice.
    std::vector<AttentionPicture> attention_pictures(const Tensor& x, MapChoice choice) override;

    const Tensor& projection() const { return projection_.omega(); }
    const AttentionConfig& config() const override { return config_; }

  private:
    friend class PerformerDecodeState;

    // φ(x; omega) of the configured feature kind.
    Tensor features(const Tensor& x, Stabilizer stabilizer, const Tensor& omega) const;

    AttentionConfig config_;
    PerformerOptions options_;
    Linear w_q_, w_k_, w_v_, w_o_;
    Stabilizer key_stabilizer_;
    PerformerProjection projection_;
};

const KindInfo& performer_kind();

}  // namespace attnlab
