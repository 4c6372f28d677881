#include "blas.h"

#include <cblas.h>
#include <dlfcn.h>
#include <omp.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>

#ifndef ATTNLAB_OPENBLAS_LIBRARY
#error "the Makefile defines ATTNLAB_OPENBLAS_LIBRARY, the path of the OpenBLAS flavour to load"
#endif

namespace attnlab::kernels {

namespace {

#ifdef ATTNLAB_DOUBLE
using GemmFn = decltype(&cblas_dgemm);
constexpr const char* kGemmName = "cblas_dgemm";
#else
using GemmFn = decltype(&cblas_sgemm);
constexpr const char* kGemmName = "cblas_sgemm";
#endif

// The entry points attnlab uses, looked up in the loaded library.
struct OpenBlas {
    GemmFn gemm;
    char* (*corename)();
    int (*num_threads)();
    int (*parallel)();
};

std::atomic<bool> blas_loaded{false}, blas_coretype_forced{false};

template <typename Function>
Function symbol(void* library, const char* name) {
    void* address = dlsym(library, name);
    ATTNLAB_CHECK(address, "OpenBLAS at ", ATTNLAB_OPENBLAS_LIBRARY, " has no symbol ", name);
    return reinterpret_cast<Function>(address);
}

OpenBlas open_blas() {
    void* library = dlopen(ATTNLAB_OPENBLAS_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    ATTNLAB_CHECK(library, "cannot load OpenBLAS: ", dlerror(),
                  " (expected the OpenMP flavour, Debian package libopenblas0-openmp)");
    blas_loaded = true;
    return {symbol<GemmFn>(library, kGemmName),
            symbol<char* (*)()>(library, "openblas_get_corename"),
            symbol<int (*)()>(library, "openblas_get_num_threads"),
            symbol<int (*)()>(library, "openblas_get_parallel")};
}

// Loaded on first use and never closed: OpenBLAS keeps its buffers to the end of the process.
const OpenBlas& openblas() {
    static const OpenBlas library = open_blas();
    return library;
}

void blas_gemm(GemmFn cblas_gemm, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
               real alpha, const real* A, int64_t lda, const real* B, int64_t ldb, real beta,
               real* C, int64_t ldc) {
    const auto ta = trans_a ? CblasTrans : CblasNoTrans;
    const auto tb = trans_b ? CblasTrans : CblasNoTrans;
    cblas_gemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

// Below this many multiply-adds a parallel region costs more than the second thread gains.
constexpr int64_t kSplitMinWork = int64_t(1) << 18;

}  // namespace

// OpenBLAS can thread one gemm itself, but on attnlab's shapes (skinny ones most of all) its split
// runs well below two OpenMP threads that each call a single-threaded gemm on half of C (README,
// Performance; OpenBLAS's OpenMP flavour runs single-threaded inside a parallel region). So gemm
// cuts C itself: into row blocks, or column blocks when C is wider than tall. The blocks depend
// only on the thread count, so a run is reproducible for a given count.
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, real alpha, const real* A,
          int64_t lda, const real* B, int64_t ldb, real beta, real* C, int64_t ldc) {
    if (M == 0 || N == 0) return;
    for (int64_t extent : {M, N, K, lda, ldb, ldc})  // cblas takes 32-bit ints
        ATTNLAB_CHECK(extent <= INT32_MAX, "gemm: extent ", extent,
                      " exceeds the 32-bit limit of cblas (M = ", M, ", N = ", N, ", K = ", K, ")");
    const GemmFn cblas_gemm = openblas().gemm;  // loaded here, never inside the region below
    const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
    if (threads == 1 || M * N * K < kSplitMinWork) {
        blas_gemm(cblas_gemm, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    const bool by_rows = M >= N;
#pragma omp parallel num_threads(threads)
    {
        const int64_t parts = omp_get_num_threads(), part = omp_get_thread_num();
        const int64_t extent = by_rows ? M : N;
        const int64_t begin = extent * part / parts, end = extent * (part + 1) / parts;
        if (by_rows)  // rows [begin, end) of op(A) and C
            blas_gemm(cblas_gemm, trans_a, trans_b, end - begin, N, K, alpha,
                      trans_a ? A + begin : A + begin * lda, lda, B, ldb, beta, C + begin * ldc,
                      ldc);
        else  // columns [begin, end) of op(B) and C
            blas_gemm(cblas_gemm, trans_a, trans_b, M, end - begin, K, alpha, A, lda,
                      trans_b ? B + begin * ldb : B + begin, ldb, beta, C + begin, ldc);
    }
}

void gemm_reference(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, real alpha,
                    const real* A, int64_t lda, const real* B, int64_t ldb, real beta, real* C,
                    int64_t ldc) {
    for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j) {
            double sum = 0;
            for (int64_t p = 0; p < K; ++p) {
                const real a = trans_a ? A[p * lda + i] : A[i * lda + p];
                const real b = trans_b ? B[j * ldb + p] : B[p * ldb + j];
                sum += double(a) * b;
            }
            real& c = C[i * ldc + j];
            c = real(alpha * sum + (beta == 0 ? 0.0 : double(beta) * c));
        }
}

void load_blas(const char* coretype) {
    ATTNLAB_CHECK(!blas_loaded, "load_blas: OpenBLAS is already loaded, with core ",
                  openblas().corename(), "; configure_process() must come before the first gemm");
    if (coretype) {
        setenv("OPENBLAS_CORETYPE", coretype, 1);
        blas_coretype_forced = true;
    }
    openblas();
}

BlasInfo blas_info() {
    const OpenBlas& library = openblas();
    const char* wait_policy = std::getenv("OMP_WAIT_POLICY");
    return BlasInfo{library.corename(), library.num_threads(), library.parallel() == 2,
                    blas_coretype_forced, wait_policy ? wait_policy : "(unset)"};
}

}  // namespace attnlab::kernels
