// Incremental decoding (models/token_mixer.h's DecodeState, LmDecoding, Seq2SeqDecoding): for
// every causal kind, mixtures and the Performer's feature maps, the logits of each step equal the
// whole-prefix forward at that position (1e-5 relative in f32, 1e-10 in f64), from one token, after
// a prompt, for a ragged batch of prompts and after a checkpoint reload; sampling and greedy
// seq2seq decoding give the same tokens both ways; kinds that cannot decode say so.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "models/seq2seq.h"
#include "models/zoo.h"
#include "temp_dir.h"
#include "train/checkpoint.h"
#include "train/sampling.h"

using namespace attnlab;
using Catch::Contains;

namespace {

constexpr double kDecodingTolerance = sizeof(real) == sizeof(float) ? 1e-5 : 1e-10;
constexpr int64_t kMaxLen = 12, kVocab = 11;

// A kind with the options that keep it tiny; `options` override them.
struct Variant {
    std::string kind;
    std::vector<std::pair<std::string, OptionValue>> options;
    double f32_tolerance = 1e-5;
};

double tolerance(const Variant& variant) {
    return sizeof(real) == sizeof(float) ? variant.f32_tolerance : kDecodingTolerance;
}

std::vector<Variant> variants() {
    std::vector<Variant> all;
    for (const KindInfo* kind : registered_kinds())
        if (kind->causal && kind->decodes) all.push_back({kind->name, {}});
    all.push_back({"random+vanilla", {}});
    all.push_back({"dense+factorized_random+fixed_random", {}});
    all.push_back({"performer", {{"performer_feature_kind", "hyperbolic"}}});
    all.push_back({"performer", {{"performer_feature_kind", "relu"}}});
    all.push_back({"performer", {{"performer_feature_kind", "relu_deterministic"}}});
    all.push_back({"performer", {{"performer_feature_kind", "exp"}}});
    all.push_back({"performer", {{"performer_feature_kind", "elu_plus_one_deterministic"}}});
    // Trigonometric features are not positive: a row's normaliser φq·z sums terms of both signs
    // and magnifies rounding (their documented instability), so two exact orders of the same sums
    // differ by up to ~1e-5 of a row in float, whether decoding or not.
    all.push_back({"performer", {{"performer_feature_kind", "trig"}}, 1e-4});
    all.push_back({"performer", {{"performer_key_stabilizer", "per_token"}}});
    all.push_back({"dynamic_conv", {{"conv_kernel", 1}}});
    return all;
}

std::string label(const Variant& variant) {
    std::string text = variant.kind;
    for (const auto& option : variant.options)
        text += " " + option.first + "=" +
                (option.second.is_integer() ? std::to_string(option.second.integer())
                                            : option.second.text());
    return text;
}

StackConfig tiny_stack(const Variant& variant) {
    StackConfig stack;
    stack.vocab = kVocab;
    stack.d_model = 8;
    stack.heads = 2;
    stack.layers = 2;
    stack.d_ff = 16;
    stack.max_len = kMaxLen;  // 3 · 4, for factorized_dense
    stack.attention.kind = variant.kind;
    stack.attention.set("performer_features", 8).set("conv_kernel", 3);
    for (const auto& option : variant.options) stack.attention.set(option.first, option.second);
    return stack;
}

LmConfig tiny_lm(const Variant& variant) {
    LmConfig config;
    config.stack = tiny_stack(variant);
    return config;
}

// max |a − b| / max |b| over n values: the relative error of a row of logits.
double decoding_relative_error(const real* a, const real* b, int64_t n) {
    double diff = 0, scale = 0;
    for (int64_t i = 0; i < n; ++i) {
        diff = std::max(diff, std::abs(double(a[i]) - double(b[i])));
        scale = std::max(scale, std::abs(double(b[i])));
    }
    return diff / scale;
}

int32_t argmax(const real* row, int64_t n) {
    return int32_t(std::max_element(row, row + n) - row);
}

// What a greedy incremental decoding saw: every row's tokens and the logits of each of its
// positions [row][position * V + v].
struct Decoded {
    std::vector<std::vector<int32_t>> tokens;
    std::vector<std::vector<real>> logits;
};

// Feeds ragged `prompts` through one LmDecoding as sample_lm_batch does (every row at the same
// position, prompt tokens first), continuing each row greedily to `length` tokens.
Decoded decode_greedy(LanguageModel& model, const std::vector<std::vector<int32_t>>& prompts,
                      int64_t length) {
    Decoded decoded{prompts, std::vector<std::vector<real>>(prompts.size())};
    LmDecoding decoding = model.start_decoding(int64_t(prompts.size()));
    for (int64_t position = 0; position < length; ++position) {
        std::vector<int32_t> ids;
        for (const auto& row : decoded.tokens) ids.push_back(row[size_t(position)]);
        const Tensor logits = decoding.step(ids);  // [B, V]
        for (size_t b = 0; b < prompts.size(); ++b) {
            const real* row = logits.data() + int64_t(b) * kVocab;
            decoded.logits[b].insert(decoded.logits[b].end(), row, row + kVocab);
            if (int64_t(decoded.tokens[b].size()) == position + 1 && position + 1 < length)
                decoded.tokens[b].push_back(argmax(row, kVocab));
        }
    }
    return decoded;
}

// Each row's logits from the decoding against `reference`'s whole-prefix forward of that row
// alone, at every position.
void check_against_forward(LanguageModel& reference, const Decoded& decoded, double tolerance) {
    for (size_t b = 0; b < decoded.tokens.size(); ++b) {
        const int64_t L = int64_t(decoded.tokens[b].size());
        const Tensor whole = reference.forward(IntTensor({1, L}, decoded.tokens[b]));
        for (int64_t t = 0; t < L; ++t) {
            INFO("row " << b << ", position " << t);
            CHECK(decoding_relative_error(decoded.logits[b].data() + t * kVocab,
                                          whole.data() + t * kVocab, kVocab) <= tolerance);
        }
    }
}

}  // namespace

