// linear_attention.cpp — FAVOR attention on precomputed features: the bidirectional form through
// gemm; the causal form as a prefix-sum scan with an m × (dv+1) running state (the pattern of
// fast-transformers' causal_product_cpu.cpp, extended with the normaliser column of Algorithm 1),
// kept as the reference, and the same sums regrouped chunk by chunk into gemms, which run.
//
// Notation for one (batch, head) slice: q_i, k_i [m] are rows of φq, φk; c_i = [v_i 1] [dv+1];
// G_i = Σ_j k_j c_jᵀ [m, dv+1] (j over all positions, or j ≤ i when causal); y_i = G_iᵀ q_i [dv+1];
// out_i = y_i[:dv] / D_i with D_i = guarded(y_i[dv]) (see guarded below).
//
// Backward, from dout_i = g_i [dv]:
//   out_i = n_i / D_i  ⇒  dn_i = g_i / D_i,  dD_i = −(g_i · n_i) / D_i² = −(g_i · out_i) / D_i.
//   So y_i receives ĝ_i = [g_i / D_i, −(g_i · out_i) / D_i] [dv+1]; a guarded D_i is a constant,
//   so its row's last entry is 0.
//   y_i = G_iᵀ q_i       ⇒  dq_i = G_i ĝ_i [m],  dG_i = q_i ĝ_iᵀ [m, dv+1].
//   G_i = Σ_{j≤i} k_j c_jᵀ ⇒  with R_j = Σ_{i≥j} q_i ĝ_iᵀ [m, dv+1] (every i when bidirectional):
//                           dk_j = R_j c_j [m],  dc_j = R_jᵀ k_j [dv+1], of which dv_j = the first
//                           dv.
// Causal: a forward sweep rebuilds G_i for dq, a reverse sweep accumulates R_j for dk and dv; the
// extra memory is two m × (dv+1) states per slice. Bidirectional: G and R are single matrices,
// G = φkᵀ C, R = φqᵀ Ĝ, and every product is a gemm.
#include "linear_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "blas.h"
#include "gemm_batched.h"
#include "parallel.h"

