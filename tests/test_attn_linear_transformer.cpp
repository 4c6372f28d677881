// The Linear Transformer layer (models/attn_linear_transformer.h): shapes and its registration,
// agreement with the O(L²) definition (bidirectional and causal, with key padding), causality, the
// elu + 1 map, and a double-precision gradient check of x and every parameter.
#include <catch2/catch.hpp>
#include <cmath>

#include "engine/gradcheck.h"
#include "helpers.h"
#include "linear_attention_reference.h"
#include "models/attn_linear_transformer.h"
#include "models/zoo.h"

using namespace attnlab;
using namespace attnlab::testing;

namespace {

constexpr double kReferenceTolerance = sizeof(real) == sizeof(float) ? 1e-5 : 1e-12;

// B = 2, L = 4 or 5, d = 8, h = 2 (dh = 4).
AttentionConfig tiny_linear(bool causal) {
    AttentionConfig config;
    config.d_model = 8;
    config.heads = 2;
    config.kind = "linear_transformer";
    config.causal = causal;
    return config;
}

Tensor linear_input(int64_t B, int64_t L, uint64_t seed) {
    Rng rng(seed);
    return Tensor::randn({B, L, 8}, rng);
}

double elu_plus_one(double x) {
    return x > 0 ? x + 1 : std::exp(x);
}

// Batch 1's last two keys are padding.
Tensor linear_padding() {
    Tensor keep = Tensor::ones({2, 5});
    keep.data()[1 * 5 + 3] = 0;
    keep.data()[1 * 5 + 4] = 0;
    return keep;
}

}  // namespace

TEST_CASE("linear_transformer: shapes, registration, parameter count and FLOPs",
          "[linear_transformer]") {
    const KindInfo& kind = find_kind("linear_transformer");
    CHECK(kind.causal);
    CHECK(kind.options.empty());
    CHECK(bool(kind.make_layer));
    for (bool causal : {false, true}) {
        INFO((causal ? "causal" : "bidirectional"));
        Rng rng(1);
        const auto mixer = make_token_mixer(tiny_linear(causal), rng);
        auto* layer = dynamic_cast<LinearTransformerAttention*>(mixer.get());
        REQUIRE(layer);
        CHECK(layer->forward(linear_input(2, 5, 2)).shape() == Shape({2, 5, 8}));
        CHECK(layer->implicit_attention(linear_input(2, 5, 2)).shape() == Shape({2, 2, 5, 5}));
        CHECK(layer->count_parameters() == 4 * (8 * 8 + 8));
        CHECK(layer->count_parameters(true) == 4 * (8 * 8 + 8));
        CHECK_FALSE(layer->redraw_features(3));  // nothing random
    }
    // 8d² + 4·dh·d for two shapes, so a swapped d and dh would show.
    for (const auto& [d, h] : {std::pair<int64_t, int64_t>{8, 2}, {12, 4}}) {
        AttentionConfig config = tiny_linear(true);
        config.d_model = d;
        config.heads = h;
        CHECK(mixer_forward_flops(config, 100).per_token == 8 * d * d + 4 * (d / h) * d);
        CHECK(mixer_forward_flops(config, 100).per_step == 0);
    }
}

TEST_CASE("linear_transformer: φ(x) = elu(x) + 1", "[linear_transformer]") {
    const Tensor x = Tensor::from_vector({4}, {-3, -0.5, 0, 2});
    const Tensor phi = elu_plus_one_features(x);
    for (int64_t i = 0; i < 4; ++i)
        CHECK(phi.data()[i] == Approx(elu_plus_one(x.data()[i])).epsilon(1e-6));
}

