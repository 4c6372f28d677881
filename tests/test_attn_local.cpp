// test_attn_local.cpp — local attention (models/attn_local.h) against its definition: each block
// is vanilla attention over that block alone, whichever path runs it; its schedule keeps the
// diagonal blocks only; it refuses to join a mixture.
#include <catch2/catch.hpp>

#include "engine/ops.h"
#include "models/attention.h"

using namespace attnlab;

namespace {

// B = 2, L = 7 in blocks of 3 (the last one ragged), d = 8, h = 2.
constexpr int64_t kLocalLength = 7, kLocalBlock = 3;

AttentionConfig local_config(const std::string& kind, bool causal, bool fused) {
    AttentionConfig config;
    config.d_model = 8;
    config.heads = 2;
    config.max_len = kLocalLength;
    config.kind = kind;
    config.causal = causal;
    config.set("local_block", kLocalBlock).set("fused", fused);
    return config;
}

// The second row pads its last key (in the ragged block) and the one before (in the middle one).
Tensor local_padding() {
    Tensor mask = Tensor::ones({2, kLocalLength});
    mask.data()[kLocalLength + 5] = mask.data()[kLocalLength + 6] = 0;
    return mask;
}

double max_difference(const Tensor& a, const Tensor& b) {
    double worst = 0;
    for (int64_t i = 0; i < a.numel(); ++i)
        worst = std::max(worst, std::abs(double(a.data()[i]) - double(b.data()[i])));
    return worst;
}

}  // namespace

TEST_CASE("local: each block is vanilla attention over that block alone", "[local]") {
    Rng data(4);
    const Tensor x = Tensor::randn({2, kLocalLength, 8}, data);
    for (bool causal : {false, true})
        for (bool fused : {true, false}) {
            INFO((causal ? "causal" : "bidirectional") << (fused ? ", fused" : ", unfused"));
            // Same seed, same draws in the same order: the same w_v, w_o, w_q, w_k in both.
            Rng local_rng(21), vanilla_rng(21);
            MultiHeadAttention local(local_config("local", causal, fused), local_rng);
            MultiHeadAttention vanilla(local_config("vanilla", causal, false), vanilla_rng);
            const Tensor mask = local_padding();
            const Tensor y = local.forward(x, mask);
            std::vector<Tensor> blocks;
            for (int64_t first = 0; first < kLocalLength; first += kLocalBlock) {
                const int64_t end = std::min(first + kLocalBlock, kLocalLength);
                blocks.push_back(
                    vanilla.forward(slice(x, 1, first, end), slice(mask, 1, first, end)));
            }
            const Tensor expected = concat(blocks, 1);
            REQUIRE(y.shape() == expected.shape());
            CHECK(max_difference(y, expected) < 1e-5);
        }
}

TEST_CASE("local: the schedule keeps the diagonal blocks only", "[local]") {
    Rng rng(2);
    MultiHeadAttention layer(local_config("local", false, true), rng);
    const kernels::TileSchedule schedule = layer.source().schedule(kLocalLength, false);
    CHECK_FALSE(schedule.dense());
    REQUIRE(schedule.query_blocks() == 3);
    for (int64_t block = 0; block < 3; ++block) {
        const kernels::Span rows = schedule.query_block(block);
        REQUIRE(schedule.key_spans(block).size() == 1);
        CHECK(schedule.key_spans(block)[0].begin == rows.begin);
        CHECK(schedule.key_spans(block)[0].end == rows.end);
    }
    // The weights on demand are 0 outside the blocks.
    Rng data(5);
    const Tensor weights = layer.weights(Tensor::randn({1, kLocalLength, 8}, data));
    for (int64_t head = 0; head < 2; ++head)
        for (int64_t i = 0; i < kLocalLength; ++i)
            for (int64_t j = 0; j < kLocalLength; ++j) {
                const real w = weights.data()[(head * kLocalLength + i) * kLocalLength + j];
                if (i / kLocalBlock == j / kLocalBlock)
                    CHECK(w > 0);
                else
                    CHECK(w == 0);
            }
}

TEST_CASE("local: a block-sparse kind does not join a mixture", "[local]") {
    Rng rng(1);
    CHECK_THROWS_WITH(MultiHeadAttention(local_config("local+vanilla", false, true), rng),
                      Catch::Contains("\"local\" keeps only some entries"));
}
