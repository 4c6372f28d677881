// test_attn_reformer.cpp — Reformer's LSH attention (models/attn_reformer.h) against a dense
// reference built from its definition: shared-QK logits with the self penalty, restricted to the
// pairs its sorted chunks allow; rounds combined by their log-sum-exps; gradients; randomness;
// sampling without incremental decoding.
#include <catch2/catch.hpp>
#include <numeric>

#include "engine/gradcheck.h"
#include "helpers.h"
#include "models/attn_reformer.h"
#include "models/lm.h"
#include "train/sampling.h"

using namespace attnlab;
using attnlab::testing::same_bits;

namespace {

constexpr double kReformerTolerance = sizeof(real) == sizeof(float) ? 2e-5 : 1e-12;

// d = 8, h = 2 (dh = 4).
AttentionConfig reformer_config(int64_t max_len, int64_t chunk, int64_t rounds, bool causal) {
    AttentionConfig config;
    config.d_model = 8;
    config.heads = 2;
    config.max_len = max_len;
    config.kind = "reformer";
    config.causal = causal;
    config.set("reformer_chunk", chunk).set("reformer_hashes", rounds);
    return config;
}

Tensor parameter(const Module& module, const std::string& name) {
    for (const Parameter& p : module.parameters())
        if (p.name == name) return p.tensor.detach();
    FAIL("no parameter " << name);
    return Tensor();
}

// The buckets of one eval-mode round r, drawn as the layer draws them (attn_reformer.h).
std::vector<int32_t> eval_buckets(const AttentionConfig& config, const Tensor& keys,
                                  int64_t round) {
    const int64_t L = keys.size(2), chunk = config.integer("reformer_chunk");
    const int64_t chunks = (L + chunk - 1) / chunk;
    const int64_t buckets = std::max<int64_t>(2, chunks + chunks % 2);
    Rng rng(mix(mix(config.dropout_seed, 2), ~0ull));
    Tensor rotations;
    for (int64_t r = 0; r <= round; ++r)
        rotations = Tensor::randn({config.heads, keys.size(3), buckets / 2}, rng);
    return lsh_buckets(keys, rotations);
}

// Dense reference of one eval round: S = q kᵀ/√dh, −10⁵ on the diagonal, −10⁹ where the pair is
// not in the same or the previous sorted chunk, is causal-removed or a padded key; then
// softmax · v and W_o. With `all_pairs`, every pair is allowed (one chunk holds everything).
Tensor reference(const ReformerAttention& layer, const Tensor& x, const Tensor& padding,
                 bool all_pairs) {
    const AttentionConfig& config = layer.config();
    const int64_t B = x.size(0), L = x.size(1), h = config.heads, dh = config.d_model / h;
    const int64_t chunk = config.integer("reformer_chunk");
    auto project = [&](const char* name) {
        return split_heads(add(matmul(x, parameter(layer, cat(name, ".weight"))),
                               parameter(layer, cat(name, ".bias"))),
                           h);
    };
    const Tensor q = project("w_qk"), v = project("w_v");
    const Tensor k = div(q, sqrt(add_scalar(sum(square(q), -1, true), 1e-12)));
    const std::vector<int32_t> buckets = eval_buckets(config, k, 0);
    Tensor bias = Tensor::zeros({B, h, L, L});
    for (int64_t bh = 0; bh < B * h; ++bh) {
        std::vector<int64_t> order(static_cast<size_t>(L)), chunk_of(static_cast<size_t>(L));
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
            return buckets[size_t(bh * L + a)] < buckets[size_t(bh * L + b)];
        });
        for (int64_t s = 0; s < L; ++s) chunk_of[size_t(order[size_t(s)])] = s / chunk;
        const int64_t chunks = (L + chunk - 1) / chunk;
        for (int64_t i = 0; i < L; ++i)
            for (int64_t j = 0; j < L; ++j) {
                const int64_t ci = chunk_of[size_t(i)], cj = chunk_of[size_t(j)];
                const bool near = all_pairs || cj == ci || cj == (ci + chunks - 1) % chunks;
                real value = 0;
                if (!near || (config.causal && j > i) || padding.data()[(bh / h) * L + j] == 0)
                    value = -1e9;
                else if (i == j)
                    value = -1e5;
                bias.data()[(bh * L + i) * L + j] = value;
            }
    }
    const Tensor weights =
        softmax(matmul(q, k, false, true), bias, real(1 / std::sqrt(double(dh))));
    return add(matmul(merge_heads(matmul(weights, v)), parameter(layer, "w_o.weight")),
               parameter(layer, "w_o.bias"));
}

// Row 1 pads its last key.
Tensor reformer_padding(int64_t L) {
    Tensor mask = Tensor::ones({2, L});
    mask.data()[2 * L - 1] = 0;
    return mask;
}

}  // namespace

