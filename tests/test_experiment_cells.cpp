// Running a grid in pieces (experiments/lib/training_cell.h, options.h, results.h): --only label
// filters, the results file shared by processes, the rules that decide whether a claim can be
// judged (kind_grid.h), and the size sweep's learning-rate choice and deficits (size_sweep.h).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "engine/common.h"
#include "engine/process.h"
#include "experiments/lib/kind_grid.h"
#include "experiments/lib/size_sweep.h"
#include "experiments/lib/training_cell.h"
#include "tests/temp_dir.h"
#include "train/config.h"
#include "train/trainer.h"

using namespace attnlab;
using namespace attnlab::experiments;
using attnlab::testing::TempDir;

namespace {

Cell labelled(const std::string& key, std::map<std::string, std::string> labels) {
    return {key, "bpc", [] { return TrainedCell{}; }, std::move(labels)};
}

std::vector<std::string> keys(const std::vector<Cell>& cells) {
    std::vector<std::string> out;
    for (const Cell& cell : cells) out.push_back(cell.key);
    return out;
}

KindTask accuracy_task(double chance) {
    return {"recall", "recall", "accuracy", "test accuracy", true, json::object(), chance};
}

// Stores `values` as seeds 0, 1, ... of (task, kind) under preset "full".
void put_seeds(ResultStore& store, const std::string& task, const std::string& kind,
               const std::string& metric, const std::vector<double>& values) {
    for (size_t seed = 0; seed < values.size(); ++seed)
        store.put("full/" + task + "/" + kind + "/seed" + std::to_string(seed),
                  {{metric, values[seed]}}, json::object(), 1.0);
}

}  // namespace

TEST_CASE("--only: every label must match, a label given twice matches either value",
          "[experiments]") {
    const std::vector<Cell> cells = {labelled("a", {{"size", "small"}, {"kind", "random"}}),
                                     labelled("b", {{"size", "large"}, {"kind", "random"}}),
                                     labelled("c", {{"size", "large"}, {"kind", "vanilla"}}),
                                     labelled("d", {{"size", "large"}, {"kind", "dense"}})};
    CHECK(keys(select_cells(cells, {})) == std::vector<std::string>{"a", "b", "c", "d"});
    CHECK(keys(select_cells(cells, {{"size", {"large"}}, {"kind", {"random"}}})) ==
          std::vector<std::string>{"b"});
    CHECK(keys(select_cells(cells, {{"kind", {"random", "vanilla"}}})) ==
          std::vector<std::string>{"a", "b", "c"});
    CHECK_THROWS_AS(select_cells(cells, {{"seed", {"0"}}}), experiments::UsageError);
    CHECK_THROWS_WITH(select_cells(cells, {{"seed", {"0"}}}),
                      Catch::Contains("no cell has the label \"seed\"; labels: kind, size"));
    CHECK_THROWS_WITH(select_cells(cells, {{"size", {"huge"}}}),
                      Catch::Contains("values: large, small"));
    CHECK_THROWS_WITH(select_cells(cells, {{"size", {"small"}}, {"kind", {"dense"}}}),
                      Catch::Contains("no cell matches"));
}

TEST_CASE("results.json: two stores on one directory keep each other's cells", "[experiments]") {
    TempDir dir;
    ResultStore first(dir.path(), "demo"), second(dir.path(), "demo");
    first.put("full/a/seed0", {{"bpc", 1.0}}, json::object(), 1.0);
    second.put("full/b/seed0", {{"bpc", 2.0}}, json::object(), 1.0);  // loaded before a existed
    ResultStore reloaded(dir.path(), "demo");
    CHECK(reloaded.has("full/a/seed0"));
    CHECK(reloaded.has("full/b/seed0"));
    CHECK(reloaded.cell("full/a/seed0").contains("git_commit"));
    CHECK_FALSE(first.has("full/b/seed0"));
    first.refresh();
    CHECK(first.has("full/b/seed0"));
}

