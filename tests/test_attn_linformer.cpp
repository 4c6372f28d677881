// The Linformer layer: whole-layer gradient checks, equality with exact softmax attention when
// E = I (k = L), key-padding invariance, shorter and too long inputs, attention dropout, the
// parameter count and the configuration errors.
#include <algorithm>
#include <catch2/catch.hpp>

#include "engine/gradcheck.h"
#include "helpers.h"
#include "models/attention.h"
#include "models/attn_linformer.h"
#include "models/zoo.h"

using namespace attnlab;
using attnlab::testing::same_bits;

namespace {

// d = 8, h = 2, max_len = 6, k = 3, no dropout.
AttentionConfig tiny_linformer() {
    AttentionConfig config;
    config.d_model = 8;
    config.heads = 2;
    config.max_len = 6;
    config.kind = "linformer";
    config.set("linformer_k", 3);
    return config;
}

Tensor linformer_input(int64_t B, int64_t L, uint64_t seed) {
    Rng rng(seed);
    return Tensor::randn({B, L, 8}, rng);
}

Tensor find(const Module& module, const std::string& name) {
    for (const Parameter& p : module.parameters())
        if (p.name == name) return p.tensor;
    FAIL("no parameter " << name);
    return Tensor();
}

void copy_into(const Tensor& source, const Tensor& target) {
    REQUIRE(source.shape() == target.shape());
    std::copy(source.data(), source.data() + source.numel(), target.data());
}

}  // namespace

TEST_CASE("linformer: whole-layer gradients w.r.t. x and every parameter", "[linformer][grad]") {
    for (bool padded : {false, true}) {
        INFO((padded ? "with key padding" : "no padding"));
        Rng rng(7);
        LinformerAttention attention(tiny_linformer(), rng);
        Tensor x = linformer_input(2, 4, 11).set_requires_grad(true);
        Tensor padding = Tensor::ones({2, 4});
        if (padded) padding.data()[1 * 4 + 3] = 0;
        std::vector<Tensor> inputs = {x};
        for (const Parameter& p : attention.parameters()) inputs.push_back(p.tensor);
        REQUIRE(inputs.size() == 10);  // x, 4 × (weight, bias), E
        auto r = gradcheck(
            [&](const std::vector<Tensor>& in) { return attention.forward(in[0], padding); },
            inputs);
        INFO(r.report);
        CHECK(r.ok);
        // L = 4 < max_len = 6: E's unused columns get exactly zero gradient.
        const Tensor e = attention.projection();
        REQUIRE(e.grad_data() != nullptr);
        for (int64_t row = 0; row < 3; ++row)
            for (int64_t column = 4; column < 6; ++column)
                CHECK(e.grad_data()[row * 6 + column] == 0);
    }
}

TEST_CASE("linformer: with k = L and E = I it is exact softmax attention", "[linformer]") {
    // E = I makes K̄ = K and V̄ = V, so with the same W_q, W_k, W_v, W_o the layer is the vanilla
    // one, value for value.
    AttentionConfig config = tiny_linformer();
    config.max_len = 5;
    config.set("linformer_k", 5);
    Rng rng(3);
    LinformerAttention linformer(config, rng);
    AttentionConfig exact_config = config;
    exact_config.kind = "vanilla";
    MultiHeadAttention vanilla(exact_config, rng);
    const std::vector<std::pair<std::string, std::string>> names = {
        {"vanilla.w_q.weight", "w_q.weight"}, {"vanilla.w_q.bias", "w_q.bias"},
        {"vanilla.w_k.weight", "w_k.weight"}, {"vanilla.w_k.bias", "w_k.bias"},
        {"w_v.weight", "w_v.weight"},         {"w_v.bias", "w_v.bias"},
        {"w_o.weight", "w_o.weight"},         {"w_o.bias", "w_o.bias"}};
    for (const auto& [from, to] : names) copy_into(find(vanilla, from), find(linformer, to));
    // Nonzero biases, so the bias path is compared too.
    Rng bias_rng(5);
    for (const std::string name : {"w_q.bias", "w_k.bias", "w_v.bias", "w_o.bias"}) {
        const Tensor noise = Tensor::randn({8}, bias_rng, 0, real(0.5));
        copy_into(noise, find(linformer, name));
        copy_into(noise, find(vanilla,
                              name == "w_q.bias" || name == "w_k.bias" ? "vanilla." + name : name));
    }
    const Tensor e = linformer.projection();
    std::fill(e.data(), e.data() + e.numel(), real(0));
    for (int64_t i = 0; i < 5; ++i) e.data()[i * 5 + i] = 1;

    const Tensor x = linformer_input(2, 5, 9);
    const Tensor expected = vanilla.forward(x);
    CHECK(max_relative_difference(linformer.forward(x), expected) < 1e-5);
    // With a random E the same weights give a different layer (the test can fail).
    Rng e_rng(6);
    copy_into(Tensor::randn({5, 5}, e_rng), e);
    CHECK(max_relative_difference(linformer.forward(x), expected) > 1e-2);
}

