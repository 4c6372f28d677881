// test_attn_bigbird.cpp — BigBird attention (models/attn_bigbird.h): the weights vanish exactly
// outside the window, global and drawn random blocks of the paper's definition, bidirectional and
// causal; the random blocks come from the seed, avoid the fixed blocks, and are a frozen
// parameter (so checkpoints carry them).
#include <catch2/catch.hpp>
#include <set>

#include "models/attention.h"

using namespace attnlab;

namespace {

// L = 44 in blocks of 8 (the last one of 4): 6 blocks, 2 random ones per query block.
constexpr int64_t kBigbirdLength = 44, kBigbirdBlock = 8, kBlocks = 6, kRandom = 2;

AttentionConfig bigbird_config(bool causal) {
    AttentionConfig config;
    config.d_model = 8;
    config.heads = 2;
    config.max_len = kBigbirdLength;
    config.kind = "bigbird";
    config.causal = causal;
    config.set("bigbird_block", kBigbirdBlock).set("bigbird_random", kRandom);
    return config;
}

Tensor random_blocks(MultiHeadAttention& layer) {
    for (const Parameter& p : layer.parameters())
        if (p.name == "bigbird.random_blocks") return p.tensor;
    FAIL("no parameter bigbird.random_blocks");
    return Tensor();
}

// The key blocks of query block q by the definition (attn_bigbird.h), from the drawn table.
std::set<int64_t> expected_blocks(int64_t q, bool causal, const Tensor& table) {
    if (!causal && (q == 0 || q == kBlocks - 1)) return {0, 1, 2, 3, 4, 5};
    std::set<int64_t> kept = {0, q};
    if (q > 0) kept.insert(q - 1);
    if (!causal) kept.insert({q + 1, kBlocks - 1});
    for (int64_t n = 0; n < kRandom; ++n) kept.insert(int64_t(table.data()[q * kRandom + n]));
    return kept;
}

}  // namespace

TEST_CASE("bigbird: weights are zero exactly outside the window, global and random blocks",
          "[bigbird]") {
    for (bool causal : {false, true}) {
        INFO((causal ? "causal" : "bidirectional"));
        Rng rng(5), data(2);
        MultiHeadAttention layer(bigbird_config(causal), rng);
        const Tensor table = random_blocks(layer);
        const Tensor weights = layer.weights(Tensor::randn({1, kBigbirdLength, 8}, data));
        int64_t wrong = 0;
        for (int64_t head = 0; head < 2; ++head)
            for (int64_t i = 0; i < kBigbirdLength; ++i) {
                const std::set<int64_t> blocks = expected_blocks(i / kBigbirdBlock, causal, table);
                for (int64_t j = 0; j < kBigbirdLength; ++j) {
                    const bool kept = blocks.count(j / kBigbirdBlock) && !(causal && j > i);
                    const real w = weights.data()[(head * kBigbirdLength + i) * kBigbirdLength + j];
                    wrong += kept ? !(w > 0) : w != 0;
                }
            }
        CHECK(wrong == 0);
    }
}

TEST_CASE("bigbird: random blocks are drawn from the seed, distinct, outside the fixed blocks",
          "[bigbird]") {
    for (bool causal : {false, true}) {
        INFO((causal ? "causal" : "bidirectional"));
        Rng a(5), b(5), c(6);
        MultiHeadAttention first(bigbird_config(causal), a), same(bigbird_config(causal), b),
            other(bigbird_config(causal), c);
        const Tensor table = random_blocks(first);
        CHECK(table.to_vector() == random_blocks(same).to_vector());
        CHECK(table.to_vector() != random_blocks(other).to_vector());
        for (int64_t q = 0; q < kBlocks; ++q) {
            std::set<int64_t> drawn;
            for (int64_t n = 0; n < kRandom; ++n) {
                const int64_t k = int64_t(table.data()[q * kRandom + n]);
                if (k < 0) continue;  // fewer candidates than r
                CHECK(drawn.insert(k).second);
                CHECK(std::abs(k - q) > 1);
                CHECK(k != 0);
                if (causal) CHECK(k < q);
                if (!causal) CHECK(k != kBlocks - 1);
            }
        }
        // A frozen parameter: checkpoints save it with the others, the optimizer leaves it.
        for (const Parameter& p : first.parameters())
            if (p.name == "bigbird.random_blocks") CHECK_FALSE(p.trainable);
    }
}
