// nn.cpp — the fused neural-network ops: softmax, log_softmax, layer_norm, embedding, dropout,
// cross_entropy, cumsum, masked_fill and where. Each checks its arguments, runs the forward kernel
// of engine/kernels/nn.cpp and records the matching backward kernel.
//
// Broadcasting in softmax and masked_fill is one-sided: the mask broadcasts to x's shape, which is
// the output's. where broadcasts condition, a and b together, like the elementwise ops.
#include "../kernels/nn.h"

#include "../kernels/elementwise.h"
#include "../ops.h"

namespace attnlab {
namespace {

// `from` broadcasts to `to` when, aligned on the right, each extent of `from` equals to's or is 1.
bool broadcasts_to(const Shape& from, const Shape& to) {
    if (from.size() > to.size()) return false;
    for (size_t k = 0; k < from.size(); ++k) {
        const int64_t f = from[from.size() - 1 - k], t = to[to.size() - 1 - k];
        if (f != t && f != 1) return false;
    }
    return true;
}

// x's data broadcast to `shape` (no graph): x itself when it already has that shape, else a copy
// made as zeros + broadcast(x).
Tensor broadcast_data(const Tensor& x, const Shape& shape) {
    if (x.shape() == shape) return x.detach();
    Tensor out = Tensor::zeros(shape);
    kernels::broadcast_binary(kernels::BinaryOp::Add, out.data(), shape, x.data(), x.shape(),
                              out.data(), shape);
    return out;
}

int64_t last_extent(const Tensor& x) {
    return x.ndim() ? x.shape().back() : 1;
}

int64_t rows_of(const Tensor& x) {
    const int64_t cols = last_extent(x);
    return cols ? x.numel() / cols : 0;
}

Tensor softmax_op(const char* op, const Tensor& x, const Tensor& mask, real scale, bool log) {
    ATTNLAB_CHECK(x.ndim() >= 1, op, ": x must be at least 1-d (softmax over the last axis), got ",
                  shape_str(x.shape()));
    kernels::RowBroadcast mask_rows;
    if (mask.defined()) {
        ATTNLAB_CHECK(broadcasts_to(mask.shape(), x.shape()), op, ": mask ",
                      shape_str(mask.shape()), " does not broadcast to x ", shape_str(x.shape()),
                      " (aligned on the right, each mask extent must equal x's or be 1)");
        mask_rows = kernels::broadcast_rows(mask.shape(), x.shape());
    }
    const int64_t rows = rows_of(x), cols = last_extent(x);
    Tensor y = Tensor::empty(x.shape());
    std::vector<uint8_t> dead_rows(log ? size_t(rows) : 0);
    kernels::softmax_forward(x.data(), rows, cols, scale, mask.defined() ? mask.data() : nullptr,
                             mask.defined() ? &mask_rows : nullptr, log, y.data(),
                             log ? dead_rows.data() : nullptr);

    // The mask is a constant: only x is an input of the graph.
    if (!log) {
        // y = softmax(z), z = s·x + mask ⇒ dz = y ⊙ (dy − Σ dy ⊙ y), dx = s · dz
        // shapes: x, y, dy [rows, cols]
        return record(
            op, y, {x},
            [y = y.detach(), rows, cols, scale](const real* dy, const std::vector<real*>& grads) {
                kernels::softmax_backward(y.data(), dy, rows, cols, scale, grads[0]);
            });
    }
    // y = z − logsumexp(z) ⇒ dz = dy − softmax(z) · Σ dy with softmax(z) = exp(y); dx = s · dz.
    // A fully masked row is the constant 0 and gets no gradient.
    return record(op, y, {x},
                  [y = y.detach(), dead_rows = std::move(dead_rows), rows, cols, scale](
                      const real* dy, const std::vector<real*>& grads) {
                      kernels::log_softmax_backward(y.data(), dy, dead_rows.data(), rows, cols,
                                                    scale, grads[0]);
                  });
}

}  // namespace

// A row whose entries are all −inf after masking (every position masked with −inf) has no
// softmax: 0/0. We define its output as all zeros, for softmax and log_softmax alike, and its
// gradient as zero — such a row attends to nothing and contributes nothing.
Tensor softmax(const Tensor& x, const Tensor& mask, real scale) {
    return softmax_op("softmax", x, mask, scale, false);
}

Tensor log_softmax(const Tensor& x, const Tensor& mask, real scale) {
    return softmax_op("log_softmax", x, mask, scale, true);
}

Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, real eps) {
    ATTNLAB_CHECK(x.ndim() >= 1, "layer_norm: x must be at least 1-d, got ", shape_str(x.shape()));
    const int64_t d = last_extent(x), rows = rows_of(x);
    ATTNLAB_CHECK(gamma.shape() == Shape{d} && beta.shape() == Shape{d}, "layer_norm: gamma ",
                  shape_str(gamma.shape()), " and beta ", shape_str(beta.shape()),
                  " must both be [", d, "] for x ", shape_str(x.shape()));
    ATTNLAB_CHECK(eps > 0, "layer_norm: eps = ", eps, " must be positive");
    Tensor y = Tensor::empty(x.shape()), mean = Tensor::empty({rows}), rstd = Tensor::empty({rows});
    kernels::layer_norm_forward(x.data(), gamma.data(), beta.data(), rows, d, eps, y.data(),
                                mean.data(), rstd.data());
    // The derivation is beside kernels::layer_norm_backward.
    return record("layer_norm", y, {x, gamma, beta},
                  [x = x.detach(), gamma = gamma.detach(), mean, rstd, rows, d](
                      const real* dy, const std::vector<real*>& grads) {
                      kernels::layer_norm_backward(x.data(), gamma.data(), mean.data(), rstd.data(),
                                                   dy, rows, d, grads[0], grads[1], grads[2]);
                  });
}

