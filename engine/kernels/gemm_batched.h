// gemm_batched.h — many GEMMs of one shape, strided through memory: batched matmul and its
// backward.
//
// Attention multiplies B·h matrices at once. OpenBLAS (OpenMP flavour) runs single-threaded inside
// a parallel region, so the matrices are spread over the threads one matrix each; a batch too
// small or too uneven for that runs as a loop of gemms that each split over the threads.
#pragma once

#include <omp.h>

#include <cstdint>
#include <exception>

#include "../common.h"

namespace attnlab::kernels {

// Runs body(i) for i in [0, batch), one matrix per thread, when the batch spreads evenly over the
// threads (or is large enough that the remainder hardly matters); each BLAS call inside then runs
// single-threaded. Otherwise serially, each gemm splitting itself over the threads. One matrix per
// thread beat cutting each matrix in two for every batched shape measured (README, Performance);
// only an uneven batch (3 matrices on 2 threads) leaves a thread idle long enough to lose.
// An exception may not leave a thread of a parallel region (that calls std::terminate), so the
// first one thrown by any body is rethrown after the region.
template <typename Body>
void for_each_matrix(int64_t batch, Body body) {
    const int64_t threads = omp_get_max_threads();
    if (batch >= 2 && batch >= threads && (batch % threads == 0 || batch >= 4 * threads)) {
        std::exception_ptr error;
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < batch; ++i) {
            try {
                body(i);
            } catch (...) {
#pragma omp critical(attnlab_for_each_matrix_error)
                if (!error) error = std::current_exception();
            }
        }
        if (error) std::rethrow_exception(error);
        return;
    }
    for (int64_t i = 0; i < batch; ++i) body(i);
}

// For i in [0, batch): C_i = alpha · op(A_i) · op(B_i) + beta · C_i with X_i = X + i · x_stride.
// A stride of 0 shares one matrix across the batch. c_stride == 0 accumulates every product into
// one C (a shared weight's gradient) and then needs beta == 1; that case runs serially, in batch
// order, so the sum is deterministic.
void gemm_batched(bool trans_a, bool trans_b, int64_t batch, int64_t M, int64_t N, int64_t K,
                  real alpha, const real* A, int64_t lda, int64_t a_stride, const real* B,
                  int64_t ldb, int64_t b_stride, real beta, real* C, int64_t ldc, int64_t c_stride);

}  // namespace attnlab::kernels
