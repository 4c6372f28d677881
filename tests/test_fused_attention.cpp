// test_fused_attention.cpp — the fused frame (engine/fused_attention.h) against the unfused
// reference: forward and every gradient for each softmax-frame kind and mixtures, causal and not,
// with key padding and a length that is not a multiple of the tile; finite differences through
// the op with tiny ragged tiles; dropout masks that must agree between forward and backward.
#include <catch2/catch.hpp>
#include <cmath>

#include "engine/fused_attention.h"
#include "engine/gradcheck.h"
#include "engine/ops.h"
#include "models/attention.h"

using namespace attnlab;

namespace {

const std::vector<std::string> kFusedKinds = {"vanilla",
                                              "dense",
                                              "factorized_dense",
                                              "random",
                                              "fixed_random",
                                              "factorized_random",
                                              "random+vanilla",
                                              "dense+factorized_dense",
                                              "local",
                                              "longformer",
                                              "bigbird",
                                              "sparse_transformer"};

#ifdef ATTNLAB_DOUBLE
constexpr double kFusedTolerance = 1e-10;
#else
constexpr double kFusedTolerance = 2e-4;
#endif

// L = 70: one full 64-row tile and a ragged one of 6. max_len 72 = 8 · 9 (factorized a, b).
constexpr int64_t kFusedLength = 70;

AttentionConfig fused_config(const std::string& kind, bool causal, bool fused, double dropout) {
    AttentionConfig config;
    config.d_model = 8;
    config.heads = 2;
    config.max_len = 72;
    config.kind = kind;
    config.causal = causal;
    config.dropout = dropout;
    config.dropout_seed = 5;
    // Local blocks of 24: 70 = 24 + 24 + 22, none aligned with the 64-row tiles; a Longformer
    // window of ±10 with 3 global positions; BigBird blocks of 8 (9 blocks, the last ragged).
    config.set("factorized_k", 2).set("fused", fused).set("local_block", 24);
    config.set("longformer_window", 20).set("longformer_global", 3);
    config.set("bigbird_block", 8).set("bigbird_random", 2);
    config.set("sparse_block", 16).set("sparse_summary", 3);
    return config;
}

// Key padding [2, L]: the second row pads its last 9 keys.
Tensor padding(int64_t L) {
    Tensor mask = Tensor::ones({2, L});
    for (int64_t j = L - 9; j < L; ++j) mask.data()[L + j] = 0;
    return mask;
}

struct Pass {
    Tensor y, dx;
    std::vector<Tensor> grads;
};

// One forward and backward of a fresh layer (same seed: same parameters in both paths).
Pass run(const AttentionConfig& config, const Tensor& key_padding) {
    Rng rng(17);
    MultiHeadAttention layer(config, rng);
    layer.set_training(config.dropout > 0);
    Rng data(3);
    Tensor x = Tensor::randn({2, kFusedLength, 8}, data).set_requires_grad(true);
    Pass pass;
    pass.y = layer.forward(x, key_padding);
    Rng seed(4);
    sum(mul(pass.y, Tensor::randn(pass.y.shape(), seed))).backward();
    pass.dx = x.grad();
    for (const Parameter& p : layer.parameters())
        if (p.trainable) pass.grads.push_back(p.tensor.grad());
    return pass;
}

void check_same(const Pass& fused, const Pass& reference) {
    CHECK(max_relative_difference(fused.y, reference.y) < kFusedTolerance);
    CHECK(max_relative_difference(fused.dx, reference.dx) < kFusedTolerance);
    REQUIRE(fused.grads.size() == reference.grads.size());
    for (size_t i = 0; i < fused.grads.size(); ++i) {
        INFO("parameter " << i);
        CHECK(max_relative_difference(fused.grads[i], reference.grads[i]) < kFusedTolerance);
    }
}

}  // namespace

TEST_CASE("fused attention: forward and gradients match the unfused frame", "[fused]") {
    for (const std::string& kind : kFusedKinds)
        for (bool causal : {false, true})
            for (bool padded : {false, true}) {
                INFO(kind << (causal ? " causal" : "") << (padded ? " padded" : ""));
                const Tensor mask = padded ? padding(kFusedLength) : Tensor();
                check_same(run(fused_config(kind, causal, true, 0), mask),
                           run(fused_config(kind, causal, false, 0), mask));
            }
}

TEST_CASE("fused attention: dropout drops the same entries as the unfused frame", "[fused]") {
    // Any difference between the masks of the two paths, or between the fused forward's and
    // backward's, shows in the output or in a gradient.
    for (const std::string kind : {"vanilla", "random+vanilla"})
        for (bool causal : {false, true}) {
            INFO(kind << (causal ? " causal" : ""));
            check_same(run(fused_config(kind, causal, true, 0.3), padding(kFusedLength)),
                       run(fused_config(kind, causal, false, 0.3), padding(kFusedLength)));
        }
}