TEST_CASE("decoding: each step of a layer equals its forward's row, every causal kind",
          "[decoding]") {
    for (const Variant& variant : variants()) {
        INFO(label(variant));
        AttentionConfig config = tiny_stack(variant).block_attention(0, true);
        Rng rng(5);
        const auto layer = make_token_mixer(config, rng);
        // The linear-attention kinds and the convolutions have no max_len of their own: they
        // decode past it.
        const bool unbounded = variant.kind == "performer" ||
                               variant.kind == "linear_transformer" ||
                               variant.kind.find("conv") != std::string::npos;
        const int64_t B = 2, L = unbounded ? 3 * kMaxLen : kMaxLen, d = config.d_model;
        const Tensor x = Tensor::randn({B, L, d}, rng);
        const Tensor whole = layer->forward(x);  // [B, L, d]
        const auto state = layer->start_decoding(B);
        for (int64_t t = 0; t < L; ++t) {
            const Tensor out = state->step(reshape(slice(x, 1, t, t + 1), {B, 1, d}));
            const Tensor expected = slice(whole, 1, t, t + 1);
            INFO("position " << t);
            CHECK(decoding_relative_error(out.data(), expected.data(), B * d) <=
                  tolerance(variant));
        }
        CHECK(state->position() == L);
    }
}

TEST_CASE("decoding: LM logits equal the whole-prefix forward, with and without a prompt",
          "[decoding]") {
    for (const Variant& variant : variants()) {
        INFO(label(variant));
        Rng rng(11);
        LanguageModel model(tiny_lm(variant), rng);
        model.set_training(false);
        const double tol = tolerance(variant);
        check_against_forward(model, decode_greedy(model, {{3}}, kMaxLen), tol);  // no prompt
        check_against_forward(model, decode_greedy(model, {{4, 1, 9, 9, 2}}, kMaxLen), tol);
        const Decoded ragged =
            decode_greedy(model, {{5}, {7, 3, 3, 8}, {1, 2, 6, 10, 4, 9, 7}}, kMaxLen);
        check_against_forward(model, ragged, tol);
        // The check can fail: rows with other prefixes have other logits at the same position.
        CHECK(decoding_relative_error(ragged.logits[0].data() + kVocab,
                                      ragged.logits[1].data() + kVocab,
                                      kVocab) > 1000 * kDecodingTolerance);
    }
}

TEST_CASE("decoding: a reloaded checkpoint decodes as the model that saved it", "[decoding]") {
    testing::TempDir dir;
    for (const Variant& variant : variants()) {
        INFO(label(variant));
        Rng rng(21), other(22);
        LanguageModel saved(tiny_lm(variant), rng), reloaded(tiny_lm(variant), other);
        const std::string path = dir.file("lm.safetensors");
        TrainingState state;
        state.config = nlohmann::json::object();
        save_checkpoint(path, saved, nullptr, state);
        load_model(read_checkpoint(path), reloaded);
        saved.set_training(false);
        reloaded.set_training(false);
        check_against_forward(saved, decode_greedy(reloaded, {{2, 8}, {6}}, kMaxLen),
                              tolerance(variant));
    }
}

TEST_CASE("decoding: sampling with a seed gives the same tokens both ways, past max_len too",
          "[decoding]") {
    for (const Variant& variant : variants()) {
        INFO(label(variant));
        Rng init(31);
        LanguageModel model(tiny_lm(variant), init);
        SamplingOptions options;
        options.length = 2 * kMaxLen;  // the window is cut and re-encoded
        options.top_k = 5;
        const std::vector<std::vector<int32_t>> prompts = {{1}, {2, 3, 4}, {5, 6, 7, 8, 9}};
        Rng a(7), b(7);
        const auto incremental = sample_lm_batch(model, prompts, options, a);
        options.decoding = Decoding::WholePrefix;
        const auto whole_prefix = sample_lm_batch(model, prompts, options, b);
        CHECK(incremental == whole_prefix);
        for (const auto& row : incremental) CHECK(int64_t(row.size()) == options.length);
        CHECK(incremental[0] != incremental[2]);
    }
}