TEST_CASE("linformer: padded keys do not influence real positions", "[linformer]") {
    Rng rng(6);
    LinformerAttention attention(tiny_linformer(), rng);
    const int64_t L = 5;
    Tensor padding = Tensor::ones({2, L});
    padding.data()[1 * L + 1] = 0;  // batch 1: a pad in the middle and at the end
    padding.data()[1 * L + 4] = 0;
    const Tensor x = linformer_input(2, L, 8);
    Tensor perturbed = x.clone();
    for (int64_t j : {1, 4})
        for (int64_t c = 0; c < 8; ++c) perturbed.data()[(1 * L + j) * 8 + c] += 1;
    const Tensor y = attention.forward(x, padding), y2 = attention.forward(perturbed, padding);
    CHECK(same_bits(slice(y, 0, 0, 1), slice(y2, 0, 0, 1)));
    for (int64_t j : {0, 2, 3}) {
        INFO("real position " << j);
        CHECK(same_bits(slice(slice(y, 0, 1, 2), 1, j, j + 1),
                        slice(slice(y2, 0, 1, 2), 1, j, j + 1)));
    }
    // Without the mask the same perturbation reaches the real positions.
    CHECK_FALSE(same_bits(slice(slice(attention.forward(x), 0, 1, 2), 1, 0, 1),
                          slice(slice(attention.forward(perturbed), 0, 1, 2), 1, 0, 1)));

    // Right padding: real outputs equal those of the unpadded, shorter sequence.
    Tensor right = Tensor::ones({1, L});
    right.data()[3] = 0;
    right.data()[4] = 0;
    const Tensor full = slice(x, 0, 0, 1);
    const Tensor padded_out = slice(attention.forward(full, right), 1, 0, 3);
    const Tensor short_out = attention.forward(slice(full, 1, 0, 3));
    CHECK(max_relative_difference(padded_out, short_out) < 1e-5);
}

TEST_CASE("linformer: shorter inputs use E's first L columns; longer ones fail", "[linformer]") {
    Rng rng(8);
    LinformerAttention attention(tiny_linformer(), rng);
    for (int64_t L : {1, 3, 6}) {
        INFO("L = " << L);
        const Tensor x = linformer_input(2, L, 3);
        const Tensor y = attention.forward(x);
        CHECK(y.shape() == Shape({2, L, 8}));
        // Columns ≥ L of E are never read: overwriting them changes nothing.
        const Tensor e = attention.projection();
        const Tensor saved = e.clone();
        for (int64_t row = 0; row < 3; ++row)
            for (int64_t column = L; column < 6; ++column) e.data()[row * 6 + column] = 7;
        CHECK(same_bits(y, attention.forward(x)));
        copy_into(saved, e);
    }
    CHECK_THROWS_WITH(attention.forward(linformer_input(2, 7, 3)),
                      Catch::Contains("linformer: sequence length 7 exceeds max_len 6"));
}

TEST_CASE("linformer: attention dropout in training only, replayable from its seed",
          "[linformer]") {
    AttentionConfig config = tiny_linformer();
    config.dropout = 0.5;
    config.dropout_seed = 11;
    const Tensor x = linformer_input(2, 4, 2);
    Rng rng(4), rng_again(4), rng_plain(4);
    LinformerAttention attention(config, rng), again(config, rng_again);
    LinformerAttention plain(tiny_linformer(), rng_plain);  // same weights, no dropout
    const Tensor trained = attention.forward(x);
    CHECK_FALSE(same_bits(trained, plain.forward(x)));
    CHECK(same_bits(trained, again.forward(x)));
    CHECK_FALSE(same_bits(trained, attention.forward(x)));  // a fresh mask per call
    attention.set_training(false);
    CHECK(same_bits(attention.forward(x), plain.forward(x)));
}

TEST_CASE("linformer: parameter count 4(d² + d) + k·max_len, names", "[linformer]") {
    for (int64_t k : {3, 16})
        for (int64_t max_len : {6, 40}) {
            AttentionConfig config = tiny_linformer();
            config.set("linformer_k", k);
            config.max_len = max_len;
            Rng rng(1);
            LinformerAttention attention(config, rng);
            const int64_t d = 8;
            CHECK(attention.count_parameters() == 4 * (d * d + d) + k * max_len);
            CHECK(attention.count_parameters(true) == attention.count_parameters());
            CHECK(find(attention, "linformer.e").shape() == Shape({k, max_len}));
        }
}

TEST_CASE("linformer: configuration errors", "[linformer]") {
    Rng rng(1);
    AttentionConfig causal = tiny_linformer();
    causal.causal = true;
    CHECK_THROWS_WITH(LinformerAttention(causal, rng),
                      Catch::Contains("linformer: bidirectional only"));
    CHECK_THROWS_WITH(make_token_mixer(causal, rng),
                      Catch::Contains("linformer: bidirectional only"));
    AttentionConfig no_k = tiny_linformer();
    no_k.set("linformer_k", 0);
    CHECK_THROWS_WITH(LinformerAttention(no_k, rng),
                      Catch::Contains("linformer_k must be positive, got 0"));
    CHECK_THROWS_WITH(make_token_mixer(tiny_linformer(), rng)
                          ->forward(linformer_input(2, 4, 1), Tensor::ones({2, 3})),
                      Catch::Contains("linformer: key_padding [2, 3] (expected [B, L] = [2, 4])"));
    CHECK(dynamic_cast<LinformerAttention*>(make_token_mixer(tiny_linformer(), rng).get()));
}
