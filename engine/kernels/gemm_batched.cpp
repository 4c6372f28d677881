// gemm_batched.cpp — the batch loop around kernels::gemm, threaded over the batch.
#include "gemm_batched.h"

#include "blas.h"

namespace attnlab::kernels {

void gemm_batched(bool trans_a, bool trans_b, int64_t batch, int64_t M, int64_t N, int64_t K,
                  real alpha, const real* A, int64_t lda, int64_t a_stride, const real* B,
                  int64_t ldb, int64_t b_stride, real beta, real* C, int64_t ldc,
                  int64_t c_stride) {
    ATTNLAB_CHECK(c_stride != 0 || beta == 1 || batch <= 1,
                  "gemm_batched: a shared output (c_stride 0) must accumulate (beta 1)");
    const auto product = [=](int64_t i) {
        gemm(trans_a, trans_b, M, N, K, alpha, A + i * a_stride, lda, B + i * b_stride, ldb, beta,
             C + i * c_stride, ldc);
    };
    if (c_stride == 0) {  // one shared C: serially, in batch order
        for (int64_t i = 0; i < batch; ++i) product(i);
        return;
    }
    for_each_matrix(batch, product);
}

}  // namespace attnlab::kernels
