// attn_random.h — the Random and Fixed Random Synthesizers (Tay et al., Synthesizer §3.2,
// "Random Synthesizer"): Y = Softmax(R) G(X) with R ∈ R^{l×l} per head, independent of the input
// and shared by the whole batch; R is trained ("random") or kept at its initial value
// ("fixed_random"; still a registered, saved parameter, with trainable = false).
// Inputs shorter than max_len use the top-left L × L block; longer ones are an error (frame).
// Decoding (attention.h): row t is R[t, :t + 1]; nothing is kept beyond the frame's values.
//
// Initialisation: docs/papers.md records none, so R ~ N(0, 1/max_len) (σ = 1/√max_len): small
// logits, so attention starts near uniform, as dot-product attention does with Xavier-initialised
// W_q, W_k.
//
// Parameters: "r" [h, max_len, max_len].   Count: h·max_len² (trainable: 0 for fixed_random).
// Forward FLOPs (kind.h): none; R is a parameter. No options.
#pragma once

#include "kind.h"

namespace attnlab {

class RandomLogits : public LogitSource {
  public:
    RandomLogits(const AttentionConfig& config, Rng& rng, bool trainable);
    Tensor logits(const Tensor& x) override;  // → [1, h, L, L] for x [B, L, d]
    std::string name() const override { return trainable_ ? "random" : "fixed_random"; }
    LogitRows start_rows() const override;
    TiledLogits tiles(const Tensor& x) override;

    const Tensor& r() const { return r_; }

  private:
    // R[first : end, : columns] → [1, h, end − first, columns].
    Tensor block(int64_t first, int64_t end, int64_t columns) const;

    bool trainable_;
    Tensor r_;
};

const KindInfo& random_kind();
const KindInfo& fixed_random_kind();

}  // namespace attnlab
