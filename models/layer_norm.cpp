// layer_norm.cpp — LayerNorm: unit gain, zero shift, the fused engine op.
#include "layer_norm.h"

#include "engine/ops.h"

namespace attnlab {

LayerNorm::LayerNorm(int64_t d_model, double eps) : eps_(eps) {
    ATTNLAB_CHECK(d_model > 0, "LayerNorm: d_model must be positive, got ", d_model);
    gamma_ = register_parameter("gamma", Tensor::ones({d_model}));
    beta_ = register_parameter("beta", Tensor::zeros({d_model}));
}

Tensor LayerNorm::forward(const Tensor& x) const {
    ATTNLAB_CHECK(x.ndim() >= 1 && x.size(-1) == gamma_.size(0), "LayerNorm: input ",
                  shape_str(x.shape()), " does not end in d_model = ", gamma_.size(0));
    return layer_norm(x, gamma_, beta_, real(eps_));
}

}  // namespace attnlab
