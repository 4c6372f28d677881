// The encoder classifier: loss gradients w.r.t. every parameter (one and two towers, mean and CLS
// pooling, several kinds), padding invariance, masked-mean pooling values, documented names and
// counts, config and input errors, and learning a toy two-class task with AdamW.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <memory>
#include <string>

#include "engine/gradcheck.h"
#include "engine/init.h"
#include "engine/optim.h"
#include "helpers.h"
#include "models/classifier.h"
#include "train/classifier_task.h"

using namespace attnlab;
using namespace attnlab::testing;

namespace {

ClassifierConfig tiny_classifier(const std::string& kind, const std::string& pooling,
                                 int64_t towers) {
    ClassifierConfig config;
    config.stack.vocab = 7;
    config.stack.d_model = 8;
    config.stack.heads = 2;
    config.stack.layers = 2;
    config.stack.d_ff = 16;
    config.stack.max_len = 6;
    config.num_classes = 3;
    config.pooling = pooling;
    config.towers = towers;
    config.stack.attention.kind = kind;
    config.stack.attention.set("performer_features", 4);
    return config;
}

std::vector<int32_t> tokens(Rng& rng, int64_t length, int32_t low, int32_t high) {
    std::vector<int32_t> out(static_cast<size_t>(length));
    for (auto& t : out) t = low + int32_t(rng.below(uint64_t(high - low + 1)));
    return out;
}

// Two examples of lengths 5 and 3 (the second padded), a pair of lengths 3 and 4 for two towers.
Batch tiny_batch(Rng& rng, int64_t towers) {
    std::vector<Example> examples(2);
    examples[0].input = tokens(rng, 5, 1, 6);
    examples[1].input = tokens(rng, 3, 1, 6);
    if (towers == 2) {
        examples[0].second = tokens(rng, 3, 1, 6);
        examples[1].second = tokens(rng, 4, 1, 6);
    }
    examples[0].label = 2;
    examples[1].label = 0;
    return collate(examples);
}

// The smallest |pre-activation| of the head's ReLUs on `batch`: gradchecks need it well away
// from 0 (the kink), since ±ε on a parameter must not flip a unit.
double distance_to_relu_kink(Classifier& model, const Batch& batch) {
    Tensor features = model.summary(batch.input, batch.input_mask);
    if (model.config().towers == 2) {
        const Tensor v = model.summary(batch.second, batch.second_mask);
        features = concat({features, v, mul(features, v), sub(features, v)}, 1);
    }
    std::map<std::string, Tensor> head;
    for (const Parameter& p : model.parameters()) head[p.name] = p.tensor;
    double nearest = 1e30;
    for (const std::string layer : {"head.mlp", "head.mlp2"}) {
        if (!head.count(layer + ".weight")) break;
        features = add(matmul(features, head[layer + ".weight"]), head[layer + ".bias"]);
        for (const real value : features.to_vector())
            nearest = std::min(nearest, std::fabs(double(value)));
        features = relu(features);
    }
    return nearest;
}

struct Setup {
    std::string kind, pooling;
    int64_t towers;
};

const std::vector<Setup>& setups() {
    static const std::vector<Setup> all = {{"vanilla", "mean", 1},
                                           {"vanilla", "cls", 2},
                                           {"random", "cls", 1},
                                           {"dense+vanilla", "mean", 2},
                                           {"performer", "mean", 1}};
    return all;
}

}  // namespace

TEST_CASE("classifier: loss gradients w.r.t. every parameter", "[classifier][grad]") {
    for (const Setup& setup : setups()) {
        INFO(setup.kind << ", " << setup.pooling << ", towers " << setup.towers);
        // The first seed whose head ReLUs sit at least 0.05 from their kink, so ±ε never flips
        // one. Token, position and CLS vectors are redrawn at unit scale: at their N(0, 0.02²)
        // init the first LayerNorm would amplify ε some 50-fold.
        std::unique_ptr<Classifier> model;
        Batch batch;
        for (uint64_t seed = 1; seed <= 40; ++seed) {
            Rng rng(seed);
            ClassifierConfig config = tiny_classifier(setup.kind, setup.pooling, setup.towers);
            config.stack.layers = 1;
            model = std::make_unique<Classifier>(config, rng);
            for (const Parameter& p : model->parameters())
                if (p.name == "encoder.embed.weight" || p.name == "encoder.pos.weight" ||
                    p.name == "cls")
                    init::normal(p.tensor, rng);
            batch = tiny_batch(rng, setup.towers);
            if (distance_to_relu_kink(*model, batch) > 0.05) break;
        }
        REQUIRE(distance_to_relu_kink(*model, batch) > 0.05);
        std::vector<Tensor> inputs;
        for (const Parameter& p : model->parameters()) inputs.push_back(p.tensor);
        GradcheckOptions options;
        options.max_checks_per_input = 6;
        auto r =
            gradcheck([&](const std::vector<Tensor>&) { return classifier_loss(*model, batch); },
                      inputs, options);
        INFO(r.report);
        CHECK(r.ok);
        CHECK(r.checked > 60);
    }
}

