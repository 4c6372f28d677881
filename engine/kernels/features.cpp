// features.cpp — the fused positive random features of FAVOR+ (see features.h).
#include "features.h"

#include <cmath>

#include "blas.h"
#include "parallel.h"
#include "vector_math.h"

namespace attnlab::kernels {
namespace {

real input_scale(int64_t d) {
    return real(std::pow(double(d), -0.25));
}

}  // namespace

void positive_features_forward(const real* x, const real* omega, int64_t rows, int64_t d, int64_t m,
                               bool row_max, real* y, int64_t* argmax) {
    const real c = input_scale(d), s = real(1 / std::sqrt(double(m)));
    gemm(false, true, rows, m, d, c, x, d, omega, d, 0, y, m);  // y = P = c · x ωᵀ
#pragma omp parallel for schedule(static) if (rows * m > kParallelMinWork)
    for (int64_t r = 0; r < rows; ++r) {
        real* yr = y + r * m;
        if (row_max) {
            // The first maximum, like the max op: a vectorised maximum, then its first position.
            const real shift = row_maximum(yr, m);
            int64_t best = 0;
            while (best < m - 1 && !(yr[best] == shift)) ++best;
            argmax[r] = best;
#pragma omp simd
            for (int64_t j = 0; j < m; ++j) yr[j] = s * exp_nonpositive(yr[j] - shift);
        } else {
            const real* xr = x + r * d;
            real squares = 0;
#pragma omp simd reduction(+ : squares)
            for (int64_t i = 0; i < d; ++i) squares += xr[i] * xr[i];
            const real shift = c * c * squares / 2;
#pragma omp simd
            for (int64_t j = 0; j < m; ++j) yr[j] = s * exp_any(yr[j] - shift);
        }
    }
}

// y_j = s·exp(P_j − shift)  ⇒  ∂y_j/∂P_j = y_j and ∂y_j/∂shift = −y_j, so with dP_j = dy_j y_j and
// g = Σ_j dP_j:
//   no stabiliser: shift = h = c²‖x‖²/2, ∂h/∂x = c² x  ⇒  dx −= c² g x;
//   per token:     shift = P_argmax                   ⇒  dP_argmax −= g.
// Then P = c · x ωᵀ  ⇒  dx += c · dP ω [rows, d],  dω += c · dPᵀ x [m, d].
void positive_features_backward(const real* x, const real* omega, const real* y, const real* dy,
                                const int64_t* argmax, int64_t rows, int64_t d, int64_t m,
                                bool row_max, real* dx, real* domega, real* dP) {
    const real c = input_scale(d);
#pragma omp parallel for schedule(static) if (rows * m > kParallelMinWork)
    for (int64_t r = 0; r < rows; ++r) {
        const real *yr = y + r * m, *dyr = dy + r * m;
        real* dPr = dP + r * m;
        real g = 0;
#pragma omp simd reduction(+ : g)
        for (int64_t j = 0; j < m; ++j) {
            dPr[j] = dyr[j] * yr[j];
            g += dPr[j];
        }
        if (row_max) {
            dPr[argmax[r]] -= g;
        } else if (dx) {
            const real* xr = x + r * d;
            real* dxr = dx + r * d;
            const real factor = c * c * g;
#pragma omp simd
            for (int64_t i = 0; i < d; ++i) dxr[i] -= factor * xr[i];
        }
    }
    if (dx) gemm(false, false, rows, d, m, c, dP, m, omega, d, 1, dx, d);
    if (domega) gemm(true, false, m, d, rows, c, dP, m, x, d, 1, domega, d);
}

}  // namespace attnlab::kernels
