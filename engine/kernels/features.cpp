// features.cpp — the fused exponential of FAVOR+'s positive features (see features.h).
#include "features.h"

#include "vector_math.h"

namespace attnlab::kernels {
namespace {

constexpr int64_t kParallelMin = 1 << 15;

}  // namespace

void exp_features_forward(const real* P, const real* h, int64_t rows, int64_t m, real s,
                          bool row_max, real* y, int64_t* argmax) {
#pragma omp parallel for schedule(static) if (rows * m > kParallelMin)
    for (int64_t r = 0; r < rows; ++r) {
        const real* p = P + r * m;
        real* yr = y + r * m;
        if (row_max) {
            // The first maximum, like the max op: a vectorised maximum, then its first position.
            const real shift = row_maximum(p, m);
            int64_t best = 0;
            while (best < m - 1 && !(p[best] == shift)) ++best;
            argmax[r] = best;
#pragma omp simd
            for (int64_t j = 0; j < m; ++j) yr[j] = s * exp_nonpositive(p[j] - shift);
        } else {
            const real shift = h[r];
#pragma omp simd
            for (int64_t j = 0; j < m; ++j) yr[j] = s * exp_any(p[j] - shift);
        }
    }
}

// y_j = s·exp(P_j − shift)  ⇒  ∂y_j/∂P_j = y_j, ∂y_j/∂shift = −y_j, so with g = Σ_j dy_j y_j:
//   no stabiliser: shift = h        ⇒  dP_j += dy_j y_j,  dh −= g;
//   per token:     shift = P_argmax ⇒  dP_j += dy_j y_j,  dP_argmax −= g.
void exp_features_backward(const real* y, const real* dy, const int64_t* argmax, int64_t rows,
                           int64_t m, bool row_max, real* dP, real* dh) {
#pragma omp parallel for schedule(static) if (rows * m > kParallelMin)
    for (int64_t r = 0; r < rows; ++r) {
        const real *yr = y + r * m, *dyr = dy + r * m;
        real g = 0;
        if (dP) {
            real* dPr = dP + r * m;
#pragma omp simd reduction(+ : g)
            for (int64_t j = 0; j < m; ++j) {
                const real product = dyr[j] * yr[j];
                dPr[j] += product;
                g += product;
            }
        } else {
#pragma omp simd reduction(+ : g)
            for (int64_t j = 0; j < m; ++j) g += dyr[j] * yr[j];
        }
        if (row_max) {
            if (dP) dP[r * m + argmax[r]] -= g;
        } else if (dh) {
            dh[r] -= g;
        }
    }
}

}  // namespace attnlab::kernels
