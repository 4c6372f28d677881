// test_attn_sparse_transformer.cpp — the Sparse Transformer's patterns
// (models/attn_sparse_transformer.h): the weights vanish exactly where the paper's fixed and
// strided definitions remove an entry, bidirectional and causal; both paths agree on the strided
// pattern, whose tiles are all computed and masked.
#include <catch2/catch.hpp>

#include "models/attention.h"

using namespace attnlab;

namespace {

// L = 100 in blocks of 16 (the last one of 4), 3 summary columns per block.
constexpr int64_t kSparseLength = 100, kSparseBlock = 16, kSummary = 3;

AttentionConfig sparse_config(const std::string& pattern, bool causal, bool fused = true) {
    AttentionConfig config;
    config.d_model = 8;
    config.heads = 2;
    config.max_len = kSparseLength;
    config.kind = "sparse_transformer";
    config.causal = causal;
    config.set("sparse_pattern", pattern).set("sparse_block", kSparseBlock);
    config.set("sparse_summary", kSummary).set("fused", fused);
    return config;
}

bool kept_by_definition(const std::string& pattern, int64_t i, int64_t j, bool causal) {
    if (causal && j > i) return false;
    if (pattern == "fixed")
        return i / kSparseBlock == j / kSparseBlock || j % kSparseBlock == 0 ||
               j % kSparseBlock >= kSparseBlock - kSummary;
    return (i - j < kSparseBlock && j - i < kSparseBlock) || (i - j) % kSparseBlock == 0;
}

}  // namespace

TEST_CASE("sparse_transformer: weights are zero exactly where the pattern removes an entry",
          "[sparse_transformer]") {
    for (const std::string pattern : {"fixed", "strided"})
        for (bool causal : {false, true}) {
            INFO(pattern << (causal ? ", causal" : ", bidirectional"));
            Rng rng(6), data(9);
            MultiHeadAttention layer(sparse_config(pattern, causal), rng);
            const Tensor weights = layer.weights(Tensor::randn({1, kSparseLength, 8}, data));
            int64_t wrong = 0;
            for (int64_t head = 0; head < 2; ++head)
                for (int64_t i = 0; i < kSparseLength; ++i)
                    for (int64_t j = 0; j < kSparseLength; ++j) {
                        const real w =
                            weights.data()[(head * kSparseLength + i) * kSparseLength + j];
                        wrong += kept_by_definition(pattern, i, j, causal) ? !(w > 0) : w != 0;
                    }
            CHECK(wrong == 0);
        }
}

TEST_CASE("sparse_transformer: the fused and unfused paths agree on both patterns",
          "[sparse_transformer]") {
    Rng data(2);
    const Tensor x = Tensor::randn({2, kSparseLength, 8}, data);
    for (const std::string pattern : {"fixed", "strided"})
        for (bool causal : {false, true}) {
            INFO(pattern << (causal ? ", causal" : ", bidirectional"));
            Rng fused_rng(4), unfused_rng(4);
            MultiHeadAttention fused(sparse_config(pattern, causal, true), fused_rng);
            MultiHeadAttention unfused(sparse_config(pattern, causal, false), unfused_rng);
            const std::vector<real> a = fused.forward(x).to_vector(),
                                    b = unfused.forward(x).to_vector();
            double worst = 0;
            for (size_t k = 0; k < a.size(); ++k)
                worst = std::max(worst, std::abs(double(a[k]) - double(b[k])));
            CHECK(worst < 1e-5);
        }
}

TEST_CASE("sparse_transformer: a summary as wide as the block is refused", "[sparse_transformer]") {
    AttentionConfig config = sparse_config("fixed", false);
    config.set("sparse_summary", kSparseBlock);
    Rng rng(1);
    CHECK_THROWS_WITH(MultiHeadAttention(config, rng),
                      Catch::Contains("sparse_summary 16 must be below sparse_block 16"));
}