TEST_CASE("classifier: padded tokens never change the logits", "[classifier]") {
    for (const Setup& setup : setups()) {
        INFO(setup.kind << ", " << setup.pooling << ", towers " << setup.towers);
        Rng rng(4);
        Classifier model(tiny_classifier(setup.kind, setup.pooling, setup.towers), rng);
        Batch batch = tiny_batch(rng, setup.towers);
        const std::vector<real> before = classifier_logits(model, batch).to_vector();
        // Row 1 of input is padded from position 3 on (L = 5); second's row 0 from 3 (L = 4).
        batch.input.values[5 + 3] = 4;
        batch.input.values[5 + 4] = 6;
        if (setup.towers == 2) batch.second.values[3] = 5;
        CHECK(classifier_logits(model, batch).to_vector() == before);
        batch.input.values[5 + 2] = batch.input.values[5 + 2] % 6 + 1;  // a real token
        const std::vector<real> after = classifier_logits(model, batch).to_vector();
        CHECK(std::vector<real>(after.begin() + 3, after.end()) !=
              std::vector<real>(before.begin() + 3, before.end()));
    }
}

TEST_CASE("encoder: bidirectional, so a later token changes every earlier output", "[classifier]") {
    for (const std::string kind : {"vanilla", "random", "performer"}) {
        INFO(kind);
        Rng rng(9);
        Classifier model(tiny_classifier(kind, "mean", 1), rng);
        IntTensor ids({1, 4}, {1, 2, 3, 4});
        const std::vector<real> before = model.encoder().forward(ids).to_vector();  // [1, 4, 8]
        ids.values[3] = 5;
        const std::vector<real> after = model.encoder().forward(ids).to_vector();
        for (size_t t = 0; t < 4; ++t) {
            INFO("position " << t);
            CHECK(std::vector<real>(before.begin() + 8 * t, before.begin() + 8 * (t + 1)) !=
                  std::vector<real>(after.begin() + 8 * t, after.begin() + 8 * (t + 1)));
        }
    }
}

TEST_CASE("classifier: mean pooling averages the encoder output over real tokens", "[classifier]") {
    Rng rng(5);
    Classifier model(tiny_classifier("vanilla", "mean", 1), rng);
    const Batch batch = tiny_batch(rng, 1);
    const Tensor h = model.encoder().forward(batch.input, batch.input_mask);  // [2, 5, 8]
    std::vector<double> expected;
    for (int64_t b = 0; b < 2; ++b)
        for (int64_t c = 0; c < 8; ++c) {
            const int64_t real_tokens = b == 0 ? 5 : 3;
            double total = 0;
            for (int64_t t = 0; t < real_tokens; ++t) total += h.data()[(b * 5 + t) * 8 + c];
            expected.push_back(total / double(real_tokens));
        }
    check_values(model.summary(batch.input, batch.input_mask), expected, 1e-5, 1e-6);
}

TEST_CASE("classifier: parameter names and documented counts", "[classifier]") {
    for (const Setup& setup : {Setup{"vanilla", "mean", 1}, Setup{"random", "cls", 2}}) {
        INFO(setup.kind << ", " << setup.pooling << ", towers " << setup.towers);
        Rng rng(6);
        const ClassifierConfig config = tiny_classifier(setup.kind, setup.pooling, setup.towers);
        Classifier model(config, rng);
        std::vector<std::string> names;
        for (const Parameter& p : model.parameters()) names.push_back(p.name);
        const auto has = [&](const std::string& name) {
            return std::count(names.begin(), names.end(), name) == 1;
        };
        // A module lists its own parameters before its children's: "cls" comes first.
        CHECK(names[setup.pooling == "cls" ? 1 : 0] == "encoder.embed.weight");
        CHECK(has("encoder.pos.weight"));
        CHECK(has("encoder.blocks.1.ln2.gamma"));
        CHECK(has("encoder.ln_f.beta"));
        CHECK(has("head.mlp.weight"));
        CHECK(names.back() == "head.logits.bias");
        CHECK(has("cls") == (setup.pooling == "cls"));
        CHECK(has("head.mlp2.weight") == (setup.towers == 2));
        CHECK(has(setup.kind == "vanilla" ? "encoder.blocks.0.attn.vanilla.w_q.weight"
                                          : "encoder.blocks.0.attn.random.r"));

        const int64_t V = config.stack.vocab, d = config.stack.d_model, F = config.stack.d_ff;
        const int64_t h = config.stack.heads, n = config.stack.max_len, C = config.num_classes;
        const int64_t attention =
            2 * (d * d + d) + (setup.kind == "vanilla" ? 2 * (d * d + d) : h * n * n);
        const int64_t block = attention + 4 * d + 2 * d * F + F + d;
        const int64_t encoder = V * d + n * d + config.stack.layers * block + 2 * d;
        const int64_t head = setup.towers == 1
                                 ? d * F + F + F * C + C
                                 : 4 * d * F + F + F * (F / 2) + F / 2 + (F / 2) * C + C;
        CHECK(model.count_parameters() == encoder + (setup.pooling == "cls" ? d : 0) + head);
    }
}

