// The OpenBLAS core type chosen by configure_process (engine/launch.h), which tests/test_main.cpp
// calls first like every program's main.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>

#include "engine/kernels/blas.h"
#include "engine/launch.h"

using namespace attnlab;

TEST_CASE("blas: AVX-512 CPUs get OpenBLAS's AVX-512 kernels", "[blas]") {
    const kernels::BlasInfo info = kernels::blas_info();
    INFO("OpenBLAS core " << info.core << ", threads " << info.threads << ", OMP_WAIT_POLICY "
                          << info.omp_wait_policy);
    CHECK(info.openmp);  // the OpenMP flavour, chosen in the Makefile
    __builtin_cpu_init();
    const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    if (std::getenv("ATTNLAB_KEEP_CORETYPE")) {
        SUCCEED("ATTNLAB_KEEP_CORETYPE is set: the core type is the user's choice");
    } else if (avx512) {
        CHECK((std::strcmp(info.core, "SkylakeX") == 0 ||
               std::strcmp(info.core, "Cooperlake") == 0 ||
               std::strcmp(info.core, "SapphireRapids") == 0));
    } else {
        CHECK_FALSE(info.coretype_forced);
    }
}

TEST_CASE("blas: only a core type without AVX-512 on an AVX-512 CPU is replaced", "[blas]") {
    CHECK(std::strcmp(openblas_coretype_override(true, "Haswell"), "SkylakeX") == 0);
    CHECK(std::strcmp(openblas_coretype_override(true, "Zen"), "SkylakeX") == 0);
    CHECK(openblas_coretype_override(true, "SkylakeX") == nullptr);
    CHECK(openblas_coretype_override(true, "Cooperlake") == nullptr);
    CHECK(openblas_coretype_override(true, "SapphireRapids") == nullptr);
    CHECK(openblas_coretype_override(true, nullptr) == nullptr);  // OpenBLAS detects the CPU
    CHECK(openblas_coretype_override(false, "Haswell") == nullptr);
    CHECK(openblas_coretype_override(false, nullptr) == nullptr);
}

TEST_CASE("blas: configure_process runs once, before OpenBLAS is loaded", "[blas]") {
    CHECK_THROWS_WITH(configure_process(), Catch::Contains("OpenBLAS is already loaded") &&
                                               Catch::Contains("before the first gemm"));
}
