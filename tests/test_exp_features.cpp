// The fused FAVOR+ feature exponential exp_features: finite-difference gradients in both modes,
// agreement with the same function composed from primitive ops, and argument errors.
#include <catch2/catch.hpp>

#include "engine/gradcheck.h"
#include "engine/ops.h"
#include "engine/rng.h"
#include "helpers.h"

using namespace attnlab;
using namespace attnlab::testing;

TEST_CASE("exp_features: gradients, without and with the row maximum", "[ops][grad][performer]") {
    for (bool row_max : {false, true}) {
        INFO("subtract_row_max " << row_max);
        Rng rng(3);
        // Distinct draws keep the row maxima apart (no ties: the max is a kink).
        Tensor projection = normal_leaf({2, 3, 5}, rng);
        Tensor half_sq_norm = uniform_leaf({2, 3, 1}, rng, 0.2, 1.0);
        auto f = [row_max](const std::vector<Tensor>& x) {
            return exp_features(x[0], x[1], real(0.5), row_max);
        };
        auto r = gradcheck(f, {projection, half_sq_norm});
        INFO(r.report);
        CHECK(r.ok);
    }
}

TEST_CASE("exp_features: equals the composed exp(P − h) and exp(P − h − max(P − h))",
          "[ops][performer]") {
    Rng rng(4);
    const Tensor projection = Tensor::randn({4, 7}, rng);
    const Tensor half_sq_norm = Tensor::rand({4, 1}, rng, 0, 2);
    const Tensor exponent = sub(projection, half_sq_norm);
    const Tensor plain = scale(exp(exponent), real(0.25));
    const Tensor stabilized = scale(exp(sub(exponent, max(exponent, -1, true))), real(0.25));
    for (bool row_max : {false, true}) {
        const Tensor fused = exp_features(projection, half_sq_norm, real(0.25), row_max);
        const Tensor& want = row_max ? stabilized : plain;
        for (int64_t i = 0; i < fused.numel(); ++i)
            REQUIRE(fused.data()[i] == Approx(want.data()[i]).epsilon(1e-5));
    }
}

TEST_CASE("exp_features: argument errors", "[ops][performer]") {
    const Tensor projection = Tensor::zeros({2, 3});
    CHECK_THROWS_WITH(
        exp_features(projection, Tensor::zeros({3, 1}), 1, false),
        Catch::Contains("half_sq_norm must be [2, 1]") && Catch::Contains("got [3, 1]"));
    CHECK_THROWS_WITH(exp_features(projection, Tensor(), 1, false), Catch::Contains("got none"));
    CHECK_NOTHROW(exp_features(projection, Tensor(), 1, true));
    CHECK_THROWS_WITH(exp_features(Tensor::zeros({2, 0}), Tensor(), 1, true),
                      Catch::Contains("m >= 1"));
}
