// The encoder-decoder: loss gradients w.r.t. every parameter for several self-attention kinds,
// decoder causality, source padding invariance, dot-product cross-attention (by name and against
// a hand computation), documented names and counts, errors, and learning a copy task with AdamW
// followed by greedy decoding.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "engine/gradcheck.h"
#include "engine/optim.h"
#include "helpers.h"
#include "models/seq2seq.h"
#include "train/seq2seq_task.h"

using namespace attnlab;
using namespace attnlab::testing;

namespace {

constexpr int32_t kBos = 1, kEos = 2;  // 0 is padding; symbols start at 3

Seq2SeqConfig tiny_seq2seq(const std::string& kind) {
    Seq2SeqConfig config;
    config.stack.vocab = 7;
    config.stack.d_model = 8;
    config.stack.heads = 2;
    config.stack.layers = 1;
    config.decoder_layers = 2;
    config.stack.d_ff = 16;
    config.stack.max_len = 6;
    config.stack.attention.kind = kind;
    config.stack.attention.set("performer_features", 4);
    return config;
}

std::vector<int32_t> symbols(Rng& rng, int64_t length, int32_t vocab) {
    std::vector<int32_t> out(static_cast<size_t>(length));
    for (auto& t : out) t = 3 + int32_t(rng.below(uint64_t(vocab - 3)));
    return out;
}

// A copy example: second = BOS + source, target = source + EOS.
Example copy_example(const std::vector<int32_t>& source) {
    Example e;
    e.input = source;
    e.second = source;
    e.second.insert(e.second.begin(), kBos);
    e.target = source;
    e.target.push_back(kEos);
    return e;
}

// Sources of lengths 4 and 2 (the second padded); decoder inputs of lengths 5 and 3.
Batch tiny_batch(Rng& rng) {
    return collate({copy_example(symbols(rng, 4, 7)), copy_example(symbols(rng, 2, 7))});
}

}  // namespace

TEST_CASE("seq2seq: loss gradients w.r.t. every parameter", "[seq2seq][grad]") {
    for (const std::string kind : {"vanilla", "random", "dense+vanilla", "performer"}) {
        INFO(kind);
        Rng rng(3);
        Seq2SeqConfig config = tiny_seq2seq(kind);
        config.decoder_layers = 1;
        Seq2Seq model(config, rng);
        const Batch batch = tiny_batch(rng);
        std::vector<Tensor> inputs;
        for (const Parameter& p : model.parameters()) inputs.push_back(p.tensor);
        GradcheckOptions options;
        options.max_checks_per_input = 5;
        auto r = gradcheck([&](const std::vector<Tensor>&) { return seq2seq_loss(model, batch); },
                           inputs, options);
        INFO(r.report);
        CHECK(r.ok);
        CHECK(r.checked > 60);
    }
}

TEST_CASE("seq2seq: decoder logits at positions <= t ignore decoder tokens after t", "[seq2seq]") {
    for (const std::string kind : {"vanilla", "random", "performer"}) {
        INFO(kind);
        Rng rng(4);
        Seq2Seq model(tiny_seq2seq(kind), rng);
        Batch batch = tiny_batch(rng);
        const std::vector<real> before = seq2seq_logits(model, batch).to_vector();  // [2, 5, 7]
        const int64_t t = 1, T = 5, V = 7;
        batch.second.values[size_t(t + 1)] = batch.second.values[size_t(t + 1)] % 6 + 1;
        const std::vector<real> after = seq2seq_logits(model, batch).to_vector();
        for (int64_t b = 0; b < 2; ++b)
            for (int64_t i = 0; i < T; ++i) {
                const auto first = size_t((b * T + i) * V);
                const bool same = std::equal(before.begin() + first, before.begin() + first + V,
                                             after.begin() + first);
                INFO("row " << b << ", position " << i);
                CHECK(same == (b == 1 || i <= t));
            }
    }
}

TEST_CASE("seq2seq: padded source tokens never change the logits", "[seq2seq]") {
    for (const std::string kind : {"vanilla", "random", "performer"}) {
        INFO(kind);
        Rng rng(5);
        Seq2Seq model(tiny_seq2seq(kind), rng);
        Batch batch = tiny_batch(rng);
        const std::vector<real> before = seq2seq_logits(model, batch).to_vector();
        batch.input.values[4 + 2] = 5;  // row 1 is padded from position 2 (S = 4)
        batch.input.values[4 + 3] = 6;
        CHECK(seq2seq_logits(model, batch).to_vector() == before);
        batch.input.values[4 + 1] = batch.input.values[4 + 1] == 3 ? 4 : 3;  // a real token
        const std::vector<real> after = seq2seq_logits(model, batch).to_vector();
        CHECK(std::vector<real>(after.begin() + 35, after.end()) !=
              std::vector<real>(before.begin() + 35, before.end()));
    }
}