Tensor embedding(const Tensor& weight, const IntTensor& ids) {
    ATTNLAB_CHECK(weight.ndim() == 2, "embedding: weight must be [V, d], got ",
                  shape_str(weight.shape()));
    const int64_t vocab = weight.size(0), d = weight.size(1);
    for (int64_t i = 0; i < ids.numel(); ++i) {
        const int32_t id = ids.values[size_t(i)];
        ATTNLAB_CHECK(id >= 0 && id < vocab, "embedding: id ", id, " at position ", i,
                      " is out of range for a vocabulary of V = ", vocab, " (expected 0 <= id < ",
                      vocab, ")");
    }
    Shape out_shape = ids.shape;
    out_shape.push_back(d);
    Tensor y = Tensor::empty(out_shape);
    kernels::embedding_forward(weight.data(), d, ids.values.data(), ids.numel(), y.data());
    // y[i, :] = W[ids[i], :] ⇒ dW[ids[i], :] += dy[i, :]   shapes: dy [count, d], dW [V, d]
    return record("embedding", y, {weight},
                  [ids = ids.values, vocab, d](const real* dy, const std::vector<real*>& grads) {
                      kernels::embedding_backward(ids.data(), int64_t(ids.size()), vocab, d, dy,
                                                  grads[0]);
                  });
}

namespace {
int64_t nn_batch_first_row = 0;  // see ScopedBatchRows
}  // namespace

int64_t batch_first_row() {
    return nn_batch_first_row;
}

ScopedBatchRows::ScopedBatchRows(int64_t first_row) : previous_(nn_batch_first_row) {
    ATTNLAB_CHECK(first_row >= 0, "ScopedBatchRows: first row ", first_row, " is negative");
    nn_batch_first_row = first_row;
}

ScopedBatchRows::~ScopedBatchRows() {
    nn_batch_first_row = previous_;
}

Tensor dropout(const Tensor& x, real p, uint64_t seed, uint64_t first_index) {
    ATTNLAB_CHECK(p >= 0 && p < 1, "dropout: p = ", p, " is outside [0, 1)");
    if (p == 0) return x;
    Tensor y = Tensor::empty(x.shape());
    kernels::dropout_forward(x.data(), x.numel(), p, seed, first_index, y.data());
    // y = x · keep / (1 − p) ⇒ dx += dy · keep / (1 − p). The keep mask is a pure function of
    // (seed, index), so the backward recomputes it instead of storing it: no memory per element.
    return record(
        "dropout", y, {x},
        [n = x.numel(), p, seed, first_index](const real* dy, const std::vector<real*>& grads) {
            kernels::dropout_backward(dy, n, p, seed, first_index, grads[0]);
        });
}

Tensor batch_dropout(const Tensor& x, real p, uint64_t seed) {
    ATTNLAB_CHECK(x.ndim() >= 1, "batch_dropout: x is a scalar (expected [B, ...])");
    const int64_t per_row = x.size(0) > 0 ? x.numel() / x.size(0) : 0;
    return dropout(x, p, seed, uint64_t(batch_first_row() * per_row));
}

Tensor cross_entropy(const Tensor& logits, const IntTensor& targets, int32_t ignore_index) {
    ATTNLAB_CHECK(logits.ndim() == 2 && logits.size(1) >= 1,
                  "cross_entropy: logits must be [N, C] with C >= 1, got ",
                  shape_str(logits.shape()));
    const int64_t N = logits.size(0), C = logits.size(1);
    ATTNLAB_CHECK(targets.shape == Shape{N}, "cross_entropy: targets ", shape_str(targets.shape),
                  " must be [", N, "] for logits ", shape_str(logits.shape()));
    int64_t n_valid = 0;
    for (int64_t r = 0; r < N; ++r) {
        const int32_t t = targets.values[size_t(r)];
        if (t == ignore_index) continue;
        ATTNLAB_CHECK(t >= 0 && t < C, "cross_entropy: target ", t, " at row ", r,
                      " is out of range for C = ", C, " classes (expected 0 <= target < ", C,
                      ", or ignore_index = ", ignore_index, ")");
        ++n_valid;
    }
    Tensor lse = Tensor::empty({N});
    const double total = kernels::cross_entropy_forward(logits.data(), targets.values.data(), N, C,
                                                        ignore_index, lse.data());
    Tensor loss = Tensor::scalar(n_valid ? real(total / double(n_valid)) : real(0));
    // loss = mean_r (lse_r − z[r, t_r]) ⇒ dz = (softmax(z) − onehot(t)) · dloss / n_valid on
    // rows that count; ignored rows (and an all-ignored batch) get nothing. shapes: z, dz [N, C]
    return record("cross_entropy", loss, {logits},
                  [z = logits.detach(), lse, t = targets.values, N, C, ignore_index, n_valid](
                      const real* dloss, const std::vector<real*>& grads) {
                      if (n_valid == 0) return;
                      kernels::cross_entropy_backward(z.data(), lse.data(), t.data(), N, C,
                                                      ignore_index, dloss[0] / real(n_valid),
                                                      grads[0]);
                  });
}

