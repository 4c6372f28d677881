// Module and Linear: dotted parameter names, frozen parameters, counts, train/eval recursion,
// duplicate-name errors, Linear's values and gradients, and attention dropout in train vs eval.
#include <catch2/catch.hpp>
#include <cmath>

#include "engine/gradcheck.h"
#include "helpers.h"
#include "models/attention.h"
#include "models/linear.h"

using namespace attnlab;
using namespace attnlab::testing;

namespace {

// A two-level module: "scale" (frozen) and a child Linear "proj".
class Toy : public Module {
  public:
    explicit Toy(Rng& rng) : proj(2, 3, rng) {
        register_parameter("scale", Tensor::ones({3}), false);
        register_module("proj", proj);
    }
    Linear proj;
};

class Clash : public Module {
  public:
    explicit Clash(Rng& rng) : a(2, 2, rng) {
        register_parameter("a.weight_alias", Tensor::ones({1}));
    }
    Linear a;
};

class Duplicate : public Module {
  public:
    explicit Duplicate(Rng& rng) : a(2, 2, rng), b(2, 2, rng) {
        register_module("same", a);
        register_module("same", b);
    }
    Linear a, b;
};

}  // namespace

TEST_CASE("Module: dotted names, frozen parameters, counts, training mode", "[module]") {
    Rng rng(1);
    Toy toy(rng);
    const std::vector<Parameter> params = toy.parameters();
    REQUIRE(params.size() == 3);
    CHECK(params[0].name == "scale");
    CHECK(params[1].name == "proj.weight");
    CHECK(params[2].name == "proj.bias");
    CHECK_FALSE(params[0].trainable);
    CHECK_FALSE(params[0].tensor.requires_grad());
    CHECK(params[1].tensor.requires_grad());
    CHECK(toy.count_parameters() == 3 + 6 + 3);
    CHECK(toy.count_parameters(true) == 6 + 3);
    CHECK(toy.training());
    toy.set_training(false);
    CHECK_FALSE(toy.proj.training());
    toy.set_training(true);
    CHECK(toy.proj.training());

    CHECK_THROWS_WITH(Clash(rng), Catch::Contains("must be non-empty without dots"));
    Duplicate duplicate(rng);
    CHECK_THROWS_WITH(duplicate.parameters(),
                      Catch::Contains("Module::parameters: duplicate name \"same.weight\""));
}

TEST_CASE("Linear: y = x · W + b values, gradients and errors", "[module][grad]") {
    Rng rng(2);
    Linear linear(2, 3, rng);
    CHECK(linear.weight().shape() == Shape({2, 3}));
    for (int i = 0; i < 6; ++i) linear.weight().data()[i] = real(i + 1);  // [[1 2 3] [4 5 6]]
    for (int i = 0; i < 3; ++i) linear.bias().data()[i] = real(i) / 2;    // [0 .5 1]
    Tensor x = Tensor::ones({2, 1, 2});
    x.data()[3] = 2;  // rows [1 1], [1 2]
    check_values(linear.forward(x), {5, 7.5, 10, 9, 12.5, 16});

    Linear fresh(4, 5, rng);
    Tensor input = normal_leaf({3, 2, 4}, rng);
    auto r = gradcheck([&](const std::vector<Tensor>& in) { return fresh.forward(in[0]); },
                       {input, fresh.weight(), fresh.bias()});
    INFO(r.report);
    CHECK(r.ok);
    // Xavier-uniform bound √(6 / (4 + 5)).
    for (real w : fresh.weight().to_vector()) CHECK(std::abs(double(w)) <= std::sqrt(6.0 / 9));
    CHECK_THROWS_WITH(fresh.forward(Tensor::zeros({2, 3})),
                      Catch::Contains("Linear: input [2, 3] does not end in in_features = 4"));
    Linear no_bias(4, 5, rng, false);
    CHECK(no_bias.count_parameters() == 20);
}

TEST_CASE("attention: dropout acts in training only, reproducibly from its seed", "[attention]") {
    AttentionConfig config;
    config.d_model = 8;
    config.heads = 2;
    config.max_len = 6;
    config.kind = "random";
    config.dropout = 0.5;
    config.dropout_seed = 42;
    Rng rng(3);
    MultiHeadAttention attention(config, rng);
    const Tensor x = Tensor::randn({2, 4, 8}, rng);
    const std::vector<real> dropped = attention.forward(x).to_vector();
    CHECK(attention.forward(x).to_vector() != dropped);  // the next call draws a fresh mask

    attention.set_training(false);
    CHECK(attention.forward(x).to_vector() == attention.forward(x).to_vector());
    for (real s : sum(attention.weights(x), -1).to_vector()) CHECK(s == Approx(1));
}
