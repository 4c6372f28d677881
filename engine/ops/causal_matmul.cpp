// causal_matmul.cpp — the two L × L products of causal attention, on the block lower triangle
// only (kernels/causal_gemm.h). Under a causal mask they equal matmul(q, k, false, true) and
// matmul(P, v) wherever the result is used, at about half the cost.
#include "../kernels/causal_gemm.h"
#include "../ops.h"

namespace attnlab {
namespace {

// [..., L, c] → (batch = Π ..., L, c).
struct Matrices {
    int64_t batch, L, cols;
};

Matrices matrices_of(const char* op, const char* name, const Tensor& t) {
    ATTNLAB_CHECK(t.ndim() >= 2, op, ": ", name, " must be at least 2-d [..., L, c], got ",
                  shape_str(t.shape()));
    const int64_t L = t.size(-2), cols = t.size(-1), per_matrix = L * cols;
    return {per_matrix ? t.numel() / per_matrix : 0, L, cols};
}

void check_tile(const char* op, int64_t tile) {
    ATTNLAB_CHECK(tile >= 1, op, ": tile must be at least 1, got ", tile);
}

}  // namespace

Tensor causal_scores(const Tensor& q, const Tensor& k, int64_t tile) {
    check_tile("causal_scores", tile);
    ATTNLAB_CHECK(q.shape() == k.shape(), "causal_scores: q ", shape_str(q.shape()), " and k ",
                  shape_str(k.shape()), " must have the same shape [..., L, d]");
    const Matrices r = matrices_of("causal_scores", "q", q);
    Shape out_shape = q.shape();
    out_shape.back() = r.L;
    Tensor s = Tensor::empty(out_shape);
    kernels::causal_a_bt(q.data(), k.data(), r.batch, r.L, r.cols, tile, 0, s.data());

    // s[i, j] = q_i · k_j inside (j < end of i's tile), 0 outside  ⇒
    //   dq_i += Σ_{j inside} ds[i, j] k_j,   dk_j += Σ_{i: (i, j) inside} ds[i, j] q_i
    // shapes: q, k, dq, dk [..., L, d]; ds [..., L, L] (its outside is never read)
    return record(
        "causal_scores", s, {q, k},
        [q = q.detach(), k = k.detach(), r, tile](const real* ds, const std::vector<real*>& grads) {
            if (grads[0])
                kernels::causal_m_b(ds, k.data(), r.batch, r.L, r.cols, tile, 1, grads[0]);
            if (grads[1])
                kernels::causal_mt_b(ds, q.data(), r.batch, r.L, r.cols, tile, 1, grads[1]);
        });
}

Tensor causal_mix(const Tensor& p, const Tensor& v, int64_t tile) {
    check_tile("causal_mix", tile);
    const Matrices rp = matrices_of("causal_mix", "p", p), rv = matrices_of("causal_mix", "v", v);
    const Shape p_batch(p.shape().begin(), p.shape().end() - 2);
    const Shape v_batch(v.shape().begin(), v.shape().end() - 2);
    ATTNLAB_CHECK(rp.cols == rp.L && p_batch == v_batch && rv.L == rp.L, "causal_mix: p ",
                  shape_str(p.shape()), " and v ", shape_str(v.shape()),
                  " must be [..., L, L] and [..., L, dv] with the same leading dims");
    Tensor y = Tensor::empty(v.shape());
    kernels::causal_m_b(p.data(), v.data(), rp.batch, rp.L, rv.cols, tile, 0, y.data());

    // y_i = Σ_{j inside} p[i, j] v_j  ⇒  dp[i, j] += dy_i · v_j inside, dv_j += Σ_i p[i, j] dy_i
    // shapes: p, dp [..., L, L]; v, dv, y, dy [..., L, dv]
    return record("causal_mix", y, {p, v},
                  [p = p.detach(), v = v.detach(), rp, dv = rv.cols, tile](
                      const real* dy, const std::vector<real*>& grads) {
                      if (grads[0])  // inside only: dp's outside keeps what it held
                          kernels::causal_a_bt(dy, v.data(), rp.batch, rp.L, dv, tile, 1, grads[0]);
                      if (grads[1])
                          kernels::causal_mt_b(p.data(), dy, rp.batch, rp.L, dv, tile, 1, grads[1]);
                  });
}

}  // namespace attnlab
