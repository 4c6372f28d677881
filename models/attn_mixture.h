// attn_mixture.h — mixtures of attention kinds (Tay et al., Synthesizer §3.3: the variants "can
// be mixed in an additive fashion"), e.g. "random+vanilla" (R+V), "dense+vanilla", "random+dense".
//
// Formula: with N components of logits S_i and one learned scalar α_i each (initialised to 0, so
// every component starts with weight 1/N),
//     S = Σ_i w_i · S_i,   w = softmax(α),   then the frame's single softmax(S + mask),
// i.e. the logits are mixed BEFORE the softmax. Why: the paper only says "additive"; secondary
// sources write Softmax(α1 S1 + … + αN SN) with learnable α summing to 1, and the authors' Mesh-TF
// code (random_plus_alpha, the default) computes (1 − σ(α)) · q kᵀ + σ(α) · R with α initialised 0,
// one softmax. softmax(α) keeps Σ w = 1 for any N, and for N = 2 it is exactly that code's form:
// softmax(α1, α2)_2 = σ(α2 − α1). (The LRA code sums logits with no weights: a fixed w_i = 1.)
//
// Decoding (attention.h): row t is Σ_i w_i · (row t of S_i), each component keeping its own rows.
//
// Parameters: "alpha" [N], then each component's under its own name ("mixture.random.r").
// Count: N + Σ_i count(component i).
#pragma once

#include <vector>

#include "attention.h"

namespace attnlab {

class MixtureLogits : public LogitSource {
  public:
    MixtureLogits(std::vector<std::unique_ptr<LogitSource>> components, int64_t heads);
    Tensor logits(const Tensor& x) override;  // [B, L, d] → [B or 1, h, L, L]
    std::string name() const override { return "mixture"; }
    std::vector<LogitSource*> parts() override;
    LogitRows start_rows() const override;
    TiledLogits tiles(const Tensor& x) override;

    const Tensor& alpha() const { return alpha_; }

  private:
    // Σ_i softmax(α)_i · term(i) over the components' logits (or rows) term(i).
    Tensor weighted_sum(const std::function<Tensor(size_t)>& term) const;

    std::vector<std::unique_ptr<LogitSource>> components_;
    int64_t heads_;
    Tensor alpha_;
};

}  // namespace attnlab
