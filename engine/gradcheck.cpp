#include "gradcheck.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "rng.h"

namespace attnlab {
namespace {

// ℓ = Σ y ⊙ r, accumulated in double so the finite difference sees as few rounding errors as the
// output type allows.
double weighted_sum(const Tensor& y, const std::vector<real>& weights) {
    double total = 0;
    for (int64_t i = 0; i < y.numel(); ++i) total += double(y.data()[i]) * weights[size_t(i)];
    return total;
}

std::vector<int64_t> sample_indices(int64_t count, int limit, Rng& rng) {
    std::vector<int64_t> indices(static_cast<size_t>(count));
    std::iota(indices.begin(), indices.end(), 0);
    if (count <= limit) return indices;
    for (int64_t i = 0; i < limit; ++i)  // partial Fisher–Yates
        std::swap(indices[size_t(i)], indices[size_t(i + int64_t(rng.below(uint64_t(count - i))))]);
    indices.resize(size_t(limit));
    return indices;
}

}  // namespace

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options) {
    Rng rng(options.seed);
    for (const Tensor& input : inputs)
        if (input.requires_grad()) input.zero_grad();

    Tensor y = f(inputs);
    std::vector<real> weights(size_t(y.numel()));
    for (real& w : weights) w = real(rng.uniform(-1.0, 1.0));
    ATTNLAB_CHECK(y.requires_grad(),
                  "gradcheck: the function's output does not depend on any "
                  "input with requires_grad");
    y.backward(Tensor::from_vector(y.shape(), weights));

    GradcheckResult result;
    int failures = 0;
    NoGradGuard no_grad;
    for (size_t which = 0; which < inputs.size(); ++which) {
        const Tensor& input = inputs[which];
        if (!input.requires_grad()) continue;
        const real* analytic = input.grad_data();
        for (int64_t i : sample_indices(input.numel(), options.max_checks_per_input, rng)) {
            real& x = input.data()[i];
            const real original = x;
            x = real(original + options.eps);
            const double plus = weighted_sum(f(inputs), weights);
            x = real(original - options.eps);
            const double minus = weighted_sum(f(inputs), weights);
            x = original;

            const double numeric = (plus - minus) / (2 * options.eps);
            const double a = analytic ? double(analytic[i]) : 0.0;
            const double scale =
                options.tolerance * std::max({std::abs(a), std::abs(numeric), options.floor});
            const double ratio = std::isfinite(a) && std::isfinite(numeric)
                                     ? std::abs(a - numeric) / scale
                                     : std::numeric_limits<double>::infinity();
            result.worst_ratio = worst_error(result.worst_ratio, ratio);
            result.checked++;
            if (ratio <= 1) continue;
            result.ok = false;
            if (failures++ < 8) {
                result.report += cat("input ", which, " ", shape_str(input.shape()), " element ", i,
                                     ": analytic ", a, " numeric ", numeric, "\n");
            }
        }
    }
    if (failures > 8) result.report += cat("... and ", failures - 8, " more\n");
    if (result.checked == 0) result.ok = false;
    result.report += cat("checked ", result.checked, " elements, ", failures, " failed\n");
    return result;
}

double relative_difference(double x, double y, double floor) {
    if (!std::isfinite(x) || !std::isfinite(y)) return std::numeric_limits<double>::infinity();
    return std::abs(x - y) / std::max({std::abs(x), std::abs(y), floor});
}

double worst_error(double worst, double error) {
    return std::isfinite(error) ? std::max(worst, error) : std::numeric_limits<double>::infinity();
}

double max_relative_difference(const Tensor& a, const Tensor& b, double floor) {
    ATTNLAB_CHECK(a.shape() == b.shape(),
                  "max_relative_difference: shapes differ: ", shape_str(a.shape()), " vs ",
                  shape_str(b.shape()));
    double worst = 0;
    for (int64_t i = 0; i < a.numel(); ++i)
        worst = worst_error(worst, relative_difference(a.data()[i], b.data()[i], floor));
    return worst;
}

}  // namespace attnlab