TEST_CASE("seq2seq: cross-attention is scaled dot-product over the unpadded memory", "[seq2seq]") {
    AttentionConfig config;
    config.d_model = 4;
    config.heads = 2;
    config.kind = "random";  // ignored: cross-attention has no kind
    Rng rng(6);
    CrossAttention cross(config, rng);
    const Tensor x = Tensor::randn({1, 2, 4}, rng), memory = Tensor::randn({1, 3, 4}, rng);
    const Tensor padding = Tensor::from_vector({1, 3}, {1, 1, 0});
    const Tensor y = cross.forward(x, memory, padding);

    std::vector<Tensor> w;  // w_q, w_k, w_v, w_o: weight [4, 4] then bias [4]
    for (const Parameter& p : cross.parameters()) w.push_back(p.tensor);
    REQUIRE(w.size() == 8);
    const auto affine = [](const real* in, const Tensor& weight, const Tensor& bias, int64_t j) {
        double total = bias.data()[j];
        for (int64_t i = 0; i < 4; ++i) total += in[i] * weight.data()[i * 4 + j];
        return total;
    };
    std::vector<double> expected;
    for (int64_t t = 0; t < 2; ++t) {
        double merged[4];
        for (int64_t head = 0; head < 2; ++head) {
            double logits[2], weights[2];  // over the two real memory rows
            for (int64_t s = 0; s < 2; ++s) {
                logits[s] = 0;
                for (int64_t j = 2 * head; j < 2 * head + 2; ++j)
                    logits[s] += affine(x.data() + t * 4, w[0], w[1], j) *
                                 affine(memory.data() + s * 4, w[2], w[3], j);
                logits[s] /= std::sqrt(2.0);
            }
            const double top = std::max(logits[0], logits[1]);
            const double z = std::exp(logits[0] - top) + std::exp(logits[1] - top);
            for (int64_t s = 0; s < 2; ++s) weights[s] = std::exp(logits[s] - top) / z;
            for (int64_t j = 2 * head; j < 2 * head + 2; ++j)
                merged[j] = weights[0] * affine(memory.data(), w[4], w[5], j) +
                            weights[1] * affine(memory.data() + 4, w[4], w[5], j);
        }
        std::vector<real> merged_real(merged, merged + 4);
        for (int64_t j = 0; j < 4; ++j)
            expected.push_back(affine(merged_real.data(), w[6], w[7], j));
    }
    check_values(y, expected, 1e-4, 1e-5);
    CHECK(cross.weights(x, cross.prepare(memory, padding)).data()[2] == 0);  // padded: no weight
}

TEST_CASE("seq2seq: parameter names, one tied embedding, documented counts", "[seq2seq]") {
    for (const std::string kind : {"vanilla", "random"}) {
        INFO(kind);
        Rng rng(7);
        const Seq2SeqConfig config = tiny_seq2seq(kind);
        Seq2Seq model(config, rng);
        std::vector<std::string> names;
        for (const Parameter& p : model.parameters()) names.push_back(p.name);
        const auto has = [&](const std::string& name) {
            return std::count(names.begin(), names.end(), name) == 1;
        };
        CHECK(names[0] == "encoder.embed.weight");
        CHECK(has("encoder.pos.weight"));
        CHECK(has("decoder.pos.weight"));
        CHECK(has("decoder.blocks.1.ln_cross.gamma"));
        CHECK(has("decoder.blocks.0.cross.w_q.weight"));
        CHECK(has("decoder.blocks.0.cross.w_o.bias"));
        CHECK(has(kind == "vanilla" ? "decoder.blocks.0.attn.vanilla.w_q.weight"
                                    : "decoder.blocks.0.attn.random.r"));
        CHECK(names.back() == "decoder.ln_f.beta");
        for (const std::string& name : names) {
            INFO(name);
            CHECK(name.find("head") == std::string::npos);
            CHECK((name == "encoder.embed.weight" || name.find("embed") == std::string::npos));
            if (name.find(".cross.") != std::string::npos)  // always dot-product
                CHECK(name.find(kind) == std::string::npos);
        }

        const int64_t V = config.stack.vocab, d = config.stack.d_model, F = config.stack.d_ff;
        const int64_t h = config.stack.heads, n = config.stack.max_len;
        const int64_t attention =
            2 * (d * d + d) + (kind == "vanilla" ? 2 * (d * d + d) : h * n * n);
        const int64_t enc_block = attention + 4 * d + 2 * d * F + F + d;
        const int64_t dec_block = attention + 4 * (d * d + d) + 6 * d + 2 * d * F + F + d;
        CHECK(model.count_parameters() == V * d + 2 * n * d + config.stack.layers * enc_block +
                                              config.decoder_layers * dec_block + 4 * d);
    }
}

