// The shared attention frame and every Synthesizer kind: whole-layer gradient checks, causality,
// normalised attention weights, frozen vs trainable Random, input independence of Random, shorter
// and too long inputs, the kind-name error and the documented parameter counts.
#include <catch2/catch.hpp>
#include <cmath>

#include "engine/gradcheck.h"
#include "engine/optim.h"
#include "helpers.h"
#include "models/attention.h"

using namespace attnlab;
using namespace attnlab::testing;

namespace {

const std::vector<std::string> kAllKinds = {"vanilla",        "dense",         "factorized_dense",
                                            "random",         "fixed_random",  "factorized_random",
                                            "random+vanilla", "dense+vanilla", "random+dense",
                                            "local",          "longformer",    "bigbird"};

// B = 2, L = 4, d = 8, h = 2, max_len = 6 (factorized a = 2, b = 3), k = 2, local blocks of 2, no
// dropout.
AttentionConfig tiny(const std::string& kind, bool causal) {
    AttentionConfig config;
    config.d_model = 8;
    config.heads = 2;
    config.max_len = 6;
    config.kind = kind;
    config.causal = causal;
    config.set("factorized_k", 2).set("local_block", 2);
    config.set("longformer_window", 2).set("longformer_global", 1);  // |i − j| ≤ 1, or i, j = 0
    config.set("bigbird_block", 1).set("bigbird_random", 1);
    config.set("sparse_block", 3).set("sparse_summary", 1);  // blocks {0, 1, 2}, {3}
    return config;
}

Tensor input(int64_t B, int64_t L, uint64_t seed) {
    Rng rng(seed);
    return Tensor::randn({B, L, 8}, rng);
}

// Key padding [B, L]: 1 everywhere except keys >= first_pad of the last batch row. Built by
// writes, not from a braced list: GCC 12 -O2 miscompiled Tensor::from_vector({2, 4}, {1, ..., 0})
// in this file's f64 build (every value read back as 1).
Tensor padding_mask(int64_t B, int64_t L, int64_t first_pad) {
    Tensor mask = Tensor::ones({B, L});
    for (int64_t j = first_pad; j < L; ++j) mask.data()[(B - 1) * L + j] = 0;
    return mask;
}

}  // namespace

TEST_CASE("attention: whole-layer gradients w.r.t. x and every parameter, for every kind",
          "[attention][grad]") {
    for (const std::string& kind : kAllKinds)
        for (bool causal : {false, true}) {
            INFO(kind << (causal ? " causal" : " bidirectional"));
            Rng rng(7);
            MultiHeadAttention attention(tiny(kind, causal), rng);
            Tensor x = input(2, 4, 11).set_requires_grad(true);
            std::vector<Tensor> inputs = {x};
            for (const Parameter& p : attention.parameters()) inputs.push_back(p.tensor);
            auto r = gradcheck(
                [&](const std::vector<Tensor>& in) { return attention.forward(in[0]); }, inputs);
            INFO(r.report);
            CHECK(r.ok);
            for (const Parameter& p : attention.parameters()) {
                INFO(p.name);
                CHECK((p.tensor.grad_data() != nullptr) == p.trainable);
            }
        }
}

TEST_CASE("attention: gradients with a key-padding mask", "[attention][grad]") {
    for (const std::string kind :
         {"vanilla", "random", "dense+vanilla", "local", "longformer", "bigbird"}) {
        INFO(kind);
        Rng rng(3);
        MultiHeadAttention attention(tiny(kind, false), rng);
        Tensor x = input(2, 4, 5).set_requires_grad(true);
        const Tensor padding = padding_mask(2, 4, 2);
        std::vector<Tensor> inputs = {x};
        for (const Parameter& p : attention.parameters()) inputs.push_back(p.tensor);
        auto r = gradcheck(
            [&](const std::vector<Tensor>& in) { return attention.forward(in[0], padding); },
            inputs);
        INFO(r.report);
        CHECK(r.ok);
    }
}

TEST_CASE("attention: causal outputs at positions <= t ignore tokens after t", "[attention]") {
    for (const std::string& kind : kAllKinds) {
        INFO(kind);
        Rng rng(9);
        MultiHeadAttention attention(tiny(kind, true), rng);
        const Tensor x = input(2, 5, 1);
        const std::vector<real> reference = attention.forward(x).to_vector();
        for (int64_t t = 0; t + 1 < 5; ++t) {
            Tensor perturbed = x.clone();
            for (int64_t b = 0; b < 2; ++b)
                for (int64_t i = t + 1; i < 5; ++i)
                    for (int64_t c = 0; c < 8; ++c) perturbed.data()[(b * 5 + i) * 8 + c] += 3;
            const std::vector<real> y = attention.forward(perturbed).to_vector();
            bool prefix_same = true, suffix_changed = false;
            for (int64_t b = 0; b < 2; ++b)
                for (int64_t i = 0; i < 5; ++i)
                    for (int64_t c = 0; c < 8; ++c) {
                        const size_t at = size_t((b * 5 + i) * 8 + c);
                        if (i <= t)
                            prefix_same &= y[at] == reference[at];
                        else
                            suffix_changed |= y[at] != reference[at];
                    }
            INFO("t = " << t);
            CHECK(prefix_same);
            CHECK(suffix_changed);  // the test can fail: the perturbation does reach the output
        }
    }
}

