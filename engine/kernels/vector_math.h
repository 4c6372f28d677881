// vector_math.h — exp and tanh that GCC can vectorise, for softmax-family kernels and GELU.
//
// glibc's expf is a scalar call that GCC only vectorises under -ffast-math, which attnlab never
// uses. A softmax row spends most of its time in exp, so the fused kernels call exp_nonpositive:
// plain arithmetic that `#pragma omp simd` turns into AVX-512 code.
//
//   exp(x) = 2^n · exp(r),  n = round(x / ln 2),  r = x − n · ln 2  (ln 2 split in two parts, so
//   the subtraction is exact),  |r| ≤ ln 2 / 2,  exp(r) ≈ 1 + r + r² · P(r) with Cephes' degree-5
//   P. Relative error below 2e-7 (about 1.5 ulp) in float.
//
// Domain: x ≤ 0, which holds for the max-subtracted arguments of softmax, log-softmax and
// cross-entropy. exp(−inf) and anything below −87.3 (where the result would be denormal) give
// exactly 0, so masked entries contribute exactly nothing. NaN stays NaN. exp_any extends the same
// code to positive arguments. The double build uses std::exp: there the point is accuracy for
// tight gradient checks, not speed.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "../common.h"

namespace attnlab::kernels {

#ifdef ATTNLAB_DOUBLE
inline double exp_nonpositive(double x) {
    return std::exp(x);
}
inline double exp_any(double x) {
    return std::exp(x);
}
#else
// exp(r) for |r| ≤ ln 2 / 2, and the float whose value is 2^n for an integer n in [−126, 127].
#pragma omp declare simd notinbranch
inline float exp_reduced(float r) {
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    return p * r * r + r + 1.0f;
}
#pragma omp declare simd notinbranch
inline float power_of_two(int32_t n) {
    const int32_t exponent_bits = (n + 127) << 23;
    float result;
    std::memcpy(&result, &exponent_bits, sizeof result);
    return result;
}

constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2High = 0.693359375f, kLn2Low = -2.12194440e-4f;
constexpr float kExpSmallest = -87.3f;  // exp below this is denormal: flush to 0

#pragma omp declare simd notinbranch
inline float exp_nonpositive(float x) {
    // NaN fails the comparison and computes with kExpSmallest: converting NaN to int32_t below
    // would be undefined behaviour. The NaN itself is returned at the end.
    const float clamped = x >= kExpSmallest ? x : kExpSmallest;
    const float n = std::nearbyint(clamped * kLog2e);
    const float r = (clamped - n * kLn2High) - n * kLn2Low;
    const float result = exp_reduced(r) * power_of_two(int32_t(n));
    if (x != x) return x;  // NaN in, NaN out
    return x < kExpSmallest ? 0.0f : result;
}

// exp over the whole float range, for arguments of either sign (FAVOR+'s ωᵀx − ‖x‖²/2). n now
// reaches 128 near the largest finite result, past the exponent field, so 2^n is applied in two
// halves. Above ln(FLT_MAX) the result is +inf, as std::exp's.
#pragma omp declare simd notinbranch
inline float exp_any(float x) {
    constexpr float kLargest = 88.7228f;  // ln(FLT_MAX), rounded down
    const float clamped = x >= kExpSmallest ? (x <= kLargest ? x : kLargest) : kExpSmallest;
    const float n = std::nearbyint(clamped * kLog2e);
    const float r = (clamped - n * kLn2High) - n * kLn2Low;
    const int32_t half = int32_t(n) / 2;
    const float result = exp_reduced(r) * power_of_two(half) * power_of_two(int32_t(n) - half);
    // One select per case (no early returns), so `omp simd` loops still vectorise.
    const float in_range = x < kExpSmallest ? 0.0f : result;
    const float bounded = x > kLargest ? std::numeric_limits<float>::infinity() : in_range;
    return x != x ? x : bounded;
}
#endif

// tanh with an ABSOLUTE error below 3e-7 in float, for GELU, where t = tanh(·) only ever enters as
// 1 ± t or 1 − t², so absolute accuracy is what counts (near 0 the relative error is larger than
// std::tanh's). Odd symmetry and e = exp(−2|u|) ∈ (0, 1]:  tanh|u| = (1 − e) / (1 + e).
// Saturates to ±1 for |u| > 43 (e underflows to 0). NaN stays NaN.
#ifdef ATTNLAB_DOUBLE
inline double tanh_absolute(double u) {
    return std::tanh(u);
}
#else
#pragma omp declare simd notinbranch
inline float tanh_absolute(float u) {
    const float e = exp_nonpositive(-2.0f * std::fabs(u));
    return std::copysign((1.0f - e) / (1.0f + e), u);
}
#endif

// Running values kept one per vector lane, so a row's loop is vector code; the lanes are folded
// at the end. Tiles fold the lanes of all their rows at once: one row's 16 lanes folded alone are a
// chain of 16 dependent adds (or maxima), which costs as much as a 64-entry row's exponentials.
constexpr int kLanes = 16;

// The lane maxima of values[0..count): lane k the maximum of the entries c ≡ k (mod 16) of the
// whole 16-entry groups, lane 0 then also of the tail. lanes[16] must start at −inf. A plain
// `omp simd reduction(max:)` stays scalar (std::max is not associative once NaNs are allowed).
inline void max_lanes(const real* values, int64_t count, real* lanes) {
    int64_t i = 0;
    for (; i + kLanes <= count; i += kLanes)
#pragma omp simd
        for (int k = 0; k < kLanes; ++k) lanes[k] = std::max(lanes[k], values[i + k]);
    for (; i < count; ++i) lanes[0] = std::max(lanes[0], values[i]);
}

// max of values[0..count), −inf for count = 0.
inline real row_maximum(const real* values, int64_t count) {
    real lanes[kLanes];
    for (real& lane : lanes) lane = -std::numeric_limits<real>::infinity();
    max_lanes(values, count, lanes);
    real result = lanes[0];
    for (int k = 1; k < kLanes; ++k) result = std::max(result, lanes[k]);
    return result;
}

// e^(x − shift) of values[0..count) in place, summed by lane as max_lanes (lanes[16] must start
// at 0); the sum is 0 + lane 0 + … + lane 15.
inline void exp_shifted_lanes(real* values, int64_t count, real shift, real* lanes) {
    int64_t i = 0;
    for (; i + kLanes <= count; i += kLanes)
#pragma omp simd
        for (int k = 0; k < kLanes; ++k) {
            values[i + k] = exp_nonpositive(values[i + k] - shift);
            lanes[k] += values[i + k];
        }
    for (; i < count; ++i) {
        values[i] = exp_nonpositive(values[i] - shift);
        lanes[0] += values[i];
    }
}

}  // namespace attnlab::kernels
