// attn_mixture.h — mixtures of attention kinds (Tay et al., Synthesizer §3.3: the variants "can
// be mixed in an additive fashion"), e.g. "random+vanilla" (R+V), "dense+vanilla", "random+dense".
//
// Formula: with N components of logits S_i and one learned scalar α_i each (initialised to 0, so
// every component starts with weight 1/N),
//     S = Σ_i w_i · S_i,   w = softmax(α),   then the frame's single softmax(S + mask),
// or, with the option "mixture_weights" = "ones", the plain sum S = Σ_i S_i (w_i = 1, no α: the
// LRA Synthesizer's dot-product + Random logits),
// i.e. the logits are mixed BEFORE the softmax. Why: the paper only says "additive"; secondary
// sources write Softmax(α1 S1 + … + αN SN) with learnable α summing to 1, and the authors' Mesh-TF
// code (random_plus_alpha, the default) computes (1 − σ(α)) · q kᵀ + σ(α) · R with α initialised 0,
// one softmax. softmax(α) keeps Σ w = 1 for any N, and for N = 2 it is exactly that code's form:
// softmax(α1, α2)_2 = σ(α2 − α1). (The LRA code sums logits with no weights: a fixed w_i = 1.)
//
// Decoding (attention.h): row t is Σ_i w_i · (row t of S_i), each component keeping its own rows.
//
// Option (the softmax frame's, declared here: mixture_weights_option()): "mixture_weights",
// "learned" (default, softmax(α)) or "ones" (the plain sum); kinds that are not mixtures ignore it.
// Parameters: "alpha" [N] ("learned" only), then each component's under its own name
// ("mixture.random.r"). Count: N + Σ_i count(component i), or Σ_i count(component i) with "ones".
#pragma once

#include <vector>

#include "attention.h"
#include "kind.h"

namespace attnlab {

// "mixture_weights": "learned" or "ones" (see above).
const OptionSpec& mixture_weights_option();

class MixtureLogits : public LogitSource {
  public:
    // `weights`: "learned" (softmax(α)) or "ones" (the plain sum); anything else throws.
    MixtureLogits(std::vector<std::unique_ptr<LogitSource>> components, int64_t heads,
                  const std::string& weights = "learned");
    Tensor logits(const Tensor& x) override;  // [B, L, d] → [B or 1, h, L, L]
    std::string name() const override { return "mixture"; }
    std::vector<LogitSource*> parts() override;
    LogitRows start_rows() const override;
    TiledLogits tiles(const Tensor& x) override;

    // α [N], undefined with the plain sum.
    const Tensor& alpha() const { return alpha_; }

  private:
    // softmax(α), or N ones (a constant) for the plain sum.
    Tensor weights() const;
    // Σ_i w_i · term(i) over the components' logits (or rows) term(i).
    Tensor weighted_sum(const std::function<Tensor(size_t)>& term) const;

    std::vector<std::unique_ptr<LogitSource>> components_;
    int64_t heads_;
    Tensor alpha_;
};

}  // namespace attnlab
