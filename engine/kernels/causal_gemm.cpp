// causal_gemm.cpp — block-lower-triangular products for causal attention (see causal_gemm.h).
#include "causal_gemm.h"

#include <omp.h>

#include <algorithm>

#include "blas.h"

namespace attnlab::kernels {
namespace {

// Runs body(i) for every batch matrix: one matrix per thread when there are at least as many
// matrices as threads (each BLAS call then runs single-threaded), else serially with BLAS's own
// threads inside each call.
template <typename Body>
void for_each_matrix(int64_t batch, Body body) {
    if (batch >= 2 && batch >= omp_get_max_threads()) {
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < batch; ++i) body(i);
        return;
    }
    for (int64_t i = 0; i < batch; ++i) body(i);
}

}  // namespace

void causal_scores_forward(const real* Q, const real* K, int64_t batch, int64_t L, int64_t d,
                           int64_t tile, real* S) {
    for_each_matrix(batch, [=](int64_t b) {
        const real* q = Q + b * L * d;
        const real* k = K + b * L * d;
        real* s = S + b * L * L;
        for (int64_t r0 = 0; r0 < L; r0 += tile) {
            const int64_t r1 = std::min(L, r0 + tile);
            // s[r0:r1, 0:r1] = q[r0:r1, :] · k[0:r1, :]ᵀ
            gemm(false, true, r1 - r0, r1, d, 1, q + r0 * d, d, k, d, 0, s + r0 * L, L);
            for (int64_t i = r0; i < r1; ++i) std::fill(s + i * L + r1, s + (i + 1) * L, real(0));
        }
    });
}

void causal_scores_backward(const real* dS, const real* Q, const real* K, int64_t batch, int64_t L,
                            int64_t d, int64_t tile, real* dQ, real* dK) {
    for_each_matrix(batch, [=](int64_t b) {
        const real* ds = dS + b * L * L;
        for (int64_t t0 = 0; t0 < L; t0 += tile) {
            const int64_t t1 = std::min(L, t0 + tile);
            // Row tile t: dq[t0:t1] += ds[t0:t1, 0:t1] · k[0:t1]
            if (dQ)
                gemm(false, false, t1 - t0, d, t1, 1, ds + t0 * L, L, K + b * L * d, d, 1,
                     dQ + b * L * d + t0 * d, d);
            // Column tile t, seen by rows t0.. L: dk[t0:t1] += ds[t0:L, t0:t1]ᵀ · q[t0:L]
            if (dK)
                gemm(true, false, t1 - t0, d, L - t0, 1, ds + t0 * L + t0, L,
                     Q + b * L * d + t0 * d, d, 1, dK + b * L * d + t0 * d, d);
        }
    });
}

void causal_mix_forward(const real* P, const real* V, int64_t batch, int64_t L, int64_t dv,
                        int64_t tile, real* Y) {
    for_each_matrix(batch, [=](int64_t b) {
        for (int64_t r0 = 0; r0 < L; r0 += tile) {
            const int64_t r1 = std::min(L, r0 + tile);
            // y[r0:r1] = p[r0:r1, 0:r1] · v[0:r1]
            gemm(false, false, r1 - r0, dv, r1, 1, P + b * L * L + r0 * L, L, V + b * L * dv, dv, 0,
                 Y + b * L * dv + r0 * dv, dv);
        }
    });
}

void causal_mix_backward(const real* dY, const real* P, const real* V, int64_t batch, int64_t L,
                         int64_t dv, int64_t tile, real* dP, real* dV) {
    for_each_matrix(batch, [=](int64_t b) {
        const real* dy = dY + b * L * dv;
        for (int64_t t0 = 0; t0 < L; t0 += tile) {
            const int64_t t1 = std::min(L, t0 + tile);
            // Row tile t: dp[t0:t1, 0:t1] += dy[t0:t1] · v[0:t1]ᵀ
            if (dP)
                gemm(false, true, t1 - t0, t1, dv, 1, dy + t0 * dv, dv, V + b * L * dv, dv, 1,
                     dP + b * L * L + t0 * L, L);
            // Column tile t, used by rows t0.. L: dv[t0:t1] += p[t0:L, t0:t1]ᵀ · dy[t0:L]
            if (dV)
                gemm(true, false, t1 - t0, dv, L - t0, 1, P + b * L * L + t0 * L + t0, L,
                     dy + t0 * dv, dv, 1, dV + b * L * dv + t0 * dv, dv);
        }
    });
}

}  // namespace attnlab::kernels
