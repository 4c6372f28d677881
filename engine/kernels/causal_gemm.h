// causal_gemm.h — the L × L products of causal attention, computed only on and below the block
// diagonal.
//
// With a causal mask, query i sees keys j ≤ i: the upper triangle of the scores is thrown away
// by the mask, and the weights P are 0 there. Cutting the L rows into tiles of `tile` rows, row
// tile [r0, r1) needs only keys [0, r1): about half of each L × L product is skipped (5/8 of the
// blocks computed with 4 tiles, → 1/2 as the tiles get finer). "Inside" below means column j of
// row i with j < the end of i's row tile; inside(M) is M with everything outside taken as 0.
//
// Both causal attention products and their gradients are made of three such products:
//   scores  S = inside(Q·Kᵀ)      dQ += inside(dS)·K      dK += inside(dS)ᵀ·Q
//   mix     Y = inside(P)·V       dP += inside(dY·Vᵀ)     dV += inside(P)ᵀ·dY
// Each loops over the batch (one matrix per thread when there are enough of them, as
// kernels::gemm_batched does) and over tiles, one cblas_sgemm call per tile. Like gemm, each
// computes C = product + beta · C over the whole of C (so beta = 0 writes zeros outside).
#pragma once

#include <cstdint>

#include "../common.h"

namespace attnlab::kernels {

// C = inside(A · Bᵀ) + beta · C.  A, B [batch, L, d]; C [batch, L, L].
void causal_a_bt(const real* A, const real* B, int64_t batch, int64_t L, int64_t d, int64_t tile,
                 real beta, real* C);

// C = inside(M) · B + beta · C.  M [batch, L, L] (its outside is never read); B, C [batch, L, n].
void causal_m_b(const real* M, const real* B, int64_t batch, int64_t L, int64_t n, int64_t tile,
                real beta, real* C);

// C = inside(M)ᵀ · B + beta · C.  M [batch, L, L] (its outside is never read); B, C [batch, L, n].
void causal_mt_b(const real* M, const real* B, int64_t batch, int64_t L, int64_t n, int64_t tile,
                 real beta, real* C);

}  // namespace attnlab::kernels
