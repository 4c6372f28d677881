// linear_attention.h — raw kernels of the Performer's FAVOR attention on precomputed features
// (Choromanski et al., ICLR 2021, App. B.1, Algorithm 1), wrapped for autograd by
// engine/ops/linear_attention.cpp.
//
// Per (batch, head) slice, with φq, φk [L, m] (positive features), v [L, dv] and C = [v 1] [L,
// dv+1]:
//     out_i = (φq_i · S_i) / D_i,   D_i = φq_i · z_i,
// where [S_i z_i] = G_i [m, dv+1] is Σ_j φk_j c_jᵀ over all j (bidirectional) or over j ≤ i
// (causal); a D_i that underflowed below the smallest normal number is replaced by it (with its
// sign), and nothing else is added. Bidirectional runs through gemm; causal runs chunk by chunk
// through gemm with one running m × (dv+1) state per slice (OpenMP over slices), never a
// per-position state. Backward kernels ADD into their gradient outputs; a null gradient pointer is
// skipped.
#pragma once

#include <cstdint>

#include "../common.h"

namespace attnlab::kernels {

// Scratch reals per slice that the two kernels below need in `workspace` (slices times this). The
// caller provides it so a training step reuses pooled memory instead of fresh pages each call.
int64_t linear_attention_workspace(int64_t L, int64_t m, int64_t dv);

// q, k [slices, L, m], v [slices, L, dv] → out [slices, L, dv] and denom [slices, L] (the D_i
// above, saved for the backward).
void linear_attention_forward(const real* q, const real* k, const real* v, int64_t slices,
                              int64_t L, int64_t m, int64_t dv, bool causal, real* out, real* denom,
                              real* workspace);

// Given dout [slices, L, dv]: dq, dk [slices, L, m] and dv_grad [slices, L, dv] +=.
void linear_attention_backward(const real* q, const real* k, const real* v, const real* out,
                               const real* denom, const real* dout, int64_t slices, int64_t L,
                               int64_t m, int64_t dv, bool causal, real* dq, real* dk,
                               real* dv_grad, real* workspace);

// One position of the causal scan in each of `slices` slices, for incremental decoding: with
// state [slices, m, dv+1] holding G_{i−1} (zeros before the first position), adds k_i c_iᵀ and
// writes out_i; q, k [slices, m], v [slices, dv] → out [slices, dv]. The same arithmetic as the
// reference scan below, position for position.
void linear_attention_step(real* state, const real* q, const real* k, const real* v, int64_t slices,
                           int64_t m, int64_t dv, real* out);

// The plain causal scan for ONE slice (fast-transformers' causal_product pattern: a rank-1 update
// of the m × (dv+1) state per position): the reference the chunked kernels are tested against.
void linear_attention_causal_reference_forward(const real* q, const real* k, const real* v,
                                               int64_t L, int64_t m, int64_t dv, real* out,
                                               real* denom);
void linear_attention_causal_reference_backward(const real* q, const real* k, const real* v,
                                                const real* out, const real* denom,
                                                const real* dout, int64_t L, int64_t m, int64_t dv,
                                                real* dq, real* dk, real* dv_grad);

}  // namespace attnlab::kernels
