// test_attn_sinkhorn.cpp — Sparse Sinkhorn attention (models/attn_sinkhorn.h): Sinkhorn balancing
// gives a doubly stochastic matrix; with a hard permutation the layer's attention is each block's
// own keys plus those of the block sorted into its place (identity: block-local attention);
// padding; gradients of the whole layer, sort net included; option errors.
#include <catch2/catch.hpp>
#include <cmath>

#include "engine/gradcheck.h"
#include "helpers.h"
#include "models/attn_sinkhorn.h"
#include "models/lm.h"
#include "models/zoo.h"

using namespace attnlab;
using attnlab::testing::same_bits;
using Catch::Contains;

namespace {

constexpr double kSinkhornTolerance = sizeof(real) == sizeof(float) ? 2e-5 : 1e-12;
constexpr int64_t kSinkhornLength = 7, kSinkhornBlock = 3;  // blocks 3, 3 and a ragged 1

// d = 8, h = 2 (dh = 4).
AttentionConfig sinkhorn_config(int64_t iterations = 3, double temperature = 0.8) {
    AttentionConfig config;
    config.d_model = 8;
    config.heads = 2;
    config.max_len = 8;
    config.kind = "sinkhorn";
    config.set("sinkhorn_block", kSinkhornBlock)
        .set("sinkhorn_iterations", iterations)
        .set("sinkhorn_temperature", temperature);
    return config;
}

// Row 1 pads positions 1 and 5 (one key in each full block); row 0 is all real.
Tensor sinkhorn_padding() {
    Tensor mask = Tensor::ones({2, kSinkhornLength});
    mask.data()[kSinkhornLength + 1] = mask.data()[kSinkhornLength + 5] = 0;
    return mask;
}

// log P of the permutation that sorts block `order[i]` into place i, as Sinkhorn balancing
// makes it from logits with a large margin at a low temperature.
Tensor sinkhorn_permutation_log_p(const std::vector<int64_t>& order, int64_t B, int64_t h) {
    const int64_t n = int64_t(order.size());
    Tensor logits = Tensor::zeros({B, h, n, n});
    for (int64_t bh = 0; bh < B * h; ++bh)
        for (int64_t i = 0; i < n; ++i) logits.data()[(bh * n + i) * n + order[size_t(i)]] = 50;
    return sinkhorn_log(logits, 3, 0.01);
}

// Plain reference: query t of block i attends, in one softmax, to the real keys of block i and of
// block order[i] (the same key twice when order[i] = i).
Tensor sinkhorn_block_reference(const Tensor& q, const Tensor& k, const Tensor& v,
                                const Tensor& keep, const std::vector<int64_t>& order) {
    const int64_t B = q.size(0), h = q.size(1), L = q.size(2), dh = q.size(3);
    Tensor out = Tensor::zeros(q.shape());
    for (int64_t bh = 0; bh < B * h; ++bh)
        for (int64_t t = 0; t < L; ++t) {
            const int64_t i = t / kSinkhornBlock;
            std::vector<int64_t> keys;
            for (int64_t source : {i, order[size_t(i)]})
                for (int64_t j = source * kSinkhornBlock;
                     j < std::min(L, (source + 1) * kSinkhornBlock); ++j)
                    if (keep.data()[(bh / h) * L + j] != 0) keys.push_back(j);
            std::vector<double> weights;
            double top = -1e300, total = 0;
            for (int64_t j : keys) {
                double dot = 0;
                for (int64_t c = 0; c < dh; ++c)
                    dot +=
                        double(q.data()[(bh * L + t) * dh + c]) * k.data()[(bh * L + j) * dh + c];
                weights.push_back(dot / std::sqrt(double(dh)));
                top = std::max(top, weights.back());
            }
            for (double& w : weights) total += (w = std::exp(w - top));
            for (size_t m = 0; m < keys.size(); ++m)
                for (int64_t c = 0; c < dh; ++c)
                    out.data()[(bh * L + t) * dh + c] +=
                        real(weights[m] / total * v.data()[(bh * L + keys[m]) * dh + c]);
        }
    return out;
}

Tensor sinkhorn_column_sums(const Tensor& log_p) {
    return sum(exp(log_p), -2);
}
Tensor sinkhorn_row_sums(const Tensor& log_p) {
    return sum(exp(log_p), -1);
}
double sinkhorn_distance_from_one(const Tensor& sums) {
    double worst = 0;
    for (int64_t i = 0; i < sums.numel(); ++i)
        worst = std::max(worst, std::abs(double(sums.data()[i]) - 1));
    return worst;
}

}  // namespace

