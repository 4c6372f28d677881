// linear_attention.h — the Performer's FAVOR attention on precomputed features, as one fused
// differentiable op (Choromanski et al., ICLR 2021, App. B.1, Algorithm 1 with C = [V 1]).
//
// clang-format off
//   op                                   forward                      backward
//   linear_attention(φq, φk, v, causal,  out_i = φq_i·S_i / D_i       kernels/linear_attention.cpp
//                    stabilizer)         D_i = φq_i·z_i + stabilizer  (two sweeps when causal)
// clang-format on
//
// Shapes: φq, φk [B, h, L, m]; v [B, h, L, dv] → out [B, h, L, dv]. Bidirectional: S = Σ_j φk_j
// v_jᵀ [m, dv] and z = Σ_j φk_j [m] over every position. Causal: S_i, z_i are prefix sums over j ≤
// i, so out_i never depends on positions after i.
//
// The normaliser D_i is the attention row sum Σ_j φq_i·φk_j (j ≤ i when causal), the feature-space
// version of softmax's denominator, plus `stabilizer` (≥ 0). The guard is additive and uses only
// position i's own sum, so it is causal-safe and smooth (a floor like google-research's
// 2ε·[|D| ≤ ε] would put a kink into the gradient). With positive features D_i > 0 already; the
// guard only keeps an underflowed row from dividing by zero (performer-pytorch adds 1e-6 the same
// way). Memory beyond the output: D [B, h, L] saved for the backward; causal mode never stores a
// per-position [m, dv] state, forward or backward.
#pragma once

#include "tensor.h"

namespace attnlab {

Tensor linear_attention(const Tensor& q_features, const Tensor& k_features, const Tensor& v,
                        bool causal, real stabilizer = real(1e-6));

}  // namespace attnlab
