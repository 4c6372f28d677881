// reduce.cpp — sums and maxima over an axis of x viewed as [outer, n, inner], and their adjoints.
//
// With inner = 1 (reducing the last axis) each output is one contiguous row, summed with a SIMD
// reduction. With inner > 1 the rows x[o, k, :] are added into a block of accumulators, which keeps
// the memory access contiguous; work is split over (outer, block of inner) pairs.
#include "reduce.h"

#include <algorithm>
#include <vector>

#include "parallel.h"

namespace attnlab::kernels {
namespace {

constexpr int64_t kReduceChunk = 4096;  // elements per partial sum in sum_all
constexpr int64_t kBlock = 256;         // accumulators per work item when inner > 1

real row_sum(const real* row, int64_t n) {
    real s = 0;
#pragma omp simd reduction(+ : s)
    for (int64_t k = 0; k < n; ++k) s += row[k];
    return s;
}

}  // namespace

real sum_all(const real* x, int64_t n) {
    const int64_t chunks = (n + kReduceChunk - 1) / kReduceChunk;
    std::vector<double> partial(static_cast<size_t>(chunks));
#pragma omp parallel for schedule(static) if (n > kParallelMinWork)
    for (int64_t c = 0; c < chunks; ++c)
        partial[c] = row_sum(x + c * kReduceChunk, std::min(kReduceChunk, n - c * kReduceChunk));
    double total = 0;
    for (double p : partial) total += p;
    return real(total);
}

void sum_axis(const real* x, int64_t outer, int64_t n, int64_t inner, real alpha, real* y) {
    const int64_t total = outer * n * inner;
    if (inner == 1 && outer == 1) {
        y[0] += alpha * sum_all(x, n);
    } else if (inner == 1) {
#pragma omp parallel for schedule(static) if (total > kParallelMinWork)
        for (int64_t o = 0; o < outer; ++o) y[o] += alpha * row_sum(x + o * n, n);
    } else {
        const int64_t blocks = (inner + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (total > kParallelMinWork)
        for (int64_t t = 0; t < outer * blocks; ++t) {
            const int64_t o = t / blocks, first = (t % blocks) * kBlock;
            const int64_t width = std::min(kBlock, inner - first);
            real acc[kBlock] = {};
            for (int64_t k = 0; k < n; ++k) {
                const real* row = x + (o * n + k) * inner + first;
#pragma omp simd
                for (int64_t j = 0; j < width; ++j) acc[j] += row[j];
            }
            real* out = y + o * inner + first;
            for (int64_t j = 0; j < width; ++j) out[j] += alpha * acc[j];
        }
    }
}

void max_axis(const real* x, int64_t outer, int64_t n, int64_t inner, real* y, int64_t* argmax) {
    const int64_t blocks = (inner + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (outer * n * inner > kParallelMinWork)
    for (int64_t t = 0; t < outer * blocks; ++t) {
        const int64_t o = t / blocks, first = (t % blocks) * kBlock;
        const int64_t width = std::min(kBlock, inner - first);
        real* best = y + o * inner + first;
        int64_t* where = argmax + o * inner + first;
        const real* base = x + o * n * inner + first;
        for (int64_t j = 0; j < width; ++j) best[j] = base[j], where[j] = 0;
        for (int64_t k = 1; k < n; ++k) {
            const real* row = base + k * inner;
            for (int64_t j = 0; j < width; ++j)
                if (row[j] > best[j]) best[j] = row[j], where[j] = k;  // strict: first max wins
        }
    }
}

void broadcast_axis(const real* dy, int64_t outer, int64_t n, int64_t inner, real alpha, real* dx) {
#pragma omp parallel for schedule(static) if (outer * n * inner > kParallelMinWork)
    for (int64_t row = 0; row < outer * n; ++row) {
        const real* source = dy + (row / n) * inner;
        real* target = dx + row * inner;
#pragma omp simd
        for (int64_t i = 0; i < inner; ++i) target[i] += alpha * source[i];
    }
}

void scatter_axis(const real* dy, const int64_t* argmax, int64_t outer, int64_t n, int64_t inner,
                  real* dx) {
    // Each (o, i) writes a distinct element of dx, so the loop parallelises without races.
#pragma omp parallel for schedule(static) if (outer * inner > kParallelMinWork)
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i)
            dx[(o * n + argmax[o * inner + i]) * inner + i] += dy[o * inner + i];
}

}  // namespace attnlab::kernels
