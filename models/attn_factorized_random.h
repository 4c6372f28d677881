// attn_factorized_random.h — the Factorized Random Synthesizer (Tay et al., Synthesizer §3.2,
// "Factorized Random Synthesizer"): Y = Softmax(R1 R2ᵀ) G(X) with R1, R2 ∈ R^{l×k} per head,
// "reduces the parameter costs from l² to 2(lk)"; the paper uses k = 8 (config.factorized_k).
// Shared by the batch; the top-left L × L block is R1[:L] R2[:L]ᵀ.
// Decoding (attention.h): row t is R1[t] R2[:t + 1]ᵀ; nothing is kept beyond the frame's values.
//
// Initialisation (not stated in docs/papers.md): R1, R2 ~ N(0, σ²) with σ = (k · max_len)^(−1/4),
// so each logit Σ_k R1 R2 has variance k σ⁴ = 1/max_len, the same as the Random Synthesizer's R.
//
// Option: "factorized_k" = k (default 8).
// Parameters: "r1" [h, max_len, k], "r2" [h, max_len, k].   Count: 2·h·max_len·k.
// Forward FLOPs (kind.h): none per token, but 2·h·L²·k per step: R1·R2ᵀ is computed once per
// forward and shared by the batch.
#pragma once

#include "kind.h"

namespace attnlab {

class FactorizedRandomLogits : public LogitSource {
  public:
    FactorizedRandomLogits(const AttentionConfig& config, Rng& rng);
    Tensor logits(const Tensor& x) override;  // → [1, h, L, L] for x [B, L, d]
    std::string name() const override { return "factorized_random"; }
    LogitRows start_rows() const override;
    TiledLogits tiles(const Tensor& x) override;

  private:
    // R1[first : end] R2[: columns]ᵀ → [1, h, end − first, columns].
    Tensor block(int64_t first, int64_t end, int64_t columns) const;

    Tensor r1_, r2_;
};

const KindInfo& factorized_random_kind();

}  // namespace attnlab
