// The vectorisable exp, its lane sums and the row maximum used by the softmax family, against the
// standard library.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "engine/gradcheck.h"
#include "engine/kernels/vector_math.h"
#include "engine/rng.h"

using namespace attnlab;

TEST_CASE("exp_nonpositive matches std::exp on x <= 0", "[kernel][math]") {
    double worst = 0;
    for (int i = 0; i <= 200000; ++i) {
        const real x = real(-87.0 * i / 200000.0);
        const double exact = std::exp(double(x));
        worst = worst_error(worst, std::abs(double(kernels::exp_nonpositive(x)) - exact) / exact);
    }
    INFO("worst relative error " << worst);
    CHECK(worst < 4 * std::numeric_limits<real>::epsilon());
    CHECK(kernels::exp_nonpositive(real(0)) == 1);
    CHECK(kernels::exp_nonpositive(-std::numeric_limits<real>::infinity()) == 0);
    CHECK(std::isnan(kernels::exp_nonpositive(std::numeric_limits<real>::quiet_NaN())));
}

TEST_CASE("exp_any matches std::exp over the whole float range", "[kernel][math]") {
    double worst = 0;
    for (int i = 0; i <= 400000; ++i) {  // from −87 (below, results flush to 0) up to 88.7
        const real x = real(-87.0 + 175.7 * i / 400000.0);
        const double exact = std::exp(double(x));
        worst = worst_error(worst, std::abs(double(kernels::exp_any(x)) - exact) / exact);
    }
    INFO("worst relative error " << worst);
    CHECK(worst < 4 * std::numeric_limits<real>::epsilon());
    const real inf = std::numeric_limits<real>::infinity();
    CHECK(kernels::exp_any(real(88.72)) < inf);  // just below ln(FLT_MAX): finite
    if (sizeof(real) == sizeof(float)) CHECK(kernels::exp_any(real(89)) == inf);  // > ln(FLT_MAX)
    CHECK(kernels::exp_any(real(1000)) == inf);
    CHECK(kernels::exp_any(inf) == inf);
    CHECK(kernels::exp_any(-inf) == 0);
    CHECK(std::isnan(kernels::exp_any(std::numeric_limits<real>::quiet_NaN())));
}

TEST_CASE("row_maximum equals std::max_element for every length", "[kernel][math]") {
    Rng rng(5);
    for (int64_t count = 1; count <= 70; ++count) {
        std::vector<real> values(static_cast<size_t>(count));
        for (real& v : values) v = real(rng.normal());
        REQUIRE(kernels::row_maximum(values.data(), count) ==
                *std::max_element(values.begin(), values.end()));
    }
    CHECK(kernels::row_maximum(nullptr, 0) == -std::numeric_limits<real>::infinity());
}

TEST_CASE("exp_shifted_lanes: each entry's exp in place, summed into its lane", "[kernel][math]") {
    Rng rng(6);
    for (int64_t count = 0; count <= 70; ++count) {
        std::vector<real> values(static_cast<size_t>(count));
        for (real& v : values) v = real(rng.normal());
        const real shift = values.empty() ? 0 : *std::max_element(values.begin(), values.end());
        std::vector<real> exps = values;
        real lanes[kernels::kLanes] = {};
        kernels::exp_shifted_lanes(exps.data(), count, shift, lanes);
        double expected[kernels::kLanes] = {};
        const int64_t whole = count / kernels::kLanes * kernels::kLanes;
        for (int64_t i = 0; i < count; ++i) {
            const double e = std::exp(double(values[size_t(i)]) - double(shift));
            REQUIRE(std::abs(exps[size_t(i)] - e) <= 4 * std::numeric_limits<real>::epsilon() * e);
            expected[i < whole ? i % kernels::kLanes : 0] += e;  // the tail goes to lane 0
        }
        for (int k = 0; k < kernels::kLanes; ++k)
            REQUIRE(std::abs(lanes[k] - expected[k]) <= 1e-5 * (1 + expected[k]));
    }
}

TEST_CASE("tanh_absolute matches std::tanh to an absolute 3e-7", "[kernel][math]") {
    double worst = 0;
    for (int i = -200000; i <= 200000; ++i) {
        const real u = real(12.0 * i / 200000.0);
        worst =
            worst_error(worst, std::abs(double(kernels::tanh_absolute(u)) - std::tanh(double(u))));
    }
    INFO("worst absolute error " << worst);
    CHECK(worst < 3e-7);
    CHECK(kernels::tanh_absolute(real(0)) == 0);
    CHECK(kernels::tanh_absolute(real(50)) == 1);
    CHECK(kernels::tanh_absolute(real(-50)) == -1);
    CHECK(std::isnan(kernels::tanh_absolute(std::numeric_limits<real>::quiet_NaN())));
}