TEST_CASE("sinkhorn: balancing makes rows and columns sum to 1", "[sinkhorn]") {
    Rng rng(1);
    const Tensor logits = Tensor::randn({2, 3, 5, 5}, rng);
    const double tolerance = sizeof(real) == sizeof(float) ? 1e-5 : 1e-12;
    // The rows converge linearly: enough rounds reach the precision of `real`.
    const Tensor balanced = sinkhorn_log(logits, 300, 0.75);
    CHECK(sinkhorn_distance_from_one(sinkhorn_row_sums(balanced)) < tolerance);
    CHECK(sinkhorn_distance_from_one(sinkhorn_column_sums(balanced)) < tolerance);
    // One round ends on the columns; the rows are not balanced yet.
    const Tensor once = sinkhorn_log(logits, 1, 0.75);
    CHECK(sinkhorn_distance_from_one(sinkhorn_column_sums(once)) < tolerance);
    CHECK(sinkhorn_distance_from_one(sinkhorn_row_sums(once)) > 1e-2);
    // The layer's own sorting, on padded input, is balanced alike.
    Rng layer_rng(2), data(3);
    SinkhornAttention layer(sinkhorn_config(60), layer_rng);
    const Tensor log_p =
        layer.log_sorting(Tensor::randn({2, kSinkhornLength, 8}, data), sinkhorn_padding());
    CHECK(log_p.shape() == Shape({2, 2, 3, 3}));
    CHECK(sinkhorn_distance_from_one(sinkhorn_row_sums(log_p)) < 1e-4);
    CHECK(sinkhorn_distance_from_one(sinkhorn_column_sums(log_p)) < tolerance);
}

TEST_CASE("sinkhorn: identity sorting is block-local attention; a permutation adds its block",
          "[sinkhorn]") {
    Rng rng(4);
    const int64_t B = 2, h = 2, dh = 4;
    const Tensor q = Tensor::randn({B, h, kSinkhornLength, dh}, rng),
                 k = Tensor::randn({B, h, kSinkhornLength, dh}, rng),
                 v = Tensor::randn({B, h, kSinkhornLength, dh}, rng);
    const Tensor keep = sinkhorn_padding();
    for (const std::vector<int64_t>& order :
         {std::vector<int64_t>{0, 1, 2}, std::vector<int64_t>{2, 0, 1}}) {
        INFO("order " << order[0] << order[1] << order[2]);
        const Tensor log_p = sinkhorn_permutation_log_p(order, B, h);
        const Tensor expected = sinkhorn_block_reference(q, k, v, keep, order);
        CHECK(max_relative_difference(sorted_block_attention(q, k, v, log_p, keep, kSinkhornBlock),
                                      expected) < kSinkhornTolerance);
        // Without padding the same holds with every key real.
        CHECK(max_relative_difference(
                  sorted_block_attention(q, k, v, log_p, Tensor(), kSinkhornBlock),
                  sinkhorn_block_reference(q, k, v, Tensor::ones({B, kSinkhornLength}), order)) <
              kSinkhornTolerance);
    }
    // The sorted block matters: the shifted order is not block-local attention.
    CHECK(max_relative_difference(sinkhorn_block_reference(q, k, v, keep, {2, 0, 1}),
                                  sinkhorn_block_reference(q, k, v, keep, {0, 1, 2})) > 1e-2);
}

TEST_CASE("sinkhorn: padded tokens change no real output", "[sinkhorn]") {
    Rng rng(5), data(6);
    SinkhornAttention layer(sinkhorn_config(), rng);
    const Tensor x = Tensor::randn({2, kSinkhornLength, 8}, data), mask = sinkhorn_padding();
    Tensor changed = x.clone();
    for (int64_t position : {1, 5})
        for (int64_t c = 0; c < 8; ++c) changed.data()[(kSinkhornLength + position) * 8 + c] += 3;
    const Tensor before = layer.forward(x, mask), after = layer.forward(changed, mask);
    for (int64_t t = 0; t < kSinkhornLength; ++t) {
        if (t == 1 || t == 5) continue;
        INFO("position " << t);
        CHECK(same_bits(slice(slice(before, 0, 1, 2), 1, t, t + 1),
                        slice(slice(after, 0, 1, 2), 1, t, t + 1)));
    }
    CHECK(same_bits(slice(before, 0, 0, 1), slice(after, 0, 0, 1)));  // row 0 untouched
    // Unmasked, the same change reaches the real positions.
    CHECK(max_relative_difference(slice(layer.forward(x), 0, 1, 2),
                                  slice(layer.forward(changed), 0, 1, 2)) > 1e-3);
}

