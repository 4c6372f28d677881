// linear.h — the affine layer y = x · W + b with W stored [in, out] (engine/init.h's fan
// convention), so the forward is one matmul against a shared 2-d weight for any leading dims.
//
// Parameters: "weight" [in, out] (Xavier-uniform), "bias" [out] (zeros; omitted when bias = false).
// Count: in·out + out.
#pragma once

#include "engine/rng.h"
#include "module.h"

namespace attnlab {

class Linear : public Module {
  public:
    Linear(int64_t in_features, int64_t out_features, Rng& rng, bool bias = true);

    Tensor forward(const Tensor& x) const;  // x [..., in] → [..., out]

    const Tensor& weight() const { return weight_; }
    const Tensor& bias() const { return bias_; }  // undefined without bias

  private:
    Tensor weight_, bias_;
};

}  // namespace attnlab
