// The fused FAVOR+ positive features positive_features: finite-difference gradients in both modes
// (for x and ω), agreement with the same function composed from primitive ops, and argument
// errors.
#include <catch2/catch.hpp>
#include <cmath>

#include "engine/gradcheck.h"
#include "engine/ops.h"
#include "engine/rng.h"
#include "helpers.h"

using namespace attnlab;
using namespace attnlab::testing;

namespace {

// exp(c·x ωᵀ − c²‖x‖²/2 [− the row max]) / √m from primitive ops.
Tensor composed_features(const Tensor& x, const Tensor& omega, bool row_max) {
    const real c = real(std::pow(double(omega.size(1)), -0.25));
    const Tensor scaled = scale(x, c);
    Tensor exponent =
        sub(matmul(scaled, omega, false, true), scale(sum(square(scaled), -1, true), real(0.5)));
    if (row_max) exponent = sub(exponent, max(exponent, -1, true));
    return scale(exp(exponent), real(1 / std::sqrt(double(omega.size(0)))));
}

}  // namespace

TEST_CASE("positive_features: gradients for x and omega, without and with the row maximum",
          "[ops][grad][performer]") {
    for (bool row_max : {false, true}) {
        INFO("subtract_row_max " << row_max);
        Rng rng(3);
        // Distinct draws keep the row maxima apart (no ties: the max is a kink).
        Tensor x = normal_leaf({2, 3, 4}, rng);
        Tensor omega = normal_leaf({5, 4}, rng);
        auto f = [row_max](const std::vector<Tensor>& in) {
            return positive_features(in[0], in[1], row_max);
        };
        auto r = gradcheck(f, {x, omega});
        INFO(r.report);
        CHECK(r.ok);
    }
}

TEST_CASE("positive_features: equals the composed exp(c·x ωᵀ − c²‖x‖²/2) and its row-max form",
          "[ops][performer]") {
    Rng rng(4);
    const Tensor x = Tensor::randn({3, 5, 8}, rng);
    const Tensor omega = Tensor::randn({7, 8}, rng);
    for (bool row_max : {false, true}) {
        INFO("subtract_row_max " << row_max);
        const Tensor fused = positive_features(x, omega, row_max);
        REQUIRE(fused.shape() == Shape{3, 5, 7});
        CHECK(max_relative_difference(fused, composed_features(x, omega, row_max), 1e-6) < 1e-5);
    }
}

TEST_CASE("positive_features: argument errors", "[ops][performer]") {
    const Tensor omega = Tensor::zeros({4, 3});
    CHECK_THROWS_WITH(
        positive_features(Tensor::zeros({2, 5}), omega, false),
        Catch::Contains("x [2, 5] must end in d = 3") && Catch::Contains("omega [4, 3]"));
    CHECK_THROWS_WITH(positive_features(Tensor::zeros({2, 3}), Tensor::zeros({3}), true),
                      Catch::Contains("omega must be [m, d]") && Catch::Contains("got [3]"));
    CHECK_THROWS_WITH(positive_features(Tensor::zeros({2, 0}), Tensor::zeros({4, 0}), true),
                      Catch::Contains("m, d >= 1"));
}