TEST_CASE("sinkhorn: gradients match finite differences, sort net included", "[sinkhorn][grad]") {
    Rng rng(7), data(8);
    SinkhornAttention layer(sinkhorn_config(), rng);
    Tensor x = Tensor::randn({2, kSinkhornLength, 8}, data);
    x.set_requires_grad(true);
    const Tensor mask = sinkhorn_padding();
    std::vector<Tensor> inputs = {x};
    bool has_sort_net = false;
    for (const Parameter& p : layer.parameters()) {
        inputs.push_back(p.tensor);
        has_sort_net = has_sort_net || p.name == "sort_net.weight";
    }
    CHECK(has_sort_net);
    const auto r = gradcheck(
        [&](const std::vector<Tensor>& in) { return layer.forward(in[0], mask); }, inputs);
    INFO(r.report);
    CHECK(r.ok);
    CHECK(r.checked > 200);
    // The sort net's gradient is not zero: the sorting is learned through P.
    x.zero_grad();
    for (const Parameter& p : layer.parameters()) p.tensor.zero_grad();
    sum(square(layer.forward(x, mask))).backward();
    double sort_gradient = 0;
    for (const Parameter& p : layer.parameters())
        if (p.name == "sort_net.weight")
            for (int64_t i = 0; i < p.tensor.numel(); ++i)
                sort_gradient += std::abs(double(p.tensor.grad_data()[i]));
    CHECK(sort_gradient > 1e-6);
}

TEST_CASE("sinkhorn: dropout replays from the saved counter", "[sinkhorn]") {
    AttentionConfig config = sinkhorn_config();
    config.dropout = 0.3;
    Rng rng_a(9), rng_b(9), data(10);
    SinkhornAttention first(config, rng_a), second(config, rng_b);
    const Tensor x = Tensor::randn({1, kSinkhornLength, 8}, data);
    first.forward(x);
    second.set_random_counters(first.random_counters());
    CHECK(same_bits(first.forward(x), second.forward(x)));
    CHECK_FALSE(same_bits(first.forward(x), first.forward(x)));
}

TEST_CASE("sinkhorn: bad options and a causal layer are one-line errors", "[sinkhorn]") {
    Rng rng(11);
    auto with = [](const char* key, OptionValue value) {
        AttentionConfig config = sinkhorn_config();
        config.set(key, std::move(value));
        return config;
    };
    CHECK_THROWS_WITH(SinkhornAttention(with("sinkhorn_block", 0), rng),
                      Contains("sinkhorn: sinkhorn_block 0 must be in [1, 65536]"));
    CHECK_THROWS_WITH(SinkhornAttention(with("sinkhorn_iterations", 0), rng),
                      Contains("sinkhorn: sinkhorn_iterations 0 must be in [1, 100]"));
    for (double bad : {0.0, -1.0})
        CHECK_THROWS_WITH(
            SinkhornAttention(with("sinkhorn_temperature", bad), rng),
            Contains("sinkhorn: sinkhorn_temperature") && Contains("must be in [0.001, 1000]"));
    CHECK_NOTHROW(SinkhornAttention(with("sinkhorn_temperature", 1), rng));  // an integer is a real
    CHECK_THROWS_WITH(SinkhornAttention(with("sinkhorn_block", 2.5), rng),
                      Contains("option \"sinkhorn_block\" must be an integer, got 2.5"));
    AttentionConfig causal = sinkhorn_config();
    causal.causal = true;
    CHECK_THROWS_WITH(SinkhornAttention(causal, rng), Contains("sinkhorn: bidirectional only"));
    CHECK_FALSE(find_kind("sinkhorn").causal);
    LmConfig lm;
    lm.stack.vocab = 5;
    lm.stack.d_model = 8;
    lm.stack.heads = 2;
    lm.stack.layers = 1;
    lm.stack.d_ff = 16;
    lm.stack.max_len = 8;
    lm.stack.attention = sinkhorn_config();
    CHECK_THROWS_WITH(LanguageModel(lm, rng), Contains("sinkhorn: bidirectional only"));
    SinkhornAttention layer(sinkhorn_config(), rng);
    CHECK_THROWS_WITH(layer.forward(Tensor::zeros({1, 9, 8})),
                      Contains("sinkhorn: sequence length 9 exceeds max_len 8"));
}