Tensor cumsum(const Tensor& x, int axis) {
    const int ax = normalize_axis("cumsum", axis, x.ndim());
    const Shape& s = x.shape();
    const int64_t n = s[size_t(ax)];
    const int64_t outer = numel_of(Shape(s.begin(), s.begin() + ax));
    const int64_t inner = numel_of(Shape(s.begin() + ax + 1, s.end()));
    Tensor y = Tensor::empty(s);
    kernels::cumsum_forward(x.data(), outer, n, inner, y.data());
    // y_k = Σ_{j ≤ k} x_j ⇒ dx_j = Σ_{k ≥ j} dy_k, the reverse cumulative sum.
    // shapes: x, y, dy [outer, n, inner]
    return record("cumsum", y, {x},
                  [outer, n, inner](const real* dy, const std::vector<real*>& grads) {
                      kernels::cumsum_backward(dy, outer, n, inner, grads[0]);
                  });
}

// The mask broadcasts to x; x's shape is the output shape (x itself does not broadcast).
Tensor masked_fill(const Tensor& x, const Tensor& mask, real value) {
    ATTNLAB_CHECK(broadcasts_to(mask.shape(), x.shape()), "masked_fill: mask ",
                  shape_str(mask.shape()), " does not broadcast to x ", shape_str(x.shape()),
                  " (x's shape is the output's; aligned on the right, each mask extent must equal "
                  "x's or be 1)");
    kernels::RowBroadcast mask_rows = kernels::broadcast_rows(mask.shape(), x.shape());
    const int64_t cols = last_extent(x);
    Tensor y = Tensor::empty(x.shape());
    kernels::masked_fill_forward(x.data(), mask.data(), mask_rows, cols, value, y.data());
    // y = m ? v : x ⇒ dx += dy · [¬m]; the mask is a constant.
    return record("masked_fill", y, {x},
                  [mask = mask.detach(), mask_rows = std::move(mask_rows), cols](
                      const real* dy, const std::vector<real*>& grads) {
                      kernels::masked_fill_backward(dy, mask.data(), mask_rows, cols, grads[0]);
                  });
}

// condition, a and b broadcast together to the output shape. The kernels work on operands of the
// output shape, so a and b are broadcast (copied) first when they are smaller, and their gradients
// are summed back down with sum_to, the adjoint of broadcasting.
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
    const Shape ab_shape = broadcast_shapes("where (a, b)", a.shape(), b.shape());
    const Shape shape =
        broadcast_shapes("where (condition, a and b broadcast)", condition.shape(), ab_shape);
    kernels::RowBroadcast cond_rows = kernels::broadcast_rows(condition.shape(), shape);
    const int64_t cols = shape.empty() ? 1 : shape.back();
    const Tensor a_full = broadcast_data(a, shape), b_full = broadcast_data(b, shape);
    Tensor y = Tensor::empty(shape);
    kernels::where_forward(condition.data(), cond_rows, cols, a_full.data(), b_full.data(),
                           y.data());
    // y = c ? a : b ⇒ da += sum_to(dy · [c]), db += sum_to(dy · [¬c]); the condition is a
    // constant. shapes: dy [shape], da [a], db [b]
    return record("where", y, {a, b},
                  [cond = condition.detach(), cond_rows = std::move(cond_rows), cols, shape,
                   a_shape = a.shape(),
                   b_shape = b.shape()](const real* dy, const std::vector<real*>& grads) {
                      // A smaller operand's gradient is first gathered at the output shape, then
                      // summed down.
                      Tensor da_full, db_full;
                      real* da = grads[0];
                      real* db = grads[1];
                      if (da && a_shape != shape) da = (da_full = Tensor::zeros(shape)).data();
                      if (db && b_shape != shape) db = (db_full = Tensor::zeros(shape)).data();
                      kernels::where_backward(cond.data(), cond_rows, cols, dy, da, db);
                      if (da_full.defined())
                          kernels::sum_to(da_full.data(), shape, grads[0], a_shape, 1);
                      if (db_full.defined())
                          kernels::sum_to(db_full.data(), shape, grads[1], b_shape, 1);
                  });
}

}  // namespace attnlab
