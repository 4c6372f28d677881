// attn_performer.h — Performer (FAVOR+) attention (Choromanski et al., ICLR 2021, arXiv 2009.14794,
// §2 eq. (5) and Lemma 1 for the positive features, §2.2 for the generalised (ReLU) kernels; App.
// B.1 Algorithm 1 for the bidirectional and causal sums).
//
// Unlike the Synthesizer kinds it never forms L × L logits; it is a LinearAttentionLayer
// (linear_attention_layer.h: projections, key padding, the fused sums, decoding) whose feature
// map φ is one of:
//     softmax      FAVOR+ positive random features exp(ωᵀx − ‖x‖²/2) / √m (x scaled by dh^(−1/4)),
//                  m' = m: φ(q)·φ(k) estimates the softmax kernel exp(qᵀk/√dh) without bias
//     hyperbolic   exp(±ωᵀx − ‖x‖²/2) / √(2m), m' = 2m
//     trig         exp(‖x‖²/2) [sin ωᵀx | cos ωᵀx] / √m, m' = 2m (not positive: an ablation arm)
//     relu, elu_plus_one, exp
//                  generalised features f(ωᵀx) + 0.001 with random ω (x scaled by dh^(−1/4); §2.2
//                  with f = relu, elu + 1, exp), m' = m
//     relu_deterministic, elu_plus_one_deterministic, exp_deterministic
//                  f(x) + 0.001 on the head's query and key directly (§2.2 with no random
//                  projection; relu is what the LRA Performer runs, docs/papers.md §3.7), m' = dh.
//                  Nothing is random, so performer_features, performer_orthogonal and
//                  performer_redraw_every_call are ignored, the layer holds no ω and there is
//                  nothing to redraw; the key stabiliser is ignored too (but per_sequence is still
//                  refused when causal, as for every map). exp overflows on large inputs.
// The random maps share ω [m, dh] by every head; it is a frozen parameter ("performer.projection"):
// saved with the model, never given a gradient, and changed only by a redraw: redraw(seed) (the
// trainer calls it every N steps), or, with performer_redraw_every_call, every forward call in
// training mode (LRA ListOps's setting). Each such call draws a fresh ω from mix(s, n), with s the
// seed of the layer's first ω (taken from the construction rng) and n a random counter of the
// layer (saved in checkpoints, so a resumed run draws what the uninterrupted one would); the call
// computes with its own ω, then leaves it in the parameter, where eval mode, pictures, decoding and
// checkpoints find it. Eval-mode calls never draw.
// Stabilizers (softmax and hyperbolic; the others ignore them): queries use PerToken (cancels
// exactly in D⁻¹, causal-safe); keys use the configured one, default None (exact and causal-safe);
// PerSequence is rejected for causal layers (it leaks the future).
// Decoding: the running sums of the shared layer; a state copies ω when it starts, so a redraw
// during a generation changes nothing in it; every key stabiliser allowed when causal is per key.
//
// Options (PerformerOptions below): "performer_features" m (256), "performer_feature_kind"
// (softmax, hyperbolic, trig, relu, elu_plus_one, exp, relu_deterministic,
// elu_plus_one_deterministic, exp_deterministic), "performer_orthogonal" (true),
// "performer_key_stabilizer" (none, per_token, per_sequence), "performer_redraw_every_call"
// (false).
// Parameters: "w_q", "w_k", "w_v", "w_o" (each "weight" [d, d] + "bias" [d]) and, for the random
// maps, the frozen "performer.projection" [m, dh]. Trainable count: 4·(d² + d); all: 4·(d² + d) +
// m·dh (the *_deterministic maps: 4·(d² + d)).
// Forward FLOPs per token (kind.h): 8d² (W_q,k,v,o) + 4md (q and k feature projections, none for
// the deterministic maps) + 4m'd (the prefix sums φk ⊗ v and φq·S), m' as above.
#pragma once

#include "kind.h"
#include "linear_attention_layer.h"
#include "performer_features.h"

namespace attnlab {

// The kind's options, read from an AttentionConfig (defaults and choices: performer_kind()).
struct PerformerOptions {
    explicit PerformerOptions(const AttentionConfig& config);
    int64_t features;            // m
    std::string feature_kind;    // one of the maps above
    bool orthogonal;             // orthogonal (ORF) vs iid projections
    std::string key_stabilizer;  // none, per_token, per_sequence
    bool redraw_every_call;      // a fresh ω on every forward call in training mode
    // Whether the map projects on a random ω (all but the *_deterministic maps).
    bool random() const;
    // m' per head for the head width dh.
    int64_t features_per_head(int64_t head_dim) const;
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

class PerformerAttention : public LinearAttentionLayer {
  public:
    // Initialises w_q, w_k, w_v, w_o from `rng`, then (random maps) draws ω with a seed taken from
    // `rng`.
    PerformerAttention(const AttentionConfig& config, Rng& rng);

    // With performer_redraw_every_call in training mode, draws this call's ω first (see above).
    Tensor forward(const Tensor& x, const Tensor& key_padding = Tensor()) override;

    // Redraws ω in place (same bits for the same seed); nothing for the deterministic maps.
    void redraw(uint64_t seed);
    // Redraws and returns true, or returns false for the deterministic maps (no random features).
    bool redraw_features(uint64_t seed) override;

    // ω [m, dh], or an undefined tensor for the deterministic maps.
    const Tensor& projection() const;

  protected:
    FeatureMap feature_map() const override;
    // The same map on a copy of ω.
    FeatureMap frozen_feature_map() const override;

  private:
    // φ of the configured kind on `omega` (unused by the deterministic maps).
    FeatureMap features_on(const Tensor& omega) const;
    // A fresh ω [m, dh] drawn from `seed` as the options say.
    Tensor draw(uint64_t seed) const;

    PerformerOptions options_;
    Stabilizer key_stabilizer_;
    std::unique_ptr<PerformerProjection> projection_;  // null for the deterministic maps
    uint64_t first_seed_ = 0;   // the seed of the first ω: per-call draws are mix(first_seed_, n)
    uint64_t calls_drawn_ = 0;  // n, a random counter when redrawing every call
    Tensor call_omega_;         // this forward call's own ω while it runs (per-call draws)
};

const KindInfo& performer_kind();

}  // namespace attnlab