TEST_CASE("linear_transformer: matches the O(L²) definition, both directions, with key padding",
          "[linear_transformer]") {
    for (bool causal : {false, true})
        for (bool padded : {false, true}) {
            INFO((causal ? "causal" : "bidirectional") << (padded ? ", padded" : ""));
            Rng rng(3);
            LinearTransformerAttention layer(tiny_linear(causal), rng);
            const Tensor x = linear_input(2, 5, 4);
            const Tensor keep = padded ? linear_padding() : Tensor();
            const Tensor expected =
                reference_linear_attention(layer, x, 2, causal, elu_plus_one, keep);
            const double error = max_relative_difference(layer.forward(x, keep), expected);
            INFO("relative error " << error);
            CHECK(error < kReferenceTolerance);
            // The comparison can fail: without the mask (or the other direction) rows differ.
            const Tensor other =
                reference_linear_attention(layer, x, 2, !causal, elu_plus_one, keep);
            CHECK(max_relative_difference(other, expected) > 1e-3);
        }
}

TEST_CASE("linear_transformer: causal outputs never depend on later tokens",
          "[linear_transformer]") {
    Rng rng(5);
    LinearTransformerAttention layer(tiny_linear(true), rng);
    const Tensor x = linear_input(2, 5, 3);
    const Tensor y = layer.forward(x);
    for (int64_t t = 0; t + 1 < 5; ++t) {
        INFO("t = " << t);
        Tensor perturbed = x.clone();
        for (int64_t b = 0; b < 2; ++b)
            for (int64_t j = t + 1; j < 5; ++j)
                for (int64_t c = 0; c < 8; ++c) perturbed.data()[(b * 5 + j) * 8 + c] += 0.5;
        const Tensor y2 = layer.forward(perturbed);
        CHECK(same_bits(slice(y, 1, 0, t + 1), slice(y2, 1, 0, t + 1)));
        CHECK_FALSE(same_bits(slice(y, 1, t + 1, 5), slice(y2, 1, t + 1, 5)));
    }
}

// Seeds: the first pair (from 7, 11) whose query and key projections keep clear of 0, where elu's
// second derivative jumps (projection_kink_margin).
TEST_CASE("linear_transformer: layer gradients w.r.t. x and every parameter",
          "[linear_transformer][grad]") {
    const double eps = GradcheckOptions().eps;
    for (bool causal : {false, true}) {
        INFO((causal ? "causal" : "bidirectional, padded"));
        std::unique_ptr<LinearTransformerAttention> layer;
        Tensor x;
        for (uint64_t seed = 0; seed < 1000; ++seed) {
            Rng rng(7 + seed);
            layer = std::make_unique<LinearTransformerAttention>(tiny_linear(causal), rng);
            x = linear_input(2, 5, 11 + seed);
            if (projection_kink_margin(*layer, x, eps) > 1.5) break;
        }
        REQUIRE(projection_kink_margin(*layer, x, eps) > 1.5);
        const Tensor keep = causal ? Tensor() : linear_padding();
        x.set_requires_grad(true);
        std::vector<Tensor> inputs = {x};
        for (const Parameter& p : layer->parameters()) inputs.push_back(p.tensor);
        REQUIRE(inputs.size() == 9);
        auto r = gradcheck(
            [&](const std::vector<Tensor>& in) { return layer->forward(in[0], keep); }, inputs);
        INFO(r.report);
        CHECK(r.ok);
        CHECK(r.checked > 100);
    }
}

TEST_CASE("linear_transformer: bad input names what was wrong", "[linear_transformer]") {
    Rng rng(1);
    AttentionConfig uneven = tiny_linear(false);
    uneven.heads = 3;
    CHECK_THROWS_WITH(LinearTransformerAttention(uneven, rng),
                      Catch::Contains("linear_transformer"));
    LinearTransformerAttention layer(tiny_linear(false), rng);
    CHECK_THROWS_WITH(layer.forward(linear_input(2, 4, 1), Tensor::ones({2, 3})),
                      Catch::Contains("linear_transformer") && Catch::Contains("key_padding"));
    CHECK_THROWS_WITH(layer.forward(Tensor::zeros({2, 4, 6})),
                      Catch::Contains("linear_transformer: x [2, 4, 6]"));
}
