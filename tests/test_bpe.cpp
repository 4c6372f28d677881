// The byte-level BPE tokenizer (bpe.h) and the kjv_bpe task (kjv_bpe.h): the pre-tokenizer, merges
// derived by hand on a tiny corpus, determinism, exact vocabulary sizes and their bounds, the
// round trip of every train and test chapter and of bytes training never saw, the bits per
// character against a hand computation, and sample / eval / attention-map from a checkpoint, whose
// tokenizer record must be there and match.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>

#include "cli_helpers.h"
#include "engine/autograd.h"
#include "temp_dir.h"
#include "train/checkpoint.h"
#include "train/cli.h"
#include "train/config.h"
#include "train/data/bpe.h"
#include "train/data/kjv.h"
#include "train/data/kjv_bpe.h"
#include "train/lm_task.h"
#include "train/trainer.h"

using namespace attnlab;
using attnlab::testing::cli;
using attnlab::testing::CliResult;
using attnlab::testing::one_error_line;
using Catch::Contains;
using Catch::StartsWith;

namespace {

// A tiny kjv_bpe run's config: 300 ids (43 merges) keep the tokenizer quick to train.
std::vector<std::string> tiny_overrides(const testing::TempDir& dir) {
    return {"data.task=kjv_bpe",
            "data.vocab_size=300",
            "data.context_length=16",
            "model.d_model=16",
            "model.heads=2",
            "model.layers=1",
            "model.d_ff=32",
            "train.steps=2",
            "train.batch_size=4",
            "train.eval_every=2",
            "train.eval_batches=1",
            "train.threads=1",
            "train.out_dir=" + dir.file("run")};
}

std::vector<std::string> ids_of(const std::vector<int32_t>& ids) {
    std::vector<std::string> out;
    for (int32_t id : ids) out.push_back(std::to_string(id));
    return out;
}

}  // namespace

TEST_CASE("bpe: words split at class changes, a space joins the run after it", "[bpe]") {
    const std::vector<std::string_view> words =
        bpe_words("In the  beginning, God\n\n created 12 x!?");
    CHECK(std::vector<std::string>(words.begin(), words.end()) ==
          std::vector<std::string>{"In", " the", " ", " beginning", ",", " God", "\n\n", " created",
                                   " 12", " x", "!?"});
    const std::string bytes("caf\xc3\xa9 \xff\x00", 8);  // UTF-8 and 0xFF are letters, NUL not
    const std::vector<std::string_view> binary = bpe_words(bytes);
    CHECK(std::vector<std::string>(binary.begin(), binary.end()) ==
          std::vector<std::string>{"caf\xc3\xa9", " \xff", std::string(1, '\0')});
}

TEST_CASE("bpe: the merges of a tiny corpus, derived by hand", "[bpe]") {
    // "ba ba ab aaaa" → words "ba", " ba", " ab", " aaaa" (once each). Ids: ' ' 33, a 98, b 99.
    // Counts: (a,a) 3 (overlapping), (b,a) 2, (' ',a) 2, (' ',b) 1, (a,b) 1.
    //   1. (a,a) 3        → 257 "aa";    " aaaa" = ' ' aa aa; now (' ',a) 1, (' ',aa) 1, (aa,aa) 1
    //   2. (b,a) 2        → 258 "ba";    left, all 1: (33,258) (33,98) (98,99) (33,257) (257,257)
    //   3. (33,98)        → 259 " a"     (the smallest first id, then the smallest second id)
    //   4. (33,257)       → 260 " aa"    (ties with (33,258) on the first id, wins on the second)
    //   5. (33,258)       → 261 " ba"
    //   6. (259,99)       → 262 " ab"
    //   7. (260,257)      → 263 " aaaa"; then every word is one token: at most 264 ids.
    const BpeWordCounts counts = bpe_word_counts("ba ba ab aaaa");
    CHECK(counts == BpeWordCounts{{"ba", 1}, {" ba", 1}, {" ab", 1}, {" aaaa", 1}});
    const BpeTokenizer bpe = BpeTokenizer::train(counts, 264);
    using Pair = BpeTokenizer::Pair;
    CHECK(bpe.merges() ==
          std::vector<Pair>{
              {98, 98}, {99, 98}, {33, 98}, {33, 257}, {33, 258}, {259, 99}, {260, 257}});
    CHECK(bpe.vocab_size() == 264);
    CHECK(bpe.token(263) == " aaaa");
    CHECK(bpe.token(262) == " ab");
    // "ba aaa ab": "ba" → 258; " aaa" → ' ' aa a (rank 0) → " aa" a (rank 3); " ab" → " a" b → "
    // ab".
    CHECK(ids_of(bpe.encode("ba aaa ab")) == ids_of({258, 260, 98, 262}));
    CHECK(BpeTokenizer::train(counts, 261).merges() ==
          std::vector<Pair>(bpe.merges().begin(), bpe.merges().begin() + 4));
    CHECK_THROWS_WITH(BpeTokenizer::train(counts, 265),
                      Contains("runs out of pairs after 7 merges") && Contains("264"));
}