namespace {

// The op on q kᵀ with tiles of 3 queries × 2 keys over L = 7 (ragged both ways).
Tensor tiled_product(const std::vector<Tensor>& in, bool causal, const Tensor& key_padding,
                     real dropout) {
    const Tensor &q = in[0], &k = in[1], &v = in[2];
    const int64_t h = q.size(1), L = q.size(2), dk = q.size(3);
    const kernels::View view{h * L * dk, L * dk, dk};
    const TiledLogits logits{
        {q, k}, std::make_shared<kernels::ProductTiles>(q.data(), view, k.data(), view, false, dk)};
    return fused_attention(logits, v, kernels::TileSchedule::dense(L, causal, 3, 2), key_padding,
                           {dropout, 99});
}

}  // namespace

TEST_CASE("fused attention: finite differences through ragged tiles, masks and dropout",
          "[fused][gradcheck]") {
    Rng rng(8);
    const std::vector<Tensor> inputs{Tensor::randn({2, 2, 7, 3}, rng).set_requires_grad(true),
                                     Tensor::randn({2, 2, 7, 3}, rng).set_requires_grad(true),
                                     Tensor::randn({2, 2, 7, 4}, rng).set_requires_grad(true)};
    Tensor mask = Tensor::ones({2, 7});
    mask.data()[7 + 5] = mask.data()[7 + 6] = 0;
    for (bool causal : {false, true})
        for (real dropout : {real(0), real(0.25)}) {
            INFO((causal ? "causal" : "bidirectional") << " dropout " << dropout);
            const GradcheckResult result = gradcheck(
                [&](const std::vector<Tensor>& in) {
                    return sum(square(tiled_product(in, causal, mask, dropout)));
                },
                inputs);
            INFO(result.report);
            CHECK(result.ok);
        }
}

TEST_CASE("fused attention: a fully masked row gives zeros and zero gradients", "[fused]") {
    Rng rng(9);
    const std::vector<Tensor> inputs{Tensor::randn({2, 1, 5, 3}, rng).set_requires_grad(true),
                                     Tensor::randn({2, 1, 5, 3}, rng).set_requires_grad(true),
                                     Tensor::randn({2, 1, 5, 2}, rng).set_requires_grad(true)};
    Tensor mask = Tensor::ones({2, 5});
    for (int64_t j = 0; j < 5; ++j) mask.data()[5 + j] = 0;  // batch row 1: every key padded
    const Tensor y = tiled_product(inputs, false, mask, 0);
    for (int64_t i = 10; i < 20; ++i) CHECK(y.data()[i] == 0);
    sum(y).backward();
    for (int64_t i = 15; i < 30; ++i) CHECK(inputs[0].grad().data()[i] == 0);
    for (real g : inputs[2].grad().to_vector()) CHECK(std::isfinite(g));
}

TEST_CASE("fused attention: tile schedules", "[fused]") {
    const auto causal = kernels::TileSchedule::dense(10, true, 4, 3);
    REQUIRE(causal.query_blocks() == 3);
    CHECK(causal.query_block(2).begin == 8);
    CHECK(causal.query_block(2).end == 10);
    CHECK(causal.key_spans(0).size() == 2);  // keys [0, 3) [3, 4) for rows 0..3
    CHECK(causal.key_spans(0).back().end == 4);
    CHECK(kernels::TileSchedule::dense(10, false, 4, 3).key_spans(0).size() == 4);
    CHECK_THROWS_WITH(kernels::TileSchedule(4, 2, {{{0, 3}, {2, 4}}, {{0, 4}}}, false),
                      Catch::Contains("overlap"));
}

TEST_CASE("fused attention: a row's kept run and the global keys are exactly what keeps() keeps",
          "[fused]") {
    // mask_tile removes the complement of kept_run(i) and the global keys; keeps() is the rule.
    const int64_t L = 23;
    for (bool causal : {false, true})
        for (const kernels::Band band : {kernels::Band{}, kernels::Band{4, 0, 0},
                                         kernels::Band{3, 2, 0}, kernels::Band{30, 1, 0}}) {
            const kernels::TileSchedule schedule(L, 8, {{{0, L}}, {{0, L}}, {{0, L}}}, causal,
                                                 band);
            REQUIRE_FALSE(schedule.strided());
            for (int64_t i = 0; i < L; ++i) {
                const kernels::Span run = schedule.kept_run(i);
                for (int64_t j = 0; j < L; ++j) {
                    const bool global = j < schedule.global() && (!causal || j <= i);
                    const bool in_run = run.begin <= j && j < run.end;
                    INFO("causal " << causal << ", window " << band.window << ", global "
                                   << band.global << ", i " << i << ", j " << j);
                    CHECK(schedule.keeps(i, j) == (in_run || global));
                }
            }
        }
    CHECK(kernels::TileSchedule(L, 8, {{{0, L}}, {{0, L}}, {{0, L}}}, false, {3, 0, 5}).strided());
}
