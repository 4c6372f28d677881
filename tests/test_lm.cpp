// The causal language model: tied-embedding gradients, causality, parameter names and counts,
// reproducibility, and overfitting one batch with AdamW.
#include <algorithm>
#include <catch2/catch.hpp>

#include "engine/gradcheck.h"
#include "engine/optim.h"
#include "helpers.h"
#include "models/lm.h"

using namespace attnlab;
using namespace attnlab::testing;

namespace {

LmConfig tiny_lm(const std::string& kind) {
    LmConfig config;
    config.stack.vocab = 7;
    config.stack.d_model = 8;
    config.stack.heads = 2;
    config.stack.layers = 2;
    config.stack.d_ff = 16;
    config.stack.max_len = 5;
    config.stack.attention.kind = kind;
    return config;
}

IntTensor ids_from(Rng& rng, int64_t B, int64_t L, int64_t vocab) {
    std::vector<int32_t> values(size_t(B * L));
    for (auto& v : values) v = int32_t(rng.next_u64() % uint64_t(vocab));
    return IntTensor({B, L}, values);
}

}  // namespace

TEST_CASE("lm: loss gradients w.r.t. the parameters, tied embedding included", "[lm][grad]") {
    Rng rng(4);
    LanguageModel model(tiny_lm("vanilla"), rng);
    const IntTensor ids = ids_from(rng, 2, 4, 7), targets = ids_from(rng, 2, 4, 7);
    std::vector<Tensor> inputs;
    for (const Parameter& p : model.parameters())
        if (p.name == "embed.weight" || p.name == "pos.weight" || p.name == "ln_f.gamma" ||
            p.name == "blocks.0.attn.vanilla.w_q.weight" || p.name == "blocks.1.ffn.up.weight")
            inputs.push_back(p.tensor);
    REQUIRE(inputs.size() == 5);
    GradcheckOptions options;
    options.max_checks_per_input = 24;
    auto r = gradcheck([&](const std::vector<Tensor>&) { return model.loss(ids, targets); }, inputs,
                       options);
    INFO(r.report);
    CHECK(r.ok);
}

TEST_CASE("lm: logits at positions <= t ignore tokens after t", "[lm]") {
    for (const std::string kind : {"vanilla", "random"}) {
        INFO(kind);
        Rng rng(5);
        LanguageModel model(tiny_lm(kind), rng);
        IntTensor ids = ids_from(rng, 2, 5, 7);
        const Tensor before = model.forward(ids);
        const int64_t t = 2;
        ids.values[size_t(t + 1)] = (ids.values[size_t(t + 1)] + 1) % 7;
        const Tensor after = model.forward(ids);
        const std::vector<real> a = before.to_vector(), b = after.to_vector();
        for (int64_t i = 0; i <= t; ++i)
            for (int64_t v = 0; v < 7; ++v) CHECK(a[size_t(i * 7 + v)] == b[size_t(i * 7 + v)]);
        CHECK(a != b);
    }
}

TEST_CASE("lm: parameter names, one tied embedding, documented counts", "[lm]") {
    for (const std::string kind : {"vanilla", "random"}) {
        INFO(kind);
        Rng rng(6);
        const LmConfig config = tiny_lm(kind);
        LanguageModel model(config, rng);
        std::vector<std::string> names;
        for (const Parameter& p : model.parameters()) names.push_back(p.name);
        CHECK(names[0] == "embed.weight");
        CHECK(names[1] == "pos.weight");
        CHECK(names[2] == "blocks.0.ln1.gamma");
        CHECK(names.back() == "ln_f.beta");
        CHECK(std::count(names.begin(), names.end(), "ln_f.gamma") == 1);
        for (const std::string& name : names) CHECK(name.find("head") == std::string::npos);

        const int64_t V = config.stack.vocab, d = config.stack.d_model, d_ff = config.stack.d_ff;
        const int64_t h = config.stack.heads, n = config.stack.max_len;
        // Frame 2(d² + d); vanilla adds W_q, W_k: 2(d² + d); random adds R [h, n, n].
        const int64_t attention =
            2 * (d * d + d) + (kind == "vanilla" ? 2 * (d * d + d) : h * n * n);
        const int64_t block = attention + 4 * d + 2 * d * d_ff + d_ff + d;
        CHECK(model.count_parameters() == V * d + n * d + config.stack.layers * block + 2 * d);
    }
}

TEST_CASE("lm: the same seed gives bit-identical logits", "[lm]") {
    LmConfig config = tiny_lm("random+vanilla");
    config.stack.dropout = 0.1;
    Rng rng_a(8), rng_b(8), ids_rng(1);
    LanguageModel a(config, rng_a), b(config, rng_b);
    const IntTensor ids = ids_from(ids_rng, 2, 5, 7);
    CHECK(a.forward(ids).to_vector() == b.forward(ids).to_vector());
}

TEST_CASE("lm: sequence and shape errors", "[lm]") {
    Rng rng(2);
    LanguageModel model(tiny_lm("vanilla"), rng);
    CHECK_THROWS_WITH(model.forward(IntTensor({1, 6}, std::vector<int32_t>(6, 0))),
                      Catch::Contains("exceeds max_len 5"));
    CHECK_THROWS_WITH(model.loss(IntTensor({1, 2}, {0, 1}), IntTensor({2}, {1, 2})),
                      Catch::Contains("differ from ids"));
}

TEST_CASE("lm: a tiny model overfits one batch of a repeating pattern", "[lm][optim]") {
    LmConfig config;
    config.stack.vocab = 5;
    config.stack.d_model = 32;
    config.stack.heads = 2;
    config.stack.layers = 2;
    config.stack.d_ff = 64;
    config.stack.max_len = 12;
    Rng rng(10);
    LanguageModel model(config, rng);
    // Each row cycles 0 1 2 3 4 from a different offset; targets are the next token.
    std::vector<int32_t> ids, targets;
    for (int32_t row = 0; row < 2; ++row)
        for (int32_t i = 0; i < 12; ++i) {
            ids.push_back((row + i) % 5);
            targets.push_back((row + i + 1) % 5);
        }
    const IntTensor input({2, 12}, ids), target({2, 12}, targets);
    AdamOptions options = adamw_defaults();
    options.weight_decay = 0;
    AdamW optimizer(model.parameters(), options);
    const double start = model.loss(input, target).to_vector()[0];
    double loss = start;
    for (int step = 0; step < 200 && loss > 0.1 * start; ++step) {
        optimizer.zero_grad();
        Tensor l = model.loss(input, target);
        loss = l.to_vector()[0];
        l.backward();
        optimizer.step(3e-3);
    }
    INFO("start " << start << ", end " << loss);
    CHECK(loss < 0.1 * start);
}