TEST_CASE("reformer: one chunk is dense shared-QK attention with the self penalty", "[reformer]") {
    for (bool causal : {false, true})
        for (int64_t rounds : {1, 3}) {
            INFO((causal ? "causal" : "bidirectional") << ", " << rounds << " rounds");
            Rng rng(3), data(4);
            ReformerAttention layer(reformer_config(6, 8, rounds, causal), rng);
            layer.set_training(false);
            const Tensor x = Tensor::randn({2, 6, 8}, data), mask = reformer_padding(6);
            // Every round sees every pair, so the rounds agree and their mix is that output.
            CHECK(max_relative_difference(layer.forward(x, mask), reference(layer, x, mask, true)) <
                  kReformerTolerance);
        }
}

TEST_CASE("reformer: each query sees its sorted chunk and the one before", "[reformer]") {
    for (int64_t L : {12, 10})  // 3 whole chunks of 4; a ragged last chunk
        for (bool causal : {false, true}) {
            INFO("L = " << L << (causal ? ", causal" : ", bidirectional"));
            Rng rng(5), data(6);
            ReformerAttention layer(reformer_config(12, 4, 1, causal), rng);
            layer.set_training(false);
            const Tensor x = Tensor::randn({2, L, 8}, data), mask = reformer_padding(L);
            const Tensor expected = reference(layer, x, mask, false);
            CHECK(max_relative_difference(layer.forward(x, mask), expected) < kReformerTolerance);
            // The restriction matters: attending to every pair gives another answer.
            CHECK(max_relative_difference(reference(layer, x, mask, true), expected) > 1e-3);
        }
}

TEST_CASE("reformer: within one chunk, causal outputs ignore later inputs", "[reformer]") {
    Rng rng(14), data(15);
    ReformerAttention layer(reformer_config(8, 8, 2, true), rng);
    layer.set_training(false);
    const Tensor x = Tensor::randn({1, 8, 8}, data);
    Tensor changed = x.clone();
    for (int64_t c = 0; c < 8; ++c) changed.data()[5 * 8 + c] += 1;  // position 5
    const Tensor before = layer.forward(x), after = layer.forward(changed);
    CHECK(same_bits(slice(before, 1, 0, 5), slice(after, 1, 0, 5)));
    CHECK_FALSE(same_bits(slice(before, 1, 5, 6), slice(after, 1, 5, 6)));
}

TEST_CASE("reformer: gradients match finite differences", "[reformer][grad]") {
    Rng rng(7), data(8);
    ReformerAttention layer(reformer_config(10, 4, 2, true), rng);
    layer.set_training(false);  // one fixed draw, so every evaluation hashes alike
    Tensor x = Tensor::randn({2, 10, 8}, data);
    x.set_requires_grad(true);
    const Tensor mask = reformer_padding(10);
    std::vector<Tensor> inputs = {x};
    for (const Parameter& p : layer.parameters()) inputs.push_back(p.tensor);
    const auto r = gradcheck(
        [&](const std::vector<Tensor>& in) { return layer.forward(in[0], mask); }, inputs);
    INFO(r.report);
    CHECK(r.ok);
    CHECK(r.checked > 100);
}

TEST_CASE("reformer: training draws new rotations per call, evaluation one", "[reformer]") {
    Rng rng(9), data(10);
    ReformerAttention layer(reformer_config(64, 4, 1, false), rng);
    const Tensor x = Tensor::randn({1, 64, 8}, data);
    layer.set_training(false);
    CHECK(same_bits(layer.forward(x), layer.forward(x)));
    layer.set_training(true);
    CHECK_FALSE(same_bits(layer.forward(x), layer.forward(x)));
}

TEST_CASE("reformer: no incremental decoding; sampling recomputes the prefix", "[reformer]") {
    Rng rng(11);
    ReformerAttention layer(reformer_config(8, 4, 1, true), rng);
    CHECK_THROWS_WITH(layer.start_decoding(1),
                      Catch::Contains("reformer: no incremental decoding for this kind"));
    LmConfig config;
    config.stack.vocab = 11;
    config.stack.d_model = 8;
    config.stack.heads = 2;
    config.stack.layers = 1;
    config.stack.d_ff = 16;
    config.stack.max_len = 12;
    config.stack.attention = reformer_config(12, 4, 1, true);
    LanguageModel model(config, rng);
    SamplingOptions incremental, whole;
    incremental.length = whole.length = 6;
    whole.decoding = Decoding::WholePrefix;
    Rng draws_a(12), draws_b(12);
    CHECK(sample_lm(model, {1, 2, 3}, incremental, draws_a) ==
          sample_lm(model, {1, 2, 3}, whole, draws_b));
}

TEST_CASE("reformer: bad input names what was wrong", "[reformer]") {
    Rng rng(13);
    AttentionConfig uneven = reformer_config(8, 4, 1, false);
    uneven.heads = 3;
    CHECK_THROWS_WITH(ReformerAttention(uneven, rng), Catch::Contains("reformer"));
    ReformerAttention layer(reformer_config(8, 4, 1, false), rng);
    CHECK_THROWS_WITH(layer.forward(Tensor::zeros({1, 9, 8})),
                      Catch::Contains("reformer: sequence length 9 exceeds max_len 8"));
    CHECK_THROWS_WITH(layer.forward(Tensor::zeros({1, 4, 6})), Catch::Contains("reformer: x"));
}
