// features.cpp — exp_features: the fused exponential of FAVOR+'s positive random features
// (engine/kernels/features.h), used by models/performer_features.cpp.
#include "../kernels/features.h"

#include <memory>
#include <vector>

#include "../ops.h"

namespace attnlab {

Tensor exp_features(const Tensor& projection, const Tensor& half_sq_norm, real scale,
                    bool subtract_row_max) {
    ATTNLAB_CHECK(projection.ndim() >= 1 && projection.size(-1) >= 1,
                  "exp_features: projection must be [..., m] with m >= 1, got ",
                  shape_str(projection.shape()));
    const int64_t m = projection.size(-1), rows = projection.numel() / m;
    Shape row_shape = projection.shape();
    row_shape.back() = 1;
    if (!subtract_row_max)
        ATTNLAB_CHECK(half_sq_norm.defined() && half_sq_norm.shape() == row_shape,
                      "exp_features: half_sq_norm must be ", shape_str(row_shape),
                      " (one value per row of projection ", shape_str(projection.shape()),
                      "), got ", half_sq_norm.defined() ? shape_str(half_sq_norm.shape()) : "none");
    Tensor y = Tensor::empty(projection.shape());
    auto argmax = std::make_shared<std::vector<int64_t>>(subtract_row_max ? size_t(rows) : 0);
    kernels::exp_features_forward(projection.data(),
                                  subtract_row_max ? nullptr : half_sq_norm.data(), rows, m, scale,
                                  subtract_row_max, y.data(), argmax->data());
    // The derivative is in kernels/features.cpp. With the row maximum subtracted, half_sq_norm
    // cancels out of y and is not an input of the graph (so grads has one entry, not two).
    const std::vector<Tensor> inputs = subtract_row_max
                                           ? std::vector<Tensor>{projection}
                                           : std::vector<Tensor>{projection, half_sq_norm};
    return record("exp_features", y, inputs,
                  [y = y.detach(), argmax, rows, m, subtract_row_max](
                      const real* dy, const std::vector<real*>& grads) {
                      kernels::exp_features_backward(y.data(), dy, argmax->data(), rows, m,
                                                     subtract_row_max, grads[0],
                                                     subtract_row_max ? nullptr : grads[1]);
                  });
}

}  // namespace attnlab
