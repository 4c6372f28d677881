// gemm_batched.cpp — the batch loop around kernels::gemm, threaded over the batch when the
// matrices are too small for BLAS to thread well.
#include "gemm_batched.h"

#include <omp.h>

#include "blas.h"

namespace attnlab::kernels {

// Below about 200³ multiply-adds a GEMM is too short for OpenBLAS's threads to pay off: one
// thread per matrix does better. LM-S's per-head score gemms (256 × 256 × 64 = 2²² multiply-adds)
// fall below this; threaded one by one they ran about 15% slower (median of 3 interleaved runs,
// LM-S vanilla: 609 vs 474 ms per step; the machine is noisy).
constexpr int64_t kSmallGemmWork = int64_t(1) << 23;

void gemm_batched(bool trans_a, bool trans_b, int64_t batch, int64_t M, int64_t N, int64_t K,
                  real alpha, const real* A, int64_t lda, int64_t a_stride, const real* B,
                  int64_t ldb, int64_t b_stride, real beta, real* C, int64_t ldc,
                  int64_t c_stride) {
    ATTNLAB_CHECK(c_stride != 0 || beta == 1 || batch <= 1,
                  "gemm_batched: a shared output (c_stride 0) must accumulate (beta 1)");
    const bool many_small = c_stride != 0 && batch >= 2 && batch >= omp_get_max_threads() &&
                            M * N * K <= kSmallGemmWork;
    if (many_small) {
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < batch; ++i)
            gemm(trans_a, trans_b, M, N, K, alpha, A + i * a_stride, lda, B + i * b_stride, ldb,
                 beta, C + i * c_stride, ldc);
        return;
    }
    // A plain loop outside any parallel region: each call may use all of BLAS's threads.
    for (int64_t i = 0; i < batch; ++i)
        gemm(trans_a, trans_b, M, N, K, alpha, A + i * a_stride, lda, B + i * b_stride, ldb, beta,
             C + i * c_stride, ldc);
}

}  // namespace attnlab::kernels