TEST_CASE("classifier: config and input errors", "[classifier]") {
    Rng rng(7);
    CHECK_THROWS_WITH(Classifier(tiny_classifier("vanilla", "max", 1), rng),
                      Catch::Contains("pooling \"max\" is not one of \"mean\", \"cls\""));
    CHECK_THROWS_WITH(Classifier(tiny_classifier("vanilla", "mean", 3), rng),
                      Catch::Contains("towers 3 (expected 1"));
    ClassifierConfig one_class = tiny_classifier("vanilla", "mean", 1);
    one_class.num_classes = 1;
    CHECK_THROWS_WITH(Classifier(one_class, rng), Catch::Contains("num_classes 1"));

    Classifier cls(tiny_classifier("vanilla", "cls", 1), rng),
        mean(tiny_classifier("vanilla", "mean", 1), rng);
    const IntTensor six({1, 6}, std::vector<int32_t>(6, 1)),
        seven({1, 7}, std::vector<int32_t>(7, 1));
    CHECK_THROWS_WITH(cls.forward(six, Tensor()),
                      Catch::Contains("sequence length 6 + 1 (the CLS token at position 0) "
                                      "exceeds max_len 6"));
    CHECK(mean.forward(six, Tensor()).shape() == Shape({1, 3}));
    CHECK_THROWS_WITH(mean.forward(seven, Tensor()),
                      Catch::Contains("sequence length 7 exceeds max_len 6"));
    const IntTensor two({1, 2}, {1, 2});
    CHECK_THROWS_WITH(mean.forward(two, Tensor::from_vector({1, 2}, {1, 0.5})),
                      Catch::Contains("key_padding holds 0.5"));
    CHECK_THROWS_WITH(mean.forward(two, Tensor::zeros({1, 2})),
                      Catch::Contains("has no real token"));
    CHECK_THROWS_WITH(mean.forward(two, Tensor(), two, Tensor()),
                      Catch::Contains("towers = 1 takes one sequence"));

    Classifier pair(tiny_classifier("vanilla", "mean", 2), rng);
    CHECK_THROWS_WITH(pair.forward(two, Tensor()), Catch::Contains("towers = 2 needs a pair"));
    Batch batch = tiny_batch(rng, 1);
    batch.labels = IntTensor({3}, {0, 1, 2});
    CHECK_THROWS_WITH(classifier_loss(mean, batch),
                      Catch::Contains("labels [3] (expected [B] = [2])"));
}

TEST_CASE("classifier: accuracy counts arg max hits", "[classifier]") {
    const Tensor logits = Tensor::from_vector({3, 2}, {0.1, 0.9, 2, -1, 0.5, 0.5});
    CHECK(accuracy(logits, IntTensor({3}, {1, 0, 1})) == Approx(2.0 / 3));
    CHECK(accuracy(logits, IntTensor({3}, {0, 1, 0})) == Approx(1.0 / 3));
}

TEST_CASE("classifier: a tiny model learns a two-class toy task", "[classifier][optim]") {
    // Class 0 uses tokens {1, 2}, class 1 tokens {3, 4}; two towers: same class or not.
    for (const Setup& setup : {Setup{"vanilla", "mean", 1}, Setup{"random", "cls", 2}}) {
        INFO(setup.kind << ", " << setup.pooling << ", towers " << setup.towers);
        ClassifierConfig config = tiny_classifier(setup.kind, setup.pooling, setup.towers);
        config.stack.vocab = 5;
        config.stack.d_model = 16;
        config.stack.layers = 1;
        config.stack.d_ff = 32;
        config.stack.max_len = 8;
        config.num_classes = 2;
        Rng rng(11);
        Classifier model(config, rng);
        std::vector<Example> examples(8);
        for (int64_t i = 0; i < 8; ++i) {
            const int32_t group = int32_t(i % 2), other = int32_t((i / 2) % 2);
            Example& e = examples[size_t(i)];
            e.input = tokens(rng, 2 + i % 4, 1 + 2 * group, 2 + 2 * group);
            if (setup.towers == 2)
                e.second = tokens(rng, 2 + (i + 1) % 4, 1 + 2 * other, 2 + 2 * other);
            e.label = setup.towers == 1 ? group : int32_t(group == other);
        }
        const Batch batch = collate(examples);
        AdamOptions options = adamw_defaults();
        options.weight_decay = 0;
        AdamW optimizer(model.parameters(), options);
        const double start = classifier_loss(model, batch).item();
        double loss = start;
        for (int step = 0; step < 200 && loss > 0.05; ++step) {
            optimizer.zero_grad();
            Tensor l = classifier_loss(model, batch);
            loss = l.item();
            l.backward();
            optimizer.step(3e-3);
        }
        INFO("start " << start << ", end " << loss);
        CHECK(loss < 0.05);
        CHECK(loss < 0.2 * start);
        CHECK(accuracy(classifier_logits(model, batch), batch.labels) == 1.0);
    }
}
