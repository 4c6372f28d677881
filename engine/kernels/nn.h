// nn.h — raw kernels of the fused neural-network ops (engine/ops/nn.cpp wraps them for autograd).
//
// Every kernel works on contiguous row-major data seen as [rows, cols] (the last axis is the row),
// runs OpenMP over rows when the work is large, and gives the same bits for a given thread count.
// Backward kernels ADD into their gradient outputs; a null gradient pointer is skipped.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "../common.h"
#include "../rng.h"

namespace attnlab::kernels {

// A tensor of shape `from` broadcast against `to`, both seen as [rows, cols] with cols = to's last
// extent: element (r, c) of `to` reads from[row_offset[r] + c · col_stride]. The caller has checked
// that `from` broadcasts to `to` (extents equal or 1, aligned on the right).
struct RowBroadcast {
    std::vector<int64_t> row_offset;  // one per row of `to`
    int64_t col_stride;               // 1, or 0 when from's last extent is 1
};
RowBroadcast broadcast_rows(const Shape& from, const Shape& to);

// y = softmax(scale · x + mask) per row, or its log with `log`. mask_rows null: no mask. A row
// that is all −inf after masking gives zeros (for both), and dead_rows[r] = 1 if dead_rows isn't
// null.
void softmax_forward(const real* x, int64_t rows, int64_t cols, real scale, const real* mask,
                     const RowBroadcast* mask_rows, bool log, real* y, uint8_t* dead_rows);
// dx += scale · y ⊙ (dy − Σ dy ⊙ y)
void softmax_backward(const real* y, const real* dy, int64_t rows, int64_t cols, real scale,
                      real* dx);
// dx += scale · (dy − exp(y) · Σ dy), skipping dead rows (their output is the constant 0).
void log_softmax_backward(const real* y, const real* dy, const uint8_t* dead_rows, int64_t rows,
                          int64_t cols, real scale, real* dx);

// y = (x − mean) · rstd · gamma + beta per row of length d; saves mean[rows], rstd[rows].
void layer_norm_forward(const real* x, const real* gamma, const real* beta, int64_t rows, int64_t d,
                        real eps, real* y, real* mean, real* rstd);
void layer_norm_backward(const real* x, const real* gamma, const real* mean, const real* rstd,
                         const real* dy, int64_t rows, int64_t d, real* dx, real* dgamma,
                         real* dbeta);

// y[i, :] = weight[ids[i], :] for i < count; ids already checked against the vocabulary.
void embedding_forward(const real* weight, int64_t d, const int32_t* ids, int64_t count, real* y);
// dweight[ids[i], :] += dy[i, :], each vocabulary row owned by one thread (no atomics).
void embedding_backward(const int32_t* ids, int64_t count, int64_t vocab, int64_t d, const real* dy,
                        real* dweight);

// Element i is kept when to_unit(mix(seed, i)) >= p; kept elements are scaled by 1 / (1 − p).
// forward: y = x · keep / (1 − p);  backward: dx += dy · keep / (1 − p).
// The one dropout generator: element `index` of stream `seed` is kept with probability 1 − p,
// a pure function of (seed, index), so a backward (or the fused attention kernel, which numbers
// the elements of [B, h, L, L] the same way) recomputes the mask instead of storing it.
// Computed as an integer comparison that vectorizes: to_unit(bits) >= p ⇔ (bits >> 11) >= ⌈p·2⁵³⌉,
// both sides exact (53-bit integers in double, scaling by a power of two).
inline uint64_t dropout_threshold(real p) {
    return uint64_t(std::ceil(double(p) * 0x1.0p53));
}
inline bool dropout_kept(uint64_t seed, uint64_t index, uint64_t threshold) {
    return (mix(seed, index) >> 11) >= threshold;
}
inline bool dropout_keeps(uint64_t seed, uint64_t index, real p) {
    return dropout_kept(seed, index, dropout_threshold(p));
}
// factors[c] = 1 / (1 − p) where element first + c of stream `seed` is kept, else 0.
void dropout_factors(uint64_t seed, uint64_t first, int64_t n, real p, real* factors);
// Element i of x is element `first` + i of the stream (a slice of a larger tensor keeps its masks).
void dropout_forward(const real* x, int64_t n, real p, uint64_t seed, uint64_t first, real* y);
void dropout_backward(const real* dy, int64_t n, real p, uint64_t seed, uint64_t first, real* dx);

// Σ over rows with targets ≠ ignore_index of logsumexp(z) − z[target]; lse[rows] is saved for the
// backward. Targets are already checked against C.
double cross_entropy_forward(const real* logits, const int32_t* targets, int64_t N, int64_t C,
                             int32_t ignore_index, real* lse);
// dz += (softmax(z) − onehot(t)) · grad_scale on rows that are not ignored.
void cross_entropy_backward(const real* logits, const real* lse, const int32_t* targets, int64_t N,
                            int64_t C, int32_t ignore_index, real grad_scale, real* dlogits);

// x seen as [outer, n, inner], summing along n.  forward: y_k = Σ_{j ≤ k} x_j;
// backward: dx_k += Σ_{j ≥ k} dy_j.
void cumsum_forward(const real* x, int64_t outer, int64_t n, int64_t inner, real* y);
void cumsum_backward(const real* dy, int64_t outer, int64_t n, int64_t inner, real* dx);

// y = mask ≠ 0 ? value : x;  dx += dy · [mask = 0]. x, y, dx are [rows, cols]; mask broadcasts.
void masked_fill_forward(const real* x, const real* mask, const RowBroadcast& mask_rows,
                         int64_t cols, real value, real* y);
void masked_fill_backward(const real* dy, const real* mask, const RowBroadcast& mask_rows,
                          int64_t cols, real* dx);

// y = cond ≠ 0 ? a : b;  da += dy · [cond ≠ 0], db += dy · [cond = 0]. cond broadcasts.
void where_forward(const real* cond, const RowBroadcast& cond_rows, int64_t cols, const real* a,
                   const real* b, real* y);
void where_backward(const real* cond, const RowBroadcast& cond_rows, int64_t cols, const real* dy,
                    real* da, real* db);

}  // namespace attnlab::kernels
