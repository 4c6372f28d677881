// causal_gemm.h — the two products of causal attention, computed only on and below the block
// diagonal.
//
// With a causal mask, query i sees keys j ≤ i: the upper triangle of the scores is thrown away
// by the mask, and the weights P are 0 there. Cutting the L rows into tiles of `tile` rows, row
// tile [r0, r1) needs only keys [0, r1): about half of each L × L product is skipped (5/8 of the
// blocks computed with 4 tiles, → 1/2 as the tiles get finer). Each function loops over the batch
// (one matrix per thread when there are enough of them, as kernels::gemm_batched does) and over
// row or column tiles, one cblas_sgemm call each.
#pragma once

#include <cstdint>

#include "../common.h"

namespace attnlab::kernels {

// "Inside" means column j of row i with j < the end of i's row tile: the block lower triangle.

// S = Q · Kᵀ inside, 0 outside. Q, K [batch, L, d]; S [batch, L, L].
void causal_scores_forward(const real* Q, const real* K, int64_t batch, int64_t L, int64_t d,
                           int64_t tile, real* S);
// dQ += dS · K and dK += dSᵀ · Q over the inside of dS only (either output may be null).
void causal_scores_backward(const real* dS, const real* Q, const real* K, int64_t batch, int64_t L,
                            int64_t d, int64_t tile, real* dQ, real* dK);

// Y = P · V using only the inside of P. P [batch, L, L]; V, Y [batch, L, dv].
void causal_mix_forward(const real* P, const real* V, int64_t batch, int64_t L, int64_t dv,
                        int64_t tile, real* Y);
// dP += dY · Vᵀ inside (outside untouched) and dV += Pᵀ · dY over the inside of P.
void causal_mix_backward(const real* dY, const real* P, const real* V, int64_t batch, int64_t L,
                         int64_t dv, int64_t tile, real* dP, real* dV);

}  // namespace attnlab::kernels
