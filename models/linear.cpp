// linear.cpp — Linear: Xavier-uniform weight, zero bias, y = x · W + b.
#include "linear.h"

#include "engine/init.h"
#include "engine/ops.h"

namespace attnlab {

Linear::Linear(int64_t in_features, int64_t out_features, Rng& rng, bool bias) {
    ATTNLAB_CHECK(in_features > 0 && out_features > 0, "Linear: features must be positive, got in ",
                  in_features, ", out ", out_features);
    weight_ = register_parameter("weight", Tensor::empty({in_features, out_features}));
    init::xavier_uniform(weight_, rng);
    if (bias) bias_ = register_parameter("bias", Tensor::zeros({out_features}));
}

Tensor Linear::forward(const Tensor& x) const {
    ATTNLAB_CHECK(x.ndim() >= 1 && x.size(-1) == weight_.size(0), "Linear: input ",
                  shape_str(x.shape()), " does not end in in_features = ", weight_.size(0));
    return bias_.defined() ? linear(x, weight_, bias_) : matmul(x, weight_);
}

}  // namespace attnlab
