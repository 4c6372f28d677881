// buffer.h — pooled storage for tensor data and gradients.
//
// A training step allocates the same activation and gradient sizes every time. Large malloc/free
// pairs would turn into mmap/munmap plus page faults on every step, so freed buffers go back to a
// free list keyed by their byte size, and the next request reuses the smallest cached block that
// holds it (if that block is under twice its size: lengths may vary between batches). Small
// buffers (< kPoolMinBytes) go straight to the system allocator, which recycles them cheaply.
#pragma once

#include <cstddef>
#include <memory>

#include "common.h"

namespace attnlab {

class Buffer {
  public:
    // Uninitialised storage for `count` reals, 64-byte aligned (one AVX-512 vector, one line).
    static std::shared_ptr<Buffer> allocate(size_t count);
    static std::shared_ptr<Buffer> zeros(size_t count);

    ~Buffer();
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;

    real* data() const { return data_; }
    size_t size() const { return count_; }

  private:
    Buffer(real* data, size_t count, size_t bytes) : data_(data), count_(count), bytes_(bytes) {}
    real* data_;
    size_t count_;
    size_t bytes_;  // rounded allocation size, the pool key
};

inline constexpr size_t kPoolMinBytes = 64 * 1024;

struct PoolStats {
    size_t reused = 0;        // requests served from the free lists
    size_t fresh = 0;         // pooled-size requests that had to call the system allocator
    size_t cached_bytes = 0;  // bytes sitting in free lists right now
    size_t live_bytes = 0;    // pooled-size bytes currently held by buffers
};

PoolStats pool_stats();
void pool_release_cached();  // returns every cached buffer to the system

}  // namespace attnlab
