// The task registry end to end: every registered task builds from its defaults with a tiny model,
// trains two steps and evaluates to finite metrics; the classifier and seq2seq metrics against
// hand counts; config errors for unknown tasks and keys of the wrong model family; eval and
// sample through the CLI for the new task families.
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <sstream>

#include "cli_helpers.h"
#include "engine/autograd.h"
#include "temp_dir.h"
#include "train/classifier_task.h"
#include "train/cli.h"
#include "train/config.h"
#include "train/data/synthetic_seq2seq.h"
#include "train/seq2seq_task.h"
#include "train/trainer.h"

using namespace attnlab;
using attnlab::testing::cli;
using attnlab::testing::CliResult;
using Catch::Contains;
using Catch::StartsWith;

namespace {

// Small dataset options per task, so that each builds and runs in well under a second.
std::vector<std::string> small_data(const std::string& task, const testing::TempDir& dir) {
    const std::vector<std::string> generated = {"data.train_size=16", "data.valid_size=8",
                                                "data.test_size=8"};
    const std::vector<std::string> kjv = {"data.min_length=16", "data.max_length=24",
                                          "data.train_examples=16", "data.eval_examples=8"};
    auto with = [](std::vector<std::string> a, const std::vector<std::string>& b) {
        a.insert(a.end(), b.begin(), b.end());
        return a;
    };
    if (task == "copy_lm") return with(generated, {"data.length=3", "data.symbols=4"});
    if (task == "text_file") {
        std::string text;
        for (int i = 0; i < 20; ++i) text += "the cat sat on the mat. ";
        testing::write_file(dir.file("corpus.txt"), text);
        return {"data.path=" + dir.file("corpus.txt"), "data.seq_len=8"};
    }
    if (task == "kjv_char") return {"data.context_length=16"};
    if (task == "kjv_bpe") return {"data.context_length=16", "data.vocab_size=300"};
    if (task == "kjv_classify") return with(kjv, {"data.label=testament"});
    if (task == "kjv_retrieval") return kjv;
    if (task == "kjv_transduce") return with(kjv, {"data.min_length=4", "data.max_length=8"});
    if (task == "listops")
        return with(generated, {"data.min_length=5", "data.max_length=20", "data.max_depth=3",
                                "data.max_args=3"});
    if (task == "associative_recall")
        return with(generated, {"data.min_pairs=2", "data.max_pairs=3", "data.key_alphabet=4",
                                "data.value_alphabet=3"});
    if (task == "mqar")
        return with(generated, {"data.pairs=2", "data.length=8", "data.key_alphabet=4",
                                "data.value_alphabet=4"});
    if (task == "pathfinder")  // 12 x 12 images: 144 pixel tokens
        return with(generated, {"data.side=12", "data.contour_length=2", "data.distractors=0"});
    if (task == "fashion_mnist")  // 784-pixel sequences: one per batch keeps it quick
        return {"data.max_examples=4", "data.valid_size=16", "train.batch_size=1"};
    if (task == "copy" || task == "reverse" || task == "sort")
        return with(generated, {"data.min_length=2", "data.max_length=4", "data.alphabet_size=4"});
    return {};
}

// The resolved config of `task` with a tiny model, a 2-step run and `extra` overrides.
json tasks_tiny_config(const std::string& task, const testing::TempDir& dir,
                       const std::vector<std::string>& extra = {}) {
    std::vector<std::string> overrides = {
        "data.task=" + task,        "model.d_model=16",   "model.heads=2",
        "model.layers=1",           "model.d_ff=32",      "train.steps=2",
        "train.batch_size=4",       "train.eval_every=2", "train.eval_batches=1",
        "train.checkpoint_every=2", "train.threads=1",    "train.out_dir=" + dir.file("run")};
    for (const std::string& o : small_data(task, dir)) overrides.push_back(o);
    overrides.insert(overrides.end(), extra.begin(), extra.end());
    return load_config("", overrides);
}

// The metric names each model family reports.
std::vector<std::string> family_metrics(ModelFamily family) {
    switch (family) {
        case ModelFamily::LanguageModel:
            return {"loss", "bpc", "accuracy"};
        case ModelFamily::Classifier:
            return {"loss", "accuracy"};
        case ModelFamily::Seq2Seq:
            return {"loss", "token_accuracy", "exact_match"};
    }
    return {};
}

}  // namespace

