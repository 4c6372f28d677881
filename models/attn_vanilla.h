// attn_vanilla.h — dot-product logits (Vaswani et al., 2017, eq. 1; the Synthesizer paper's
// baseline): per head q = x · W_q, k = x · W_k and S = q kᵀ / √(d/h). Causal: S only on the
// block lower triangle (causal_scores), 0 above it, where the mask removes every entry anyway.
//
// Decoding (attention.h): row t is q_t [k_0 … k_t]ᵀ / √(d/h) from a cache of the keys so far.
//
// Parameters: "w_q.{weight,bias}", "w_k.{weight,bias}", each [d, d] + [d].
// Count: 2·(d² + d).
// Forward FLOPs per token (kind.h): 4d² (W_q, W_k) + 2Ld (Q·Kᵀ). No options.
#pragma once

#include "kind.h"

namespace attnlab {

class VanillaLogits : public LogitSource {
  public:
    VanillaLogits(const AttentionConfig& config, Rng& rng);
    Tensor logits(const Tensor& x) override;  // [B, L, d] → [B, h, L, L]
    std::string name() const override { return "vanilla"; }
    bool alignment_by_default() const override { return false; }
    LogitRows start_rows() const override;
    TiledLogits tiles(const Tensor& x) override;

  private:
    Tensor scaled_queries(const Tensor& x) const;  // [B, L, d] → q / √dh [B, h, L, dh]
    Tensor keys(const Tensor& x) const;            // [B, L, d] → k [B, h, L, dh]

    int64_t heads_;
    bool causal_;
    Linear w_q_, w_k_;
};

const KindInfo& vanilla_kind();

}  // namespace attnlab
