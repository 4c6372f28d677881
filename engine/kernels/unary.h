// unary.h — raw kernels for elementwise functions y = f(x) and their derivatives.
//
// Each function has a forward kernel and a backward kernel dx += dy · f'(x), where f' is written
// with whichever of x and y makes it cheapest (exp' = y, tanh' = 1 − y², log' = 1/x).
#pragma once

#include <cstdint>

#include "../common.h"

namespace attnlab::kernels {

enum class UnaryOp {
    Exp,
    Log,
    Tanh,
    Sigmoid,
    Relu,
    Elu,
    GeluTanh,
    GeluErf,
    Sin,
    Cos,
    Square,
    Sqrt
};

// y[i] = f(x[i]) for i < n.
void unary_forward(UnaryOp op, const real* x, real* y, int64_t n);

// True when f' is written in y = f(x) (exp, tanh, sigmoid, elu, sqrt), false when it is written in
// x.
bool derivative_uses_output(UnaryOp op);

// dx[i] += dy[i] · f'(x[i]); y is the forward output f(x). Only the one derivative_uses_output
// names is read; the other may be null.
void unary_backward(UnaryOp op, const real* x, const real* y, const real* dy, real* dx, int64_t n);

}  // namespace attnlab::kernels
