// conv.h — raw kernels of the multi-head depthwise 1-d convolution behind the lightweight and
// dynamic convolutions (Wu et al., ICLR 2019), wrapped for autograd by engine/ops/conv.cpp.
//
// x [B, L, d] has h heads of dh = d / h channels; channel c belongs to head c / dh. Every head has
// a kernel of K taps, stored per (batch, position) as w [Bw, Lw, h, K] with Bw ∈ {1, B} and
// Lw ∈ {1, L}; an extent of 1 means one kernel shared along that axis (lightweight: [1, 1, h, K]).
//     y[b, t, c] = Σ_{j<K} w[b', t', c / dh, j] · x[b, t + j − offset, c],   b' = b or 0, t' = t or
//     0
// with x = 0 outside [0, L) (zero padding). offset = K − 1 looks only back (causal); offset =
// (K − 1) / 2 centres the kernel. Each output element is written by one thread in a fixed order, so
// the bits depend on nothing but the inputs. Backward kernels ADD into their gradient outputs; a
// null gradient pointer is skipped.
#pragma once

#include <cstdint>

#include "../common.h"

namespace attnlab::kernels {

struct DepthwiseConvShape {
    int64_t B, L, d;        // x [B, L, d]
    int64_t heads, K;       // kernel taps per head
    int64_t weight_batch;   // Bw: 1 (shared) or B
    int64_t weight_length;  // Lw: 1 (shared) or L
    int64_t offset;         // 0 ≤ offset < K
};

// x [B, L, d], w [Bw, Lw, h, K] → y [B, L, d] (overwritten).
void depthwise_conv_forward(const real* x, const real* w, const DepthwiseConvShape& shape, real* y);

// Given dy [B, L, d]: dx [B, L, d] += and dw [Bw, Lw, h, K] += (sums over the shared axes).
void depthwise_conv_backward(const real* x, const real* w, const real* dy,
                             const DepthwiseConvShape& shape, real* dx, real* dw);

}  // namespace attnlab::kernels
