// conv.cpp — the multi-head depthwise 1-d convolution with per-position or shared kernels, as plain
// loops. Notation as in conv.h: y[b, t, c] = Σ_j w[b', t', head(c), j] · x[b, t + j − offset, c].
//
// Backward, from dy[b, t, c]:
//   dx[b, s, c] = Σ_j w[b', t', head(c), j] · dy[b, t, c]  with t = s − j + offset in [0, L)
//     (a gather over the outputs that read x[b, s], so every dx row is owned by one thread);
//   dw[b', t', h, j] = Σ_{(b, t) → (b', t')} Σ_{c ∈ head h} dy[b, t, c] · x[b, t + j − offset, c]
//     (one task per (weight row, head) sums over the positions sharing that kernel, in order).
#include "conv.h"

#include <algorithm>

#include "parallel.h"

namespace attnlab::kernels {
namespace {

// The row of w [Bw·Lw, h·K] that position (b, t) reads.
inline int64_t weight_row(const DepthwiseConvShape& s, int64_t b, int64_t t) {
    return (s.weight_batch == 1 ? 0 : b) * s.weight_length + (s.weight_length == 1 ? 0 : t);
}

}  // namespace

void depthwise_conv_forward(const real* x, const real* w, const DepthwiseConvShape& shape,
                            real* y) {
    const int64_t B = shape.B, L = shape.L, d = shape.d, h = shape.heads, K = shape.K;
    const int64_t dh = d / h, rows = B * L;
#pragma omp parallel for schedule(static) if (rows * d * K > kParallelMinWork)
    for (int64_t row = 0; row < rows; ++row) {
        const int64_t b = row / L, t = row % L;
        const real* kernel = w + weight_row(shape, b, t) * h * K;
        real* out = y + row * d;
        std::fill(out, out + d, real(0));
        for (int64_t head = 0; head < h; ++head)
            for (int64_t j = 0; j < K; ++j) {
                const int64_t source = t + j - shape.offset;
                if (source < 0 || source >= L) continue;  // zero padding
                const real tap = kernel[head * K + j];
                const real* in = x + (b * L + source) * d + head * dh;
                real* acc = out + head * dh;
                for (int64_t c = 0; c < dh; ++c) acc[c] += tap * in[c];
            }
    }
}

void depthwise_conv_backward(const real* x, const real* w, const real* dy,
                             const DepthwiseConvShape& shape, real* dx, real* dw) {
    const int64_t B = shape.B, L = shape.L, d = shape.d, h = shape.heads, K = shape.K;
    const int64_t dh = d / h, rows = B * L;
    const bool parallel = rows * d * K > kParallelMinWork;
    if (dx) {
#pragma omp parallel for schedule(static) if (parallel)
        for (int64_t row = 0; row < rows; ++row) {
            const int64_t b = row / L, s = row % L;
            real* grad = dx + row * d;
            for (int64_t head = 0; head < h; ++head)
                for (int64_t j = 0; j < K; ++j) {
                    // t: the output that read x[b, s] at tap j.
                    const int64_t t = s - j + shape.offset;
                    if (t < 0 || t >= L) continue;
                    const real tap = w[weight_row(shape, b, t) * h * K + head * K + j];
                    const real* upstream = dy + (b * L + t) * d + head * dh;
                    real* acc = grad + head * dh;
                    for (int64_t c = 0; c < dh; ++c) acc[c] += tap * upstream[c];
                }
        }
    }
    if (dw) {
        const int64_t Bw = shape.weight_batch, Lw = shape.weight_length, tasks = Bw * Lw * h;
        // Positions sharing a kernel: b over one batch row (Bw = B) or all of them (Bw = 1); same
        // for t.
        const int64_t b_count = Bw == 1 ? B : 1, t_count = Lw == 1 ? L : 1;
#pragma omp parallel for schedule(static) if (parallel)
        for (int64_t task = 0; task < tasks; ++task) {
            const int64_t head = task % h, weight = task / h;
            const int64_t b_first = Bw == 1 ? 0 : weight / Lw, t_first = Lw == 1 ? 0 : weight % Lw;
            real* grad = dw + weight * h * K + head * K;
            for (int64_t b = b_first; b < b_first + b_count; ++b)
                for (int64_t t = t_first; t < t_first + t_count; ++t) {
                    const real* upstream = dy + (b * L + t) * d + head * dh;
                    for (int64_t j = 0; j < K; ++j) {
                        const int64_t source = t + j - shape.offset;
                        if (source < 0 || source >= L) continue;
                        const real* in = x + (b * L + source) * d + head * dh;
                        real dot = 0;
#pragma omp simd reduction(+ : dot)
                        for (int64_t c = 0; c < dh; ++c) dot += upstream[c] * in[c];
                        grad[j] += dot;
                    }
                }
        }
    }
}

}  // namespace attnlab::kernels