TEST_CASE("bpe: training on the KJV is deterministic and honours the vocabulary size", "[bpe]") {
    const std::string& train = kjv_split_text(KjvSplit::Train);
    const BpeWordCounts counts = bpe_word_counts(train);
    const BpeTokenizer first = BpeTokenizer::train(counts, 1000);
    const BpeTokenizer second = BpeTokenizer::train(counts, 1000);
    CHECK(first.merges() == second.merges());
    CHECK(first.fingerprint() == second.fingerprint());
    CHECK(first.fingerprint() != BpeTokenizer::train(counts, 999).fingerprint());
    // The verses in reverse order have the same words, so the same merges.
    std::vector<std::string> verses;
    for (int32_t i : kjv_split_verses(KjvSplit::Train))
        verses.push_back(kjv_verses()[size_t(i)].text);
    std::string reversed;
    for (auto verse = verses.rbegin(); verse != verses.rend(); ++verse)
        reversed += (reversed.empty() ? "" : "\n") + *verse;
    CHECK(BpeTokenizer::train(bpe_word_counts(reversed), 1000).merges() == first.merges());

    CHECK(first.vocab_size() == 1000);
    CHECK(first.merges().size() == 1000 - 257);
    std::map<std::string, int32_t> seen;  // every token is a distinct string
    for (int32_t id = 1; id < 1000; ++id) CHECK(seen.emplace(first.token(id), id).second);
    const std::vector<int32_t> ids = first.encode(train);
    CHECK(*std::max_element(ids.begin(), ids.end()) == 999);  // the last merge is used
    CHECK(*std::min_element(ids.begin(), ids.end()) >= 1);
    CHECK_THROWS_WITH(BpeTokenizer::train(counts, 256), Contains("vocab_size 256 must be in [257"));
    CHECK(BpeTokenizer::train(counts, 257).merges().empty());
}

TEST_CASE("bpe: every train and test chapter of the KJV round-trips", "[bpe]") {
    const std::shared_ptr<const BpeTokenizer> bpe = kjv_bpe_tokenizer(2000);
    std::map<int64_t, std::string> chapters;  // ordinal → its verses joined with '\n'
    for (KjvSplit split : {KjvSplit::Train, KjvSplit::Test})
        for (int32_t i : kjv_split_verses(split)) {
            const KjvVerse& verse = kjv_verses()[size_t(i)];
            std::string& text = chapters[verse.chapter_ordinal];
            text += (text.empty() ? "" : "\n") + verse.text;
        }
    CHECK(chapters.size() > 1100);
    int64_t failures = 0, bytes = 0, tokens = 0;
    for (const auto& [ordinal, text] : chapters) {
        const std::vector<int32_t> ids = bpe->encode(text);
        failures += bpe->decode(ids) != text;
        bytes += int64_t(text.size());
        tokens += int64_t(ids.size());
    }
    CHECK(failures == 0);
    CHECK(tokens * 3 < bytes);  // subwords, not bytes: over 3 characters a token
}