TEST_CASE("decoding: seq2seq steps equal decode() and greedy decoding agrees both ways",
          "[decoding][seq2seq]") {
    // Sources of lengths 5, 2 and 4, padded to 5.
    const IntTensor source({3, 5}, {3, 4, 5, 6, 7, 8, 9, 0, 0, 0, 10, 4, 4, 3, 0});
    Tensor mask = Tensor::zeros({3, 5});
    for (int64_t i = 0; i < 15; ++i) mask.data()[i] = source.values[size_t(i)] != 0;
    for (const Variant& variant : variants()) {
        INFO(label(variant));
        Seq2SeqConfig config;
        config.stack = tiny_stack(variant);
        config.stack.layers = 1;
        config.decoder_layers = 2;
        Rng rng(41);
        Seq2Seq model(config, rng);
        model.set_training(false);
        const Tensor memory = model.encode(source, mask);
        Seq2SeqDecoding decoding = model.start_decoding(memory, mask);
        std::vector<std::vector<int32_t>> rows = {{1}, {1}, {1}};
        for (int64_t t = 0; t < kMaxLen; ++t) {
            std::vector<int32_t> ids;
            for (const auto& row : rows) ids.push_back(row.back());
            const Tensor logits = decoding.step(ids);  // [3, V]
            std::vector<int32_t> flat;
            for (const auto& row : rows) flat.insert(flat.end(), row.begin(), row.end());
            const Tensor whole = model.decode(IntTensor({3, t + 1}, flat), Tensor(), memory, mask);
            for (int64_t b = 0; b < 3; ++b) {
                INFO("row " << b << ", position " << t);
                CHECK(decoding_relative_error(logits.data() + b * kVocab,
                                              whole.data() + (b * (t + 1) + t) * kVocab,
                                              kVocab) <= tolerance(variant));
                rows[size_t(b)].push_back(argmax(logits.data() + b * kVocab, kVocab));
            }
        }
        CHECK(model.greedy_decode(source, mask, 1, 2, kMaxLen) ==
              model.greedy_decode(source, mask, 1, 2, kMaxLen, Decoding::WholePrefix));
    }
}

TEST_CASE("decoding: a FAVOR+ redraw during a generation changes nothing in it", "[decoding]") {
    Rng rng(51);
    LanguageModel model(tiny_lm({"performer", {}}), rng);
    model.set_training(false);
    const std::vector<int32_t> tokens = {3, 9, 4, 4, 1, 7};
    const Tensor before = model.forward(IntTensor({1, 6}, tokens));
    LmDecoding decoding = model.start_decoding(1);
    for (int64_t t = 0; t < 6; ++t) {
        if (t == 3) REQUIRE(redraw_random_features(model, 99) == 2);
        const Tensor logits = decoding.step({tokens[size_t(t)]});
        INFO("position " << t);
        CHECK(decoding_relative_error(logits.data(), before.data() + t * kVocab, kVocab) <=
              kDecodingTolerance);
    }
    const Tensor after = model.forward(IntTensor({1, 6}, tokens));  // the redraw did happen
    CHECK(decoding_relative_error(after.data() + 5 * kVocab, before.data() + 5 * kVocab, kVocab) >
          1000 * kDecodingTolerance);
}

TEST_CASE("decoding: kinds and settings that cannot decode say so", "[decoding]") {
    AttentionConfig config;
    config.d_model = 8;
    config.heads = 2;
    config.max_len = 8;
    config.kind = "linformer";
    Rng rng(61);
    const auto linformer = make_token_mixer(config, rng);
    CHECK_THROWS_WITH(linformer->start_decoding(1),
                      Contains("linformer: no incremental decoding for this kind"));
    config.kind = "vanilla";
    const auto bidirectional = make_token_mixer(config, rng);
    CHECK_THROWS_WITH(bidirectional->start_decoding(1),
                      Contains("vanilla: incremental decoding needs a causal layer"));
    config.causal = true;
    const auto vanilla = make_token_mixer(config, rng);
    CHECK_THROWS_WITH(vanilla->start_decoding(0), Contains("decoding batch 0 must be >= 1"));
    CHECK_THROWS_WITH(vanilla->start_decoding(2)->step(Tensor::zeros({2, 3, 8})),
                      Contains("expected [2, 1, 8]"));

    LanguageModel model(tiny_lm({"random", {}}), rng);
    CHECK_THROWS_WITH(model.start_decoding(1), Contains("eval mode"));
    model.set_training(false);
    LmDecoding decoding = model.start_decoding(2);
    CHECK_THROWS_WITH(decoding.step({1, 2, 3}), Contains("3 tokens for a batch of 2"));
    for (int64_t t = 0; t < kMaxLen; ++t) decoding.step({1, 2});
    CHECK_THROWS_WITH(decoding.step({1, 2}), Contains("position 12 is past max_len 12"));
}