TEST_CASE("attention: weight rows sum to 1, masked keys get exactly 0", "[attention]") {
    for (const std::string& kind : kAllKinds)
        for (bool causal : {false, true}) {
            INFO(kind << (causal ? " causal" : " bidirectional"));
            Rng rng(4);
            MultiHeadAttention attention(tiny(kind, causal), rng);
            const Tensor padding = padding_mask(2, 4, 3);
            const Tensor y = attention.forward(input(2, 4, 2), padding);
            CHECK(y.shape() == Shape({2, 4, 8}));
            const Tensor weights = attention.weights(input(2, 4, 2), padding);
            REQUIRE(weights.shape() == Shape({2, 2, 4, 4}));
            const Tensor rows = sum(weights, -1);
            for (real s : rows.to_vector()) CHECK(s == Approx(1).epsilon(1e-5));
            for (int64_t b = 0; b < 2; ++b)
                for (int64_t head = 0; head < 2; ++head)
                    for (int64_t i = 0; i < 4; ++i)
                        for (int64_t j = 0; j < 4; ++j) {
                            const real w = weights.data()[((b * 2 + head) * 4 + i) * 4 + j];
                            const bool outside_block =
                                (kind == "local" && i / 2 != j / 2) ||
                                (kind == "longformer" && std::abs(i - j) > 1 && i > 0 && j > 0) ||
                                (kind == "sparse_transformer" && i == 3 && j == 1);
                            const bool masked =
                                (causal && j > i) || (b == 1 && j == 3) || outside_block;
                            if (masked)
                                CHECK(w == 0);
                            else
                                CHECK(w > 0);
                        }
        }
}

TEST_CASE("attention: fixed_random is frozen under AdamW, random trains", "[attention][optim]") {
    for (const std::string kind : {"fixed_random", "random"}) {
        INFO(kind);
        const bool trainable = kind == "random";
        Rng rng(5);
        MultiHeadAttention attention(tiny(kind, false), rng);
        const std::vector<Parameter> params = attention.parameters();
        REQUIRE(params.back().name == kind + ".r");
        const Tensor r = params.back().tensor;
        CHECK(params.back().trainable == trainable);
        CHECK(r.requires_grad() == trainable);
        const Tensor before = r.clone();
        AdamW optimizer(params);
        for (int step = 0; step < 3; ++step) {
            optimizer.zero_grad();
            sum(square(attention.forward(input(2, 4, uint64_t(20 + step))))).backward();
            if (trainable) {
                REQUIRE(r.grad_data() != nullptr);
                CHECK(max(square(r.grad())).item() > 0);
            } else {
                CHECK(r.grad_data() == nullptr);
            }
            optimizer.step(1e-2);
        }
        CHECK(same_bits(r, before) == !trainable);
    }
}

TEST_CASE("attention: Random weights do not depend on the input", "[attention]") {
    for (const std::string kind : {"random", "fixed_random", "factorized_random"}) {
        INFO(kind);
        Rng rng(6);
        MultiHeadAttention attention(tiny(kind, false), rng);
        const Tensor first = attention.weights(input(2, 4, 1));
        CHECK(same_bits(first, attention.weights(input(2, 4, 2))));
        // Both batch rows see the same pattern.
        const std::vector<real> w = first.to_vector();
        CHECK(std::equal(w.begin(), w.begin() + 32, w.begin() + 32));
    }
    Rng rng(6);
    MultiHeadAttention vanilla(tiny("vanilla", false), rng);
    const Tensor first = vanilla.weights(input(2, 4, 1));
    CHECK_FALSE(same_bits(first, vanilla.weights(input(2, 4, 2))));
}

