// elementwise.h — raw kernels for binary arithmetic with NumPy broadcasting, its adjoint (summing
// a broadcast tensor back down to a shape), and the scalar helpers the backward passes use.
//
// Broadcasting follows NumPy: shapes are aligned at their trailing dimensions, missing leading
// dimensions count as 1, and an extent of 1 stretches to match the other operand. The caller
// (engine/ops/elementwise.cpp) has already checked that the shapes are compatible.
#pragma once

#include <cstdint>

#include "../common.h"

namespace attnlab::kernels {

enum class BinaryOp { Add, Sub, Mul, Div };

// y[out_shape] = a op b, each operand broadcast to out_shape. y may alias a or b when that
// operand already has out_shape (each output element reads only its own position there).
void broadcast_binary(BinaryOp op, const real* a, const Shape& a_shape, const real* b,
                      const Shape& b_shape, real* y, const Shape& out_shape);

// y[y_shape] += alpha · (x summed over the dimensions in which y was broadcast to x_shape).
// Deterministic: every output element is summed in a fixed order, whatever the thread count.
void sum_to(const real* x, const Shape& x_shape, real* y, const Shape& y_shape, real alpha);

void scale(const real* x, real factor, real* y, int64_t n);      // y = factor · x
void add_scalar(const real* x, real value, real* y, int64_t n);  // y = x + value
void axpy(real alpha, const real* x, real* y, int64_t n);        // y += alpha · x
void fill(real value, real* y, int64_t n);                       // y = value

}  // namespace attnlab::kernels
