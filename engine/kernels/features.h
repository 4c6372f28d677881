// features.h — the exponential of FAVOR+'s positive random features as one fused kernel (the last
// step of models/performer_features.cpp's softmax_features), wrapped by engine/ops/features.cpp.
//
// Per row r of a projection P [rows, m] (P = x ωᵀ, already scaled), with shift_r either
//     h_r                  (no stabiliser: h = ‖x‖²/2 per row, the Lemma 1 exponent P − h), or
//     max_j P[r, j]        (per-token stabiliser: P − h − max_j(P − h) = P − max_j P, h cancels),
// the output is y[r, j] = s · exp(P[r, j] − shift_r). Composed from primitive ops this is five
// passes over [rows, m] and four saved tensors of that size; fused it is one pass and one saved
// tensor (y) plus one index per row.
#pragma once

#include <cstdint>

#include "../common.h"

namespace attnlab::kernels {

// y [rows, m]; h [rows] (read only when !row_max); argmax [rows] written when row_max.
void exp_features_forward(const real* P, const real* h, int64_t rows, int64_t m, real s,
                          bool row_max, real* y, int64_t* argmax);

// Given dy: dP [rows, m] += and, when !row_max and dh is not null, dh [rows] +=.
void exp_features_backward(const real* y, const real* dy, const int64_t* argmax, int64_t rows,
                           int64_t m, bool row_max, real* dP, real* dh);

}  // namespace attnlab::kernels