TEST_CASE("attention: inputs shorter than max_len use the top-left block; longer ones fail",
          "[attention]") {
    for (const std::string& kind : kAllKinds) {
        INFO(kind);
        Rng rng(8);
        MultiHeadAttention attention(tiny(kind, false), rng);
        for (int64_t L : {1, 3, 6}) {
            const Tensor y = attention.forward(input(2, L, 3));
            CHECK(y.shape() == Shape({2, L, 8}));
            CHECK(attention.weights(input(2, L, 3)).shape() == Shape({2, 2, L, L}));
        }
        CHECK_THROWS_WITH(attention.forward(input(2, 7, 3)),
                          Catch::Contains("attention: sequence length 7 exceeds max_len 6"));
    }
    // Random: the L = 3 pattern is softmax of the top-left 3 × 3 block of R.
    Rng rng(8);
    MultiHeadAttention attention(tiny("random", false), rng);
    attention.forward(input(1, 3, 3));
    const Tensor r = attention.parameters().back().tensor;  // [h, 6, 6]
    const Tensor expected = softmax(slice(slice(r, 1, 0, 3), 2, 0, 3));
    CHECK(max_relative_difference(reshape(attention.weights(input(1, 3, 3)), {2, 3, 3}), expected) <
          1e-6);
}

TEST_CASE("attention: kind names, mixtures and config errors", "[attention]") {
    Rng rng(1);
    const std::string valid =
        "valid kinds: vanilla, dense, factorized_dense, random, fixed_random, factorized_random";
    CHECK_THROWS_WITH(MultiHeadAttention(tiny("performer", false), rng),
                      Catch::Contains("unknown kind \"performer\"") && Catch::Contains(valid));
    CHECK_THROWS_WITH(MultiHeadAttention(tiny("random+linformer", false), rng),
                      Catch::Contains("unknown kind \"linformer\" in \"random+linformer\""));
    CHECK_THROWS_WITH(MultiHeadAttention(tiny("random+random", false), rng),
                      Catch::Contains("kind \"random\" appears twice"));
    AttentionConfig odd = tiny("vanilla", false);
    odd.heads = 3;
    CHECK_THROWS_WITH(MultiHeadAttention(odd, rng),
                      Catch::Contains("d_model 8 must be a positive multiple of heads 3"));
    AttentionConfig bad_split = tiny("factorized_dense", false);
    bad_split.set("factorized_a", 4);
    bad_split.set("factorized_b", 2);
    CHECK_THROWS_WITH(MultiHeadAttention(bad_split, rng),
                      Catch::Contains("factorized_a · factorized_b = max_len"));
    MultiHeadAttention attention(tiny("vanilla", false), rng);
    CHECK_THROWS_WITH(attention.forward(Tensor::zeros({2, 4, 6})),
                      Catch::Contains("attention: x [2, 4, 6] (expected [B, L, d] with d = 8)"));
    CHECK_THROWS_WITH(attention.forward(input(2, 4, 1), Tensor::ones({2, 3})),
                      Catch::Contains("key_padding [2, 3] (expected [B, L] = [2, 4])"));
}

TEST_CASE("attention: a mixture starts with equal weights on its components", "[attention]") {
    // With α = 0, "random+vanilla" logits are (R + q kᵀ/√dh) / 2: compare against the components.
    Rng rng(2);
    MultiHeadAttention attention(tiny("random+vanilla", false), rng);
    const Tensor x = input(2, 4, 9);
    const Tensor mixed = attention.source().logits(x);
    CHECK(mixed.shape() == Shape({2, 2, 4, 4}));
    // Recompute from the parameters: the components are registered under their names.
    Tensor r, wq, bq, wk, bk;
    for (const Parameter& p : attention.parameters()) {
        if (p.name == "mixture.random.r") r = p.tensor;
        if (p.name == "mixture.vanilla.w_q.weight") wq = p.tensor;
        if (p.name == "mixture.vanilla.w_q.bias") bq = p.tensor;
        if (p.name == "mixture.vanilla.w_k.weight") wk = p.tensor;
        if (p.name == "mixture.vanilla.w_k.bias") bk = p.tensor;
    }
    REQUIRE((r.defined() && wq.defined() && bq.defined() && wk.defined() && bk.defined()));
    const Tensor q = split_heads(add(matmul(x, wq), bq), 2),
                 k = split_heads(add(matmul(x, wk), bk), 2);
    const Tensor dot = scale(matmul(q, k, false, true), real(1 / std::sqrt(4.0)));
    const Tensor random = reshape(slice(slice(r, 1, 0, 4), 2, 0, 4), {1, 2, 4, 4});
    const Tensor expected = scale(add(dot, random), 0.5);
    CHECK(max_relative_difference(mixed, expected) < 1e-5);
}

