// reduce.cpp — differentiable sums, means and maxima, over every element or along one axis.
//
// An axis reduction views x as [outer, n, inner] (kernels/reduce.h), so one kernel serves every
// axis. Their backwards are the adjoints: a sum copies dy back along the reduced axis; a max
// sends dy to the single position that won. Ties go to the FIRST maximum along the axis (the
// lowest index), as in the forward kernel: the derivative at a tie is not defined, and picking one
// winner keeps the gradient's total equal to dy's.
#include "../kernels/reduce.h"

#include <memory>

#include "../ops.h"

namespace attnlab {
namespace {

struct AxisView {
    int64_t outer = 1, n = 1, inner = 1;
    Shape out_shape;
};

AxisView axis_view(const char* op, const Shape& shape, int axis, bool keepdim) {
    const int ax = normalize_axis(op, axis, int(shape.size()));
    AxisView view;
    for (int d = 0; d < int(shape.size()); ++d) {
        if (d < ax) view.outer *= shape[d];
        if (d > ax) view.inner *= shape[d];
        if (d != ax || keepdim) view.out_shape.push_back(d == ax ? 1 : shape[d]);
    }
    view.n = shape[ax];
    return view;
}

// Σ along the axis scaled by alpha: sum (alpha 1) and mean (alpha 1/n) differ only in alpha.
Tensor scaled_sum(const char* name, const Tensor& x, const AxisView& v, real alpha) {
    Tensor y = Tensor::zeros(v.out_shape);
    kernels::sum_axis(x.data(), v.outer, v.n, v.inner, alpha, y.data());
    // y[o, i] = α Σ_k x[o, k, i]  ⇒  dx[o, k, i] += α dy[o, i]    shapes: x [outer, n, inner]
    return record(name, y, {x}, [v, alpha](const real* dy, const std::vector<real*>& dx) {
        if (dx[0]) kernels::broadcast_axis(dy, v.outer, v.n, v.inner, alpha, dx[0]);
    });
}

Tensor max_along(const char* name, const Tensor& x, const AxisView& v) {
    ATTNLAB_CHECK(v.n > 0, name, ": cannot take the maximum of an empty axis in ",
                  shape_str(x.shape()));
    Tensor y = Tensor::empty(v.out_shape);
    auto argmax = std::make_shared<std::vector<int64_t>>(static_cast<size_t>(v.outer * v.inner));
    kernels::max_axis(x.data(), v.outer, v.n, v.inner, y.data(), argmax->data());
    // y[o, i] = x[o, k*, i] with k* the first argmax  ⇒  dx[o, k*, i] += dy[o, i]
    return record(name, y, {x}, [v, argmax](const real* dy, const std::vector<real*>& dx) {
        if (dx[0]) kernels::scatter_axis(dy, argmax->data(), v.outer, v.n, v.inner, dx[0]);
    });
}

// Every element as one axis: [1, numel, 1] → [].
AxisView all_elements(const Tensor& x) {
    AxisView view;
    view.n = x.numel();
    return view;
}

}  // namespace

Tensor sum(const Tensor& x) {
    return scaled_sum("sum", x, all_elements(x), 1);
}

Tensor sum(const Tensor& x, int axis, bool keepdim) {
    return scaled_sum("sum", x, axis_view("sum", x.shape(), axis, keepdim), 1);
}

// The mean of no elements is 0/0 = NaN, as in NumPy.
Tensor mean(const Tensor& x) {
    return scaled_sum("mean", x, all_elements(x), real(1) / real(x.numel()));
}

Tensor mean(const Tensor& x, int axis, bool keepdim) {
    const AxisView view = axis_view("mean", x.shape(), axis, keepdim);
    return scaled_sum("mean", x, view, real(1) / real(view.n));
}

Tensor max(const Tensor& x) {
    return max_along("max", x, all_elements(x));
}

Tensor max(const Tensor& x, int axis, bool keepdim) {
    return max_along("max", x, axis_view("max", x.shape(), axis, keepdim));
}

}  // namespace attnlab
