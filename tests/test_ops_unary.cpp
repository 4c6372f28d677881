// Elementwise functions: hand-computed values, gradient checks away from kinks and singularities,
// and the documented behaviour at the edges (log 0, sigmoid of large inputs).
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "engine/gradcheck.h"
#include "engine/rng.h"
#include "helpers.h"

using namespace attnlab;
using namespace attnlab::testing;

namespace {

using UnaryFn = std::function<Tensor(const Tensor&)>;

// Gradchecks f on a [3, 4] input drawn from [low, high], with |x| >= min_abs (away from kinks).
void check_grad(const UnaryFn& f, real low, real high, real min_abs = 0) {
    Rng rng(21);
    Tensor x = Tensor::rand({3, 4}, rng, low, high);
    for (int64_t i = 0; i < x.numel(); ++i) {
        real& v = x.data()[i];
        if (std::abs(v) < min_abs) v = v < 0 ? -min_abs : min_abs;
    }
    x.set_requires_grad(true);
    auto r = gradcheck([&f](const std::vector<Tensor>& in) { return f(in[0]); }, {x});
    INFO(r.report);
    CHECK(r.ok);
}

Tensor sample() {
    return Tensor::from_vector({4}, {0, 1, -1, 2});
}

}  // namespace

TEST_CASE("exp: values and gradient", "[ops][grad][unary]") {
    check_values(exp(sample()), {1, std::exp(1.0), std::exp(-1.0), std::exp(2.0)});
    check_grad([](const Tensor& x) { return exp(x); }, -2, 2);
    CHECK_THROWS_WITH(exp(Tensor()), Catch::Contains("undefined tensor"));
}

TEST_CASE("log: values, IEEE edge results, gradient", "[ops][grad][unary]") {
    check_values(log(Tensor::from_vector({3}, {1, std::exp(1.0), 0.5})), {0, 1, std::log(0.5)});
    // Documented: no check for non-positive inputs, just the IEEE results.
    Tensor edge = log(Tensor::from_vector({2}, {0, -1}));
    CHECK(edge.data()[0] == -std::numeric_limits<real>::infinity());
    CHECK(std::isnan(edge.data()[1]));
    check_grad([](const Tensor& x) { return log(x); }, 0.5, 2);
}

TEST_CASE("tanh: values and gradient", "[ops][grad][unary]") {
    check_values(tanh(sample()), {0, 0.7615941559557649, -0.7615941559557649, std::tanh(2.0)});
    check_grad([](const Tensor& x) { return tanh(x); }, -2, 2);
}

TEST_CASE("sigmoid: values, no overflow, gradient", "[ops][grad][unary]") {
    check_values(sigmoid(Tensor::from_vector({3}, {0, 2, -2})),
                 {0.5, 0.8807970779778823, 1 - 0.8807970779778823});
    Tensor extreme = sigmoid(Tensor::from_vector({2}, {-1000, 1000}));
    CHECK(extreme.data()[0] == 0);
    CHECK(extreme.data()[1] == 1);
    check_grad([](const Tensor& x) { return sigmoid(x); }, -3, 3);
}

TEST_CASE("relu: values and gradient away from the kink", "[ops][grad][unary]") {
    check_values(relu(Tensor::from_vector({4}, {-2, -0.0, 0.5, 3})), {0, 0, 0.5, 3});
    Tensor x = Tensor::from_vector({3}, {-1, 0, 2});
    x.set_requires_grad(true);
    relu(x).backward(Tensor::ones({3}));
    check_values(x.grad(), {0, 0, 1});  // the subgradient at 0 is 0
    check_grad([](const Tensor& t) { return relu(t); }, -1, 1, 0.1);
}

TEST_CASE("elu: values, accuracy near 0, slope 1 at 0, gradient", "[ops][grad][unary]") {
    check_values(elu(Tensor::from_vector({4}, {-2, 0, 0.5, 3})), {std::expm1(-2.0), 0, 0.5, 3});
    // e^x − 1 without cancellation: computed as exp(x) − 1 this would be 0 (float) or off by 1e-7.
    const Tensor tiny = elu(Tensor::from_vector({1}, {-1e-10}));
    CHECK(tiny.data()[0] == Approx(-1e-10).epsilon(1e-6));
    // Both one-sided slopes are 1 at 0, and eˣ on the negative side.
    Tensor x = Tensor::from_vector({3}, {-1, 0, 2});
    x.set_requires_grad(true);
    elu(x).backward(Tensor::ones({3}));
    check_values(x.grad(), {std::exp(-1.0), 1, 1});
    check_grad([](const Tensor& t) { return elu(t); }, -2, 2, 0.1);
}

TEST_CASE("gelu: tanh and erf forms, values and exact gradients", "[ops][grad][unary]") {
    Tensor x = Tensor::from_vector({4}, {0, 1, -1, 2});
    check_values(gelu(x), {0, 0.8411919906082768, -0.15880800939172324, 1.954597694087775});
    CHECK(gelu(x, GeluApprox::Tanh).to_vector() == gelu(x).to_vector());  // the default
    check_values(gelu(x, GeluApprox::Erf),
                 {0, 0.8413447460685429, -0.15865525393145707, 1.9544997361036416});
    check_grad([](const Tensor& t) { return gelu(t, GeluApprox::Tanh); }, -3, 3);
    check_grad([](const Tensor& t) { return gelu(t, GeluApprox::Erf); }, -3, 3);
}

TEST_CASE("sin: values and gradient", "[ops][grad][unary]") {
    check_values(sin(sample()), {0, 0.8414709848078965, -0.8414709848078965, std::sin(2.0)});
    check_grad([](const Tensor& x) { return sin(x); }, -3, 3);
}

TEST_CASE("cos: values and gradient", "[ops][grad][unary]") {
    check_values(cos(sample()), {1, 0.5403023058681398, 0.5403023058681398, std::cos(2.0)});
    check_grad([](const Tensor& x) { return cos(x); }, -3, 3);
}

TEST_CASE("square: values and gradient", "[ops][grad][unary]") {
    check_values(square(sample()), {0, 1, 1, 4});
    check_grad([](const Tensor& x) { return square(x); }, -2, 2);
}

TEST_CASE("sqrt: values and gradient away from 0", "[ops][grad][unary]") {
    check_values(sqrt(Tensor::from_vector({3}, {0, 4, 2.25})), {0, 2, 1.5});
    CHECK(std::isnan(sqrt(Tensor::scalar(-1)).item()));
    check_grad([](const Tensor& x) { return sqrt(x); }, 0.5, 2);
}

TEST_CASE("unary kernels match a double reference on large (parallel) inputs", "[kernel][unary]") {
    Rng rng(4);
    Tensor x = Tensor::randn({300, 400}, rng);
    x.set_requires_grad(true);
    Tensor y = gelu(x, GeluApprox::Erf);
    y.backward(Tensor::ones(y.shape()));
    int64_t wrong = 0;
    for (int64_t i = 0; i < x.numel(); i += 97) {
        const double v = x.data()[i];
        const double cdf = 0.5 * (1 + std::erf(v / std::sqrt(2.0)));
        const double slope = cdf + v * std::exp(-0.5 * v * v) / std::sqrt(2 * M_PI);
        wrong +=
            std::abs(y.data()[i] - v * cdf) > 1e-5 || std::abs(x.grad_data()[i] - slope) > 1e-5;
    }
    CHECK(wrong == 0);
}