TEST_CASE("attention: parameter counts match the documented formulas", "[attention]") {
    const int64_t d = 8, h = 2, n = d / h, max_len = 6, a = 2, b = 3, k = 2;
    const int64_t frame = 2 * (d * d + d);
    const int64_t vanilla = 2 * (d * d + d);
    const int64_t dense = d * h * n + h * n + h * n * max_len + h * max_len;
    const int64_t factorized_dense = d * h * n + h * n + h * n * (a + b) + h * (a + b);
    const int64_t random = h * max_len * max_len;
    const int64_t factorized_random = 2 * h * max_len * k;
    struct Expected {
        std::string kind;
        int64_t total, trainable;
    };
    const std::vector<Expected> cases = {
        {"vanilla", frame + vanilla, frame + vanilla},
        {"dense", frame + dense, frame + dense},
        {"factorized_dense", frame + factorized_dense, frame + factorized_dense},
        {"random", frame + random, frame + random},
        {"fixed_random", frame + random, frame},
        {"factorized_random", frame + factorized_random, frame + factorized_random},
        {"random+vanilla", frame + 2 + random + vanilla, frame + 2 + random + vanilla},
        {"fixed_random+dense+vanilla", frame + 3 + random + dense + vanilla,
         frame + 3 + dense + vanilla},
    };
    for (const Expected& e : cases) {
        INFO(e.kind);
        Rng rng(1);
        MultiHeadAttention attention(tiny(e.kind, false), rng);
        CHECK(attention.count_parameters() == e.total);
        CHECK(attention.count_parameters(true) == e.trainable);
    }
}

TEST_CASE("attention: mixture_weights=ones sums the logits with weight 1 and holds no α",
          "[attention]") {
    // LRA's Synthesizer: S = q kᵀ/√dh + R, the plain sum of "random+vanilla"'s components.
    Rng rng(2);
    AttentionConfig config = tiny("random+vanilla", false);
    config.set("mixture_weights", "ones");
    MultiHeadAttention attention(config, rng);
    const Tensor x = input(2, 4, 9);
    const Tensor mixed = attention.source().logits(x);
    Tensor r, wq, bq, wk, bk;
    for (const Parameter& p : attention.parameters()) {
        CHECK(p.name != "mixture.alpha");
        if (p.name == "mixture.random.r") r = p.tensor;
        if (p.name == "mixture.vanilla.w_q.weight") wq = p.tensor;
        if (p.name == "mixture.vanilla.w_q.bias") bq = p.tensor;
        if (p.name == "mixture.vanilla.w_k.weight") wk = p.tensor;
        if (p.name == "mixture.vanilla.w_k.bias") bk = p.tensor;
    }
    REQUIRE((r.defined() && wq.defined() && bq.defined() && wk.defined() && bk.defined()));
    const Tensor q = split_heads(add(matmul(x, wq), bq), 2),
                 k = split_heads(add(matmul(x, wk), bk), 2);
    const Tensor dot = scale(matmul(q, k, false, true), real(1 / std::sqrt(4.0)));
    const Tensor random = reshape(slice(slice(r, 1, 0, 4), 2, 0, 4), {1, 2, 4, 4});
    CHECK(max_relative_difference(mixed, add(dot, random)) < 1e-5);

    const int64_t d = 8, h = 2, max_len = 6;
    CHECK(attention.count_parameters() == 4 * (d * d + d) + h * max_len * max_len);

    // The fused frame reads the same weights as the unfused reference.
    for (bool causal : {false, true}) {
        AttentionConfig unfused = config;
        unfused.causal = causal;
        unfused.set("fused", false);
        AttentionConfig fused = unfused;
        fused.set("fused", true);
        Rng a(5), b(5);
        MultiHeadAttention reference(unfused, a), tiled(fused, b);
        CHECK(max_relative_difference(tiled.forward(x), reference.forward(x)) < 1e-5);
    }

    config.set("mixture_weights", "fixed");
    CHECK_THROWS_WITH(MultiHeadAttention(config, rng),
                      Catch::Contains("unknown mixture_weights \"fixed\"; valid: learned, ones"));
}

TEST_CASE("attention: gradients of the plain-sum mixture", "[attention][grad]") {
    for (bool fused : {false, true})
        for (bool causal : {false, true}) {
            INFO((fused ? "fused" : "unfused") << (causal ? " causal" : " bidirectional"));
            AttentionConfig config = tiny("random+vanilla", causal);
            config.set("mixture_weights", "ones").set("fused", fused);
            Rng rng(7);
            MultiHeadAttention attention(config, rng);
            Tensor x = input(2, 4, 11).set_requires_grad(true);
            std::vector<Tensor> inputs = {x};
            for (const Parameter& p : attention.parameters()) inputs.push_back(p.tensor);
            auto r = gradcheck(
                [&](const std::vector<Tensor>& in) { return attention.forward(in[0]); }, inputs);
            INFO(r.report);
            CHECK(r.ok);
        }
}