namespace attnlab::kernels {
namespace {

// The normaliser's guard. A per-token stabiliser scales φq_i, and so both n_i and D_i, by the same
// e^(−c_i); any guard on D_i in absolute units would not scale with it and would bias the row by
// an amount exponential in c_i. So D_i is left exactly as computed unless it has left the normal
// range (|D_i| below the smallest normal number), where it is replaced by that number with its
// sign: only a row whose sum truly underflowed is touched, and its output stays finite.
constexpr real kSmallestNormal = std::numeric_limits<real>::min();
inline real guarded(real D) {
    return std::abs(D) < kSmallestNormal ? std::copysign(kSmallestNormal, D) : D;
}
inline bool is_guarded(real D) {
    return std::abs(D) == kSmallestNormal;
}

// ĝ_i (see the header comment) into gy [dv+1].
inline void output_gradient(const real* g, const real* out, real denom, int64_t dv, real* gy) {
    real g_dot_out = 0;
    for (int64_t e = 0; e < dv; ++e) {
        gy[e] = g[e] / denom;
        g_dot_out += g[e] * out[e];
    }
    gy[dv] = is_guarded(denom) ? real(0) : -g_dot_out / denom;
}

// G += k cᵀ with c = [v 1].
inline void add_outer(real* G, const real* k, const real* v, int64_t m, int64_t dv) {
    const int64_t w = dv + 1;
    for (int64_t a = 0; a < m; ++a) {
        real* row = G + a * w;
        const real ka = k[a];
        for (int64_t e = 0; e < dv; ++e) row[e] += ka * v[e];
        row[dv] += ka;
    }
}

// One position of the scan: G += k cᵀ, then y = Gᵀ q [dv+1] (scratch) and out = y[:dv] / D;
// returns D = guarded(y[dv]).
real scan_position(real* G, const real* q, const real* k, const real* v, int64_t m, int64_t dv,
                   real* y, real* out) {
    const int64_t w = dv + 1;
    add_outer(G, k, v, m, dv);
    std::fill(y, y + w, real(0));
    for (int64_t a = 0; a < m; ++a) {
        const real qa = q[a];
        const real* row = G + a * w;
        for (int64_t e = 0; e < w; ++e) y[e] += qa * row[e];
    }
    const real D = guarded(y[dv]);
    for (int64_t e = 0; e < dv; ++e) out[e] = y[e] / D;
    return D;
}

void causal_forward_slice(const real* q, const real* k, const real* v, int64_t L, int64_t m,
                          int64_t dv, real* out, real* denom) {
    std::vector<real> G(static_cast<size_t>(m * (dv + 1)), 0), y(static_cast<size_t>(dv + 1));
    for (int64_t i = 0; i < L; ++i)
        denom[i] = scan_position(G.data(), q + i * m, k + i * m, v + i * dv, m, dv, y.data(),
                                 out + i * dv);
}

void causal_backward_slice(const real* q, const real* k, const real* v, const real* out,
                           const real* denom, const real* dout, int64_t L, int64_t m, int64_t dv,
                           real* dq, real* dk, real* dv_grad) {
    const int64_t w = dv + 1;
    std::vector<real> state(static_cast<size_t>(m * w), 0), gy(static_cast<size_t>(w));
    if (dq) {  // forward sweep: state = G_i, dq_i += G_i ĝ_i
        for (int64_t i = 0; i < L; ++i) {
            add_outer(state.data(), k + i * m, v + i * dv, m, dv);
            output_gradient(dout + i * dv, out + i * dv, denom[i], dv, gy.data());
            for (int64_t a = 0; a < m; ++a) {
                const real* row = state.data() + a * w;
                real s = 0;
                for (int64_t e = 0; e < w; ++e) s += row[e] * gy[e];
                dq[i * m + a] += s;
            }
        }
    }
    if (!dk && !dv_grad) return;
    std::fill(state.begin(), state.end(), real(0));
    for (int64_t j = L - 1; j >= 0; --j) {  // reverse sweep: state = R_j
        output_gradient(dout + j * dv, out + j * dv, denom[j], dv, gy.data());
        const real* qj = q + j * m;
        for (int64_t a = 0; a < m; ++a) {
            real* row = state.data() + a * w;
            for (int64_t e = 0; e < w; ++e) row[e] += qj[a] * gy[e];
        }
        if (dk) {  // dk_j = R_j c_j
            const real* vj = v + j * dv;
            for (int64_t a = 0; a < m; ++a) {
                const real* row = state.data() + a * w;
                real s = row[dv];
                for (int64_t e = 0; e < dv; ++e) s += row[e] * vj[e];
                dk[j * m + a] += s;
            }
        }
        if (dv_grad) {  // dv_j = (R_jᵀ k_j)[:dv]
            const real* kj = k + j * m;
            real* dvj = dv_grad + j * dv;
            for (int64_t a = 0; a < m; ++a) {
                const real* row = state.data() + a * w;
                for (int64_t e = 0; e < dv; ++e) dvj[e] += kj[a] * row[e];
            }
        }
    }
}

// C = [v 1] [L, dv+1].
void augment(const real* v, int64_t L, int64_t dv, real* C) {
    for (int64_t i = 0; i < L; ++i) {
        std::copy(v + i * dv, v + (i + 1) * dv, C + i * (dv + 1));
        C[i * (dv + 1) + dv] = 1;
    }
}

// out_i = y_i[:dv] / D_i with D_i = guarded(y_i[dv]), for the n rows of Y [n, dv+1].
void normalise(const real* Y, int64_t n, int64_t dv, real* out, real* denom) {
    for (int64_t i = 0; i < n; ++i) {
        const real D = guarded(Y[i * (dv + 1) + dv]);
        denom[i] = D;
        for (int64_t e = 0; e < dv; ++e) out[i * dv + e] = Y[i * (dv + 1) + e] / D;
    }
}

// What both backward kernels start from: C = [v 1] and Ĝ (every row's ĝ_i) [L, dv+1].
void backward_inputs(const real* v, const real* out, const real* denom, const real* dout, int64_t L,
                     int64_t dv, real* C, real* Gy) {
    augment(v, L, dv, C);
    for (int64_t i = 0; i < L; ++i)
        output_gradient(dout + i * dv, out + i * dv, denom[i], dv, Gy + i * (dv + 1));
}

// --- causal, chunked: the scan above regrouped into gemms ---------------------------------------
// Positions are cut into chunks of n ≤ kPositionChunk rows. For a chunk starting at r with state G
// = G_{r−1} (everything before the chunk) and T = tril(φq_c φk_cᵀ) [n, n] (entries j > i zeroed):
//     Y_c = φq_c G + T C_c,    then  G += φk_cᵀ C_c.
// The backward regroups the same way, with A = tril(Ĝ_c C_cᵀ) [n, n] (A_ij = ĝ_i · c_j, j ≤ i):
//     dφq_c += Ĝ_c Gᵀ + A φk_c                   (forward sweep, G before the chunk)
//     dφk_c += C_c Rᵀ + Aᵀ φq_c,  dC_c += φk_c R + Tᵀ Ĝ_c   (reverse sweep, R = Σ of later chunks'
//     φq_iᵀ ĝ_i, then R += φq_cᵀ Ĝ_c).
// Same O(L·m·dv) work as the scan plus O(L·n·(m + dv)) for the triangles, but all of it in
// cache-friendly gemms instead of rank-1 updates of an m × (dv+1) state per position.
constexpr int64_t kPositionChunk = 64;

// One slice's scratch, carved from the caller's workspace (linear_attention_workspace reals):
// C = [v 1] and Y (the outputs Y, or Ĝ in the backward) [L, dv+1], the states G and R [m, dv+1],
// and a chunk's triangle T [kPositionChunk, kPositionChunk].
struct Scratch {
    real *C, *Y, *G, *R, *T;
};
Scratch carve(real* workspace, int64_t L, int64_t m, int64_t dv) {
    const int64_t w = dv + 1;
    real* C = workspace;
    real* Y = C + L * w;
    real* G = Y + L * w;
    real* R = G + m * w;
    return {C, Y, G, R, R + m * w};
}

// T = tril(a bᵀ) for a, b [n, width]: the lower triangle (j ≤ i) of the chunk's products.
void lower_triangle_product(const real* a, const real* b, int64_t n, int64_t width, real* T) {
    gemm(false, true, n, n, width, 1, a, width, b, width, 0, T, n);
    for (int64_t i = 0; i < n; ++i) std::fill(T + i * n + i + 1, T + (i + 1) * n, real(0));
}

void causal_forward_chunked(const real* q, const real* k, const real* v, int64_t L, int64_t m,
                            int64_t dv, real* out, real* denom, real* workspace) {
    const int64_t w = dv + 1;
    const Scratch sc = carve(workspace, L, m, dv);
    real *C = sc.C, *G = sc.G, *Y = sc.Y, *T = sc.T;
    augment(v, L, dv, C);
    std::fill(G, G + m * w, real(0));
    for (int64_t r = 0; r < L; r += kPositionChunk) {
        const int64_t n = std::min(kPositionChunk, L - r);
        const real *qc = q + r * m, *kc = k + r * m, *Cc = C + r * w;
        gemm(false, false, n, w, m, 1, qc, m, G, w, 0, Y, w);  // Y = φq_c G
        lower_triangle_product(qc, kc, n, m, T);
        gemm(false, false, n, w, n, 1, T, n, Cc, w, 1, Y, w);  // Y += T C_c
        gemm(true, false, m, w, n, 1, kc, m, Cc, w, 1, G, w);  // G += φk_cᵀ C_c
        normalise(Y, n, dv, out + r * dv, denom + r);
    }
}

void causal_backward_chunked(const real* q, const real* k, const real* v, const real* out,
                             const real* denom, const real* dout, int64_t L, int64_t m, int64_t dv,
                             real* dq, real* dk, real* dv_grad, real* workspace) {
    const int64_t w = dv + 1;
    const Scratch sc = carve(workspace, L, m, dv);
    real *C = sc.C, *Gy = sc.Y, *state = sc.G, *T = sc.T;
    backward_inputs(v, out, denom, dout, L, dv, C, Gy);
    if (dq) {  // forward sweep: state = G before the chunk
        std::fill(state, state + m * w, real(0));
        for (int64_t r = 0; r < L; r += kPositionChunk) {
            const int64_t n = std::min(kPositionChunk, L - r);
            const real *kc = k + r * m, *Cc = C + r * w, *Gyc = Gy + r * w;
            real* dqc = dq + r * m;
            gemm(false, true, n, m, w, 1, Gyc, w, state, w, 1, dqc, m);  // += Ĝ_c Gᵀ
            lower_triangle_product(Gyc, Cc, n, w, T);                    // A
            gemm(false, false, n, m, n, 1, T, n, kc, m, 1, dqc, m);      // += A φk_c
            gemm(true, false, m, w, n, 1, kc, m, Cc, w, 1, state, w);    // G += φk_cᵀ C_c
        }
    }
    if (!dk && !dv_grad) return;
    std::fill(state, state + m * w, real(0));
    const int64_t last = (L - 1) / kPositionChunk * kPositionChunk;
    for (int64_t r = last; r >= 0;
         r -= kPositionChunk) {  // reverse sweep: state = R after the chunk
        const int64_t n = std::min(kPositionChunk, L - r);
        const real *qc = q + r * m, *kc = k + r * m, *Cc = C + r * w, *Gyc = Gy + r * w;
        if (dk) {
            real* dkc = dk + r * m;
            gemm(false, true, n, m, w, 1, Cc, w, state, w, 1, dkc, m);  // += C_c Rᵀ
            lower_triangle_product(Gyc, Cc, n, w, T);                   // A
            gemm(true, false, n, m, n, 1, T, n, qc, m, 1, dkc, m);      // += Aᵀ φq_c
        }
        if (dv_grad) {  // the first dv columns of dC_c = φk_c R + Tᵀ Ĝ_c
            real* dvc = dv_grad + r * dv;
            gemm(false, false, n, dv, m, 1, kc, m, state, w, 1, dvc, dv);
            lower_triangle_product(qc, kc, n, m, T);  // T
            gemm(true, false, n, dv, n, 1, T, n, Gyc, w, 1, dvc, dv);
        }
        gemm(true, false, m, w, n, 1, qc, m, Gyc, w, 1, state, w);  // R += φq_cᵀ Ĝ_c
    }
}

// --- bidirectional: G and R are single matrices, every product a gemm ---------------------------
void bidirectional_forward_slice(const real* q, const real* k, const real* v, int64_t L, int64_t m,
                                 int64_t dv, real* out, real* denom, real* workspace) {
    const int64_t w = dv + 1;
    const Scratch sc = carve(workspace, L, m, dv);
    real *C = sc.C, *G = sc.G, *Y = sc.Y;
    augment(v, L, dv, C);
    gemm(true, false, m, w, L, 1, k, m, C, w, 0, G, w);   // G = φkᵀ C
    gemm(false, false, L, w, m, 1, q, m, G, w, 0, Y, w);  // Y = φq G
    normalise(Y, L, dv, out, denom);
}

void bidirectional_backward_slice(const real* q, const real* k, const real* v, const real* out,
                                  const real* denom, const real* dout, int64_t L, int64_t m,
                                  int64_t dv, real* dq, real* dk, real* dv_grad, real* workspace) {
    const int64_t w = dv + 1;
    const Scratch sc = carve(workspace, L, m, dv);
    real *C = sc.C, *Gy = sc.Y, *G = sc.G, *R = sc.R;
    backward_inputs(v, out, denom, dout, L, dv, C, Gy);
    if (dq) {  // dφq = Ĝ Gᵀ [L, m], G = φkᵀ C recomputed
        gemm(true, false, m, w, L, 1, k, m, C, w, 0, G, w);
        gemm(false, true, L, m, w, 1, Gy, w, G, w, 1, dq, m);
    }
    if (!dk && !dv_grad) return;
    gemm(true, false, m, w, L, 1, q, m, Gy, w, 0, R, w);                       // R = φqᵀ Ĝ
    if (dk) gemm(false, true, L, m, w, 1, C, w, R, w, 1, dk, m);               // dφk = C Rᵀ
    if (dv_grad) gemm(false, false, L, dv, m, 1, k, m, R, w, 1, dv_grad, dv);  // dv = φk R[:, :dv]
}

}  // namespace

int64_t linear_attention_workspace(int64_t L, int64_t m, int64_t dv) {
    return 2 * L * (dv + 1) + 2 * m * (dv + 1) + kPositionChunk * kPositionChunk;
}

void linear_attention_forward(const real* q, const real* k, const real* v, int64_t slices,
                              int64_t L, int64_t m, int64_t dv, bool causal, real* out, real* denom,
                              real* workspace) {
    const int64_t per_slice = linear_attention_workspace(L, m, dv);
    // One (batch, head) slice per thread: each slice's gemms are skinny (N = dv + 1).
    for_each_matrix(slices, [=](int64_t s) {
        const auto slice = causal ? causal_forward_chunked : bidirectional_forward_slice;
        slice(q + s * L * m, k + s * L * m, v + s * L * dv, L, m, dv, out + s * L * dv,
              denom + s * L, workspace + s * per_slice);
    });
}

void linear_attention_backward(const real* q, const real* k, const real* v, const real* out,
                               const real* denom, const real* dout, int64_t slices, int64_t L,
                               int64_t m, int64_t dv, bool causal, real* dq, real* dk,
                               real* dv_grad, real* workspace) {
    const auto at = [](real* p, int64_t offset) { return p ? p + offset : nullptr; };
    const int64_t per_slice = linear_attention_workspace(L, m, dv);
    for_each_matrix(slices, [=](int64_t s) {
        const auto slice = causal ? causal_backward_chunked : bidirectional_backward_slice;
        slice(q + s * L * m, k + s * L * m, v + s * L * dv, out + s * L * dv, denom + s * L,
              dout + s * L * dv, L, m, dv, at(dq, s * L * m), at(dk, s * L * m),
              at(dv_grad, s * L * dv), workspace + s * per_slice);
    });
}

void linear_attention_step(real* state, const real* q, const real* k, const real* v, int64_t slices,
                           int64_t m, int64_t dv, real* out) {
    const int64_t w = dv + 1;
#pragma omp parallel for schedule(static) if (slices * m * w >= kParallelMinWork)
    for (int64_t s = 0; s < slices; ++s) {
        std::vector<real> y(static_cast<size_t>(w));
        scan_position(state + s * m * w, q + s * m, k + s * m, v + s * dv, m, dv, y.data(),
                      out + s * dv);
    }
}

void linear_attention_causal_reference_forward(const real* q, const real* k, const real* v,
                                               int64_t L, int64_t m, int64_t dv, real* out,
                                               real* denom) {
    causal_forward_slice(q, k, v, L, m, dv, out, denom);
}

void linear_attention_causal_reference_backward(const real* q, const real* k, const real* v,
                                                const real* out, const real* denom,
                                                const real* dout, int64_t L, int64_t m, int64_t dv,
                                                real* dq, real* dk, real* dv_grad) {
    causal_backward_slice(q, k, v, out, denom, dout, L, m, dv, dq, dk, dv_grad);
}

}  // namespace attnlab::kernels
