// ops.h — every differentiable operation in attnlab, and its vector–Jacobian product (VJP).
//
// This header is the table of contents of the autograd engine. Each op lives in engine/ops/*.cpp
// with its forward and backward side by side; the arithmetic itself is a raw kernel in
// engine/kernels/*.cpp. Notation: y is the op's output, dy = ∂loss/∂y flows in, dx is what the
// backward adds into ∂loss/∂x. Shapes use B, L, d as in the papers; "..." is any leading dims.
//
// clang-format off
//   op                    forward                               backward (added into)
//   --------------------  ------------------------------------  ---------------------------------
//   add(a, b)             y = a + b  (NumPy broadcasting)       da += sum_to(dy), db += sum_to(dy)
//   sub(a, b)             y = a − b                             da += sum_to(dy), db −= sum_to(dy)
//   mul(a, b)             y = a · b                             da += sum_to(dy·b), db += sum_to(dy·a)
//   div(a, b)             y = a / b                             da += sum_to(dy/b), db −= sum_to(dy·a/b²)
//   scale(x, s)           y = s · x                             dx += s · dy
//   add_scalar(x, s)      y = x + s                             dx += dy
//   matmul(a, b, ta, tb)  y = op(a) · op(b), batched            da += dy · op(b)ᵀ, db += op(a)ᵀ · dy
//   linear(x, W, b)       y = x · W + b  (one gemm onto b)      dx += dy · Wᵀ, dW += xᵀ · dy, db += Σ dy
//   causal_scores(q, k)   y = q · kᵀ on the block lower          dq += dy · k, dk += dyᵀ · q (inside)
//                         triangle, 0 above it
//   causal_mix(p, v)      y = p · v, p's block upper part = 0   dp += dy · vᵀ (inside), dv += pᵀ · dy
//   sum, mean (axis|all)  y = Σ x  (mean: / n)                  dx += broadcast(dy)  (mean: / n)
//   max (axis|all)        y = max x                             dx[argmax] += dy  (first max wins)
//   reshape(x, shape)     a view sharing storage                dx += dy  (same element order)
//   transpose, permute    y = x with axes reordered (a copy)    dx += dy with the axes put back
//   slice(x, axis, s, e)  y = x[..., s:e, ...]                  dx[..., s:e, ...] += dy
//   concat(xs, axis)      y = [x0 | x1 | ...]                   dxi += the matching slice of dy
//   split(x, axis, sizes) the inverse of concat                 dx's slices += each dyi
//   exp, log, tanh,       y = f(x), elementwise                 dx += dy · f'(x):  exp: dy · y,
//   sigmoid, relu, elu,                                           log: dy / x,  tanh: dy · (1 − y²),
//   gelu, sin, cos,                                               sigmoid: dy · y(1 − y),
//   square, sqrt                                                  relu: dy · [x > 0],
//                                                                 elu: dy · (y > 0 ? 1 : y + 1), ...
//   softmax(x, mask, s)   y = softmax(s·x + mask), last axis    dx += s · y ⊙ (dy − Σ dy ⊙ y)
//   log_softmax(x, m, s)  y = s·x + m − logsumexp(s·x + m)      dx += s · (dy − softmax · Σ dy)
//   layer_norm(x, γ, β)   y = (x − μ) · rstd · γ + β, last axis see kernels/nn.cpp (saves μ, rstd)
//   embedding(W, ids)     y[..., :] = W[ids[...], :]            dW[ids[...], :] += dy[..., :]
//   dropout(x, p, seed)   y = x · keep / (1 − p)                dx += dy · keep / (1 − p)
//   cross_entropy(z, t)   mean over rows with t ≠ ignore of     dz += (softmax(z) − onehot(t)) / n
//                         −log softmax(z)[t]
//   cumsum(x, axis)       y_i = Σ_{j ≤ i} x_j                   dx_i += Σ_{j ≥ i} dy_j
//   masked_fill(x, m, v)  y = m ? v : x                         dx += dy · [¬m]
//   where(c, a, b)        y = c ? a : b                         da += sum_to(dy·[c]), db += sum_to(dy·[¬c])
//   positive_features(    P = c·x ωᵀ (c = d^(−1/4)),            dP = dy·y, g = Σ_j dP, dx += c·dP ω
//     x, ω, row_max)      y = exp(P − c²‖x‖²/2) / √m, or        − c²·g·x (no row max), or
//                         y = exp(P − max P) / √m               dP[argmax] −= g; dω += c·dPᵀ x
//   dynamic_depthwise_    y[b,t,c] = Σ_j w[b,t,head(c),j] ·     dx[b,t+j−o,c] += w[b,t,head(c),j] · dy[b,t,c]
//     conv(x, w, o)                  x[b,t+j−o,c]  (0 outside)  dw[b,t,h,j] += Σ_{c∈h} dy[b,t,c] · x[b,t+j−o,c]
//                         (w broadcast over b and/or t)           (summed over the broadcast b, t)
// clang-format on
//
// Misuse throws attnlab::Error naming the op, the shapes or values it saw, and what it expected.
#pragma once