TEST_CASE("tasks: every registered task trains two steps and evaluates to finite metrics",
          "[tasks]") {
    const std::vector<std::string> expected = {
        "copy_lm",      "text_file",     "kjv_char",      "kjv_bpe",
        "kjv_classify", "kjv_retrieval", "listops",       "associative_recall",
        "mqar",         "pathfinder",    "fashion_mnist", "kjv_transduce",
        "copy",         "reverse",       "sort"};
    CHECK(task_names() == expected);
    for (const TaskInfo& info : task_infos()) {
        DYNAMIC_SECTION(info.name) {
            testing::TempDir dir;
            REQUIRE_FALSE(small_data(info.name, dir).empty());  // a new task needs an entry
            const json trainer_config = tasks_tiny_config(info.name, dir);
            Trainer trainer(trainer_config);
            CHECK(trainer.run());
            CHECK(trainer.step() == 2);
            REQUIRE(trainer.evals().size() == 1);
            Task& task = trainer.task();
            CHECK(task.name() == info.name);
            const Metrics test = task.evaluate(task.split("test"), 1,
                                               config_int(trainer_config, "train.batch_size"));
            for (const std::string& metric : family_metrics(info.family)) {
                INFO(info.name << " " << metric);
                REQUIRE(test.count(metric) == 1);
                CHECK(std::isfinite(test.at(metric)));
                CHECK(trainer.evals()[0].metrics.count(metric) == 1);
            }
            CHECK(test.count(task.primary_metric()) == 1);
            CHECK(task.higher_is_better() == (info.family != ModelFamily::LanguageModel));
        }
    }
}

TEST_CASE("tasks: classifier accuracy and loss equal a hand count on a fixed batch", "[tasks]") {
    testing::TempDir dir;
    const json config = tasks_tiny_config("listops", dir, {"model.pooling=cls"});
    std::unique_ptr<Task> made = make_task(config);
    auto* task = dynamic_cast<ClassifierTask*>(made.get());
    REQUIRE(task);
    CHECK(task->classifier().config().pooling == "cls");
    CHECK(task->classifier().config().stack.max_len ==
          20 + 1);  // data.max_length + the CLS position
    CHECK(task->classifier().config().num_classes == 10);
    const Batch batch = make_batch(task->split("valid"), {0, 1, 2, 3, 4, 5, 6, 7});
    task->model().set_training(false);
    NoGradGuard no_grad;
    const Tensor logits = task->logits(batch);  // [8, 10]
    double correct = 0, loss = 0;
    for (int64_t b = 0; b < 8; ++b) {
        const real* row = logits.data() + b * 10;
        int best = 0;
        double normaliser = 0;
        for (int c = 0; c < 10; ++c) {
            if (row[c] > row[best]) best = c;
            normaliser += std::exp(double(row[c]));
        }
        const int label = batch.labels.values[size_t(b)];
        correct += best == label;
        loss += std::log(normaliser) - double(row[label]);
    }
    const Metrics sums = task->evaluate_batch(batch);
    CHECK(sums.at("correct") == correct);
    CHECK(sums.at("examples") == 8);
    const Metrics metrics = task->finish_metrics(sums);
    CHECK(metrics.at("accuracy") == Approx(correct / 8));
    CHECK(metrics.at("loss") == Approx(loss / 8).epsilon(1e-5));
    CHECK(task->primary_metric() == "accuracy");
}

TEST_CASE("tasks: kjv_retrieval builds two towers", "[tasks]") {
    testing::TempDir dir;
    std::unique_ptr<Task> made = make_task(tasks_tiny_config("kjv_retrieval", dir));
    auto* task = dynamic_cast<ClassifierTask*>(made.get());
    REQUIRE(task);
    CHECK(task->classifier().config().towers == 2);
    CHECK(task->classifier().config().stack.max_len == 24);  // mean pooling: the data's max_length
    CHECK(task->classifier().config().num_classes == 2);
}

TEST_CASE("tasks: seq2seq exact_match counts greedy decodes, and a short copy run learns it",
          "[tasks]") {
    testing::TempDir dir;
    const json config = tasks_tiny_config(
        "copy", dir,
        {"model.d_model=32", "model.d_ff=64", "data.train_size=2000", "data.min_length=1",
         "data.max_length=3", "data.alphabet_size=3", "train.steps=150", "train.batch_size=16",
         "train.lr=0.01", "train.schedule.warmup=10", "train.eval_every=150"});
    Trainer trainer(config);
    auto* task = dynamic_cast<Seq2SeqTask*>(&trainer.task());
    REQUIRE(task);
    CHECK(task->seq2seq().config().stack.layers == 1);
    CHECK(task->seq2seq().config().decoder_layers == 1);
    CHECK(task->seq2seq().config().stack.max_len == 4);  // max_length + 1 (BOS or EOS)

    // The metric is the count of greedy decodes equal to the target before its EOS.
    auto check_against_manual_count = [&] {
        const Batch batch = make_batch(task->split("test"), {0, 1, 2, 3, 4, 5, 6, 7});
        double exact = 0;
        const auto outputs = task->seq2seq().greedy_decode(batch.input, batch.input_mask,
                                                           kSeq2SeqBos, kSeq2SeqEos, 4);
        for (int64_t b = 0; b < 8; ++b) {
            const Example example = task->split("test").example(b);
            std::vector<int32_t> expected = example.target;
            expected.pop_back();  // EOS
            exact += outputs[size_t(b)] == expected;
        }
        NoGradGuard no_grad;
        const Metrics sums = task->evaluate_batch(batch);
        CHECK(sums.at("exact") == exact);
        CHECK(sums.at("sequences") == 8);
        return exact;
    };
    check_against_manual_count();
    REQUIRE(trainer.run());
    CHECK(check_against_manual_count() >= 6);
    const Metrics test = task->evaluate(task->split("test"), 0, 8);
    INFO("test exact_match " << test.at("exact_match"));
    CHECK(test.at("exact_match") > 0.8);
    CHECK(test.at("token_accuracy") >= test.at("exact_match"));
}

