// The lightweight and dynamic convolution layers: whole-layer gradient checks, causality and the
// receptive field, key padding, shift equivariance, DropConnect seeding, parameter names and
// counts against the header formulas, the factory, and the configuration errors.
#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>

#include "engine/gradcheck.h"
#include "engine/rng.h"
#include "models/attn_dynamic_conv.h"
#include "models/attn_lightweight_conv.h"
#include "models/zoo.h"

using namespace attnlab;

namespace {

constexpr int64_t kD = 8;

// d = 8, h = 2, K = 3 by default.
AttentionConfig tiny_conv(const std::string& kind, bool causal, int64_t K = 3) {
    AttentionConfig config;
    config.d_model = kD;
    config.heads = 2;
    config.kind = kind;
    config.causal = causal;
    config.set("conv_kernel", K);
    return config;
}

std::unique_ptr<ConvolutionMixer> make(const std::string& kind, bool causal, uint64_t seed,
                                       int64_t K = 3) {
    Rng rng(seed);
    if (kind == "lightweight_conv")
        return std::make_unique<LightweightConv>(tiny_conv(kind, causal, K), rng);
    return std::make_unique<DynamicConv>(tiny_conv(kind, causal, K), rng);
}

Tensor conv_input(int64_t B, int64_t L, uint64_t seed) {
    Rng rng(seed);
    return Tensor::randn({B, L, kD}, rng);
}

// Row t of batch element b of y [B, L, d].
std::vector<real> row(const Tensor& y, int64_t b, int64_t t) {
    const real* start = y.data() + (b * y.size(1) + t) * y.size(2);
    return std::vector<real>(start, start + y.size(2));
}

void check_rows_close(const std::vector<real>& a, const std::vector<real>& b) {
    REQUIRE(a.size() == b.size());
    for (size_t c = 0; c < a.size(); ++c) CHECK(a[c] == Approx(b[c]).epsilon(1e-5).margin(1e-6));
}

const std::vector<std::string> kConvKinds = {"lightweight_conv", "dynamic_conv"};

}  // namespace

TEST_CASE("conv layers: whole-layer gradients w.r.t. x and every parameter", "[conv][grad]") {
    for (const std::string& kind : kConvKinds)
        for (bool causal : {false, true}) {
            INFO(kind << (causal ? ", causal" : ", bidirectional"));
            auto layer = make(kind, causal, 7);
            Tensor x = conv_input(2, 5, 11).set_requires_grad(true);
            std::vector<Tensor> inputs = {x};
            for (const Parameter& p : layer->parameters()) inputs.push_back(p.tensor);
            REQUIRE(inputs.size() == 6);
            auto r = gradcheck([&](const std::vector<Tensor>& in) { return layer->forward(in[0]); },
                               inputs);
            INFO(r.report);
            CHECK(r.ok);
        }
}

TEST_CASE("conv layers: causal outputs never depend on later tokens; the window is K wide",
          "[conv]") {
    const int64_t L = 7, K = 3;
    for (const std::string& kind : kConvKinds)
        for (bool causal : {true, false}) {
            INFO(kind << (causal ? ", causal" : ", bidirectional"));
            auto layer = make(kind, causal, 5, K);
            const Tensor x = conv_input(2, L, 3);
            const Tensor y = layer->forward(x);
            // Output t reads tokens t − offset … t − offset + K − 1: for causal layers (offset
            // K − 1) that is t − K + 1 … t, never a later token.
            const int64_t offset = causal ? K - 1 : (K - 1) / 2;
            for (int64_t s = 0; s < L; ++s) {
                INFO("perturbed token " << s);
                Tensor perturbed = x.clone();
                for (int64_t c = 0; c < kD; ++c) perturbed.data()[(1 * L + s) * kD + c] += 0.5;
                const Tensor y2 = layer->forward(perturbed);
                for (int64_t t = 0; t < L; ++t) {
                    INFO("output " << t);
                    const bool reads = s >= t - offset && s <= t - offset + K - 1;
                    CHECK(row(y, 0, t) == row(y2, 0, t));  // the other batch element
                    if (reads)
                        CHECK(row(y, 1, t) != row(y2, 1, t));
                    else
                        CHECK(row(y, 1, t) == row(y2, 1, t));
                }
            }
        }
}