#include <vector>

#include "autograd.h"
#include "tensor.h"

namespace attnlab {

// --- elementwise, with NumPy broadcasting (engine/ops/elementwise.cpp) ----------------------
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor scale(const Tensor& x, real factor);
Tensor add_scalar(const Tensor& x, real value);
inline Tensor operator+(const Tensor& a, const Tensor& b) {
    return add(a, b);
}
inline Tensor operator-(const Tensor& a, const Tensor& b) {
    return sub(a, b);
}
inline Tensor operator*(const Tensor& a, const Tensor& b) {
    return mul(a, b);
}
inline Tensor operator/(const Tensor& a, const Tensor& b) {
    return div(a, b);
}
inline Tensor operator*(const Tensor& x, real factor) {
    return scale(x, factor);
}
inline Tensor operator*(real factor, const Tensor& x) {
    return scale(x, factor);
}

// The shape a and b broadcast to, or an Error naming `op` and both shapes.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);
// Sums `x` over broadcast dimensions so the result has `shape` (the adjoint of broadcasting).
Tensor sum_to(const Tensor& x, const Shape& shape);

// --- unary (engine/ops/unary.cpp) -----------------------------------------------------------
enum class GeluApprox { Tanh, Erf };  // Hendrycks & Gimpel: tanh approximation or exact erf form

Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
// elu(x) = x for x > 0, eˣ − 1 otherwise (α = 1): the Linear Transformer's φ(x) = elu(x) + 1.
Tensor elu(const Tensor& x);
Tensor gelu(const Tensor& x, GeluApprox approx = GeluApprox::Tanh);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor square(const Tensor& x);
Tensor sqrt(const Tensor& x);

// --- matmul (engine/ops/matmul.cpp) ---------------------------------------------------------
// a [..., M, K] (or [..., K, M] with transpose_a), b [..., K, N] (or [..., N, K] with transpose_b)
// → [..., M, N]. Batch dims must match exactly, or b is 2-d and shared by every batch of a (a
// weight): then the whole batch is one sgemm on a flattened to [(...)·M, K].
Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a = false, bool transpose_b = false);
// x [..., K], weight [K, N], bias [N] → [..., N]: add(matmul(x, weight), bias) fused. The output
// starts as copies of the bias and the gemm accumulates onto it (beta = 1), so neither the forward
// nor the backward makes a pass of its own for the bias.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);

// --- causal attention products (engine/ops/causal_matmul.cpp) -------------------------------
// "Inside": column j of row i with j < the end of i's tile of `tile` rows (the block lower
// triangle); a causal mask keeps only j ≤ i, all inside. The blocks outside are skipped: about
// half of each L × L product. 64 rows per tile keep each block gemm near BLAS's peak.
inline constexpr int64_t kCausalTile = 64;
// q, k [..., L, d] → [..., L, L]: q · kᵀ inside, 0 outside.
Tensor causal_scores(const Tensor& q, const Tensor& k, int64_t tile = kCausalTile);
// p [..., L, L], v [..., L, dv] → p · v with p's outside taken as 0 (never read).
Tensor causal_mix(const Tensor& p, const Tensor& v, int64_t tile = kCausalTile);

// --- reductions (engine/ops/reduce.cpp) -----------------------------------------------------
Tensor sum(const Tensor& x);  // all elements → []
Tensor sum(const Tensor& x, int axis, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, int axis, bool keepdim = false);
Tensor max(const Tensor& x);
Tensor max(const Tensor& x, int axis, bool keepdim = false);

