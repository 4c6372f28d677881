// The checks themselves: the gradient checker and the comparison helpers must fail on a wrong,
// NaN or infinite derivative or value. Every comparison with NaN is false, so a checker written
// as `error > tolerance` or an accumulator written as std::max(worst, error) lets NaN through.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "engine/autograd.h"
#include "engine/gradcheck.h"
#include "engine/rng.h"
#include "helpers.h"

using namespace attnlab;
using namespace attnlab::testing;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// y = 2x, whose backward adds `derivative` · dy into dx (2 is right) and whose forward writes
// NaN into y[0] when `nan_output` is set (to make the numeric derivative NaN).
Tensor doubled(const Tensor& x, real derivative, bool nan_output = false) {
    Tensor y = Tensor::empty(x.shape());
    for (int64_t i = 0; i < x.numel(); ++i) y.data()[i] = 2 * x.data()[i];
    if (nan_output) y.data()[0] = std::numeric_limits<real>::quiet_NaN();
    const int64_t n = x.numel();
    return record("doubled", y, {x}, [derivative, n](const real* dy, const std::vector<real*>& dx) {
        if (!dx[0]) return;
        for (int64_t i = 0; i < n; ++i) dx[0][i] += derivative * dy[i];
    });
}

GradcheckResult check_doubled(real derivative, bool nan_output = false,
                              GradcheckOptions options = {}) {
    Rng rng(3);
    const Tensor x = uniform_leaf({2, 3}, rng);
    return gradcheck(
        [&](const std::vector<Tensor>& in) { return doubled(in[0], derivative, nan_output); }, {x},
        options);
}

}  // namespace

TEST_CASE("gradcheck: a correct backward passes and reports how many elements it checked",
          "[grad][gradcheck]") {
    const GradcheckResult r = check_doubled(2);
    INFO(r.report);
    CHECK(r.ok);
    CHECK(r.checked == 6);
    CHECK(r.worst_ratio < 1);
    CHECK_THAT(r.report, Catch::Contains("checked 6 elements, 0 failed"));
}

TEST_CASE("gradcheck: a wrong, NaN or infinite derivative fails", "[grad][gradcheck]") {
    for (const real derivative : {real(2.5), real(kNaN), real(kInf), real(-kInf)}) {
        INFO("backward writes " << derivative << " where 2 is right");
        const GradcheckResult r = check_doubled(derivative);
        INFO(r.report);
        CHECK_FALSE(r.ok);
        CHECK(r.checked == 6);
        CHECK(r.worst_ratio > 1);
        CHECK_THAT(r.report, Catch::Contains("6 failed"));
    }
    // A NaN output makes the numeric derivative NaN while the analytic one stays right.
    const GradcheckResult r = check_doubled(2, true);
    INFO(r.report);
    CHECK_FALSE(r.ok);
    CHECK(std::isinf(r.worst_ratio));
}

TEST_CASE("gradcheck: checking no element at all fails", "[grad][gradcheck]") {
    GradcheckOptions options;
    options.max_checks_per_input = 0;
    const GradcheckResult r = check_doubled(2, false, options);
    CHECK_FALSE(r.ok);
    CHECK(r.checked == 0);
    CHECK_THAT(r.report, Catch::Contains("checked 0 elements"));
}

TEST_CASE("comparison helpers: NaN and Inf are never within tolerance", "[grad][gradcheck]") {
    CHECK(relative_difference(1, 1.5) == Approx(1.0 / 3));
    CHECK(relative_difference(1e-3, 2e-3, 1) == Approx(1e-3));
    for (const double bad : {kNaN, kInf, -kInf}) {
        INFO("bad value " << bad);
        CHECK(std::isinf(relative_difference(bad, 1)));
        CHECK(std::isinf(relative_difference(1, bad)));
        CHECK(std::isinf(relative_difference(bad, bad)));
        CHECK(std::isinf(worst_error(0.5, bad)));
        CHECK(std::isinf(worst_error(worst_error(0, bad), 0.25)));  // and it stays failed
        CHECK_FALSE(worst_error(0, bad) <= 1e300);
    }
    CHECK(worst_error(worst_error(0, 0.25), 0.125) == 0.25);

    const Tensor good = Tensor::from_vector({4}, {1, 2, 3, 4});
    CHECK(max_relative_difference(good, good) == 0);
    for (const double bad : {kNaN, kInf, -kInf}) {
        INFO("bad value " << bad);
        Tensor one_bad = good.clone();
        one_bad.data()[2] = real(bad);
        CHECK(std::isinf(max_relative_difference(one_bad, good)));
        CHECK(std::isinf(max_relative_difference(good, one_bad)));
        const Tensor all_bad = Tensor::full({4}, real(bad));
        CHECK(std::isinf(max_relative_difference(all_bad, all_bad)));
    }
}