TEST_CASE("seq2seq: input and decoding errors", "[seq2seq]") {
    Rng rng(8);
    Seq2Seq model(tiny_seq2seq("vanilla"), rng);
    Batch batch = tiny_batch(rng);
    batch.target = IntTensor({2, 4}, std::vector<int32_t>(8, 3));
    CHECK_THROWS_WITH(seq2seq_loss(model, batch),
                      Catch::Contains("target [2, 4] differs from the decoder "
                                      "input [2, 5]"));
    const IntTensor long_source({1, 7}, std::vector<int32_t>(7, 3));
    CHECK_THROWS_WITH(model.encode(long_source, Tensor()),
                      Catch::Contains("sequence length 7 exceeds max_len 6"));
    const IntTensor source({1, 3}, {3, 4, 5});
    CHECK_THROWS_WITH(model.greedy_decode(source, Tensor(), kBos, kEos, 7),
                      Catch::Contains("max_steps 7 outside [1, max_len = 6]"));
    CHECK_THROWS_WITH(model.greedy_decode(source, Tensor(), 7, kEos, 3),
                      Catch::Contains("bos 7 and eos 2 must be token ids in [0, 7)"));
    Seq2SeqConfig no_decoder = tiny_seq2seq("vanilla");
    no_decoder.decoder_layers = 0;
    CHECK_THROWS_WITH(Seq2Seq(no_decoder, rng), Catch::Contains("decoder_layers must be positive"));
}

TEST_CASE("seq2seq: greedy decoding stops at EOS or max_steps and restores the mode", "[seq2seq]") {
    Rng rng(9);
    Seq2Seq model(tiny_seq2seq("random"), rng);
    const Batch batch = tiny_batch(rng);
    for (const int64_t max_steps : {1, 4, 6}) {
        INFO("max_steps " << max_steps);
        const auto decoded =
            model.greedy_decode(batch.input, batch.input_mask, kBos, kEos, max_steps);
        REQUIRE(decoded.size() == 2);
        for (const auto& row : decoded) {
            CHECK(int64_t(row.size()) <= max_steps);
            CHECK(std::count(row.begin(), row.end(), kEos) == 0);
        }
    }
    CHECK(model.training());
    model.set_training(false);
    model.greedy_decode(batch.input, batch.input_mask, kBos, kEos, 2);
    CHECK_FALSE(model.training());
}

TEST_CASE("seq2seq: a tiny model learns to copy, then greedy decoding copies", "[seq2seq][optim]") {
    Seq2SeqConfig config = tiny_seq2seq("vanilla");
    config.stack.vocab = 8;
    config.stack.d_model = 32;
    config.stack.layers = 1;
    config.decoder_layers = 1;
    config.stack.d_ff = 64;
    config.stack.max_len = 6;
    Rng rng(12);
    Seq2Seq model(config, rng);
    std::vector<std::vector<int32_t>> sources;
    std::vector<Example> examples;
    for (int64_t i = 0; i < 4; ++i) {
        sources.push_back(symbols(rng, 3 + i % 2, 8));
        examples.push_back(copy_example(sources.back()));
    }
    const Batch batch = collate(examples);
    AdamOptions options = adamw_defaults();
    options.weight_decay = 0;
    AdamW optimizer(model.parameters(), options);
    const double start = seq2seq_loss(model, batch).item();
    double loss = start;
    for (int step = 0; step < 200 && loss > 0.05; ++step) {
        optimizer.zero_grad();
        Tensor l = seq2seq_loss(model, batch);
        loss = l.item();
        l.backward();
        optimizer.step(3e-3);
    }
    INFO("start " << start << ", end " << loss);
    CHECK(start > 1);
    CHECK(loss < 0.05);
    CHECK(model.greedy_decode(batch.input, batch.input_mask, kBos, kEos, 6) == sources);
}
