// Sampling from a language model: greedy is the argmax, top-k 1 is greedy, padding never appears,
// and a seed fixes the draw.
#include <catch2/catch.hpp>

#include "engine/autograd.h"
#include "train/sampling.h"

using namespace attnlab;

namespace {

LmConfig tiny_lm() {
    LmConfig config;
    config.stack.vocab = 7;
    config.stack.d_model = 8;
    config.stack.heads = 2;
    config.stack.layers = 1;
    config.stack.d_ff = 16;
    config.stack.max_len = 4;
    return config;
}

}  // namespace

TEST_CASE("sampling: greedy decoding follows the argmax, top-k 1 equals it", "[sampling]") {
    Rng init(3);
    LanguageModel model(tiny_lm(), init);
    Rng rng(1);
    SamplingOptions greedy;
    greedy.length = 6;  // beyond max_len: the context window slides
    greedy.temperature = 0;
    const std::vector<int32_t> tokens = sample_lm(model, {3, 5}, greedy, rng);
    REQUIRE(tokens.size() == 6);
    {
        NoGradGuard no_grad;
        model.set_training(false);
        const Tensor logits = model.forward(IntTensor({1, 2}, {3, 5}));
        const real* last = logits.data() + 7;
        int32_t best = 1;
        for (int32_t id = 2; id < 7; ++id)
            if (last[id] > last[best]) best = id;
        CHECK(tokens[0] == best);
        model.set_training(true);
    }
    SamplingOptions top1;
    top1.length = 6;
    top1.top_k = 1;
    CHECK(sample_lm(model, {3, 5}, top1, rng) == tokens);
    CHECK(model.training());  // restored
}

TEST_CASE("sampling: a seed fixes the draw and padding is never produced", "[sampling]") {
    Rng init(4);
    LanguageModel model(tiny_lm(), init);
    SamplingOptions options;
    options.length = 50;
    options.temperature = 5;  // nearly uniform, so padding would show up if allowed
    Rng a(9), b(9), c(10);
    const std::vector<int32_t> first = sample_lm(model, {1}, options, a);
    CHECK(sample_lm(model, {1}, options, b) == first);
    CHECK(sample_lm(model, {1}, options, c) != first);
    for (int32_t id : first) CHECK((id >= 1 && id < 7));
    CHECK_THROWS_WITH(sample_lm(model, {}, options, a), Catch::Contains("prompt is empty"));
    CHECK_THROWS_WITH(sample_lm(model, {9}, options, a), Catch::Contains("prompt id 9"));
}
