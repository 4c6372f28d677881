// gradcheck.h — compare backward() with central finite differences (Caffe/flashlight style).
//
// For f(inputs) → y, the checker forms the scalar loss ℓ = Σ y ⊙ r with a fixed random r (never
// all ones: through a softmax a uniform upstream gradient sums to zero and hides errors). It then
// compares, for each checked element x_i of each input that requires grad,
//     analytic  ∂ℓ/∂x_i  from backward()
//     numeric   (ℓ(x_i + ε) − ℓ(x_i − ε)) / 2ε
// and accepts |analytic − numeric| ≤ tolerance · max(|analytic|, |numeric|, floor). A NaN or ±Inf
// derivative, analytic or numeric, fails (every comparison with NaN is false, so `ratio > 1` alone
// would let a NaN-writing backward pass), and so does a check of no element at all.
// Kinks (relu at 0, ties in max) must be kept away from by the caller's choice of inputs.
//
// In the double build (make REAL=double) the defaults are tight: ε = 1e-6, tolerance 1e-6.
// In the float build they are Caffe's: ε = 1e-3, tolerance 2e-2.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ops.h"

namespace attnlab {

struct GradcheckOptions {
#ifdef ATTNLAB_DOUBLE
    double eps = 1e-6;
    double tolerance = 1e-6;
#else
    double eps = 1e-3;
    double tolerance = 2e-2;
#endif
    double floor = 1.0;             // the relative tolerance never shrinks below tolerance·floor
    int max_checks_per_input = 64;  // larger inputs are checked at random indices
    uint64_t seed = 1234;           // for r and the index sample
};

struct GradcheckResult {
    bool ok = true;
    double worst_ratio = 0;  // max over checks of |a − n| / (tolerance · max(|a|, |n|, floor))
    int checked = 0;         // elements compared; 0 is a failure
    std::string report;      // the first failures (input, index, analytic, numeric), then the count
};

using GradcheckFn = std::function<Tensor(const std::vector<Tensor>&)>;

// `inputs` are leaves; those with requires_grad are checked. f must be deterministic (reseed any
// randomness inside it, e.g. a fixed dropout seed).
GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options = {});

// |x − y| / max(|x|, |y|, floor), and +Inf when x or y is NaN or ±Inf: a non-finite value is
// never close to anything, not even to itself.
double relative_difference(double x, double y, double floor = 1.0);

// Folds one element's error into a running maximum. std::max(worst, NaN) keeps worst, so a NaN
// element would be skipped (an all-NaN output would score 0); here a non-finite error makes the
// result +Inf, which fails every `worst <= tolerance`.
double worst_error(double worst, double error);

// Max relative_difference over all elements, for comparing a fused op with its composition from
// primitives; +Inf if either tensor holds a NaN or ±Inf. Throws if the shapes differ.
double max_relative_difference(const Tensor& a, const Tensor& b, double floor = 1.0);

}  // namespace attnlab
