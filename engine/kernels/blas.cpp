#include "blas.h"

#include <cblas.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

// Exported by OpenBLAS but not declared in its cblas.h on every flavour.
extern "C" char* openblas_get_corename(void);
extern "C" int openblas_get_num_threads(void);
extern "C" int openblas_get_parallel(void);

namespace attnlab::kernels {

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, real alpha, const real* A,
          int64_t lda, const real* B, int64_t ldb, real beta, real* C, int64_t ldc) {
    if (M == 0 || N == 0) return;
    for (int64_t extent : {M, N, K, lda, ldb, ldc})  // cblas takes 32-bit ints
        ATTNLAB_CHECK(extent <= INT32_MAX, "gemm: extent ", extent,
                      " exceeds the 32-bit limit of cblas (M = ", M, ", N = ", N, ", K = ", K, ")");
    const auto ta = trans_a ? CblasTrans : CblasNoTrans;
    const auto tb = trans_b ? CblasTrans : CblasNoTrans;
#ifdef ATTNLAB_DOUBLE
    cblas_dgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
    cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
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

// --- OPENBLAS_CORETYPE ----------------------------------------------------------------------
// OpenBLAS 0.3.21 picks its kernel set when libopenblas is loaded, before any code of ours runs.
// On recent AVX-512 CPUs that choice can be the Haswell (AVX2) kernels: 0.3.21 does not know
// every AVX-512 CPU, and machine images pin OPENBLAS_CORETYPE=Haswell to paper over that. Either
// way half of sgemm's speed (about 200 vs 390 GFLOP/s on 2 threads here) is left unused.
//
// So, first thing in every attnlab process, this constructor checks: the CPU has AVX-512, and
// OpenBLAS is running a kernel set without it. Then it sets OPENBLAS_CORETYPE=SkylakeX and
// re-executes the same binary with the same arguments, so the library loads again with the fast
// kernels. On a CPU without AVX-512 it does nothing. ATTNLAB_NO_REEXEC=1 turns it off (to keep a
// deliberately chosen core type, or under valgrind, whose /proc/self/exe is valgrind itself).
// ATTNLAB_CORETYPE_FORCED marks the re-executed process, so it can never loop.
namespace {

bool cpu_has_avx512() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512cd");
}

bool core_uses_avx512(const char* core) {
    for (const char* name : {"SkylakeX", "Cooperlake", "SapphireRapids"})
        if (std::strcmp(core, name) == 0) return true;
    return false;
}

// glibc calls ELF constructors with (argc, argv, envp).
__attribute__((constructor)) void select_openblas_core(int, char** argv, char**) {
    if (std::getenv("ATTNLAB_NO_REEXEC") || std::getenv("ATTNLAB_CORETYPE_FORCED")) return;
    if (!cpu_has_avx512() || core_uses_avx512(openblas_get_corename())) return;
    const char* preload = std::getenv("LD_PRELOAD");
    if (preload && std::strstr(preload, "vgpreload")) return;  // under valgrind
    setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
    setenv("ATTNLAB_CORETYPE_FORCED", "1", 1);
    execv("/proc/self/exe", argv);
    // exec failed (no /proc?): carry on with the slower kernels rather than fail.
    unsetenv("OPENBLAS_CORETYPE");
    unsetenv("ATTNLAB_CORETYPE_FORCED");
}

}  // namespace

BlasInfo blas_info() {
    return BlasInfo{openblas_get_corename(), openblas_get_num_threads(),
                    openblas_get_parallel() == 2,
                    std::getenv("ATTNLAB_CORETYPE_FORCED") != nullptr};
}

}  // namespace attnlab::kernels