// --- shape (engine/ops/shape.cpp) -----------------------------------------------------------
Tensor reshape(const Tensor& x, const Shape& shape);  // one extent may be -1
Tensor transpose(const Tensor& x, int axis0, int axis1);
Tensor permute(const Tensor& x, const std::vector<int>& order);
Tensor slice(const Tensor& x, int axis, int64_t start, int64_t end);  // [start, end)
Tensor concat(const std::vector<Tensor>& xs, int axis);
std::vector<Tensor> split(const Tensor& x, int axis, const std::vector<int64_t>& sizes);

// --- FAVOR+ positive features, fused (engine/ops/features.cpp) -------------------------------
// x [..., d], ω [m, d] → exp(c·x ωᵀ − c²‖x‖²/2) / √m [..., m] with c = d^(−1/4) (Lemma 1), or
// with subtract_row_max exp(c·x ωᵀ − max over the row) / √m (the per-token stabiliser, in which
// the norm term cancels).
Tensor positive_features(const Tensor& x, const Tensor& omega, bool subtract_row_max);

// --- neural-network ops, fused (engine/ops/nn.cpp) ------------------------------------------
// softmax(scale · x + mask) over the last axis, max-subtracted. `mask` is optional (undefined
// tensor), additive (0 keeps, a large negative value removes), never differentiated, and
// broadcasts to x's shape, e.g. [L, L] or [B, 1, 1, L] against x [B, h, L, L].
Tensor softmax(const Tensor& x, const Tensor& mask = Tensor(), real scale = 1);
Tensor log_softmax(const Tensor& x, const Tensor& mask = Tensor(), real scale = 1);
// x [..., d], gamma [d], beta [d]; statistics over the last axis.
Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, real eps = 1e-5);
// weight [V, d], ids [...] with 0 <= id < V → [..., d].
Tensor embedding(const Tensor& weight, const IntTensor& ids);
// Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1 − p).
// The keep mask of element i is a pure function of (seed, first_index + i), so any thread count
// gives the same bits. p = 0 returns x itself.
Tensor dropout(const Tensor& x, real p, uint64_t seed, uint64_t first_index = 0);
// Data-parallel training gives each process rows [first, first + B) of a global batch. While a
// ScopedBatchRows(first) lives, batch_dropout (and fused_attention's dropout) number the elements
// of a tensor whose dim 0 is the example as if the whole global batch were there: example b draws
// the mask of global example first + b, so the masks do not depend on the number of processes.
int64_t batch_first_row();  // 0 outside any ScopedBatchRows
class ScopedBatchRows {
  public:
    explicit ScopedBatchRows(int64_t first_row);
    ~ScopedBatchRows();
    ScopedBatchRows(const ScopedBatchRows&) = delete;
    ScopedBatchRows& operator=(const ScopedBatchRows&) = delete;

  private:
    int64_t previous_;
};
// dropout of x [B, ...] whose rows are examples batch_first_row() + b of the global batch.
Tensor batch_dropout(const Tensor& x, real p, uint64_t seed);
// The target that cross_entropy skips by default: padded positions and unscored tokens carry it.
// PyTorch's value, so fixtures and configs written against it agree.
constexpr int32_t kIgnoreIndex = -100;
// logits [N, C], targets [N] → [] mean of −log softmax(logits)[target] over targets ≠ ignore_index.
// All-ignored batches give 0 (and zero gradient).
Tensor cross_entropy(const Tensor& logits, const IntTensor& targets,
                     int32_t ignore_index = kIgnoreIndex);
Tensor cumsum(const Tensor& x, int axis);
// mask broadcasts to x; positions where mask ≠ 0 become `value`.
Tensor masked_fill(const Tensor& x, const Tensor& mask, real value);
// condition, a and b broadcast together; condition ≠ 0 picks a.
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);

// --- convolution (engine/ops/conv.cpp) -----------------------------------------------------
// The multi-head depthwise 1-d convolution of Wu et al. (ICLR 2019): x [B, L, d] has h heads of d/h
// channels, each convolved with its head's K taps (already normalised by the caller):
//     y[b, t, c] = Σ_{j<K} w[b, t, c / (d/h), j] · x[b, t + j − offset, c],  x = 0 outside [0, L).
// weights [B or 1, L or 1, h, K]: [1, 1, h, K] is one kernel for every position (lightweight),
// [B, L, h, K] one per position (dynamic). offset in [0, K − 1]: K − 1 looks only back (causal),
// (K − 1) / 2 centres an odd kernel. → [B, L, d].
Tensor dynamic_depthwise_conv(const Tensor& x, const Tensor& weights, int64_t offset);

}  // namespace attnlab
