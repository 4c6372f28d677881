// The trainer: bit-exact resumption, clean stops, divergence handling, logs, and learning.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "temp_dir.h"
#include "train/checkpoint.h"
#include "train/cli_common.h"
#include "train/config.h"
#include "train/task.h"
#include "train/trainer.h"

using namespace attnlab;
using Catch::Contains;

namespace {

// A tiny copy_lm run with dropout, a Performer redrawn every 3 steps and gradient accumulation.
json run_config(const std::string& out_dir, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> overrides = {"data.symbols=4",
                                          "data.length=3",
                                          "data.train_size=40",
                                          "data.valid_size=16",
                                          "data.test_size=16",
                                          "model.d_model=16",
                                          "model.heads=2",
                                          "model.layers=1",
                                          "model.d_ff=32",
                                          "model.dropout=0.1",
                                          "model.attention.kind=performer",
                                          "model.attention.performer_features=8",
                                          "train.steps=12",
                                          "train.batch_size=6",
                                          "train.grad_accum=2",
                                          "train.lr=0.01",
                                          "train.schedule.warmup=3",
                                          "train.redraw_every=3",
                                          "train.eval_every=4",
                                          "train.eval_batches=2",
                                          "train.checkpoint_every=5",
                                          "train.log_every=1",
                                          "train.threads=1",
                                          "train.out_dir=" + out_dir};
    overrides.insert(overrides.end(), extra.begin(), extra.end());
    return load_config("", overrides);
}

// Bitwise equality of two doubles (== would also accept -0 vs 0 and reject NaN vs NaN).
bool same_bits(double a, double b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

}  // namespace

TEST_CASE("trainer: a run stopped mid-way and resumed reproduces every loss bit for bit",
          "[trainer]") {
    // Performer: the redraw state (every 3 steps, or a fresh ω every call from a counter);
    // vanilla: the attention-weight dropout counters.
    const std::string kind = GENERATE(as<std::string>(), "performer", "vanilla", "redrawn");
    INFO("attention kind " << kind);
    std::vector<std::string> extra = {"model.attention.kind=" + kind};
    if (kind == "redrawn")
        extra = {"model.attention.kind=performer",
                 "model.attention.performer_redraw_every_call=true"};
    testing::TempDir dir;
    Trainer straight(run_config(dir.file("straight"), extra));
    REQUIRE(straight.run());
    REQUIRE(straight.history().size() == 12);

    TrainerOptions options;
    options.before_step = [](int64_t step, Trainer&) {
        if (step == 6) request_stop();  // as SIGINT would, during step 7
    };
    Trainer first(run_config(dir.file("resumed"), extra), options);
    CHECK_FALSE(first.run());
    clear_stop_request();
    CHECK(first.step() == 7);  // the current step finished
    TrainerOptions resume;
    resume.resume = true;
    Trainer second(run_config(dir.file("resumed"), extra), resume);
    CHECK(second.step() == 7);
    REQUIRE(second.run());

    std::vector<StepRecord> joined = first.history();
    joined.insert(joined.end(), second.history().begin(), second.history().end());
    REQUIRE(joined.size() == straight.history().size());
    for (size_t i = 0; i < joined.size(); ++i) {
        INFO("step " << joined[i].step << ": " << joined[i].loss << " vs "
                     << straight.history()[i].loss);
        CHECK(joined[i].step == straight.history()[i].step);
        CHECK(same_bits(joined[i].loss, straight.history()[i].loss));
        CHECK(same_bits(joined[i].grad_norm, straight.history()[i].grad_norm));
        CHECK(same_bits(joined[i].lr, straight.history()[i].lr));
    }
    const Metrics& a = straight.evals().back().metrics;
    const Metrics& b = second.evals().back().metrics;
    CHECK(same_bits(a.at("loss"), b.at("loss")));
    // metrics.jsonl holds each step once after the resume
    std::ifstream log(dir.file("resumed/metrics.jsonl"));
    int64_t step_lines = 0, eval_lines = 0;
    for (std::string line; std::getline(log, line);) {
        const json entry = json::parse(line);
        (entry.contains("split") ? eval_lines : step_lines) += 1;
        CHECK(entry.contains("loss"));
    }
    CHECK(step_lines == 12);
    CHECK(eval_lines == 3);  // steps 4, 8, 12
    CHECK(load_config(dir.file("resumed/config.json")) == run_config(dir.file("resumed"), extra));
}

TEST_CASE("trainer: a stop request leaves a loadable last checkpoint at the current step",
          "[trainer]") {
    testing::TempDir dir;
    TrainerOptions options;
    options.before_step = [](int64_t step, Trainer&) {
        if (step == 2) request_stop();
    };
    Trainer trainer(run_config(dir.path()), options);
    CHECK_FALSE(trainer.run());
    clear_stop_request();
    const Checkpoint checkpoint = read_checkpoint(trainer.last_path());
    CHECK(checkpoint.state.step == 3);
    std::unique_ptr<Task> task = make_task(checkpoint.state.config);
    load_model(checkpoint, task->model());
    CHECK(task->model().parameters()[0].tensor.data()[0] ==
          trainer.task().model().parameters()[0].tensor.data()[0]);
}

TEST_CASE("trainer: a NaN loss stops the run naming the step and keeps the last good checkpoint",
          "[trainer]") {
    testing::TempDir dir;
    TrainerOptions options;
    options.before_step = [](int64_t step, Trainer& trainer) {
        if (step == 6) trainer.task().model().parameters()[0].tensor.data()[0] = NAN;
    };
    Trainer trainer(run_config(dir.path()), options);
    CHECK_THROWS_WITH(trainer.run(), Contains("training diverged: the loss is nan at step 7") &&
                                         Contains("the last good checkpoint is " +
                                                  trainer.last_path() + " (step 5)"));
    const Checkpoint checkpoint = read_checkpoint(trainer.last_path());
    CHECK(checkpoint.state.step == 5);
    for (const auto& entry : checkpoint.file.tensors)
        for (int64_t i = 0; i < entry.second.numel(); ++i)
            REQUIRE(std::isfinite(entry.second.data()[i]));
}

TEST_CASE("trainer: a mismatched resume or an occupied out_dir is a config error", "[trainer]") {
    testing::TempDir dir;
    Trainer trainer(run_config(dir.path(), {"train.steps=1"}));
    REQUIRE(trainer.run());
    TrainerOptions resume;
    resume.resume = true;
    CHECK_THROWS_AS(Trainer(run_config(dir.path(), {"model.d_ff=48"}), resume), ConfigError);
    CHECK_THROWS_WITH(Trainer(run_config(dir.path(), {"model.d_ff=48"}), resume),
                      Contains("\"model.d_ff\" differs from the checkpoint"));
    CHECK_THROWS_WITH(Trainer(run_config(dir.file("empty"), {}), resume),
                      Contains("last.safetensors") && Contains("cannot open"));
    CHECK_THROWS_WITH(Trainer(run_config(dir.path(), {"train.steps=1"})),
                      Contains("already holds a run") && Contains("--overwrite"));
    TrainerOptions overwrite;
    overwrite.overwrite = true;
    CHECK_NOTHROW(Trainer(run_config(dir.path(), {"train.steps=1"}), overwrite));
    // The replaced run's checkpoints go at once: stopped before its first checkpoint, the new run
    // must not be resumed from the old one's (its model and seed match, so restore() would not
    // object).
    CHECK_FALSE(std::filesystem::exists(dir.file("last.safetensors")));
    CHECK_FALSE(std::filesystem::exists(dir.file("best.safetensors")));
    CHECK_THROWS_WITH(Trainer(run_config(dir.path(), {"train.steps=1"}), resume),
                      Contains("last.safetensors") && Contains("cannot open"));
}

TEST_CASE("trainer: a small model learns the copy task", "[trainer]") {
    testing::TempDir dir;
    Trainer trainer(run_config(
        dir.path(),
        {"model.dropout=0", "model.attention.kind=vanilla", "model.d_model=32", "model.d_ff=64",
         "data.train_size=2000", "train.grad_accum=1", "train.batch_size=16", "train.steps=150",
         "train.lr=0.01", "train.schedule.warmup=10", "train.eval_every=150",
         "train.eval_batches=4", "train.checkpoint_every=0", "train.weight_decay=0"}));
    REQUIRE(trainer.run());
    const double first = trainer.history().front().loss;
    const double valid = trainer.evals().back().metrics.at("loss");
    INFO("first training loss " << first << ", final valid loss " << valid);
    CHECK(first > 1.0);  // about ln 4 at the start
    CHECK(valid < 0.2);
    CHECK(std::filesystem::exists(trainer.best_path()));
    CHECK(std::filesystem::exists(trainer.last_path()));
}

TEST_CASE("trainer: a resume that fails its checks leaves every file of the run intact",
          "[trainer]") {
    testing::TempDir dir;
    const json config = run_config(dir.path(), {"train.steps=6"});
    REQUIRE(Trainer(config).run());
    const std::string last = dir.file("last.safetensors");
    const std::string metrics = testing::read_file(dir.file("metrics.jsonl"));
    const std::string written_config = testing::read_file(dir.file("config.json"));
    REQUIRE(std::count(metrics.begin(), metrics.end(), '\n') >= 6);
    TrainerOptions resume;
    resume.resume = true;
    CHECK_THROWS_AS(Trainer(run_config(dir.path(), {"train.steps=4"}), resume), ConfigError);
    CHECK_THROWS_WITH(Trainer(run_config(dir.path(), {"train.steps=4"}), resume),
                      Contains("\"train.steps\" is 4") && Contains("at step 6"));

    // A well-formed checkpoint (valid checksums) whose step is negative.
    const Checkpoint read = read_checkpoint(last);
    std::unique_ptr<Task> task = make_task(config);
    load_model(read, task->model());
    AdamW optimizer(task->model().parameters(), AdamOptions{});
    load_optimizer(read, optimizer);
    TrainingState state = read.state;
    state.step = -1;
    save_checkpoint(last, task->model(), &optimizer, state);
    CHECK_THROWS_WITH(Trainer(config, resume), Contains("step -1 is negative"));

    CHECK(testing::read_file(dir.file("metrics.jsonl")) == metrics);
    CHECK(testing::read_file(dir.file("config.json")) == written_config);
}

TEST_CASE("trainer: train.adam_beta2 reaches AdamW's second moment", "[trainer]") {
    // After one step from the same start, v = (1 − β2) g² for every gradient g.
    testing::TempDir dir;
    const std::vector<std::string> one_step = {"train.steps=1", "train.grad_accum=1",
                                               "train.eval_every=0", "train.redraw_every=0"};
    std::vector<std::string> lra = one_step;
    lra.push_back("train.adam_beta2=0.98");
    Trainer standard(run_config(dir.file("standard"), one_step));
    Trainer lra_beta(run_config(dir.file("lra"), lra));
    REQUIRE(standard.run());
    REQUIRE(lra_beta.run());
    const std::string key = "adamw.v.blocks.0.ffn.up.weight";
    const NamedTensors a = standard.optimizer().state_dict().tensors;
    const NamedTensors b = lra_beta.optimizer().state_dict().tensors;
    REQUIRE((a.count(key) && b.count(key)));
    const Tensor& v_standard = a.at(key);
    const Tensor& v_lra = b.at(key);
    double largest = 0;
    for (int64_t i = 0; i < v_standard.numel(); ++i) {
        const double g2 = double(v_standard.data()[i]) / (1 - 0.999);
        CHECK(double(v_lra.data()[i]) == Approx(g2 * (1 - 0.98)).epsilon(1e-4).margin(1e-20));
        largest = std::max(largest, g2);
    }
    CHECK(largest > 0);
    CHECK_THROWS_WITH(run_config(dir.file("bad"), {"train.adam_beta2=1"}),
                      Contains("\"train.adam_beta2\" must be a number in [0, 1), got 1"));
}

TEST_CASE("trainer: a checkpoint written before a config key existed resumes with its default",
          "[trainer]") {
    // Rewrites a run's last checkpoint with the keys of this session's LRA options removed, as an
    // older attnlab wrote it; the resume must read them as their defaults, not as differences.
    testing::TempDir dir;
    const std::vector<std::string> short_run = {"train.steps=4", "train.checkpoint_every=2"};
    Trainer first(run_config(dir.file("run"), short_run));
    REQUIRE(first.run());
    Checkpoint checkpoint = read_checkpoint(first.last_path());
    json& config = checkpoint.state.config;
    config["model"].erase("positions");
    config["model"]["attention"].erase("mixture_weights");
    config["model"]["attention"].erase("performer_redraw_every_call");
    config["train"].erase("adam_beta2");
    save_checkpoint(first.last_path(), first.task().model(), &first.optimizer(), checkpoint.state);

    TrainerOptions resume;
    resume.resume = true;
    Trainer second(run_config(dir.file("run"), {"train.steps=6", "train.checkpoint_every=2"}),
                   resume);
    CHECK(second.step() == 4);
    CHECK(second.run());
    // A key that really differs is still refused.
    CHECK_THROWS_WITH(
        Trainer(run_config(dir.file("run"), {"train.steps=8", "model.positions=sinusoidal"}),
                resume),
        Contains("\"model.positions\" differs from the checkpoint"));
}

TEST_CASE("trainer: a checkpoint rebuilds the model with the LRA options it was trained with",
          "[trainer]") {
    // What eval and sample do (load_task): the options travel in the checkpoint's config, so the
    // rebuilt model computes the same loss as the trained one, bit for bit.
    const std::vector<std::vector<std::string>> option_sets = {
        {"model.positions=sinusoidal", "model.attention.performer_feature_kind=exp",
         "model.attention.performer_redraw_every_call=true"},
        {"model.attention.kind=random+vanilla", "model.attention.mixture_weights=ones",
         "model.positions=sinusoidal"}};
    for (const std::vector<std::string>& options : option_sets) {
        INFO(options[0] << " " << options[1]);
        testing::TempDir dir;
        std::vector<std::string> extra = options;
        extra.push_back("train.steps=2");
        Trainer trainer(run_config(dir.file("run"), extra));
        REQUIRE(trainer.run());
        const std::unique_ptr<Task> rebuilt = load_task(trainer.last_path());
        const Batch batch = make_batch(trainer.task().split("valid"), {0, 1, 2});
        trainer.task().model().set_training(false);
        rebuilt->model().set_training(false);
        CHECK(trainer.task().model().count_parameters() == rebuilt->model().count_parameters());
        CHECK(same_bits(double(trainer.task().loss(batch).item()),
                        double(rebuilt->loss(batch).item())));
    }
}

TEST_CASE("trainer: a real-valued kind option resumes exactly and a changed one is refused",
          "[trainer]") {
    testing::TempDir dir;
    auto sinkhorn_run = [&](const std::string& temperature, int64_t steps) {
        return load_config("", {"data.task=associative_recall",
                                "data.min_pairs=2",
                                "data.max_pairs=3",
                                "data.train_size=16",
                                "data.valid_size=8",
                                "data.test_size=8",
                                "model.d_model=16",
                                "model.heads=2",
                                "model.layers=1",
                                "model.d_ff=32",
                                "model.attention.kind=sinkhorn",
                                "model.attention.sinkhorn_block=2",
                                "model.attention.sinkhorn_temperature=" + temperature,
                                "train.steps=" + std::to_string(steps),
                                "train.batch_size=4",
                                "train.eval_every=0",
                                "train.checkpoint_every=1",
                                "train.log_every=1",
                                "train.threads=1",
                                "train.out_dir=" + dir.path()});
    };
    Trainer first(sinkhorn_run("0.30000000000000004", 2));
    REQUIRE(first.run());
    TrainerOptions resume;
    resume.resume = true;
    Trainer second(sinkhorn_run("0.30000000000000004", 3), resume);
    CHECK(second.step() == 2);
    CHECK(second.run());
    CHECK_THROWS_WITH(
        Trainer(sinkhorn_run("0.3", 4), resume),
        Contains("\"model.attention.sinkhorn_temperature\" differs from the checkpoint"));
}
