// The load-time fix-ups (engine/kernels/blas.cpp) must be in force in every attnlab process.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>

#include "engine/kernels/blas.h"

using namespace attnlab;

TEST_CASE("blas: AVX-512 CPUs get OpenBLAS's AVX-512 kernels", "[blas]") {
    const kernels::BlasInfo info = kernels::blas_info();
    INFO("OpenBLAS core " << info.core << ", threads " << info.threads);
    CHECK(info.openmp);  // the OpenMP flavour, chosen in the Makefile
    __builtin_cpu_init();
    const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    if (std::getenv("ATTNLAB_NO_REEXEC")) {
        SUCCEED("ATTNLAB_NO_REEXEC is set: the core type is the user's choice");
    } else if (avx512) {
        CHECK((std::strcmp(info.core, "SkylakeX") == 0 ||
               std::strcmp(info.core, "Cooperlake") == 0 ||
               std::strcmp(info.core, "SapphireRapids") == 0));
    } else {
        CHECK_FALSE(info.coretype_forced);
    }
}

TEST_CASE("blas: an OpenMP wait policy is always in force", "[blas]") {
    // The user's own OMP_WAIT_POLICY, or PASSIVE set by the re-exec (engine/kernels/blas.cpp).
    const kernels::BlasInfo info = kernels::blas_info();
    INFO("OMP_WAIT_POLICY " << info.omp_wait_policy);
    if (std::getenv("ATTNLAB_NO_REEXEC"))
        SUCCEED("ATTNLAB_NO_REEXEC is set: the wait policy is the user's choice");
    else
        CHECK(std::strcmp(info.omp_wait_policy, "(unset)") != 0);
}
