// unary.cpp — elementwise functions and their derivatives, one loop per function.
//
// The switch over the function sits outside the loop, so each loop body is a single expression the
// compiler can inline (and, for the simple ones, vectorise). Derivatives in the comments use
// y = f(x); in the backward lambdas u stands for x[i] and v for y[i].
#include "unary.h"

#include <cmath>

#include "parallel.h"
#include "vector_math.h"

namespace attnlab::kernels {
namespace {

constexpr double kSqrt2OverPi = 0.79788456080286535588;  // √(2/π), the tanh-GELU constant
constexpr double kInvSqrt2 = 0.70710678118654752440;     // 1/√2
constexpr double kInvSqrt2Pi = 0.39894228040143267794;   // 1/√(2π), the normal density at 0
constexpr double kGeluCubic = 0.044715;

template <class F>
void map(const real* x, real* y, int64_t n, F f) {
#pragma omp parallel for schedule(static) if (n > kParallelMinWork)
    for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

// dx[i] += dy[i] · g(saved[i]), where saved is x or y
template <class G>
void map_backward(const real* saved, const real* dy, real* dx, int64_t n, G g) {
#pragma omp parallel for schedule(static) if (n > kParallelMinWork)
    for (int64_t i = 0; i < n; ++i) dx[i] += dy[i] * g(saved[i]);
}

// The GELU loops are the hot elementwise work of a transformer step (one per FFN element, forward
// and backward); tanh_absolute keeps them free of library calls so `omp simd` vectorises them.
template <class F>
void map_simd(const real* x, real* y, int64_t n, F f) {
#pragma omp parallel for simd schedule(static) if (n > kParallelMinWork)
    for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

template <class G>
void map_backward_simd(const real* saved, const real* dy, real* dx, int64_t n, G g) {
#pragma omp parallel for simd schedule(static) if (n > kParallelMinWork)
    for (int64_t i = 0; i < n; ++i) dx[i] += dy[i] * g(saved[i]);
}

// σ(x) without overflow: exp of a negative argument only.
real sigmoid(real x) {
    if (x >= 0) return real(1) / (real(1) + std::exp(-x));
    const real e = std::exp(x);
    return e / (real(1) + e);
}

}  // namespace

void unary_forward(UnaryOp op, const real* x, real* y, int64_t n) {
    switch (op) {
        case UnaryOp::Exp:  // vectorised (libm's expf is a scalar call); within 2 ulp of std::exp
            return map_simd(x, y, n, [](real v) { return exp_any(v); });
        // Non-positive inputs give IEEE results (log 0 = −inf, log of a negative = NaN), unchecked.
        case UnaryOp::Log:
            return map(x, y, n, [](real v) { return std::log(v); });
        case UnaryOp::Tanh:
            return map(x, y, n, [](real v) { return std::tanh(v); });
        case UnaryOp::Sigmoid:
            return map(x, y, n, sigmoid);
        case UnaryOp::Relu:
            return map(x, y, n, [](real v) { return v > 0 ? v : real(0); });
        // expm1 keeps e^x − 1 accurate for small negative x, where exp(x) − 1 would cancel.
        case UnaryOp::Elu:
            return map(x, y, n, [](real v) { return v > 0 ? v : real(std::expm1(v)); });
        case UnaryOp::GeluTanh:
            return map_simd(x, y, n, [](real v) {
                const real u = real(kSqrt2OverPi) * (v + real(kGeluCubic) * v * v * v);
                return real(0.5) * v * (real(1) + tanh_absolute(u));
            });
        case UnaryOp::GeluErf:
            return map(x, y, n, [](real v) {
                return real(0.5) * v * (real(1) + std::erf(v * real(kInvSqrt2)));
            });
        case UnaryOp::Sin:
            return map(x, y, n, [](real v) { return std::sin(v); });
        case UnaryOp::Cos:
            return map(x, y, n, [](real v) { return std::cos(v); });
        case UnaryOp::Square:
            return map(x, y, n, [](real v) { return v * v; });
        case UnaryOp::Sqrt:
            return map(x, y, n, [](real v) { return std::sqrt(v); });
    }
}

bool derivative_uses_output(UnaryOp op) {
    return op == UnaryOp::Exp || op == UnaryOp::Tanh || op == UnaryOp::Sigmoid ||
           op == UnaryOp::Elu || op == UnaryOp::Sqrt;
}

void unary_backward(UnaryOp op, const real* x, const real* y, const real* dy, real* dx, int64_t n) {
    switch (op) {
        // exp' = exp = y
        case UnaryOp::Exp:
            return map_backward(y, dy, dx, n, [](real v) { return v; });
        // log' = 1/x
        case UnaryOp::Log:
            return map_backward(x, dy, dx, n, [](real u) { return real(1) / u; });
        // tanh' = 1 − tanh² = 1 − y²
        case UnaryOp::Tanh:
            return map_backward(y, dy, dx, n, [](real v) { return real(1) - v * v; });
        // σ' = σ(1 − σ) = y(1 − y)
        case UnaryOp::Sigmoid:
            return map_backward(y, dy, dx, n, [](real v) { return v * (real(1) - v); });
        // relu' = [x > 0] (0 at the kink itself)
        case UnaryOp::Relu:
            return map_backward(x, dy, dx, n, [](real u) { return real(u > 0); });
        // elu' = 1 for x > 0 and eˣ = y + 1 for x ≤ 0; y > 0 exactly when x > 0, so y alone
        // decides the branch. Both sides give 1 at x = 0: elu is continuously differentiable.
        case UnaryOp::Elu:
            return map_backward(y, dy, dx, n, [](real v) { return v > 0 ? real(1) : v + 1; });
        // y = ½x(1 + t), t = tanh(c(x + a x³))  ⇒  y' = ½(1 + t) + ½x(1 − t²) · c(1 + 3a x²)
        case UnaryOp::GeluTanh:
            return map_backward_simd(x, dy, dx, n, [](real u) {
                const real c = real(kSqrt2OverPi), a = real(kGeluCubic);
                const real t = tanh_absolute(c * (u + a * u * u * u));
                return real(0.5) * (real(1) + t) +
                       real(0.5) * u * (real(1) - t * t) * c * (real(1) + 3 * a * u * u);
            });
        // y = x Φ(x), Φ(x) = ½(1 + erf(x/√2))  ⇒  y' = Φ(x) + x φ(x), φ(x) = e^(−x²/2) / √(2π)
        case UnaryOp::GeluErf:
            return map_backward(x, dy, dx, n, [](real u) {
                const real cdf = real(0.5) * (real(1) + std::erf(u * real(kInvSqrt2)));
                return cdf + u * real(kInvSqrt2Pi) * std::exp(real(-0.5) * u * u);
            });
        // sin' = cos, cos' = −sin
        case UnaryOp::Sin:
            return map_backward(x, dy, dx, n, [](real u) { return std::cos(u); });
        case UnaryOp::Cos:
            return map_backward(x, dy, dx, n, [](real u) { return -std::sin(u); });
        // (x²)' = 2x
        case UnaryOp::Square:
            return map_backward(x, dy, dx, n, [](real u) { return 2 * u; });
        // (√x)' = 1 / (2√x) = 1 / (2y): infinite at x = 0
        case UnaryOp::Sqrt:
            return map_backward(y, dy, dx, n, [](real v) { return real(0.5) / v; });
    }
}

}  // namespace attnlab::kernels