TEST_CASE("conv layers: padded positions never influence real ones", "[conv]") {
    const int64_t L = 6, real_length = 4;
    for (const std::string& kind : kConvKinds)
        for (bool causal : {false, true}) {
            INFO(kind << (causal ? ", causal" : ", bidirectional"));
            auto layer = make(kind, causal, 9);
            Tensor padding = Tensor::ones({2, L});
            for (int64_t t = real_length; t < L; ++t) padding.data()[1 * L + t] = 0;
            const Tensor x = conv_input(2, L, 4);
            Tensor garbage = x.clone();
            for (int64_t t = real_length; t < L; ++t)
                for (int64_t c = 0; c < kD; ++c) garbage.data()[(1 * L + t) * kD + c] = 100 + c;
            const Tensor y = layer->forward(x, padding);
            const Tensor y_garbage = layer->forward(garbage, padding);
            // The unpadded sequence alone: its borders are the same zero padding.
            Tensor alone = Tensor::empty({1, real_length, kD});
            std::copy(x.data() + L * kD, x.data() + (L + real_length) * kD, alone.data());
            const Tensor y_alone = layer->forward(alone);
            for (int64_t t = 0; t < real_length; ++t) {
                INFO("t = " << t);
                CHECK(row(y, 1, t) == row(y_garbage, 1, t));
                check_rows_close(row(y, 1, t), row(y_alone, 0, t));
            }
            for (int64_t t = 0; t < L; ++t) CHECK(row(y, 0, t) == row(y_garbage, 0, t));
            CHECK_THROWS_WITH(layer->forward(x, Tensor::ones({2, L - 1})),
                              Catch::Contains("key_padding [2, 5] (expected [B, L] = [2, 6])"));
            CHECK_THROWS_WITH(layer->forward(x, Tensor::full({2, L}, 0.5)),
                              Catch::Contains("key_padding holds 0.5"));
        }
}

TEST_CASE("conv layers: a shifted input gives the shifted output away from the borders", "[conv]") {
    // LightConv's kernel is one parameter for every position and DynamicConv's depends only on
    // the token it is predicted from, so both layers commute with shifts of the sequence.
    const int64_t L = 8, K = 3;
    for (const std::string& kind : kConvKinds)
        for (bool causal : {false, true}) {
            INFO(kind << (causal ? ", causal" : ", bidirectional"));
            auto layer = make(kind, causal, 2, K);
            const Tensor x = conv_input(1, L, 6);
            Tensor shifted = conv_input(1, L, 8);  // row 0 is new; rows 1… are x's rows 0…
            std::copy(x.data(), x.data() + (L - 1) * kD, shifted.data() + kD);
            const Tensor y = layer->forward(x), y_shifted = layer->forward(shifted);
            const int64_t offset = causal ? K - 1 : (K - 1) / 2;
            for (int64_t t = offset + 1; t <= L - K + offset; ++t) {
                INFO("t = " << t);
                check_rows_close(row(y_shifted, 0, t), row(y, 0, t - 1));
            }
        }
    // The lightweight kernel is a [h, K] parameter: no per-position state at all.
    auto light = make("lightweight_conv", false, 1);
    CHECK(dynamic_cast<LightweightConv&>(*light).raw_kernel().shape() == Shape({2, 3}));
}

