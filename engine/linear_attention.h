// linear_attention.h — the Performer's FAVOR attention on precomputed features, as one fused
// differentiable op (Choromanski et al., ICLR 2021, App. B.1, Algorithm 1 with C = [V 1]).
//
// clang-format off
//   op                                   forward                      backward
//   linear_attention(φq, φk, v, causal)  out_i = φq_i·S_i / D_i       kernels/linear_attention.cpp
//                                        D_i = φq_i·z_i               (two sweeps when causal)
// clang-format on
//
// Shapes: φq, φk [B, h, L, m]; v [B, h, L, dv] → out [B, h, L, dv]. Bidirectional: S = Σ_j φk_j
// v_jᵀ [m, dv] and z = Σ_j φk_j [m] over every position. Causal: S_i, z_i are prefix sums over j ≤
// i, so out_i never depends on positions after i.
//
// The normaliser D_i is the attention row sum Σ_j φq_i·φk_j (j ≤ i when causal), the feature-space
// version of softmax's denominator, and nothing is added to it. A per-token query stabiliser
// multiplies φq_i, and so both φq_i·S_i and D_i, by one factor e^(−c_i), which therefore cancels
// exactly; an additive guard would not scale with that factor (a fixed 1e-6 becomes 1e-6·e^(c_i)
// in the estimator's own units) and would bias rows with large logits. The only guard is for true
// underflow: a D_i below the smallest normal number is replaced by that number (with its sign), so
// such a row stays finite, and the guarded D_i is a constant in the backward. Positive features
// give D_i > 0; trigonometric ones can give D_i ≈ 0 or < 0, which is their documented instability.
// Memory beyond the output: D [B, h, L] saved for the backward; causal mode never stores a
// per-position [m, dv] state, forward or backward.
#pragma once

#include "tensor.h"

namespace attnlab {

Tensor linear_attention(const Tensor& q_features, const Tensor& k_features, const Tensor& v,
                        bool causal);

}  // namespace attnlab
