// causal_gemm.cpp — block-lower-triangular products for causal attention (see causal_gemm.h).
#include "causal_gemm.h"

#include <algorithm>

#include "blas.h"
#include "gemm_batched.h"

namespace attnlab::kernels {

void causal_a_bt(const real* A, const real* B, int64_t batch, int64_t L, int64_t d, int64_t tile,
                 real beta, real* C) {
    for_each_matrix(batch, [=](int64_t b) {
        const real* a = A + b * L * d;
        real* c = C + b * L * L;
        for (int64_t r0 = 0; r0 < L; r0 += tile) {
            const int64_t r1 = std::min(L, r0 + tile);
            // Row tile: c[r0:r1, 0:r1] = a[r0:r1] · B[0:r1]ᵀ + beta · c; outside, c = beta · c.
            gemm(false, true, r1 - r0, r1, d, 1, a + r0 * d, d, B + b * L * d, d, beta, c + r0 * L,
                 L);
            if (beta != 1)  // as in BLAS, beta = 0 never reads C: stale NaNs do not survive
                for (int64_t i = r0; i < r1; ++i)
                    for (int64_t j = r1; j < L; ++j)
                        c[i * L + j] = beta == 0 ? real(0) : beta * c[i * L + j];
        }
    });
}

void causal_m_b(const real* M, const real* B, int64_t batch, int64_t L, int64_t n, int64_t tile,
                real beta, real* C) {
    for_each_matrix(batch, [=](int64_t b) {
        for (int64_t r0 = 0; r0 < L; r0 += tile) {
            const int64_t r1 = std::min(L, r0 + tile);
            // Row tile: c[r0:r1] = m[r0:r1, 0:r1] · B[0:r1] + beta · c[r0:r1]
            gemm(false, false, r1 - r0, n, r1, 1, M + b * L * L + r0 * L, L, B + b * L * n, n, beta,
                 C + b * L * n + r0 * n, n);
        }
    });
}

void causal_mt_b(const real* M, const real* B, int64_t batch, int64_t L, int64_t n, int64_t tile,
                 real beta, real* C) {
    for_each_matrix(batch, [=](int64_t b) {
        for (int64_t c0 = 0; c0 < L; c0 += tile) {
            const int64_t c1 = std::min(L, c0 + tile);
            // Column tile [c0, c1) is inside for rows c0.. L:
            // c[c0:c1] = m[c0:L, c0:c1]ᵀ · B[c0:L] + beta · c[c0:c1]
            gemm(true, false, c1 - c0, n, L - c0, 1, M + b * L * L + c0 * L + c0, L,
                 B + b * L * n + c0 * n, n, beta, C + b * L * n + c0 * n, n);
        }
    });
}

}  // namespace attnlab::kernels
