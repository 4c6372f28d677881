// nn.cpp — the fused neural-network kernels declared in nn.h: softmax, layer norm, embedding,
// dropout, cross-entropy, cumsum, masked_fill and where, forward and backward.
//
// Parallelism: rows are independent, so each kernel splits rows over threads when the tensor has
// more than kParallelMinWork elements. Reductions along a row are plain sequential loops (or
// `omp simd` reductions), and reductions across rows (layer norm's dγ, dβ; embedding's dW) are
// split by column or vocabulary row, so every output element is summed by one thread in a fixed
// order: results do not depend on scheduling.
#include "nn.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "../rng.h"
#include "parallel.h"
#include "vector_math.h"

namespace attnlab::kernels {

RowBroadcast broadcast_rows(const Shape& from, const Shape& to) {
    const size_t ndim = to.size();
    const int64_t cols = ndim ? to.back() : 1;
    const int64_t rows = cols ? numel_of(to) / cols : 0;
    // from's strides, right-aligned on to's axes; 0 on axes where from is broadcast (extent 1).
    std::vector<int64_t> stride(ndim, 0);
    int64_t step = 1;
    for (size_t k = 0; k < from.size(); ++k) {
        const size_t axis_from = from.size() - 1 - k, axis_to = ndim - 1 - k;
        stride[axis_to] = from[axis_from] == 1 ? 0 : step;
        step *= from[axis_from];
    }
    RowBroadcast out{std::vector<int64_t>(size_t(rows)), ndim ? stride[ndim - 1] : 0};
    for (int64_t r = 0; r < rows; ++r) {
        int64_t rest = r, offset = 0;
        for (int axis = int(ndim) - 2; axis >= 0; --axis) {  // the leading axes, last to first
            offset += (rest % to[size_t(axis)]) * stride[size_t(axis)];
            rest /= to[size_t(axis)];
        }
        out.row_offset[size_t(r)] = offset;
    }
    return out;
}

// --- softmax ----------------------------------------------------------------------------------

void softmax_forward(const real* x, int64_t rows, int64_t cols, real scale, const real* mask,
                     const RowBroadcast* mask_rows, bool log, real* y, uint8_t* dead_rows) {
#pragma omp parallel for schedule(static) if (rows * cols > kParallelMinWork)
    for (int64_t r = 0; r < rows; ++r) {
        const real* xr = x + r * cols;
        real* yr = y + r * cols;
        const int64_t mask_offset = mask_rows ? mask_rows->row_offset[size_t(r)] : 0;
        const int64_t mask_stride = mask_rows ? mask_rows->col_stride : 0;
        if (mask) {
            const real* mask_row = mask + mask_offset;
#pragma omp simd
            for (int64_t c = 0; c < cols; ++c) yr[c] = scale * xr[c] + mask_row[c * mask_stride];
        } else {
#pragma omp simd
            for (int64_t c = 0; c < cols; ++c) yr[c] = scale * xr[c];
        }
        const real row_max = row_maximum(yr, cols);
        const bool dead = row_max == -std::numeric_limits<real>::infinity();
        if (dead_rows) dead_rows[r] = dead;
        if (dead) {  // every entry masked out: define the row as zeros rather than 0/0 = NaN
            std::fill_n(yr, cols, real(0));
            continue;
        }
        real sum = 0;
        if (log) {
#pragma omp simd reduction(+ : sum)
            for (int64_t c = 0; c < cols; ++c) sum += exp_nonpositive(yr[c] - row_max);
            const real log_sum = row_max + std::log(sum);
#pragma omp simd
            for (int64_t c = 0; c < cols; ++c) yr[c] -= log_sum;
        } else {
#pragma omp simd reduction(+ : sum)
            for (int64_t c = 0; c < cols; ++c) {
                yr[c] = exp_nonpositive(yr[c] - row_max);
                sum += yr[c];
            }
            const real inverse = 1 / sum;
#pragma omp simd
            for (int64_t c = 0; c < cols; ++c) yr[c] *= inverse;
        }
    }
}

void softmax_backward(const real* y, const real* dy, int64_t rows, int64_t cols, real scale,
                      real* dx) {
#pragma omp parallel for schedule(static) if (rows * cols > kParallelMinWork)
    for (int64_t r = 0; r < rows; ++r) {
        const real *yr = y + r * cols, *dyr = dy + r * cols;
        real dot = 0;
#pragma omp simd reduction(+ : dot)
        for (int64_t c = 0; c < cols; ++c) dot += dyr[c] * yr[c];
        real* dxr = dx + r * cols;
#pragma omp simd
        for (int64_t c = 0; c < cols; ++c) dxr[c] += scale * yr[c] * (dyr[c] - dot);
    }
}

void log_softmax_backward(const real* y, const real* dy, const uint8_t* dead_rows, int64_t rows,
                          int64_t cols, real scale, real* dx) {
#pragma omp parallel for schedule(static) if (rows * cols > kParallelMinWork)
    for (int64_t r = 0; r < rows; ++r) {
        if (dead_rows[r]) continue;
        const real *yr = y + r * cols, *dyr = dy + r * cols;
        real total = 0;
#pragma omp simd reduction(+ : total)
        for (int64_t c = 0; c < cols; ++c) total += dyr[c];
        real* dxr = dx + r * cols;
#pragma omp simd
        for (int64_t c = 0; c < cols; ++c)
            dxr[c] += scale * (dyr[c] - exp_nonpositive(yr[c]) * total);
    }
}

// --- layer norm -------------------------------------------------------------------------------

void layer_norm_forward(const real* x, const real* gamma, const real* beta, int64_t rows, int64_t d,
                        real eps, real* y, real* mean, real* rstd) {
#pragma omp parallel for schedule(static) if (rows * d > kParallelMinWork)
    for (int64_t r = 0; r < rows; ++r) {
        const real* xr = x + r * d;
        // Two passes in double: the variance of the centred values, not E[x²] − E[x]².
        double sum = 0, sum_sq = 0;
#pragma omp simd reduction(+ : sum)
        for (int64_t j = 0; j < d; ++j) sum += xr[j];
        const double mu = sum / double(d);
#pragma omp simd reduction(+ : sum_sq)
        for (int64_t j = 0; j < d; ++j) sum_sq += (xr[j] - mu) * (xr[j] - mu);
        const real row_mean = real(mu), row_rstd = real(1 / std::sqrt(sum_sq / double(d) + eps));
        mean[r] = row_mean;
        rstd[r] = row_rstd;
        real* yr = y + r * d;
#pragma omp simd
        for (int64_t j = 0; j < d; ++j) yr[j] = (xr[j] - row_mean) * row_rstd * gamma[j] + beta[j];
    }
}

// y = x̂ ⊙ γ + β with x̂ = (x − μ) · rstd over a row of length d. Write g = dy ⊙ γ = ∂ℓ/∂x̂.
// ∂x̂_i/∂x_j = rstd · (δ_ij − 1/d − x̂_i x̂_j / d)   (μ moves every x̂ by −1/d; rstd rescales by x̂)
// ⇒ dx = rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)),  dγ += Σ_rows dy ⊙ x̂,  dβ += Σ_rows dy.
// shapes: x, dy, dx [rows, d]; γ, β, dγ, dβ [d]; μ, rstd [rows].
void layer_norm_backward(const real* x, const real* gamma, const real* mean, const real* rstd,
                         const real* dy, int64_t rows, int64_t d, real* dx, real* dgamma,
                         real* dbeta) {
    const bool parallel = rows * d > kParallelMinWork;
    if (dx) {
#pragma omp parallel for schedule(static) if (parallel)
        for (int64_t r = 0; r < rows; ++r) {
            const real *xr = x + r * d, *dyr = dy + r * d;
            const real mu = mean[r], s = rstd[r];
            real mean_g = 0, mean_gx = 0;
#pragma omp simd reduction(+ : mean_g, mean_gx)
            for (int64_t j = 0; j < d; ++j) {
                const real g = dyr[j] * gamma[j];
                mean_g += g;
                mean_gx += g * (xr[j] - mu) * s;
            }
            mean_g /= real(d);
            mean_gx /= real(d);
            real* dxr = dx + r * d;
#pragma omp simd
            for (int64_t j = 0; j < d; ++j) {
                const real x_hat = (xr[j] - mu) * s;
                dxr[j] += s * (dyr[j] * gamma[j] - mean_g - x_hat * mean_gx);
            }
        }
    }
    if (!dgamma && !dbeta) return;
    // The sums over rows: each block of columns belongs to one thread and adds rows in order.
    constexpr int64_t kBlock = 64;
    const int64_t blocks = (d + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (parallel)
    for (int64_t b = 0; b < blocks; ++b) {
        const int64_t begin = b * kBlock, end = std::min(d, begin + kBlock);
        double sum_gamma[kBlock] = {}, sum_beta[kBlock] = {};
        for (int64_t r = 0; r < rows; ++r) {
            const real *xr = x + r * d, *dyr = dy + r * d;
            const real row_mean = mean[r], row_rstd = rstd[r];
#pragma omp simd
            for (int64_t j = begin; j < end; ++j) {
                sum_gamma[j - begin] += double(dyr[j]) * ((xr[j] - row_mean) * row_rstd);
                sum_beta[j - begin] += dyr[j];
            }
        }
        for (int64_t j = begin; j < end; ++j) {
            if (dgamma) dgamma[j] += real(sum_gamma[j - begin]);
            if (dbeta) dbeta[j] += real(sum_beta[j - begin]);
        }
    }
}

// --- embedding --------------------------------------------------------------------------------

void embedding_forward(const real* weight, int64_t d, const int32_t* ids, int64_t count, real* y) {
#pragma omp parallel for schedule(static) if (count * d > kParallelMinWork)
    for (int64_t i = 0; i < count; ++i) std::copy_n(weight + ids[i] * d, d, y + i * d);
}

void embedding_backward(const int32_t* ids, int64_t count, int64_t vocab, int64_t d, const real* dy,
                        real* dweight) {
    // Thread t owns vocabulary rows [vocab·t/T, vocab·(t+1)/T) and scans every position, so a
    // repeated id is summed by one thread in position order whatever the thread count.
#pragma omp parallel if (count * d > kParallelMinWork)
    {
        const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
        const int64_t first = vocab * t / threads, last = vocab * (t + 1) / threads;
        for (int64_t i = 0; i < count; ++i) {
            if (ids[i] < first || ids[i] >= last) continue;
            real* row = dweight + ids[i] * d;
            const real* dyr = dy + i * d;
            for (int64_t j = 0; j < d; ++j) row[j] += dyr[j];
        }
    }
}

// --- dropout ----------------------------------------------------------------------------------

void dropout_factors(uint64_t seed, uint64_t first, int64_t n, real p, real* factors) {
    const real kept_scale = 1 / (1 - p);
    const uint64_t threshold = dropout_threshold(p);
#pragma omp simd
    for (int64_t i = 0; i < n; ++i)
        factors[i] = dropout_kept(seed, first + uint64_t(i), threshold) ? kept_scale : real(0);
}

void dropout_forward(const real* x, int64_t n, real p, uint64_t seed, uint64_t first, real* y) {
    const real kept_scale = 1 / (1 - p);
    const uint64_t threshold = dropout_threshold(p);
#pragma omp parallel for simd schedule(static) if (n > kParallelMinWork)
    for (int64_t i = 0; i < n; ++i)
        y[i] = dropout_kept(seed, first + uint64_t(i), threshold) ? x[i] * kept_scale : real(0);
}

void dropout_backward(const real* dy, int64_t n, real p, uint64_t seed, uint64_t first, real* dx) {
    const real kept_scale = 1 / (1 - p);
    const uint64_t threshold = dropout_threshold(p);
#pragma omp parallel for simd schedule(static) if (n > kParallelMinWork)
    for (int64_t i = 0; i < n; ++i)
        dx[i] += dropout_kept(seed, first + uint64_t(i), threshold) ? dy[i] * kept_scale : real(0);
}

// --- cross-entropy ----------------------------------------------------------------------------

double cross_entropy_forward(const real* logits, const int32_t* targets, int64_t N, int64_t C,
                             int32_t ignore_index, real* lse) {
    std::vector<double> losses(size_t(N), 0.0);
#pragma omp parallel for schedule(static) if (N * C > kParallelMinWork)
    for (int64_t r = 0; r < N; ++r) {
        const real* z = logits + r * C;
        const real z_max = row_maximum(z, C);
        real sum = 0;
#pragma omp simd reduction(+ : sum)
        for (int64_t c = 0; c < C; ++c) sum += exp_nonpositive(z[c] - z_max);
        lse[r] = z_max + std::log(sum);
        if (targets[r] != ignore_index) losses[size_t(r)] = double(lse[r]) - z[targets[r]];
    }
    double total = 0;  // summed in row order: the same bits for any thread count
    for (double loss : losses) total += loss;
    return total;
}

void cross_entropy_backward(const real* logits, const real* lse, const int32_t* targets, int64_t N,
                            int64_t C, int32_t ignore_index, real grad_scale, real* dlogits) {
#pragma omp parallel for schedule(static) if (N * C > kParallelMinWork)
    for (int64_t r = 0; r < N; ++r) {
        if (targets[r] == ignore_index) continue;
        const real* z = logits + r * C;
        real* dz = dlogits + r * C;
        const real row_lse = lse[r];
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) dz[c] += grad_scale * exp_nonpositive(z[c] - row_lse);
        dz[targets[r]] -= grad_scale;
    }
}

// --- cumsum -----------------------------------------------------------------------------------

void cumsum_forward(const real* x, int64_t outer, int64_t n, int64_t inner, real* y) {
#pragma omp parallel for schedule(static) if (outer * n * inner > kParallelMinWork)
    for (int64_t o = 0; o < outer; ++o) {
        const real* xo = x + o * n * inner;
        real* yo = y + o * n * inner;
        for (int64_t k = 0; k < n; ++k)
            for (int64_t j = 0; j < inner; ++j)
                yo[k * inner + j] = xo[k * inner + j] + (k ? yo[(k - 1) * inner + j] : real(0));
    }
}

void cumsum_backward(const real* dy, int64_t outer, int64_t n, int64_t inner, real* dx) {
#pragma omp parallel if (outer * n * inner > kParallelMinWork)
    {
        std::vector<real> suffix(static_cast<size_t>(inner));  // Σ_{j ≥ k} dy_j, built from the end
#pragma omp for schedule(static)
        for (int64_t o = 0; o < outer; ++o) {
            std::fill(suffix.begin(), suffix.end(), real(0));
            const real* dyo = dy + o * n * inner;
            real* dxo = dx + o * n * inner;
            for (int64_t k = n - 1; k >= 0; --k)
                for (int64_t j = 0; j < inner; ++j) {
                    suffix[size_t(j)] += dyo[k * inner + j];
                    dxo[k * inner + j] += suffix[size_t(j)];
                }
        }
    }
}

// --- masked_fill and where --------------------------------------------------------------------

void masked_fill_forward(const real* x, const real* mask, const RowBroadcast& mask_rows,
                         int64_t cols, real value, real* y) {
    const auto rows = int64_t(mask_rows.row_offset.size());
#pragma omp parallel for schedule(static) if (rows * cols > kParallelMinWork)
    for (int64_t r = 0; r < rows; ++r) {
        const real* m = mask + mask_rows.row_offset[size_t(r)];
        for (int64_t c = 0; c < cols; ++c)
            y[r * cols + c] = m[c * mask_rows.col_stride] != 0 ? value : x[r * cols + c];
    }
}

void masked_fill_backward(const real* dy, const real* mask, const RowBroadcast& mask_rows,
                          int64_t cols, real* dx) {
    const auto rows = int64_t(mask_rows.row_offset.size());
#pragma omp parallel for schedule(static) if (rows * cols > kParallelMinWork)
    for (int64_t r = 0; r < rows; ++r) {
        const real* m = mask + mask_rows.row_offset[size_t(r)];
        for (int64_t c = 0; c < cols; ++c)
            if (m[c * mask_rows.col_stride] == 0) dx[r * cols + c] += dy[r * cols + c];
    }
}

void where_forward(const real* cond, const RowBroadcast& cond_rows, int64_t cols, const real* a,
                   const real* b, real* y) {
    const auto rows = int64_t(cond_rows.row_offset.size());
#pragma omp parallel for schedule(static) if (rows * cols > kParallelMinWork)
    for (int64_t r = 0; r < rows; ++r) {
        const real* m = cond + cond_rows.row_offset[size_t(r)];
        for (int64_t c = 0; c < cols; ++c) {
            const int64_t i = r * cols + c;
            y[i] = m[c * cond_rows.col_stride] != 0 ? a[i] : b[i];
        }
    }
}

void where_backward(const real* cond, const RowBroadcast& cond_rows, int64_t cols, const real* dy,
                    real* da, real* db) {
    const auto rows = int64_t(cond_rows.row_offset.size());
#pragma omp parallel for schedule(static) if (rows * cols > kParallelMinWork)
    for (int64_t r = 0; r < rows; ++r) {
        const real* m = cond + cond_rows.row_offset[size_t(r)];
        for (int64_t c = 0; c < cols; ++c) {
            const int64_t i = r * cols + c;
            real* target = m[c * cond_rows.col_stride] != 0 ? da : db;
            if (target) target[i] += dy[i];
        }
    }
}

}  // namespace attnlab::kernels
