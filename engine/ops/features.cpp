// features.cpp — positive_features: FAVOR+'s positive random features as one differentiable op
// over the fused kernel (engine/kernels/features.h), used by models/performer_features.cpp.
#include "../kernels/features.h"

#include <memory>
#include <vector>

#include "../ops.h"

namespace attnlab {

Tensor positive_features(const Tensor& x, const Tensor& omega, bool subtract_row_max) {
    ATTNLAB_CHECK(omega.ndim() == 2 && omega.size(0) >= 1 && omega.size(1) >= 1,
                  "positive_features: omega must be [m, d] with m, d >= 1, got ",
                  shape_str(omega.shape()));
    const int64_t m = omega.size(0), d = omega.size(1);
    ATTNLAB_CHECK(x.ndim() >= 1 && x.size(-1) == d, "positive_features: x ", shape_str(x.shape()),
                  " must end in d = ", d, " to match omega ", shape_str(omega.shape()));
    const int64_t rows = x.numel() / d;
    Shape y_shape = x.shape();
    y_shape.back() = m;
    Tensor y = Tensor::empty(y_shape);
    auto argmax = std::make_shared<std::vector<int64_t>>(subtract_row_max ? size_t(rows) : 0);
    kernels::positive_features_forward(x.data(), omega.data(), rows, d, m, subtract_row_max,
                                       y.data(), argmax->data());
    // The derivative is in kernels/features.cpp; dP is scratch from the pool.
    return record("positive_features", y, {x, omega},
                  [x = x.detach(), omega = omega.detach(), y = y.detach(), argmax, rows, d, m,
                   subtract_row_max](const real* dy, const std::vector<real*>& grads) {
                      kernels::positive_features_backward(
                          x.data(), omega.data(), y.data(), dy, argmax->data(), rows, d, m,
                          subtract_row_max, grads[0], grads[1], Tensor::empty({rows, m}).data());
                  });
}

}  // namespace attnlab
