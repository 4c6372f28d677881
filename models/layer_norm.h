// layer_norm.h — LayerNorm as a module: y = (x − μ) · rstd · γ + β over the last axis.
//
// Parameters: "gamma" [d] (ones), "beta" [d] (zeros). Count: 2d.
#pragma once

#include "module.h"

namespace attnlab {

class LayerNorm : public Module {
  public:
    explicit LayerNorm(int64_t d_model, double eps = 1e-5);

    Tensor forward(const Tensor& x) const;  // x [..., d] → [..., d]

  private:
    Tensor gamma_, beta_;
    double eps_;
};

}  // namespace attnlab
