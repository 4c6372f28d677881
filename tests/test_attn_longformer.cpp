// test_attn_longformer.cpp — Longformer attention (models/attn_longformer.h): the weights vanish
// exactly outside the sliding window and the global rows and columns of the paper's definition,
// bidirectional and causal, over several ragged tiles; the work grows linearly in L.
#include <catch2/catch.hpp>
#include <cstdlib>

#include "models/attention.h"

using namespace attnlab;

namespace {

// L = 150 (tiles of 64, 64 and 22), a window of ±20, the first 2 positions global.
constexpr int64_t kLongformerLength = 150, kHalfWindow = 20, kGlobal = 2;

AttentionConfig longformer_config(bool causal) {
    AttentionConfig config;
    config.d_model = 8;
    config.heads = 2;
    config.max_len = kLongformerLength;
    config.kind = "longformer";
    config.causal = causal;
    config.set("longformer_window", 2 * kHalfWindow).set("longformer_global", kGlobal);
    return config;
}

// Entries the schedule lists, summed over its tiles: the work of one head.
int64_t scheduled_entries(const kernels::TileSchedule& schedule) {
    int64_t total = 0;
    for (int64_t block = 0; block < schedule.query_blocks(); ++block)
        for (const kernels::Span& keys : schedule.key_spans(block))
            total += schedule.query_block(block).size() * keys.size();
    return total;
}

}  // namespace

TEST_CASE("longformer: weights are zero exactly outside the window and the global positions",
          "[longformer]") {
    for (bool causal : {false, true}) {
        INFO((causal ? "causal" : "bidirectional"));
        Rng rng(3), data(8);
        MultiHeadAttention layer(longformer_config(causal), rng);
        const Tensor weights = layer.weights(Tensor::randn({1, kLongformerLength, 8}, data));
        int64_t wrong = 0;
        for (int64_t head = 0; head < 2; ++head)
            for (int64_t i = 0; i < kLongformerLength; ++i)
                for (int64_t j = 0; j < kLongformerLength; ++j) {
                    const bool in_window = std::abs(i - j) <= kHalfWindow;
                    const bool global = i < kGlobal || j < kGlobal;
                    const bool kept = (in_window || global) && !(causal && j > i);
                    const real w =
                        weights.data()[(head * kLongformerLength + i) * kLongformerLength + j];
                    wrong += kept ? !(w > 0) : w != 0;
                }
        CHECK(wrong == 0);
    }
}

TEST_CASE("longformer: the scheduled work grows linearly in L", "[longformer]") {
    Rng rng(1);
    AttentionConfig config = longformer_config(false);
    config.max_len = 4096;
    MultiHeadAttention layer(config, rng);
    const int64_t at_2k = scheduled_entries(layer.source().schedule(2048, false));
    const int64_t at_4k = scheduled_entries(layer.source().schedule(4096, false));
    // Per query block: its window (64 + 40 keys) and the global columns; plus the first block's
    // full rows, which grow with L.
    CHECK(double(at_4k) / double(at_2k) < 2.1);
    CHECK(at_4k < 4096 * (64 + 2 * kHalfWindow + kGlobal) + 64 * 4096);
}
