#include "buffer.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <vector>

#include "kernels/elementwise.h"

namespace attnlab {
namespace {

// Cached bytes above this are freed instead of kept, so a one-off huge step cannot pin memory.
constexpr size_t kPoolMaxCachedBytes = size_t(8) << 30;

// A cached block serves any request of at least half its size. Sequence lengths that vary from
// batch to batch (padded classification, seq2seq) change every activation size each step, and
// exact-size matching would then miss the cache every step and pay mmap + page faults (README,
// Performance). Best fit below 2× keeps the waste bounded.
constexpr size_t kPoolMaxOversize = 2;

struct Pool {
    std::mutex lock;
    std::map<size_t, std::vector<void*>> free_lists;  // ordered: lower_bound finds the best fit
    PoolStats stats;
};

Pool& pool() {
    static Pool* instance = new Pool();  // never destroyed: buffers may outlive static teardown
    return *instance;
}

size_t round_up(size_t bytes) {
    return (bytes + 63) / 64 * 64;
}

}  // namespace

std::shared_ptr<Buffer> Buffer::allocate(size_t count) {
    const size_t bytes = round_up(std::max<size_t>(count, 1) * sizeof(real));
    size_t block_bytes = bytes;  // what the block really holds: a reused one may be larger
    void* memory = nullptr;
    if (bytes >= kPoolMinBytes) {
        Pool& p = pool();
        std::lock_guard<std::mutex> guard(p.lock);
        auto it = p.free_lists.lower_bound(bytes);
        if (it != p.free_lists.end() && it->first <= kPoolMaxOversize * bytes) {
            block_bytes = it->first;
            memory = it->second.back();
            it->second.pop_back();
            if (it->second.empty()) p.free_lists.erase(it);
            p.stats.cached_bytes -= block_bytes;
            p.stats.reused++;
        } else {
            p.stats.fresh++;
        }
        p.stats.live_bytes += block_bytes;
    }
    if (!memory) memory = std::aligned_alloc(64, bytes);
    if (!memory) throw OutOfMemory(cat("out of memory allocating ", bytes, " bytes"));
    return std::shared_ptr<Buffer>(new Buffer(static_cast<real*>(memory), count, block_bytes));
}

std::shared_ptr<Buffer> Buffer::zeros(size_t count) {
    auto buffer = allocate(count);
    kernels::fill(0, buffer->data(), int64_t(count));
    return buffer;
}

Buffer::~Buffer() {
    if (bytes_ < kPoolMinBytes) {
        std::free(data_);
        return;
    }
    Pool& p = pool();
    std::lock_guard<std::mutex> guard(p.lock);
    p.stats.live_bytes -= bytes_;
    if (p.stats.cached_bytes + bytes_ > kPoolMaxCachedBytes) {
        std::free(data_);
        return;
    }
    p.free_lists[bytes_].push_back(data_);
    p.stats.cached_bytes += bytes_;
}

PoolStats pool_stats() {
    std::lock_guard<std::mutex> guard(pool().lock);
    return pool().stats;
}

void pool_release_cached() {
    Pool& p = pool();
    std::lock_guard<std::mutex> guard(p.lock);
    for (auto& [bytes, list] : p.free_lists)
        for (void* memory : list) std::free(memory);
    p.free_lists.clear();
    p.stats.cached_bytes = 0;
}

}  // namespace attnlab
