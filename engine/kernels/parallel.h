// parallel.h — how attnlab uses OpenMP threads: when a loop goes parallel, and how many threads.
#pragma once

#include <omp.h>

#include <cstdint>

#include "../common.h"

namespace attnlab::kernels {

// Below this many elements (or multiply-adds) of work, starting threads costs more than it saves.
// Every elementwise, reduction, normalisation, convolution and optimizer loop uses it; GEMM has
// its own (engine/kernels/blas.cpp).
inline constexpr int64_t kParallelMinWork = int64_t(1) << 15;

// Sets the process-wide OpenMP thread count while alive when `threads` > 0; 0 leaves it alone.
class ScopedThreads {
  public:
    explicit ScopedThreads(int64_t threads) {
        ATTNLAB_CHECK(threads >= 0, "ScopedThreads: expected a thread count >= 0, got ", threads);
        if (threads == 0) return;
        previous_ = omp_get_max_threads();
        omp_set_num_threads(int(threads));
    }
    ~ScopedThreads() {
        if (previous_ > 0) omp_set_num_threads(previous_);
    }
    ScopedThreads(const ScopedThreads&) = delete;
    ScopedThreads& operator=(const ScopedThreads&) = delete;

  private:
    int previous_ = 0;
};

}  // namespace attnlab::kernels