TEST_CASE("bpe: bytes absent from the training text encode and decode exactly", "[bpe]") {
    const BpeTokenizer bpe = BpeTokenizer::train(bpe_word_counts("ba ba ab aaaa"), 264);
    const std::string odd("\x00 X\xff~\xc3(\xe2\x82 aaaa\x80", 15);  // NUL, 0xFF, invalid UTF-8
    const std::vector<int32_t> ids = bpe.encode(odd);
    CHECK(bpe.decode(ids) == odd);
    CHECK(ids.front() == 1);                              // NUL is byte id 1
    CHECK(std::count(ids.begin(), ids.end(), 256) == 1);  // 0xFF is byte id 256
    CHECK(std::count(ids.begin(), ids.end(), 263) == 1);  // " aaaa" still merges
    // The KJV's train split has no 'X', '~' or byte above 0x7F: the same holds there.
    const std::shared_ptr<const BpeTokenizer> kjv = kjv_bpe_tokenizer(300);
    CHECK(kjv->decode(kjv->encode(odd)) == odd);
    CHECK(kjv->decode(kjv->encode("")).empty());
    CHECK_THROWS_WITH(kjv->decode({300}), Contains("token id 300 outside [0, 300)"));
}

TEST_CASE("kjv_bpe: the task trains and its bpc is nats over ln 2 times characters", "[bpe]") {
    testing::TempDir dir;
    Trainer trainer(load_config("", tiny_overrides(dir)));
    REQUIRE(trainer.run());
    auto* task = dynamic_cast<LmTask*>(&trainer.task());
    REQUIRE(task);
    CHECK(task->lm().config().stack.vocab == 300);
    const Dataset& test = task->split("test");
    const auto& data = dynamic_cast<const KjvBpeLanguageModel&>(test);
    CHECK(data.decode(data.tokens()) == kjv_split_text(KjvSplit::Test));
    CHECK(data.size() == (int64_t(data.tokens().size()) - 1) / 16);

    const Batch batch = make_batch(test, {0, 5, 9});
    task->model().set_training(false);
    NoGradGuard no_grad;
    const Tensor logits = task->lm().forward(batch.input);  // [3, 16, 300]
    double nats = 0, characters = 0;
    for (int64_t r = 0; r < 3 * 16; ++r) {
        const real* row = logits.data() + r * 300;
        double normaliser = 0;
        for (int64_t v = 0; v < 300; ++v) normaliser += std::exp(double(row[v]));
        const int32_t target = batch.target.values[size_t(r)];
        nats += std::log(normaliser) - double(row[target]);
        characters += double(test.decode({target}).size());
    }
    const Metrics metrics = task->finish_metrics(task->evaluate_batch(batch));
    CHECK(metrics.at("characters") == characters);
    CHECK(characters > 48);  // subwords, some longer than a character
    CHECK(metrics.at("bpc") == Approx(nats / (std::log(2.0) * characters)).epsilon(1e-4));
    CHECK(metrics.at("perplexity") == Approx(std::exp(nats / 48)).epsilon(1e-4));

    // kjv_char by the same definition: one character per token, so bpc = loss / ln 2.
    std::vector<std::string> char_overrides = tiny_overrides(dir);
    char_overrides.front() = "data.task=kjv_char";
    char_overrides.erase(char_overrides.begin() + 1);
    std::unique_ptr<Task> chars = make_task(load_config("", char_overrides));
    const Metrics char_metrics =
        chars->finish_metrics(chars->evaluate_batch(make_batch(chars->split("test"), {0, 1})));
    CHECK(char_metrics.at("characters") == char_metrics.at("tokens"));
    CHECK(char_metrics.at("bpc") == Approx(char_metrics.at("loss") / std::log(2.0)));
}

