// gradcheck.h — compare backward() with central finite differences (Caffe/flashlight style).
//
// For f(inputs) → y, the checker forms the scalar loss ℓ = Σ y ⊙ r with a fixed random r (never
// all ones: through a softmax a uniform upstream gradient sums to zero and hides errors). It then
// compares, for each checked element x_i of each input that requires grad,
//     analytic  ∂ℓ/∂x_i  from backward()
//     numeric   (ℓ(x_i + ε) − ℓ(x_i − ε)) / 2ε
// and accepts |analytic − numeric| ≤ tolerance · max(|analytic|, |numeric|, floor).
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
    int checked = 0;
    std::string report;  // the first failures: input, index, analytic, numeric
};

using GradcheckFn = std::function<Tensor(const std::vector<Tensor>&)>;

// `inputs` are leaves; those with requires_grad are checked. f must be deterministic (reseed any
// randomness inside it, e.g. a fixed dropout seed).
GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options = {});

// Max |a − b| / max(|a|, |b|, floor) over all elements, for comparing a fused op with its
// composition from primitives. Throws if the shapes differ.
double max_relative_difference(const Tensor& a, const Tensor& b, double floor = 1.0);

}  // namespace attnlab