TEST_CASE("conv layers: DropConnect on the taps in training only, replayed by its seed", "[conv]") {
    for (const std::string& kind : kConvKinds) {
        INFO(kind);
        AttentionConfig config = tiny_conv(kind, true);
        config.dropout = 0.5;
        config.dropout_seed = 42;
        Rng rng_a(3), rng_b(3);
        auto a = make_token_mixer(config, rng_a), b = make_token_mixer(config, rng_b);
        const Tensor x = conv_input(2, 5, 1);
        const std::vector<real> first = a->forward(x).to_vector();
        CHECK(first == b->forward(x).to_vector());  // same seed, same call: same mask
        CHECK(first != a->forward(x).to_vector());  // the next call draws a new mask
        a->set_training(false);
        const std::vector<real> eval = a->forward(x).to_vector();
        CHECK(eval == a->forward(x).to_vector());
        config.dropout = 0;
        Rng rng_c(3);
        CHECK(eval == make_token_mixer(config, rng_c)->forward(x).to_vector());
    }
}

TEST_CASE("conv layers: parameter names and counts match the header formulas", "[conv]") {
    const int64_t d = 8, h = 2;
    for (int64_t K : {3, 5}) {
        INFO("K = " << K);
        auto light = make("lightweight_conv", true, 1, K);
        auto dynamic = make("dynamic_conv", true, 1, K);
        CHECK(light->count_parameters() == 3 * d * d + 3 * d + h * K);
        CHECK(dynamic->count_parameters() == 3 * d * d + 3 * d + d * h * K);
        std::vector<std::string> light_names, dynamic_names;
        for (const Parameter& p : light->parameters()) light_names.push_back(p.name);
        for (const Parameter& p : dynamic->parameters()) dynamic_names.push_back(p.name);
        // A module lists its own parameters before its children's (module.h).
        CHECK(light_names == std::vector<std::string>{"kernel", "glu_in.weight", "glu_in.bias",
                                                      "w_o.weight", "w_o.bias"});
        CHECK(dynamic_names == std::vector<std::string>{"glu_in.weight", "glu_in.bias",
                                                        "w_o.weight", "w_o.bias", "w_p.weight"});
        CHECK(light->parameters()[0].tensor.shape() == Shape({h, K}));
        CHECK(dynamic->parameters()[4].tensor.shape() == Shape({d, h * K}));
    }
}

TEST_CASE("conv layers: the factory builds them, they don't mix, and bad configs name the fix",
          "[conv][zoo]") {
    Rng rng(1);
    CHECK(dynamic_cast<LightweightConv*>(
        make_token_mixer(tiny_conv("lightweight_conv", false), rng).get()));
    CHECK(
        dynamic_cast<DynamicConv*>(make_token_mixer(tiny_conv("dynamic_conv", false), rng).get()));
    CHECK_THROWS_WITH(make_token_mixer(tiny_conv("dynamic_conv+vanilla", false), rng),
                      Catch::Contains("\"dynamic_conv\" in \"dynamic_conv+vanilla\" cannot be "
                                      "mixed"));
    for (const std::string& kind : kConvKinds) {
        INFO(kind);
        CHECK_THROWS_WITH(make_token_mixer(tiny_conv(kind, false, 4), rng),
                          Catch::Contains(kind + ": conv_kernel K = 4 must be odd for a "
                                                 "bidirectional (causal = false) layer"));
        CHECK_NOTHROW(make_token_mixer(tiny_conv(kind, true, 4), rng));  // causal: any K
        AttentionConfig config = tiny_conv(kind, true);
        config.heads = 3;
        CHECK_THROWS_WITH(make_token_mixer(config, rng),
                          Catch::Contains("d_model 8 must be a positive multiple of heads 3"));
        config = tiny_conv(kind, true, 0);
        CHECK_THROWS_WITH(make_token_mixer(config, rng),
                          Catch::Contains("conv_kernel must be positive, got 0"));
        auto layer = make_token_mixer(tiny_conv(kind, true), rng);
        CHECK_THROWS_WITH(layer->forward(Tensor::zeros({2, 5, 6})),
                          Catch::Contains(kind + ": x [2, 5, 6] (expected [B, L, d]"));
    }
}
