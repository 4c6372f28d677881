// features.h — FAVOR+'s positive random features as one fused kernel (Choromanski et al., ICLR
// 2021, Lemma 1), wrapped for autograd by engine/ops/features.cpp and used by
// models/performer_features.cpp's softmax_features.
//
// For rows x_r [d] of x [rows, d], a projection ω [m, d], c = d^(−1/4) (so φ(q)·φ(k) estimates
// exp(qᵀk/√d)) and s = 1/√m:
//     P[r, j] = c · ω_j · x_r,   h_r = c² ‖x_r‖² / 2,
//     y[r, j] = s · exp(P[r, j] − shift_r),  shift_r = h_r            (no stabiliser), or
//                                            shift_r = max_j P[r, j]   (per token: h cancels).
// Composed from primitive ops this is a scale, a matmul, a square, a sum and the exponential, and
// the graph keeps P and three other tensors alive until the backward; fused, the forward makes
// one gemm and one pass, and the backward needs only x, ω, y and one index per row.
#pragma once

#include <cstdint>

#include "../common.h"

namespace attnlab::kernels {

// y [rows, m]; argmax [rows] is written when row_max.
void positive_features_forward(const real* x, const real* omega, int64_t rows, int64_t d, int64_t m,
                               bool row_max, real* y, int64_t* argmax);

// Given dy [rows, m]: dx [rows, d] += and, if not null, domega [m, d] +=. dP is scratch
// [rows, m], fully overwritten.
void positive_features_backward(const real* x, const real* omega, const real* y, const real* dy,
                                const int64_t* argmax, int64_t rows, int64_t d, int64_t m,
                                bool row_max, real* dx, real* domega, real* dP);

}  // namespace attnlab::kernels