TEST_CASE("results.json: cells record the commit the program was built from", "[experiments]") {
    // The tests run where they were built (make test): in a git checkout the commit baked in at
    // build time names one of its commits, "-dirty" when the sources differed; outside one (a
    // source archive) it is "unknown".
    const std::string commit = git_commit();
    const bool checkout =
        run_process({"git", "rev-parse", "--git-dir"}, "", ChildStderr::Discard).exit_status == 0;
    if (!checkout) {
        CHECK(commit == "unknown");
        return;
    }
    REQUIRE(commit.size() >= 12);
    const std::string hash = commit.substr(0, 12);
    CHECK(hash.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK((commit.size() == 12 || commit.substr(12) == "-dirty"));
    const ProcessResult known =
        run_process({"git", "cat-file", "-e", hash + "^{commit}"}, "", ChildStderr::Discard);
    CHECK(known.exit_status == 0);
}

TEST_CASE("claims: judged only with seeds, above chance and beyond the seeds' noise",
          "[experiments]") {
    TempDir dir;
    ResultStore store(dir.path(), "demo");
    const std::vector<std::string> kinds = {"vanilla", "random"};
    const std::string preset = "full";
    const KindTask task = accuracy_task(0.25);
    const KindComparison comparison{store, preset, task, kinds, 3};
    CHECK(comparison.unjudgeable() == "not judged (cells missing)");
    put_seeds(store, "recall", "vanilla", "accuracy", {0.26, 0.25, 0.27});
    put_seeds(store, "recall", "random", "accuracy", {0.25, 0.26, 0.25});
    CHECK_THAT(comparison.unjudgeable(), Catch::Contains("at chance"));
    const KindTask no_chance = accuracy_task(-1);
    const KindComparison noisy{store, preset, no_chance, kinds, 3};
    put_seeds(store, "recall", "vanilla", "accuracy", {0.20, 0.35, 0.50});
    CHECK_THAT(noisy.unjudgeable(), Catch::Contains("within the seeds' noise"));
    put_seeds(store, "recall", "vanilla", "accuracy", {0.95, 0.96, 0.97});
    CHECK(comparison.unjudgeable().empty());
    CHECK(comparison.gain("random") == Approx(0.2533 - 0.96).epsilon(1e-3));
    CHECK(comparison.noise("random", "vanilla") > 0);
    CHECK(comparison.versus("random") == "random 0.253 ± 0.006 vs vanilla 0.960 ± 0.010");
    const KindComparison one_seed{store, preset, task, kinds, 1};
    CHECK_THAT(one_seed.unjudgeable(), Catch::Contains("1 seed"));
}

TEST_CASE("size sweep: the learning rate of lowest validation loss; deficits paired by seed",
          "[experiments]") {
    TempDir dir;
    ResultStore store(dir.path(), "demo");
    KindTask lm{"lm", "LM", "loss", "test loss", false, json::object()};
    const SizeSweep sweep{"scale",
                          {{"small", 16, 1, 2, 32, {1e-3, 2e-3}, 2}},
                          {{lm, true, "relative gap"}},
                          {"vanilla", "random"},
                          0.0};
    CHECK_THROWS_WITH(chosen_learning_rate(store, sweep, sweep.sizes[0]),
                      Catch::Contains("run --only stage=lr,size=small first"));
    store.put("scale/lr/small/lr0.001/seed0", {{"valid_loss", 3.0}}, json::object(), 1);
    store.put("scale/lr/small/lr0.002/seed0", {{"valid_loss", 2.5}}, json::object(), 1);
    CHECK(chosen_learning_rate(store, sweep, sweep.sizes[0]) == 2e-3);

    ExperimentOptions options;
    options.preset = "scale";
    options.out_dir = dir.path();
    const std::vector<Cell> cells = size_sweep_cells(store, options, sweep);
    CHECK(cells.size() == 2 + 2 * 2);  // two rates, then two kinds × two seeds
    CHECK(cells[0].labels.at("stage") == "lr");
    CHECK(cells[2].key == "scale/lm/small/vanilla/seed0");
    CHECK(cells[2].labels.at("kind") == "vanilla");

    // Seed-paired relative deficits 10% and 20%: 15.0 ± 7.1%.
    store.put("scale/lm/small/vanilla/seed0", {{"loss", 2.0}, {"parameters", 100}}, {}, 1);
    store.put("scale/lm/small/vanilla/seed1", {{"loss", 2.5}, {"parameters", 100}}, {}, 1);
    store.put("scale/lm/small/random/seed0", {{"loss", 2.2}}, {}, 1);
    store.put("scale/lm/small/random/seed1", {{"loss", 3.0}}, {}, 1);
    const std::string report = size_sweep_report(store, sweep);
    CHECK_THAT(report, Catch::Contains("15.0 ± 7.1%"));
    CHECK_THAT(report, Catch::Contains("2.5000") && Catch::Contains("✓ (grid edge"));
}

TEST_CASE("run_grid: a stored cell that ran another config than planned is an error",
          "[experiments]") {
    TempDir dir;
    const json planned = load_config("", {"train.steps=20", "model.dropout=0.1"});
    int runs = 0;
    Cell cell{"full/a/seed0",
              "bpc",
              [&] {
                  ++runs;
                  return TrainedCell{};
              },
              {}};
    cell.config = planned;
    ExperimentOptions options;
    options.preset = "full";
    options.out_dir = dir.path();

    // The same settings run elsewhere (another out_dir, a key the schema had no more): kept.
    json same = resolve_config(planned);
    same["train"]["out_dir"] = "/elsewhere/runs/full/a/seed0";
    same["train"]["retired_key"] = 1;
    ResultStore store(dir.path(), "demo");
    store.put(cell.key, {{"bpc", 1.0}}, same, 1.0);
    CHECK(run_grid(store, options, {cell}));
    CHECK(runs == 0);

    // A preset changed since the cell ran: named, not reused and not rerun over.
    json changed = same;
    changed["train"]["steps"] = 600;
    changed["model"]["dropout"] = 0.0;
    store.put(cell.key, {{"bpc", 1.0}}, changed, 1.0);
    CHECK_THROWS_AS(run_grid(store, options, {cell}), UsageError);
    CHECK_THROWS_WITH(run_grid(store, options, {cell}),
                      Catch::Contains("cell full/a/seed0") &&
                          Catch::Contains("model.dropout: stored 0.0, now 0.1") &&
                          Catch::Contains("train.steps: stored 600, now 20"));
    CHECK(runs == 0);
    CHECK(store.cell(cell.key)["config"]["train"]["steps"] == 600);
}

TEST_CASE("--list: each selected cell's state, stored, started or not, and nothing runs",
          "[experiments]") {
    TempDir dir;
    char program[] = "demo", list[] = "--list", out[] = "--out";
    std::string out_dir = dir.path();
    char* argv[] = {program, list, out, out_dir.data()};
    const ExperimentOptions options = parse_options(4, argv, {"demo", "help\n"});
    REQUIRE(options.list);
    int runs = 0;
    auto cell = [&](const std::string& key) {
        Cell made{key,
                  "bpc",
                  [&] {
                      ++runs;
                      return TrainedCell{};
                  },
                  {}};
        made.config = load_config("", {"train.steps=20"});
        return made;
    };
    const std::vector<Cell> cells = {cell("full/a/seed0"), cell("full/b/seed0"),
                                     cell("full/c/seed0")};
    ResultStore store(dir.path(), "demo");
    store.put("full/a/seed0", {{"bpc", 1.23456789}}, resolve_config(cells[0].config), 120);
    const std::string started = cell_run_dir(options, "full/b/seed0");
    std::filesystem::create_directories(started);
    json other = resolve_config(cells[1].config);
    other["train"]["steps"] = 30;  // started before the preset changed
    std::ofstream(started + "/config.json") << other.dump();
    std::ofstream(started + "/metrics.jsonl") << "{\"step\":5,\"loss\":2.0,\"grad_norm\":1}\n"
                                              << "{\"step\":10,\"loss\":1.9,\"grad_norm\":1}\n";

    const std::string states = cell_states(store, options, cells);
    CHECK_THAT(states, Catch::Contains("full/a/seed0  stored: bpc 1.235 (2 min, "));
    CHECK_THAT(states, Catch::Contains("full/b/seed0  started: step 10 of 30 logged, no checkpoint "
                                       "yet; another config than planned (train.steps: stored 30, "
                                       "now 20)"));
    CHECK_THAT(states, Catch::Contains("full/c/seed0  not started"));
    CHECK_THAT(states, Catch::EndsWith("3 cells: 1 stored, 1 started, 1 not started\n"));
    CHECK_FALSE(run_grid(store, options, cells));  // reports nothing, runs nothing
    CHECK(runs == 0);
    CHECK_FALSE(store.has("full/c/seed0"));
}

TEST_CASE("train_cell: an interrupted cell continues from its checkpoint; another run starts over",
          "[experiments]") {
    const json user = load_config(
        "", {"data.symbols=4", "data.length=3", "data.train_size=40", "data.valid_size=16",
             "data.test_size=16", "model.d_model=16", "model.heads=2", "model.layers=1",
             "model.d_ff=32", "model.dropout=0.1", "train.steps=12", "train.batch_size=6",
             "train.lr=0.01", "train.eval_every=4", "train.eval_batches=2",
             "train.checkpoint_every=5", "train.log_every=1", "train.threads=1"});
    TempDir dir;
    const TrainedCell straight = train_cell(user, dir.file("straight"));
    CHECK(straight.metrics["train_curve"].size() == 12);
    CHECK(straight.metrics["valid_curve"].size() == 3);

    // Stop after step 7 (checkpoint at 5, and at the stop), as the end of a session would.
    json interrupted = straight.resolved;
    interrupted["train"]["out_dir"] = dir.file("resumed");
    TrainerOptions options;
    options.before_step = [](int64_t step, Trainer&) {
        if (step == 6) request_stop();
    };
    Trainer first(interrupted, options);
    REQUIRE_FALSE(first.run());
    clear_stop_request();
    const TrainedCell resumed = train_cell(user, dir.file("resumed"));
    CHECK(resumed.metrics["accuracy"] == straight.metrics["accuracy"]);
    CHECK(resumed.metrics["final_train_loss"] == straight.metrics["final_train_loss"]);
    CHECK(resumed.metrics["train_curve"] == straight.metrics["train_curve"]);
    CHECK(resumed.metrics["valid_curve"] == straight.metrics["valid_curve"]);

    // Continued, not retrained: a run whose weights were disturbed before it was stopped ends
    // elsewhere than the straight one.
    json disturbed = straight.resolved;
    disturbed["train"]["out_dir"] = dir.file("disturbed");
    options.before_step = [](int64_t step, Trainer& trainer) {
        if (step == 0)
            for (const Parameter& p : trainer.task().model().parameters()) p.tensor.data()[0] += 1;
        if (step == 6) request_stop();
    };
    Trainer disturbed_run(disturbed, options);
    REQUIRE_FALSE(disturbed_run.run());
    clear_stop_request();
    // Saved before an option existed (here: one removed from its config.json): still continued.
    json saved = json::parse(std::ifstream(dir.file("disturbed/config.json")));
    REQUIRE(saved["model"]["attention"].erase("bigbird_block") == 1);
    std::ofstream(dir.file("disturbed/config.json")) << saved.dump(2);
    CHECK(train_cell(user, dir.file("disturbed")).metrics["final_train_loss"] !=
          straight.metrics["final_train_loss"]);

    // A finished run of another config in the directory is replaced, not continued.
    json other = user;
    other["train"]["steps"] = 6;
    const TrainedCell replaced = train_cell(other, dir.file("resumed"));
    CHECK(replaced.metrics["train_curve"].size() == 6);
}

TEST_CASE("train_cell: a resumed cell's curve keeps the steps logged before the resume",
          "[experiments]") {
    const json user =
        load_config("", {"data.symbols=4", "data.length=3", "data.train_size=40",
                         "data.valid_size=16", "data.test_size=16", "model.d_model=8",
                         "model.heads=2", "model.layers=1", "model.d_ff=8", "train.steps=400",
                         "train.batch_size=4", "train.eval_every=400", "train.eval_batches=1",
                         "train.checkpoint_every=400", "train.log_every=20", "train.threads=1"});
    TempDir dir;
    json interrupted = resolve_config(user);
    interrupted["train"]["out_dir"] = dir.file("resumed");
    TrainerOptions options;
    options.before_step = [](int64_t step, Trainer&) {
        if (step == 200) request_stop();
    };
    Trainer first(interrupted, options);
    REQUIRE_FALSE(first.run());
    clear_stop_request();
    const json curve = train_cell(user, dir.file("resumed")).metrics["train_curve"];
    // Logged every 20 steps up to 200, then every step: no gap wider than the log's.
    int64_t widest = 0;
    for (size_t i = 1; i < curve.size(); ++i)
        widest = std::max(widest, curve[i][0].get<int64_t>() - curve[i - 1][0].get<int64_t>());
    CHECK(curve.front()[0] == 20);
    CHECK(widest <= 20);
    CHECK(curve.size() == 10 + 200 / 4);  // every logged step, then every 4th (400 / 100)
}
