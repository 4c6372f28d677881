// The token-mixer factory: every name builds a working layer of the right class, bad names get
// errors listing the valid ones, blocks and the LM accept every kind, and the Performer redraw
// walk.
#include <catch2/catch.hpp>
#include <cmath>

#include "helpers.h"
#include "models/attn_performer.h"
#include "models/lm.h"
#include "models/zoo.h"

using namespace attnlab;
using namespace attnlab::testing;

namespace {

AttentionConfig tiny_zoo(const std::string& kind, bool causal) {
    AttentionConfig config;
    config.d_model = 8;
    config.heads = 2;
    config.max_len = 6;
    config.causal = causal;
    config.kind = kind;
    config.set("performer_features", 8);
    config.set("linformer_k", 3);
    config.set("conv_kernel", 3);
    return config;
}

// A causal LM over 5 tokens of length 6 around the mixer of `kind`.
LmConfig tiny_lm(const std::string& kind, int64_t layers, double dropout) {
    LmConfig config;
    config.stack.vocab = 5;
    config.stack.d_model = 8;
    config.stack.heads = 2;
    config.stack.layers = layers;
    config.stack.d_ff = 16;
    config.stack.max_len = 6;
    config.stack.dropout = dropout;
    config.stack.attention = tiny_zoo(kind, true);
    return config;
}

}  // namespace

TEST_CASE("zoo: every kind name builds a layer mapping [B, L, d] to [B, L, d]", "[zoo]") {
    for (const std::string& kind : token_mixer_kind_names()) {
        INFO(kind);
        Rng rng(2);
        const bool causal = find_kind(kind).causal;
        auto mixer = make_token_mixer(tiny_zoo(kind, causal), rng);
        const Tensor y = mixer->forward(normal_leaf({2, 5, 8}, rng));
        CHECK(y.shape() == Shape({2, 5, 8}));
        CHECK(mixer->count_parameters(true) > 0);
    }
    Rng rng(2);
    CHECK(dynamic_cast<PerformerAttention*>(
        make_token_mixer(tiny_zoo("performer", true), rng).get()));
    CHECK(dynamic_cast<MultiHeadAttention*>(
        make_token_mixer(tiny_zoo("random+vanilla", true), rng).get()));
}

TEST_CASE("zoo: unknown and unmixable kinds name the valid ones", "[zoo]") {
    Rng rng(1);
    std::string valid = "valid kinds: ";
    for (size_t i = 0; i < token_mixer_kind_names().size(); ++i)
        valid += (i ? ", " : "") + token_mixer_kind_names()[i];
    CHECK_THROWS_WITH(make_token_mixer(tiny_zoo("softmax", false), rng),
                      Catch::Contains("unknown kind \"softmax\"") && Catch::Contains(valid));
    CHECK_THROWS_WITH(make_token_mixer(tiny_zoo("dense+vanila", false), rng),
                      Catch::Contains("unknown kind \"vanila\" in \"dense+vanila\""));
    CHECK_THROWS_WITH(make_token_mixer(tiny_zoo("performer+vanilla", false), rng),
                      Catch::Contains("\"performer\" in \"performer+vanilla\" cannot be mixed"));
}

TEST_CASE("zoo: an LM of every kind trains a step and redraw reaches each Performer", "[zoo]") {
    for (const std::string& kind : token_mixer_kind_names()) {
        if (!find_kind(kind).causal) continue;  // bidirectional only; an LM is causal
        INFO(kind);
        Rng rng(3);
        LanguageModel model(tiny_lm(kind, 2, 0), rng);
        const IntTensor ids({1, 6}, {1, 2, 3, 4, 0, 1}), targets({1, 6}, {2, 3, 4, 0, 1, 2});
        Tensor loss = model.loss(ids, targets);
        CHECK(std::isfinite(double(loss.item())));
        loss.backward();
        CHECK(model.parameters()[0].tensor.grad_data() != nullptr);
        const int64_t expected = kind == "performer" ? 2 : 0;
        CHECK(redraw_random_features(model, 9) == expected);
    }
}

TEST_CASE("zoo: restoring the random counters replays every kind's dropout masks", "[zoo]") {
    for (const std::string& kind : token_mixer_kind_names()) {
        if (!find_kind(kind).causal) continue;  // bidirectional only; an LM is causal
        INFO(kind);
        const LmConfig config = tiny_lm(kind, 1, 0.3);
        const IntTensor ids({1, 6}, {1, 2, 3, 4, 0, 1});
        Rng rng_a(3), rng_b(3);
        LanguageModel first(config, rng_a), second(config, rng_b);
        first.forward(ids);
        first.forward(ids);
        second.set_random_counters(first.random_counters());
        CHECK(first.forward(ids).to_vector() == second.forward(ids).to_vector());
        // Without the counters the masks differ: the check above can fail.
        LanguageModel fresh(config, rng_b = Rng(3));
        CHECK(first.forward(ids).to_vector() != fresh.forward(ids).to_vector());
    }
}
