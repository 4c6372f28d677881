// blas.h — the one door to matrix multiplication: row-major GEMM through cblas.
//
// Every matmul in attnlab, forward or backward, ends here. Transposes are never materialised:
// they become cblas transpose flags. The `beta` argument lets backward passes accumulate weight
// gradients in place (beta = 1) instead of adding a temporary.
#pragma once

#include <cstdint>

#include "../common.h"

namespace attnlab::kernels {

// C[M, N] = alpha · op(A) · op(B) + beta · C, all row-major. Outside a parallel region a large
// product is cut into one block of C per OpenMP thread, each a single-threaded BLAS call (why:
// blas.cpp); inside one it is a single BLAS call on the calling thread.
// op(A) is [M, K]: A is stored [M, K] (lda >= K), or [K, M] when trans_a (lda >= M).
// op(B) is [K, N]: B is stored [K, N] (ldb >= N), or [N, K] when trans_b (ldb >= K).
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, real alpha, const real* A,
          int64_t lda, const real* B, int64_t ldb, real beta, real* C, int64_t ldc);

// The same contract as a plain triple loop: the reference the BLAS path is tested against.
void gemm_reference(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, real alpha,
                    const real* A, int64_t lda, const real* B, int64_t ldb, real beta, real* C,
                    int64_t ldc);

// attnlab loads OpenBLAS itself, with dlopen, rather than linking it: OpenBLAS reads
// OPENBLAS_CORETYPE once, when it loads, and a linked library loads before main could set it.
// load_blas() sets OPENBLAS_CORETYPE to `coretype` (unless null) and loads OpenBLAS now; it is an
// Error once OpenBLAS is loaded. configure_process() (engine/launch.h) calls it first thing in
// main. Without that call the first gemm loads OpenBLAS with the environment as it is.
void load_blas(const char* coretype);

// What the process got from OpenBLAS, for benchmarks and the README's performance notes.
struct BlasInfo {
    const char* core;      // kernel set OpenBLAS chose, e.g. "SkylakeX"
    int threads;           // its thread count
    bool openmp;           // true for the OpenMP flavour (shares libgomp's pool with our loops)
    bool coretype_forced;  // true when load_blas set OPENBLAS_CORETYPE before loading
    const char* omp_wait_policy;  // OMP_WAIT_POLICY as libgomp read it at start, or "(unset)"
};
BlasInfo blas_info();

}  // namespace attnlab::kernels
