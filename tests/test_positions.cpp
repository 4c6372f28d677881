// Positions (models/positions.h): the sinusoid table against Vaswani et al.'s formula, the
// sinusoidal option of the LM, the classifier's encoder and the encoder–decoder against the same
// models with the sinusoids written into a learned table, no parameters, a gradient check, and
// the errors naming a bad kind; and the token embedding's initial scale (model.embedding_std).
#include <catch2/catch.hpp>
#include <cmath>
#include <map>

#include "engine/gradcheck.h"
#include "helpers.h"
#include "models/classifier.h"
#include "models/lm.h"
#include "models/seq2seq.h"
#include "train/config.h"

using namespace attnlab;
using namespace attnlab::testing;

namespace {

StackConfig positions_stack(const std::string& positions) {
    StackConfig stack;
    stack.vocab = 7;
    stack.d_model = 6;
    stack.heads = 2;
    stack.layers = 1;
    stack.d_ff = 12;
    stack.max_len = 5;
    stack.positions = positions;
    return stack;
}

IntTensor position_test_ids(int64_t B, int64_t L, uint64_t seed) {
    Rng rng(seed);
    std::vector<int32_t> values(size_t(B * L));
    for (auto& v : values) v = int32_t(rng.below(7));
    return IntTensor({B, L}, values);
}

// Copies every parameter of `from` into the parameter of the same name of `to`, then writes the
// sinusoids into each of to's position tables (`tables`): `to` then computes what `from` does if
// `from` adds the sinusoids.
void copy_with_sinusoids(const Module& from, const Module& to,
                         const std::vector<std::string>& tables, int64_t max_len, int64_t d) {
    std::map<std::string, Tensor> target;
    for (const Parameter& p : to.parameters()) target[p.name] = p.tensor;
    for (const Parameter& p : from.parameters()) {
        REQUIRE(target.count(p.name));
        std::copy(p.tensor.data(), p.tensor.data() + p.tensor.numel(), target[p.name].data());
    }
    const Tensor sinusoids = sinusoidal_positions(max_len, d);
    for (const std::string& name : tables) {
        REQUIRE(target.count(name));
        std::copy(sinusoids.data(), sinusoids.data() + sinusoids.numel(), target[name].data());
    }
}

bool positions_has_parameter(const Module& module, const std::string& name) {
    for (const Parameter& p : module.parameters())
        if (p.name == name) return true;
    return false;
}

}  // namespace

TEST_CASE("positions: the sinusoid table follows PE(pos, 2i) = sin, PE(pos, 2i + 1) = cos",
          "[positions]") {
    const int64_t max_len = 7, d = 5;  // odd d: the last column is a sine
    const Tensor table = sinusoidal_positions(max_len, d);
    REQUIRE(table.shape() == Shape({max_len, d}));
    for (int64_t pos = 0; pos < max_len; ++pos) {
        const double p = double(pos);
        const std::vector<double> expected = {
            std::sin(p), std::cos(p), std::sin(p / std::pow(10000.0, 2.0 / 5)),
            std::cos(p / std::pow(10000.0, 2.0 / 5)), std::sin(p / std::pow(10000.0, 4.0 / 5))};
        for (int64_t c = 0; c < d; ++c) {
            INFO("pos " << pos << ", column " << c);
            CHECK(double(table.data()[pos * d + c]) == Approx(expected[size_t(c)]).margin(1e-6));
        }
    }
    CHECK_THROWS_WITH(sinusoidal_positions(0, 4), Catch::Contains("max_len and d_model"));
}

TEST_CASE("positions: sinusoidal stacks add the sinusoids and hold no position parameters",
          "[positions]") {
    const IntTensor ids = position_test_ids(2, 4, 3), second = position_test_ids(2, 5, 4);
    SECTION("language model") {
        LmConfig sinusoidal{positions_stack("sinusoidal")}, learned{positions_stack("learned")};
        Rng a(1), b(2);
        LanguageModel model(sinusoidal, a), reference(learned, b);
        CHECK_FALSE(positions_has_parameter(model, "pos.weight"));
        CHECK(reference.count_parameters() - model.count_parameters() == 5 * 6);
        copy_with_sinusoids(model, reference, {"pos.weight"}, 5, 6);
        CHECK(max_relative_difference(model.forward(ids), reference.forward(ids)) < 1e-5);
    }
    SECTION("classifier (its encoder), with CLS pooling") {
        ClassifierConfig sinusoidal{positions_stack("sinusoidal"), 3, "cls", 1};
        ClassifierConfig learned{positions_stack("learned"), 3, "cls", 1};
        Rng a(1), b(2);
        Classifier model(sinusoidal, a), reference(learned, b);
        CHECK_FALSE(positions_has_parameter(model, "encoder.pos.weight"));
        CHECK(reference.count_parameters() - model.count_parameters() == 5 * 6);
        copy_with_sinusoids(model, reference, {"encoder.pos.weight"}, 5, 6);
        CHECK(max_relative_difference(model.forward(ids, Tensor()),
                                      reference.forward(ids, Tensor())) < 1e-5);
    }
    SECTION("encoder-decoder: both stacks") {
        Seq2SeqConfig sinusoidal{positions_stack("sinusoidal"), 1};
        Seq2SeqConfig learned{positions_stack("learned"), 1};
        Rng a(1), b(2);
        Seq2Seq model(sinusoidal, a), reference(learned, b);
        CHECK_FALSE(positions_has_parameter(model, "encoder.pos.weight"));
        CHECK_FALSE(positions_has_parameter(model, "decoder.pos.weight"));
        CHECK(reference.count_parameters() - model.count_parameters() == 2 * 5 * 6);
        copy_with_sinusoids(model, reference, {"encoder.pos.weight", "decoder.pos.weight"}, 5, 6);
        CHECK(max_relative_difference(model.forward(ids, Tensor(), second, Tensor()),
                                      reference.forward(ids, Tensor(), second, Tensor())) < 1e-5);
    }
}