TEST_CASE("kjv_bpe: vocab_size out of its range is a one-line config error", "[bpe]") {
    testing::TempDir dir;
    CHECK(config_int(load_config("train/configs/kjv_bpe.json"), "data.vocab_size") == 4000);
    // Within the range but beyond the KJV train split's pairs (it runs out below 30000).
    std::vector<std::string> beyond = tiny_overrides(dir);
    beyond.push_back("data.vocab_size=30000");
    CHECK_THROWS_WITH(make_task(load_config("", beyond)),
                      StartsWith("config: \"data.vocab_size\": bpe: the training text runs out of "
                                 "pairs after "));
    for (const char* size : {"256", "65537"}) {
        std::vector<std::string> overrides = tiny_overrides(dir);
        overrides.push_back(cat("data.vocab_size=", size));
        const json config = load_config("", overrides);
        CHECK_THROWS_AS(make_task(config), ConfigError);
        CHECK_THROWS_WITH(make_task(config), StartsWith("config: \"data.vocab_size\" must be in "
                                                        "[257, 65536]") &&
                                                 !Contains("\n"));
    }
}

TEST_CASE("kjv_bpe: sample, eval and attention-map decode with the checkpoint's tokenizer",
          "[bpe][cli]") {
    testing::TempDir dir;
    std::vector<std::string> train = {"train", "--quiet"};
    for (const std::string& o : tiny_overrides(dir)) {
        train.push_back("--set");
        train.push_back(o);
    }
    const CliResult trained = cli(train);
    INFO(trained.err);
    REQUIRE(trained.status == kExitOk);
    const std::string checkpoint = dir.file("run/last.safetensors");

    const CliResult sampled = cli({"sample", checkpoint, "--prompt", "In the beginning", "--length",
                                   "6", "--temperature", "0", "--threads", "1"});
    CHECK(sampled.status == kExitOk);
    CHECK_THAT(sampled.out, StartsWith("In the beginning"));
    CHECK(sampled.out.size() >= std::string("In the beginning").size() + 6 + 1);
    const CliResult unseen = cli({"sample", checkpoint, "--prompt", "X~\xff", "--length", "2"});
    CHECK(unseen.status == kExitOk);
    CHECK_THAT(unseen.out, StartsWith("X~\xff"));

    const CliResult evaluated = cli({"eval", checkpoint, "--split", "test", "--batches", "1"});
    CHECK(evaluated.status == kExitOk);
    CHECK_THAT(evaluated.out,
               Contains(" bpc ") && Contains(" perplexity ") && Contains(" characters "));

    const CliResult mapped = cli({"attention-map", checkpoint, "--input", "And God said", "--out",
                                  dir.file("maps"), "--heads", "0", "--threads", "1"});
    INFO(mapped.err);
    CHECK(mapped.status == kExitOk);
    CHECK_THAT(mapped.out, Contains("tokens): And God said"));

    // A checkpoint without the tokenizer's record, or with another one, does not load.
    const Checkpoint read = read_checkpoint(checkpoint);
    std::unique_ptr<Task> task = make_task(read.state.config);
    load_model(read, task->model());
    TrainingState state = read.state;
    state.task.clear();
    save_checkpoint(dir.file("bare.safetensors"), task->model(), nullptr, state);
    const CliResult bare = cli({"eval", dir.file("bare.safetensors")});
    CHECK(bare.status == kExitFailure);
    CHECK(one_error_line(bare.err));
    CHECK_THAT(bare.err, Contains("lacks \"task.tokenizer\""));
    state.task["tokenizer"] = "bpe 300 ids fnv1a64 0000000000000000";
    save_checkpoint(dir.file("other.safetensors"), task->model(), nullptr, state);
    const CliResult other = cli({"sample", dir.file("other.safetensors")});
    CHECK(other.status == kExitFailure);
    CHECK(one_error_line(other.err));
    CHECK_THAT(other.err,
               Contains("\"task.tokenizer\" is \"bpe 300 ids fnv1a64 0000000000000000\""));
}
