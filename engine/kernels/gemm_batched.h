// gemm_batched.h — many GEMMs of one shape, strided through memory: batched matmul and its
// backward.
//
// Attention multiplies B·h matrices at once. OpenBLAS (OpenMP flavour) runs single-threaded inside
// a parallel region, so the matrices are spread over the threads one matrix each; a batch too
// small or too uneven for that runs as a loop of gemms that each split over the threads.
#pragma once

#include <cstdint>

#include "../common.h"

namespace attnlab::kernels {

// For i in [0, batch): C_i = alpha · op(A_i) · op(B_i) + beta · C_i with X_i = X + i · x_stride.
// A stride of 0 shares one matrix across the batch. c_stride == 0 accumulates every product into
// one C (a shared weight's gradient) and then needs beta == 1; that case runs serially, in batch
// order, so the sum is deterministic.
void gemm_batched(bool trans_a, bool trans_b, int64_t batch, int64_t M, int64_t N, int64_t K,
                  real alpha, const real* A, int64_t lda, int64_t a_stride, const real* B,
                  int64_t ldb, int64_t b_stride, real beta, real* C, int64_t ldc, int64_t c_stride);

}  // namespace attnlab::kernels
