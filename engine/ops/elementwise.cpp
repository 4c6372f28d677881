// elementwise.cpp — the differentiable binary ops with NumPy broadcasting (add, sub, mul, div),
// the scalar ops (scale, add_scalar), and sum_to, the adjoint of broadcasting.
//
// Broadcasting copies an operand along the dimensions where it has extent 1 (or is missing), so in
// the backward pass each copy's gradient lands on the same element: the gradient of an operand is
// the output gradient summed over its broadcast dimensions, sum_to(dy, operand shape). When the
// same tensor is both operands (x * x), the engine hands this op the same gradient buffer twice and
// both contributions add up.
#include "../kernels/elementwise.h"

#include <algorithm>

#include "../ops.h"

namespace attnlab {

using kernels::BinaryOp;

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
    const size_t nd = std::max(a.size(), b.size());
    Shape out(nd);
    for (size_t back = 1; back <= nd; ++back) {  // aligned at the trailing dimension
        const int64_t ea = back <= a.size() ? a[a.size() - back] : 1;
        const int64_t eb = back <= b.size() ? b[b.size() - back] : 1;
        ATTNLAB_CHECK(ea == eb || ea == 1 || eb == 1, op, ": shapes ", shape_str(a), " and ",
                      shape_str(b), " cannot broadcast (dimension -", back, ": ", ea, " vs ", eb,
                      ")");
        out[nd - back] = ea == 1 ? eb : ea;
    }
    return out;
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
    const Shape& x_shape = x.shape();
    bool fits = shape.size() <= x_shape.size();
    for (size_t back = 1; fits && back <= shape.size(); ++back) {
        const int64_t want = shape[shape.size() - back], have = x_shape[x_shape.size() - back];
        fits = want == have || want == 1;
    }
    ATTNLAB_CHECK(fits, "sum_to: cannot sum ", shape_str(x_shape), " down to ", shape_str(shape),
                  " (expected a shape that broadcasts to ", shape_str(x_shape), ")");
    Tensor y = Tensor::zeros(shape);
    kernels::sum_to(x.data(), x_shape, y.data(), shape, 1);
    // y = Σ over broadcast dims of x  ⇒  dx += broadcast(dy)    shapes: dy [shape], dx [x_shape]
    return record("sum_to", y, {x}, [x_shape, shape](const real* dy, const std::vector<real*>& dx) {
        if (dx[0])
            kernels::broadcast_binary(BinaryOp::Add, dx[0], x_shape, dy, shape, dx[0], x_shape);
    });
}

Tensor add(const Tensor& a, const Tensor& b) {
    const Shape shape = broadcast_shapes("add", a.shape(), b.shape());
    Tensor y = Tensor::empty(shape);
    kernels::broadcast_binary(BinaryOp::Add, a.data(), a.shape(), b.data(), b.shape(), y.data(),
                              shape);
    // y = a + b  ⇒  da += sum_to(dy), db += sum_to(dy)    shapes: dy [shape], da [a], db [b]
    return record("add", y, {a, b},
                  [a_shape = a.shape(), b_shape = b.shape(), shape](
                      const real* dy, const std::vector<real*>& grads) {
                      if (grads[0]) kernels::sum_to(dy, shape, grads[0], a_shape, 1);
                      if (grads[1]) kernels::sum_to(dy, shape, grads[1], b_shape, 1);
                  });
}

Tensor sub(const Tensor& a, const Tensor& b) {
    const Shape shape = broadcast_shapes("sub", a.shape(), b.shape());
    Tensor y = Tensor::empty(shape);
    kernels::broadcast_binary(BinaryOp::Sub, a.data(), a.shape(), b.data(), b.shape(), y.data(),
                              shape);
    // y = a − b  ⇒  da += sum_to(dy), db −= sum_to(dy)
    return record("sub", y, {a, b},
                  [a_shape = a.shape(), b_shape = b.shape(), shape](
                      const real* dy, const std::vector<real*>& grads) {
                      if (grads[0]) kernels::sum_to(dy, shape, grads[0], a_shape, 1);
                      if (grads[1]) kernels::sum_to(dy, shape, grads[1], b_shape, -1);
                  });
}

Tensor mul(const Tensor& a, const Tensor& b) {
    const Shape shape = broadcast_shapes("mul", a.shape(), b.shape());
    Tensor y = Tensor::empty(shape);
    kernels::broadcast_binary(BinaryOp::Mul, a.data(), a.shape(), b.data(), b.shape(), y.data(),
                              shape);
    // y = a ⊙ b  ⇒  da += sum_to(dy ⊙ b), db += sum_to(dy ⊙ a)
    return record(
        "mul", y, {a, b},
        [a = a.detach(), b = b.detach(), shape](const real* dy, const std::vector<real*>& grads) {
            Tensor product = Tensor::empty(shape);
            if (grads[0]) {
                kernels::broadcast_binary(BinaryOp::Mul, dy, shape, b.data(), b.shape(),
                                          product.data(), shape);
                kernels::sum_to(product.data(), shape, grads[0], a.shape(), 1);
            }
            if (grads[1]) {
                kernels::broadcast_binary(BinaryOp::Mul, dy, shape, a.data(), a.shape(),
                                          product.data(), shape);
                kernels::sum_to(product.data(), shape, grads[1], b.shape(), 1);
            }
        });
}

Tensor div(const Tensor& a, const Tensor& b) {
    const Shape shape = broadcast_shapes("div", a.shape(), b.shape());
    Tensor y = Tensor::empty(shape);
    kernels::broadcast_binary(BinaryOp::Div, a.data(), a.shape(), b.data(), b.shape(), y.data(),
                              shape);
    // y = a / b  ⇒  da += sum_to(dy / b), db −= sum_to(dy · a / b²) = sum_to((dy / b) ⊙ y)
    return record("div", y, {a, b},
                  [a_shape = a.shape(), b = b.detach(), y = y.detach(), shape](
                      const real* dy, const std::vector<real*>& grads) {
                      Tensor quotient = Tensor::empty(shape);  // dy / b
                      kernels::broadcast_binary(BinaryOp::Div, dy, shape, b.data(), b.shape(),
                                                quotient.data(), shape);
                      if (grads[0]) kernels::sum_to(quotient.data(), shape, grads[0], a_shape, 1);
                      if (grads[1]) {
                          kernels::broadcast_binary(BinaryOp::Mul, quotient.data(), shape, y.data(),
                                                    shape, quotient.data(), shape);
                          kernels::sum_to(quotient.data(), shape, grads[1], b.shape(), -1);
                      }
                  });
}

Tensor scale(const Tensor& x, real factor) {
    Tensor y = Tensor::empty(x.shape());
    kernels::scale(x.data(), factor, y.data(), x.numel());
    // y = s · x  ⇒  dx += s · dy
    return record("scale", y, {x},
                  [factor, n = x.numel()](const real* dy, const std::vector<real*>& dx) {
                      if (dx[0]) kernels::axpy(factor, dy, dx[0], n);
                  });
}

Tensor add_scalar(const Tensor& x, real value) {
    Tensor y = Tensor::empty(x.shape());
    kernels::add_scalar(x.data(), value, y.data(), x.numel());
    // y = x + s  ⇒  dx += dy
    return record("add_scalar", y, {x},
                  [n = x.numel()](const real* dy, const std::vector<real*>& dx) {
                      if (dx[0]) kernels::axpy(1, dy, dx[0], n);
                  });
}

}  // namespace attnlab