TEST_CASE("positions: LM gradients with sinusoidal positions", "[positions][grad]") {
    Rng rng(4);
    LanguageModel model(LmConfig{positions_stack("sinusoidal")}, rng);
    const IntTensor ids = position_test_ids(2, 4, 5), targets = position_test_ids(2, 4, 6);
    std::vector<Tensor> inputs;
    for (const Parameter& p : model.parameters())
        if (p.name == "embed.weight" || p.name == "blocks.0.attn.vanilla.w_q.weight")
            inputs.push_back(p.tensor);
    REQUIRE(inputs.size() == 2);
    GradcheckOptions options;
    options.max_checks_per_input = 24;
    auto r = gradcheck([&](const std::vector<Tensor>&) { return model.loss(ids, targets); }, inputs,
                       options);
    INFO(r.report);
    CHECK(r.ok);
}

TEST_CASE("positions: a bad kind is one line naming it and the valid ones", "[positions]") {
    Rng rng(1);
    CHECK_THROWS_WITH(LanguageModel(LmConfig{positions_stack("rotary")}, rng),
                      Catch::Contains("unknown positions \"rotary\"; valid: learned, sinusoidal"));
    try {
        load_config("", {"model.positions=rotary"});
        FAIL("model.positions=rotary was accepted");
    } catch (const ConfigError& e) {
        CHECK_THAT(std::string(e.what()),
                   Catch::Contains("\"model.positions\" is \"rotary\"; valid choices: learned, "
                                   "sinusoidal"));
    }
    const json config = load_config("", {"model.positions=sinusoidal"});
    CHECK(stack_config_from(config, 7, 5).positions == "sinusoidal");
    CHECK(stack_config_from(load_config(""), 7, 5).positions == "learned");
}

TEST_CASE("positions: model.embedding_std sets the token embedding's initial scale",
          "[positions]") {
    auto embedding_std = [](double std) {
        StackConfig stack = positions_stack("sinusoidal");
        stack.vocab = 4000;  // 24,000 draws: the sample std is within 2% of std
        stack.embedding_std = std;
        Rng rng(3);
        LanguageModel model(LmConfig{stack}, rng);
        for (const Parameter& p : model.parameters())
            if (p.name == "embed.weight") {
                double sum = 0, squares = 0;
                for (int64_t i = 0; i < p.tensor.numel(); ++i) {
                    sum += double(p.tensor.data()[i]);
                    squares += double(p.tensor.data()[i]) * double(p.tensor.data()[i]);
                }
                const double n = double(p.tensor.numel()), mean = sum / n;
                return std::sqrt(squares / n - mean * mean);
            }
        FAIL("no embed.weight");
        return 0.0;
    };
    CHECK(embedding_std(1.0) == Approx(1.0).epsilon(0.02));
    CHECK(embedding_std(0.02) == Approx(0.02).epsilon(0.02));
    CHECK(stack_config_from(load_config(""), 7, 5).embedding_std == 0.02);
    CHECK(stack_config_from(load_config("", {"model.embedding_std=1"}), 7, 5).embedding_std == 1.0);
    CHECK_THROWS_WITH(stack_config_from(load_config("", {"model.embedding_std=0"}), 7, 5),
                      Catch::Contains("model.embedding_std") && Catch::Contains("positive"));
    Rng rng(1);
    StackConfig bad = positions_stack("learned");
    bad.embedding_std = -1;
    CHECK_THROWS_WITH(LanguageModel(LmConfig{bad}, rng),
                      Catch::Contains("embedding_std must be positive and finite, got -1"));
}
