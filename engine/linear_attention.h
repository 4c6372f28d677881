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

// Causal FAVOR one position at a time, for incremental decoding (not differentiable: it records no
// history). A state [B, h, m, dv+1] holds [S z] = Σ_j φk_j [v_j 1]ᵀ over the positions fed so far,
// zeros at the start (linear_attention_state). linear_attention_step adds the new position's φk
// [B, h, 1, m] and v [B, h, 1, dv] to it in place and returns that position's output [B, h, 1, dv],
// the row causal linear_attention gives it: O(m·dv) per head whatever the number of positions.
Tensor linear_attention_state(int64_t B, int64_t heads, int64_t m, int64_t dv);
Tensor linear_attention_step(const Tensor& state, const Tensor& q_features,
                             const Tensor& k_features, const Tensor& v);

}  // namespace attnlab