TEST_CASE("tasks: an unknown task lists every valid task", "[tasks][config]") {
    try {
        load_config("", {"data.task=listopz"});
        FAIL("no error");
    } catch (const ConfigError& e) {
        CHECK_THAT(e.what(), Contains("\"listopz\""));
        for (const std::string& name : task_names()) CHECK_THAT(e.what(), Contains(name));
    }
    CHECK_THROWS_WITH(find_task("nope"), Contains("valid tasks: copy_lm, text_file, kjv_char"));
}

TEST_CASE("tasks: model keys follow the task's model family", "[tasks][config]") {
    CHECK_THROWS_WITH(
        load_config("", {"data.task=copy", "model.pooling=cls"}),
        Contains("unknown key \"model.pooling\"") && Contains("(the seq2seq family of task copy)"));
    CHECK_THROWS_WITH(load_config("", {"model.pooling=mean"}),
                      Contains("(the language_model family of task copy_lm)"));
    CHECK_THROWS_WITH(load_config("", {"data.task=listops", "model.pooling=max"}),
                      Contains("\"model.pooling\" is \"max\"; valid choices: mean, cls"));
    CHECK(config_string(load_config("", {"data.task=listops"}), "model.pooling") == "mean");
    CHECK_THROWS_WITH(make_task(load_config("", {"data.task=kjv_classify", "data.label=chapter"})),
                      Contains("\"data.label\" must be \"book\" or \"testament\""));
}

TEST_CASE("tasks: eval and sample through the CLI for the new task families", "[tasks][cli]") {
    auto train = [](const std::string& task, const testing::TempDir& dir) {
        std::vector<std::string> args = {"train", "--quiet", "--set", "data.task=" + task};
        for (const std::string& set :
             std::vector<std::string>{"model.d_model=16", "model.layers=1", "model.d_ff=32",
                                      "train.steps=2", "train.batch_size=4", "train.eval_batches=1",
                                      "train.threads=1", "train.out_dir=" + dir.path()})
            args.insert(args.end(), {"--set", set});
        for (const std::string& set : small_data(task, dir))
            args.insert(args.end(), {"--set", set});
        const CliResult trained = cli(args);
        INFO(trained.err);
        REQUIRE(trained.status == kExitOk);
        return dir.file("last.safetensors");
    };
    {
        testing::TempDir dir;
        const std::string checkpoint = train("kjv_char", dir);
        const CliResult sampled =
            cli({"sample", checkpoint, "--prompt", "In the", "--length", "5", "--threads", "1"});
        INFO(sampled.err);
        CHECK(sampled.status == kExitOk);
        CHECK_THAT(sampled.out, StartsWith("In the"));
    }
    {
        testing::TempDir dir;
        const std::string checkpoint = train("listops", dir);
        const CliResult evaluated = cli({"eval", checkpoint, "--split", "test", "--threads", "1"});
        CHECK(evaluated.status == kExitOk);
        CHECK_THAT(evaluated.out, Contains("on test:") && Contains("accuracy"));
        const CliResult sampled = cli({"sample", checkpoint});
        CHECK(sampled.status == kExitUsage);
        CHECK_THAT(sampled.err,
                   Contains("task listops trains a classifier, not a language model") &&
                       Contains("copy_lm, text_file, kjv_char"));
    }
    {
        testing::TempDir dir;
        const std::string checkpoint = train("reverse", dir);
        const CliResult evaluated = cli({"eval", checkpoint, "--threads", "1"});
        CHECK(evaluated.status == kExitOk);
        CHECK_THAT(evaluated.out, Contains("exact_match") && Contains("token_accuracy"));
    }
}
