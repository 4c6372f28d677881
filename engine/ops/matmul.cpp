// matmul.cpp — y = op(a) · op(b), batched, with transposes passed to BLAS as flags (never copied).
//
// Three layouts reach BLAS:
//   both 2-d                  one gemm;
//   same leading dims         one gemm per batch element (kernels::gemm_batched);
//   a [..., M, K], b [K, N]   b is a weight shared by every batch element: a is flattened to
//                             [(...)·M, K] and the whole batch is one gemm (with transpose_a the
//                             rows of op(a) are not contiguous, so it falls back to the batch
//                             loop).
#include "../kernels/blas.h"
#include "../kernels/gemm_batched.h"
#include "../kernels/reduce.h"
#include "../kernels/shape.h"
#include "../ops.h"

namespace attnlab {
namespace {

// Where each operand lives: the stored matrix is rows × cols, op() transposes it when `trans`.
struct Operand {
    const char* name;
    Shape batch;  // the leading dims
    int64_t rows, cols;
    bool trans;
    int64_t op_rows() const { return trans ? cols : rows; }
    int64_t op_cols() const { return trans ? rows : cols; }
    int64_t stride() const { return rows * cols; }
};

Operand operand_of(const char* name, const Tensor& t, bool trans) {
    ATTNLAB_CHECK(t.ndim() >= 2, "matmul: ", name, " must be at least 2-d, got ",
                  shape_str(t.shape()));
    const Shape& s = t.shape();
    return {name, Shape(s.begin(), s.end() - 2), s[s.size() - 2], s[s.size() - 1], trans};
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b) {
    const Operand A = operand_of("a", a, transpose_a), B = operand_of("b", b, transpose_b);
    const int64_t M = A.op_rows(), K = A.op_cols(), N = B.op_cols();
    ATTNLAB_CHECK(K == B.op_rows(), "matmul: inner dimensions differ: a ", shape_str(a.shape()),
                  " (K = ", K, ") vs b ", shape_str(b.shape()), " (K = ", B.op_rows(), ")",
                  transpose_a || transpose_b ? " after the transpose flags" : "");
    const bool shared_b = B.batch.empty() && !A.batch.empty();
    ATTNLAB_CHECK(shared_b || A.batch == B.batch, "matmul: batch dimensions differ: a ",
                  shape_str(a.shape()), " vs b ", shape_str(b.shape()),
                  " (expected equal leading dims, or a 2-d b shared by every batch of a)");
    const int64_t batch = numel_of(A.batch);
    const int64_t b_stride = shared_b ? 0 : B.stride();
    // With a shared b and no transpose on a, the batch folds into the rows of one gemm.
    const bool fold = shared_b && !transpose_a;
    const int64_t gemm_batch = fold ? 1 : batch, gemm_M = fold ? batch * M : M;

    Shape out_shape = A.batch;
    out_shape.push_back(M);
    out_shape.push_back(N);
    Tensor y = Tensor::empty(out_shape);
    kernels::gemm_batched(transpose_a, transpose_b, gemm_batch, gemm_M, N, K, 1, a.data(), A.cols,
                          A.stride(), b.data(), B.cols, b_stride, 0, y.data(), N, M * N);

    // y = op(a)·op(b) ⇒ d op(a) = dy·op(b)ᵀ [M, K] and d op(b) = op(a)ᵀ·dy [K, N]. Undoing op():
    //   da, a not transposed (a [M, K]):  da += dy · op(b)ᵀ
    //   da, a transposed     (a [K, M]):  da += (dy · op(b)ᵀ)ᵀ = op(b) · dyᵀ
    //   db, b not transposed (b [K, N]):  db += op(a)ᵀ · dy
    //   db, b transposed     (b [N, K]):  db += (op(a)ᵀ · dy)ᵀ = dyᵀ · op(a)
    // op(b)ᵀ is b itself when transpose_b, else bᵀ: the flag is !transpose_b (same for a). Every
    // gemm runs with beta = 1, accumulating straight into the gradient buffers. For a shared b,
    // db sums over the batch: one gemm over the folded rows, or a serial loop into one buffer.
    return record(
        "matmul", y, {a, b},
        [a = a.detach(), b = b.detach(), A, B, M, N, K, batch, b_stride, fold, gemm_batch, gemm_M](
            const real* dy, const std::vector<real*>& grads) {
            const int64_t dy_stride = M * N;
            if (real* da = grads[0]) {
                if (!A.trans)
                    kernels::gemm_batched(false, !B.trans, gemm_batch, gemm_M, K, N, 1, dy, N,
                                          dy_stride, b.data(), B.cols, b_stride, 1, da, K,
                                          A.stride());
                else
                    kernels::gemm_batched(B.trans, true, batch, K, M, N, 1, b.data(), B.cols,
                                          b_stride, dy, N, dy_stride, 1, da, M, A.stride());
            }
            if (real* db = grads[1]) {
                const int64_t db_stride = b_stride;  // 0 when b is shared: accumulate
                const int64_t rows = fold ? gemm_M : M, count = fold ? 1 : batch;
                if (!B.trans)
                    kernels::gemm_batched(!A.trans, false, count, K, N, rows, 1, a.data(), A.cols,
                                          A.stride(), dy, N, dy_stride, 1, db, N, db_stride);
                else
                    kernels::gemm_batched(true, A.trans, count, N, K, rows, 1, dy, N, dy_stride,
                                          a.data(), A.cols, A.stride(), 1, db, K, db_stride);
            }
        });
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
    ATTNLAB_CHECK(weight.ndim() == 2 && weight.size(0) > 0,
                  "linear: weight must be 2-d [K, N] with K > 0, got ", shape_str(weight.shape()));
    const int64_t K = weight.size(0), N = weight.size(1);
    ATTNLAB_CHECK(x.ndim() >= 1 && x.size(-1) == K, "linear: x ", shape_str(x.shape()),
                  " must end in K = ", K, " to match weight ", shape_str(weight.shape()));
    ATTNLAB_CHECK(bias.shape() == Shape{N}, "linear: bias must be [", N, "] to match weight ",
                  shape_str(weight.shape()), ", got ", shape_str(bias.shape()));
    const int64_t rows = x.numel() / K;  // every leading dim folds into the gemm's M
    Shape out_shape = x.shape();
    out_shape.back() = N;
    Tensor y = Tensor::empty(out_shape);
    kernels::copy_blocks(bias.data(), 0, y.data(), N, rows, N, false);  // y[r, :] = b
    kernels::gemm(false, false, rows, N, K, 1, x.data(), K, weight.data(), N, 1, y.data(), N);

    // y [R, N] = x [R, K] · W [K, N] + 1 [R, 1] · b [1, N], so as for matmul
    //   dx [R, K] += dy · Wᵀ,   dW [K, N] += xᵀ · dy,   db [N] += 1ᵀ · dy = Σ_r dy[r, :].
    return record(
        "linear", y, {x, weight, bias},
        [x = x.detach(), weight = weight.detach(), rows, K, N](const real* dy,
                                                               const std::vector<real*>& grads) {
            if (real* dx = grads[0])
                kernels::gemm(false, true, rows, K, N, 1, dy, N, weight.data(), N, 1, dx, K);
            if (real* dweight = grads[1])
                kernels::gemm(true, false, K, N, rows, 1, x.data(), K, dy, N, 1, dweight, N);
            if (real* dbias = grads[2]) kernels::sum_axis(dy, 1, rows, N, 1, dbias);
        });
}

}  // namespace attnlab
