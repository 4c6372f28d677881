// bench_engine.cpp — micro-benchmark of the engine against the hardware it runs on.
//
// All figures come from one run, so ratios compare like with like on a noisy shared machine:
//   1. matmul: engine `matmul` (tensor allocation + autograd bookkeeping + cblas) vs a raw
//      cblas_sgemm call on preallocated buffers, n = 256, 512, 1024. Target: ≥ 95% for n ≥ 512.
//   2. bandwidth: elementwise add, and fused softmax / layer_norm forward+backward, in GB/s of
//      the minimum traffic each must move, vs memcpy moving the same number of bytes. Target for
//      the fused ops: ≥ 50% of memcpy.
//   3. autograd overhead: microseconds per recorded op (forward + backward) on 4-element tensors,
//      where the arithmetic is negligible and only the graph machinery is left.
// Each timing is the median of repeated runs after warm-up. Not a test: nothing here asserts.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <vector>

#include "engine/kernels/blas.h"
#include "engine/launch.h"
#include "engine/ops.h"
#include "engine/rng.h"

using namespace attnlab;

namespace {

// Median seconds per call of `work`, after `warmup` calls, over about `budget` seconds.
double median_seconds(const std::function<void()>& work, double budget = 0.5, int warmup = 3) {
    for (int i = 0; i < warmup; ++i) work();
    std::vector<double> samples;
    double spent = 0;
    while (spent < budget || samples.size() < 5) {
        const auto start = std::chrono::steady_clock::now();
        work();
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        samples.push_back(seconds);
        spent += seconds;
    }
    std::nth_element(samples.begin(), samples.begin() + samples.size() / 2, samples.end());
    return samples[samples.size() / 2];
}

void bench_matmul(Rng& rng) {
    std::printf("\n1. matmul, C = A·B, n×n, %s (GFLOP/s, median)\n", kRealName);
    std::printf("   %6s %12s %12s %8s\n", "n", "raw sgemm", "engine", "ratio");
    for (int64_t n : {256, 512, 1024}) {
        Tensor a = Tensor::randn({n, n}, rng), b = Tensor::randn({n, n}, rng);
        Tensor c = Tensor::zeros({n, n});
        const double flops = 2.0 * double(n) * n * n;
        const double raw = median_seconds([&] {
            kernels::gemm(false, false, n, n, n, 1, a.data(), n, b.data(), n, 0, c.data(), n);
        });
        const double engine = median_seconds([&] { Tensor y = matmul(a, b); });
        std::printf("   %6ld %12.1f %12.1f %7.1f%%\n", long(n), flops / raw * 1e-9,
                    flops / engine * 1e-9, 100.0 * raw / engine);
    }
}

void bench_bandwidth(Rng& rng) {
    const int64_t rows = 4096, cols = 1024;  // 16 MiB per f32 tensor: far beyond the caches
    const double bytes = double(rows * cols) * sizeof(real);
    Tensor x = Tensor::randn({rows, cols}, rng), other = Tensor::randn({rows, cols}, rng);
    Tensor dy = Tensor::randn({rows, cols}, rng);
    Tensor gamma = Tensor::ones({cols}), beta = Tensor::zeros({cols});

    // Minimum traffic per call, in tensor-sized transfers (a read or a write of one tensor).
    struct Case {
        const char* name;
        double transfers;
        std::function<void()> work;
    };
    const std::vector<Case> cases = {
        {"add (forward)", 3, [&] { Tensor y = add(x, other); }},
        // forward reads x, writes y; backward reads dy and y, writes dx
        {"softmax fwd+bwd", 5,
         [&] {
             Tensor leaf = x.detach();
             leaf.set_requires_grad(true);
             softmax(leaf).backward(dy);
         }},
        // forward reads x, writes y; backward reads dy and x, writes dx (γ, β are negligible)
        {"layer_norm fwd+bwd", 5,
         [&] {
             Tensor leaf = x.detach();
             leaf.set_requires_grad(true);
             layer_norm(leaf, gamma, beta).backward(dy);
         }},
    };
    // The reference for each case is memcpy moving the same number of bytes (half read, half
    // written), so both run in the same cache regime: a 16 MiB memcpy alone would stay in the
    // last-level cache while the op's tensors do not.
    std::printf("\n2. bandwidth on [%ld, %ld] tensors (GB/s of minimum traffic, median)\n",
                long(rows), long(cols));
    std::printf("   %-20s %10s %10s %8s\n", "op", "op", "memcpy", "ratio");
    for (const Case& test : cases) {
        const size_t copy_bytes = size_t(test.transfers / 2 * bytes);
        std::vector<char> source(copy_bytes, 1), target(copy_bytes);
        const double copy_rate =
            2.0 * double(copy_bytes) /
            median_seconds([&] { std::memcpy(target.data(), source.data(), copy_bytes); }) * 1e-9;
        const double rate = test.transfers * bytes / median_seconds(test.work) * 1e-9;
        std::printf("   %-20s %10.1f %10.1f %7.0f%%\n", test.name, rate, copy_rate,
                    100.0 * rate / copy_rate);
    }
}

void bench_autograd_overhead() {
    const int chain = 1000;
    Tensor x = Tensor::ones({4});
    x.set_requires_grad(true);
    const double with_grad = median_seconds([&] {
        Tensor y = x;
        for (int i = 0; i < chain; ++i) y = add(y, x);
        sum(y).backward();
    });
    const double forward_only = median_seconds([&] {
        NoGradGuard no_grad;
        Tensor y = x;
        for (int i = 0; i < chain; ++i) y = add(y, x);
    });
    std::printf("\n3. autograd overhead on [4] tensors (microseconds per op, median)\n");
    std::printf("   forward only (no_grad)      %8.2f us\n", forward_only / chain * 1e6);
    std::printf("   forward + record + backward %8.2f us\n", with_grad / chain * 1e6);
}

}  // namespace

int main() {
    attnlab::configure_process();  // first: OpenBLAS loads with its core type (engine/launch.h)
    const kernels::BlasInfo blas = kernels::blas_info();
    std::printf(
        "bench_engine: OpenBLAS core %s, %d threads, %s flavour%s; OpenMP %d threads, "
        "OMP_WAIT_POLICY=%s\n",
        blas.core, blas.threads, blas.openmp ? "OpenMP" : "pthread",
        blas.coretype_forced ? " (core type set by configure_process)" : "", omp_get_max_threads(),
        blas.omp_wait_policy);
    Rng rng(7);
    bench_matmul(rng);
    bench_bandwidth(rng);
    bench_autograd_overhead();
    return 0;
}
