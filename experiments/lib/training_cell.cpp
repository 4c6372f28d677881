// training_cell.cpp — train, test and store one experiment cell; the resumable grid loop.
#include "training_cell.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "engine/common.h"
#include "experiments/lib/measure.h"
#include "train/config.h"
#include "train/distributed.h"
#include "train/trainer.h"

namespace attnlab::experiments {
namespace {

double median(std::vector<double> values) {
    if (values.empty()) return 0.0;
    std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
    return values[values.size() / 2];
}

// Whether run_dir holds an interrupted run of exactly `resolved` (its config.json and a
// checkpoint), which the cell then continues: cells of hours survive the end of a session.
// The saved config is resolved again, so a key added to the schema since (another kind's option)
// counts as its default, which is what the run used, as Trainer's --resume does.
bool resumable(const std::string& run_dir, const json& resolved) {
    std::ifstream saved(run_dir + "/config.json");
    if (!saved || !std::filesystem::exists(run_dir + "/last.safetensors")) return false;
    const json config = json::parse(saved, nullptr, false);
    if (config.is_discarded()) return false;
    try {
        return resolve_config(config) == resolved;
    } catch (const ConfigError&) {
        return false;  // a config this build no longer accepts: start over
    }
}

// The training loss by step, about 100 points spaced by step: this session's steps (`history`)
// after the logged steps of the sessions before a resume (metrics.jsonl keeps them, every
// log_every steps); and the validation metrics at every evaluation, from the log. Spacing by step,
// not by entry, keeps a resumed run's sparse logged part from being thinned with its dense part.
void add_curves(const std::string& run_dir, const std::vector<StepRecord>& history, json& metrics) {
    const int64_t first = history.empty() ? INT64_MAX : history.front().step;
    std::vector<json> train;
    json valid = json::array();
    std::ifstream log(run_dir + "/metrics.jsonl");
    for (std::string line; std::getline(log, line);) {
        const json entry = json::parse(line, nullptr, false);
        if (!entry.is_object() || !entry.contains("step")) continue;
        if (entry.contains("grad_norm") && entry["step"].get<int64_t>() < first)
            train.push_back({entry["step"], entry["loss"]});
        if (entry.value("split", "") == "valid")
            valid.push_back({entry["step"], entry.value("accuracy", entry["loss"])});
    }
    for (const StepRecord& record : history) train.push_back({record.step, record.loss});
    json curve = json::array();
    const int64_t spacing =
        train.empty() ? 1 : std::max<int64_t>(1, train.back()[0].get<int64_t>() / 100);
    int64_t next = 0;
    for (const json& point : train)
        if (point[0].get<int64_t>() >= next) {
            curve.push_back(point);
            next = point[0].get<int64_t>() + spacing;
        }
    metrics["train_curve"] = curve;
    metrics["valid_curve"] = valid;
}

}  // namespace

TrainedCell train_cell(json user_config, const std::string& run_dir, int64_t test_batches,
                       bool data_parallel) {
    user_config["train"]["out_dir"] = run_dir;
    TrainedCell cell;
    cell.resolved = resolve_config(user_config);
    TrainerOptions trainer_options;
    trainer_options.data_parallel = data_parallel;
    std::string resume = resumable(run_dir, cell.resolved) ? "yes" : "";
    if (data_parallel) distributed::broadcast(resume);  // process 0's view, before anyone writes
    trainer_options.resume = !resume.empty();
    trainer_options.overwrite = !trainer_options.resume;  // any other run there starts over
    Trainer trainer(cell.resolved, trainer_options);
    ATTNLAB_CHECK(trainer.run(), "training in ", run_dir, " was interrupted");

    Task& task = trainer.task();
    const int64_t batch = cell.resolved["train"]["batch_size"].get<int64_t>();
    cell.metrics = json(task.evaluate(task.split("test"), test_batches, batch));
    // For choices made on the results (a learning rate), which must not look at the test split.
    cell.metrics["valid_loss"] = task.evaluate(task.split("valid"), test_batches, batch).at("loss");
    cell.metrics["parameters"] = task.model().count_parameters();
    cell.metrics["trainable_parameters"] = task.model().count_parameters(true);
    cell.metrics["processes"] = trainer.processes();

    const std::vector<StepRecord>& history = trainer.history();
    std::vector<double> speeds;
    for (const StepRecord& record : history)
        if (record.step > 2) speeds.push_back(record.tokens_per_s);  // skip warm-up steps
    cell.metrics["tokens_per_s"] = median(speeds);
    cell.metrics["final_train_loss"] = history.empty() ? 0.0 : history.back().loss;
    add_curves(run_dir, history, cell.metrics);
    return cell;
}

namespace {

// The next round (process 0): up to `processes` pending cells in grid order, taken out of
// `pending`; process k runs round[k]. A cell that runs after a pending cell waits; a timed cell
// has a round to itself, and a data-parallel cell is every process's.
std::vector<size_t> next_round(const std::vector<Cell>& cells, std::vector<size_t>& pending,
                               int processes) {
    std::set<std::string> unfinished;
    for (size_t i : pending) unfinished.insert(cells[i].key);
    std::vector<size_t> round;
    for (auto it = pending.begin(); it != pending.end() && int(round.size()) < processes;) {
        const Cell& cell = cells[*it];
        if (std::any_of(cell.after.begin(), cell.after.end(),
                        [&](const std::string& key) { return unfinished.count(key) > 0; })) {
            ++it;
            continue;
        }
        const bool alone = cell.timed || cell.data_parallel;
        if (alone && !round.empty()) break;
        round.push_back(*it);
        it = pending.erase(it);
        if (alone) {
            if (cell.data_parallel) round.resize(size_t(processes), round.front());
            break;
        }
    }
    ATTNLAB_CHECK(!round.empty() || pending.empty(), "run_cells: ", cells[pending.front()].key,
                  " runs after a cell that never runs");
    return round;
}

// A cell run in this process, as gathered to process 0: {"metrics", "config", "wall_s"}, or
// {"error"} (and the exception in `failure`). A data-parallel cell's error is thrown: the other
// processes may wait in one of its collectives, so it must end the job (run_experiment).
json run_here(const Cell& cell, std::exception_ptr& failure) {
    const auto started = std::chrono::steady_clock::now();
    auto train = [&] {
        const TrainedCell trained = cell.run();
        return json{{"metrics", trained.metrics},
                    {"config", trained.resolved},
                    {"wall_s", seconds_since(started)}};
    };
    if (cell.data_parallel) return train();
    try {
        return train();
    } catch (const std::exception& e) {
        failure = std::current_exception();
        return {{"error", e.what()}};
    }
}

// Process 0 after a round: stores its finished cells in grid order with their progress lines;
// returns the first error ("" if none). Process k ran round[k].
std::string store_round(ResultStore& store, const std::vector<Cell>& cells,
                        const std::vector<size_t>& round,
                        const std::vector<std::string>& outcomes) {
    std::string failure;
    for (size_t k = 0; k < round.size(); ++k) {
        if (k > 0 && round[k] == round[0]) break;  // a data-parallel cell: process 0's result
        const Cell& cell = cells[round[k]];
        const json outcome = json::parse(outcomes[k]);
        if (outcome.contains("error")) {
            const std::string error = outcome["error"];
            if (failure.empty())
                failure = k == 0 ? error : cat("cell ", cell.key, " (process ", k, "): ", error);
            continue;
        }
        const double wall = outcome["wall_s"];
        store.put(cell.key, outcome["metrics"], outcome["config"], wall);
        const json& value = outcome["metrics"].value(cell.metric, json());
        std::fprintf(stderr, "[%zu/%zu] %s: %s %.4g (%.0f s)\n", round[k] + 1, cells.size(),
                     cell.key.c_str(), cell.metric.c_str(),
                     value.is_number() ? value.get<double>() : NAN, wall);
    }
    return failure;
}

// The settings in which a stored cell's resolved config differs from the one planned now, as
// "train.steps: stored 600, now 2000" (the first three, then how many more); "" when none does. A
// setting only one of them has is skipped: a key added to the schema since keeps by default what
// the stored cell ran. Where a run trains (train.out_dir) is not a setting.
std::string changed_settings(const json& stored, const json& planned) {
    const json before = stored.flatten(), now = planned.flatten();
    std::vector<std::string> changes;
    for (const auto& [path, value] : now.items()) {
        if (path == "/train/out_dir" || !before.contains(path) || before[path] == value) continue;
        std::string dotted = path.substr(1);
        std::replace(dotted.begin(), dotted.end(), '/', '.');
        changes.push_back(cat(dotted, ": stored ", before[path].dump(), ", now ", value.dump()));
    }
    std::string text;
    for (size_t i = 0; i < changes.size() && i < 3; ++i) text += (i ? "; " : "") + changes[i];
    if (changes.size() > 3) text += cat("; and ", changes.size() - 3, " more");
    return text;
}

// How a stored (or started) cell's config differs from the one planned now; "" when it does not or
// the cell plans none.
std::string stale(const Cell& cell, const json& stored) {
    if (cell.config.is_null() || stored.is_null()) return "";
    return changed_settings(stored, resolve_config(cell.config));
}

void check_stored_configs(const ResultStore& store, const std::vector<Cell>& cells) {
    for (const Cell& cell : cells) {
        if (!store.has(cell.key)) continue;
        const std::string change = stale(cell, store.cell(cell.key).value("config", json()));
        if (!change.empty())
            throw UsageError(cat(store.path("results.json"), ": cell ", cell.key,
                                 " ran another config than the one planned now (", change,
                                 "); move it out of results.json, or use another --out, to run "
                                 "it again"));
    }
}

// A started cell's state from its run directory: the last logged step of the planned steps.
std::string started_state(const Cell& cell, const std::string& run_dir) {
    std::ifstream saved(run_dir + "/config.json");
    const json config = json::parse(saved, nullptr, false);
    int64_t step = 0;
    std::ifstream log(run_dir + "/metrics.jsonl");
    for (std::string line; std::getline(log, line);) {
        const json entry = json::parse(line, nullptr, false);
        if (entry.is_object() && entry.contains("step")) step = entry["step"].get<int64_t>();
    }
    const json steps = config.is_object() ? config["train"].value("steps", json()) : json();
    std::string state =
        cat("started: step ", step, " of ", steps.is_number() ? steps.dump() : "?", " logged, ",
            std::filesystem::exists(run_dir + "/last.safetensors") ? "checkpoint saved"
                                                                   : "no checkpoint yet");
    const std::string change = config.is_object() ? stale(cell, config) : "";
    return change.empty() ? state : state + "; another config than planned (" + change + ")";
}

}  // namespace

std::string cell_states(const ResultStore& store, const ExperimentOptions& options,
                        const std::vector<Cell>& cells) {
    std::string text;
    int64_t stored = 0, started = 0;
    for (const Cell& cell : cells) {
        const std::string run_dir = cell_run_dir(options, cell.key);
        std::string state = "not started";
        if (store.has(cell.key)) {
            ++stored;
            const json& entry = store.cell(cell.key);
            const json& value = entry["metrics"].value(cell.metric, json());
            char shown[32] = "?";  // four significant digits: a state, not a result
            if (value.is_number()) std::snprintf(shown, sizeof shown, "%.4g", value.get<double>());
            state = cat("stored: ", cell.metric, " ", shown, " (",
                        std::lround(entry.value("wall_s", 0.0) / 60), " min, ",
                        entry.value("git_commit", "unknown"), ")");
            const std::string change = stale(cell, entry.value("config", json()));
            if (!change.empty()) state += "; another config than planned (" + change + ")";
        } else if (std::filesystem::exists(run_dir + "/metrics.jsonl")) {
            ++started;
            state = started_state(cell, run_dir);
        }
        text += cell.key + "  " + state + "\n";
    }
    return text + cat(cells.size(), " cells: ", stored, " stored, ", started, " started, ",
                      int64_t(cells.size()) - stored - started, " not started\n");
}

double run_cells(ResultStore& store, const std::vector<Cell>& cells) {
    const auto started = std::chrono::steady_clock::now();
    const int rank = distributed::rank(), processes = distributed::size();
    std::vector<size_t> pending(cells.size());  // process 0's: the cells not yet dealt
    std::iota(pending.begin(), pending.end(), size_t(0));
    std::string failure;             // process 0's: the error that ends the grid
    std::exception_ptr own_failure;  // this process's cell's, rethrown as it was
    for (;;) {
        std::string plan;  // {"cells": [the cell of process 0, of process 1, ...]} or {"error"}
        if (rank == 0) {
            if (failure.empty()) {
                store.refresh();  // another job running a piece of the grid may have stored it
                pending.erase(std::remove_if(pending.begin(), pending.end(),
                                             [&](size_t i) { return store.has(cells[i].key); }),
                              pending.end());
                plan = json{{"cells", next_round(cells, pending, processes)}}.dump();
            } else {
                plan = json{{"error", failure}}.dump();
            }
        }
        distributed::broadcast(plan);
        const json decided = json::parse(plan);
        if (decided.contains("error")) {
            if (own_failure) std::rethrow_exception(own_failure);
            throw Error(decided["error"].get<std::string>());
        }
        const std::vector<size_t> round = decided["cells"];
        if (round.empty()) break;
        const json outcome = size_t(rank) < round.size()
                                 ? run_here(cells[round[size_t(rank)]], own_failure)
                                 : json::object();
        const std::vector<std::string> outcomes = distributed::gather(outcome.dump());
        if (rank == 0) failure = store_round(store, cells, round, outcomes);
    }
    return seconds_since(started);
}

bool selected(const Cell& cell, const std::map<std::string, std::set<std::string>>& only) {
    for (const auto& [label, values] : only) {
        const auto value = cell.labels.find(label);
        if (value == cell.labels.end() || !values.count(value->second)) return false;
    }
    return true;
}

std::vector<Cell> select_cells(const std::vector<Cell>& cells,
                               const std::map<std::string, std::set<std::string>>& only) {
    std::map<std::string, std::set<std::string>> existing;
    for (const Cell& cell : cells)
        for (const auto& [label, value] : cell.labels) existing[label].insert(value);
    auto listed = [](const std::set<std::string>& words) {
        std::string text;
        for (const std::string& word : words) text += (text.empty() ? "" : ", ") + word;
        return text;
    };
    std::set<std::string> labels;
    for (const auto& entry : existing) labels.insert(entry.first);
    for (const auto& [label, values] : only) {
        if (!existing.count(label))
            throw UsageError(
                cat("--only: no cell has the label \"", label, "\"; labels: ", listed(labels)));
        for (const std::string& value : values)
            if (!existing[label].count(value))
                throw UsageError(cat("--only: no cell has ", label, "=", value,
                                     "; values: ", listed(existing[label])));
    }
    std::vector<Cell> chosen;
    for (const Cell& cell : cells)
        if (selected(cell, only)) chosen.push_back(cell);
    if (chosen.empty()) throw UsageError("--only: no cell matches every label given");
    return chosen;
}

bool run_grid(ResultStore& store, const ExperimentOptions& options,
              const std::vector<Cell>& cells) {
    if (options.list) {
        if (distributed::is_root())
            std::printf("%s",
                        cell_states(store, options, select_cells(cells, options.only)).c_str());
        return false;
    }
    check_stored_configs(store, cells);
    const double wall = run_cells(store, select_cells(cells, options.only));
    if (!distributed::is_root()) return false;
    json only = json::object();
    for (const auto& [label, values] : options.only) only[label] = values;
    store.record_run({{"preset", options.preset},
                      {"seeds", options.seed_count()},
                      {"only", only},
                      {"processes", distributed::size()},
                      {"wall_s", wall}});
    return true;
}

}  // namespace attnlab::experiments
