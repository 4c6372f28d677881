// unary.cpp — differentiable elementwise functions y = f(x).
//
// Every op here has the same shape: run the forward kernel, then record a backward that adds
// dy · f'(x) into dx. Each op saves only what its derivative needs, x or y (exp' = y needs no x),
// so the other buffer can be freed as soon as the forward graph lets go of it.
#include "../kernels/unary.h"

#include "../ops.h"

namespace attnlab {
namespace {

using kernels::UnaryOp;

Tensor unary(const char* name, UnaryOp op, const Tensor& x) {
    Tensor y = Tensor::empty(x.shape());
    kernels::unary_forward(op, x.data(), y.data(), x.numel());
    const bool uses_output = kernels::derivative_uses_output(op);
    const Tensor saved = uses_output ? y.detach() : x.detach();
    return record(name, y, {x},
                  [op, uses_output, saved](const real* dy, const std::vector<real*>& dx) {
                      if (!dx[0]) return;
                      const real* input = uses_output ? nullptr : saved.data();
                      const real* output = uses_output ? saved.data() : nullptr;
                      kernels::unary_backward(op, input, output, dy, dx[0], saved.numel());
                  });
}

}  // namespace

// y = eˣ  ⇒  dx += dy · y
Tensor exp(const Tensor& x) {
    return unary("exp", UnaryOp::Exp, x);
}

// y = ln x  ⇒  dx += dy / x. Non-positive x gives the IEEE result (−inf at 0, NaN below): no check.
Tensor log(const Tensor& x) {
    return unary("log", UnaryOp::Log, x);
}

// y = tanh x  ⇒  dx += dy · (1 − y²)
Tensor tanh(const Tensor& x) {
    return unary("tanh", UnaryOp::Tanh, x);
}

// y = σ(x) = 1 / (1 + e⁻ˣ)  ⇒  dx += dy · y(1 − y)
Tensor sigmoid(const Tensor& x) {
    return unary("sigmoid", UnaryOp::Sigmoid, x);
}

// y = max(x, 0)  ⇒  dx += dy · [x > 0]   (the subgradient 0 is used at x = 0)
Tensor relu(const Tensor& x) {
    return unary("relu", UnaryOp::Relu, x);
}

// y = x for x > 0, eˣ − 1 otherwise (Clevert et al. 2016, α = 1)  ⇒  dx += dy · (y > 0 ? 1 : y + 1)
// (eˣ = y + 1 on the negative side; both one-sided derivatives are 1 at 0, so there is no kink)
Tensor elu(const Tensor& x) {
    return unary("elu", UnaryOp::Elu, x);
}

// Tanh: y = ½x(1 + tanh(√(2/π)(x + 0.044715x³))); Erf: y = ½x(1 + erf(x/√2)) = x Φ(x).
// dx += dy · y'(x), the exact derivative of the chosen form (kernels/unary.cpp derives both).
Tensor gelu(const Tensor& x, GeluApprox approx) {
    return approx == GeluApprox::Tanh ? unary("gelu", UnaryOp::GeluTanh, x)
                                      : unary("gelu", UnaryOp::GeluErf, x);
}

// y = sin x  ⇒  dx += dy · cos x
Tensor sin(const Tensor& x) {
    return unary("sin", UnaryOp::Sin, x);
}

// y = cos x  ⇒  dx += −dy · sin x
Tensor cos(const Tensor& x) {
    return unary("cos", UnaryOp::Cos, x);
}

// y = x²  ⇒  dx += 2x · dy
Tensor square(const Tensor& x) {
    return unary("square", UnaryOp::Square, x);
}

// y = √x  ⇒  dx += dy / (2y)   (infinite at x = 0; negative x gives NaN, unchecked)
Tensor sqrt(const Tensor& x) {
    return unary("sqrt", UnaryOp::Sqrt, x);
}

}  // namespace attnlab
