#include "blas.h"

#include <cblas.h>
#include <omp.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

// Exported by OpenBLAS but not declared in its cblas.h on every flavour.
extern "C" char* openblas_get_corename(void);
extern "C" int openblas_get_num_threads(void);
extern "C" int openblas_get_parallel(void);

namespace attnlab::kernels {

namespace {

void blas_gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, real alpha,
               const real* A, int64_t lda, const real* B, int64_t ldb, real beta, real* C,
               int64_t ldc) {
    const auto ta = trans_a ? CblasTrans : CblasNoTrans;
    const auto tb = trans_b ? CblasTrans : CblasNoTrans;
#ifdef ATTNLAB_DOUBLE
    cblas_dgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
    cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
}

// Below this many multiply-adds a parallel region costs more than the second thread gains.
constexpr int64_t kSplitMinWork = int64_t(1) << 18;

}  // namespace

// OpenBLAS threads one gemm itself, but on this 2-core machine its split reached only 160–270
// GFLOP/s for attnlab's shapes (skinny ones worst: [32768, 64] · [64, 256] ran at 163) where two
// OpenMP threads each calling a single-threaded gemm on half of C reach 290–370 of a 385 peak
// (OpenBLAS's OpenMP flavour runs single-threaded inside a parallel region). So gemm cuts C
// itself: into row blocks, or column blocks when C is wider than tall. The blocks depend only on
// the thread count, so a run is reproducible for a given count.
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, real alpha, const real* A,
          int64_t lda, const real* B, int64_t ldb, real beta, real* C, int64_t ldc) {
    if (M == 0 || N == 0) return;
    for (int64_t extent : {M, N, K, lda, ldb, ldc})  // cblas takes 32-bit ints
        ATTNLAB_CHECK(extent <= INT32_MAX, "gemm: extent ", extent,
                      " exceeds the 32-bit limit of cblas (M = ", M, ", N = ", N, ", K = ", K, ")");
    const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
    if (threads == 1 || M * N * K < kSplitMinWork) {
        blas_gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    const bool by_rows = M >= N;
#pragma omp parallel num_threads(threads)
    {
        const int64_t parts = omp_get_num_threads(), part = omp_get_thread_num();
        const int64_t extent = by_rows ? M : N;
        const int64_t begin = extent * part / parts, end = extent * (part + 1) / parts;
        if (by_rows)  // rows [begin, end) of op(A) and C
            blas_gemm(trans_a, trans_b, end - begin, N, K, alpha,
                      trans_a ? A + begin : A + begin * lda, lda, B, ldb, beta, C + begin * ldc,
                      ldc);
        else  // columns [begin, end) of op(B) and C
            blas_gemm(trans_a, trans_b, M, end - begin, K, alpha, A, lda,
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

// --- OPENBLAS_CORETYPE and OMP_WAIT_POLICY --------------------------------------------------
// Two settings are read once, when the libraries load, before any code of ours runs:
//
// OPENBLAS_CORETYPE. OpenBLAS 0.3.21 picks its kernel set at load time. On recent AVX-512 CPUs
// that choice can be the Haswell (AVX2) kernels: 0.3.21 does not know every AVX-512 CPU, and
// machine images pin OPENBLAS_CORETYPE=Haswell to paper over that. Either way half of sgemm's
// speed (about 200 vs 390 GFLOP/s on 2 threads here) is left unused. Fix: SkylakeX, when the CPU
// has AVX-512 and OpenBLAS runs a kernel set without it.
//
// OMP_WAIT_POLICY. By default libgomp's idle threads spin for a while at the end of every parallel
// region. On a machine whose cores are busy with other work, a spinning thread steals the core
// its partner needs, and every region waits for a descheduled thread: an LM-S training step
// measured 20 s instead of 2.7 s with other jobs on the 2 cores. Passive waiting (sleep at once)
// costs nothing measurable on a quiet machine (567 vs 575 ms per LM-S step), so it is the default
// unless the user set OMP_WAIT_POLICY.
//
// So, first thing in every attnlab process, this constructor sets whichever of the two needs
// setting and re-executes the same binary with the same arguments, so the libraries load again
// with them. ATTNLAB_NO_REEXEC=1 turns it off (to keep deliberately chosen settings, or under
// valgrind, whose /proc/self/exe is valgrind itself). ATTNLAB_REEXECUTED marks the re-executed
// process, so it can never loop; ATTNLAB_CORETYPE_FORCED records that the core type was changed.
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
__attribute__((constructor)) void reexec_with_load_time_settings(int, char** argv, char**) {
    if (std::getenv("ATTNLAB_NO_REEXEC") || std::getenv("ATTNLAB_REEXECUTED")) return;
    const char* preload = std::getenv("LD_PRELOAD");
    if (preload && std::strstr(preload, "vgpreload")) return;  // under valgrind
    const bool fix_core = cpu_has_avx512() && !core_uses_avx512(openblas_get_corename());
    const bool fix_wait = std::getenv("OMP_WAIT_POLICY") == nullptr;
    if (!fix_core && !fix_wait) return;
    if (fix_core) setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
    if (fix_core) setenv("ATTNLAB_CORETYPE_FORCED", "1", 1);
    if (fix_wait) setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    setenv("ATTNLAB_REEXECUTED", "1", 1);
    execv("/proc/self/exe", argv);
    // exec failed (no /proc?): carry on with the load-time settings we have rather than fail.
    if (fix_core) unsetenv("OPENBLAS_CORETYPE");
    if (fix_core) unsetenv("ATTNLAB_CORETYPE_FORCED");
    if (fix_wait) unsetenv("OMP_WAIT_POLICY");
    unsetenv("ATTNLAB_REEXECUTED");
}

}  // namespace

BlasInfo blas_info() {
    return BlasInfo{openblas_get_corename(), openblas_get_num_threads(),
                    openblas_get_parallel() == 2, std::getenv("ATTNLAB_CORETYPE_FORCED") != nullptr,
                    std::getenv("OMP_WAIT_POLICY") ? std::getenv("OMP_WAIT_POLICY") : "(unset)"};
}

}  // namespace attnlab::kernels
