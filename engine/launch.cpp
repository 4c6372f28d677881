#include "launch.h"

#include <cstdlib>
#include <cstring>

#include "kernels/blas.h"

namespace attnlab {
namespace {

bool cpu_has_avx512() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512cd");
}

}  // namespace

const char* openblas_coretype_override(bool cpu_has_avx512, const char* coretype) {
    if (!cpu_has_avx512 || !coretype) return nullptr;
    for (const char* name : {"SkylakeX", "Cooperlake", "SapphireRapids"})
        if (std::strcmp(coretype, name) == 0) return nullptr;
    return "SkylakeX";
}

void configure_process() {
    const bool keep = std::getenv("ATTNLAB_KEEP_CORETYPE") != nullptr;
    kernels::load_blas(
        keep ? nullptr
             : openblas_coretype_override(cpu_has_avx512(), std::getenv("OPENBLAS_CORETYPE")));
}

}  // namespace attnlab
