// training_cell.h — one training run of an experiment grid, and the resumable loop over a grid.
//
// Every training experiment (synthesizer_ablation, synthesizer_vs_dynconv, performer_stability,
// lra_cpu, ...) does the same thing per cell: resolve a config, train it with train/trainer.h,
// evaluate the final weights on the test split, and store the numbers under a key such as
// "quick/lm/random/seed0" in results.json. A rerun skips cells already stored.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "experiments/lib/options.h"
#include "experiments/lib/results.h"

namespace attnlab::experiments {

struct TrainedCell {
    json resolved;  // the full config the run used (defaults filled in)
    // Test metrics of the task (bpc, accuracy, exact_match, ...) plus "valid_loss", "parameters",
    // "trainable_parameters", "tokens_per_s" (median over steps after the first two),
    // "final_train_loss", "train_curve": [[step, loss], ...] (at most 100 points) and
    // "valid_curve": [[step, accuracy (or loss)], ...] at every evaluation, both from the run's
    // log.
    json metrics;
};

// Trains `user_config` (overrides of the defaults in train/config.h) into `run_dir`, then
// evaluates up to `test_batches` batches of the test split. An unfinished run of the same
// resolved config in run_dir is continued from its last checkpoint (bit-exact, as --resume);
// any other run there is replaced. Throws attnlab::Error if the run diverges or is interrupted.
// This process trains alone, or with `data_parallel` every process of an MPI job together (a
// Cell::data_parallel cell); metrics "processes" says how many did.
TrainedCell train_cell(json user_config, const std::string& run_dir, int64_t test_batches = 16,
                       bool data_parallel = false);

// One cell of a grid: its results.json key, the metric its progress line shows, how to run it, and
// the labels --only selects it by ({"task": "lm", "kind": "random", "seed": "0"}). In a job of
// several processes (run_cells), `after` names the cells whose results or run directories this one
// reads (it starts once they are stored); a `timed` cell, whose metrics are timings, runs while
// the job's other processes wait; a `data_parallel` cell is trained by all of them together, and
// its `run` must train so (train_cell's data_parallel). `config` is the user config `run` trains,
// where it is known before the grid runs (not a learning rate read from other cells): a cell
// stored under `key` that ran another config is then an error, not a result (run_grid).
struct Cell {
    std::string key;
    std::string metric;
    std::function<TrainedCell()> run;
    std::map<std::string, std::string> labels;
    std::vector<std::string> after = {};
    bool timed = false;
    bool data_parallel = false;
    json config = nullptr;
};

// Where a cell trains: OUT/runs/<key>; an interrupted cell continues from there.
inline std::string cell_run_dir(const ExperimentOptions& options, const std::string& key) {
    return options.out_dir + "/runs/" + key;
}

// One line per cell (stored with its metric, wall time and commit; started with its last logged
// step and whether a checkpoint exists; or not started; a stored or started cell of another config
// than planned says so), then the counts: what --list prints.
std::string cell_states(const ResultStore& store, const ExperimentOptions& options,
                        const std::vector<Cell>& cells);

// Whether `cell` matches every label of an --only filter (an empty filter matches every cell).
bool selected(const Cell& cell, const std::map<std::string, std::set<std::string>>& only);

// The cells of `cells` that --only selects. A label no cell has, or a filter no cell matches, is a
// UsageError naming the labels and values that exist.
std::vector<Cell> select_cells(const std::vector<Cell>& cells,
                               const std::map<std::string, std::set<std::string>>& only);

// Runs every cell whose key is not yet in `store`, storing each as soon as it finishes, with one
// progress line per cell on stderr: "[3/27] quick/lm/random/seed0: bpc 2.6812 (41 s)".
// Returns the wall time spent in this call, in seconds.
//
// In a job of N processes (an MPI launcher started the experiment, train/distributed.h), every
// process builds the same `cells` and they go out by index in rounds: process 0 deals each round's
// cells, one per process, in grid order (a cell waits for the cells it runs `after`; a timed cell
// has a round to itself, a data-parallel cell too, on every process); each process trains its cell
// alone (TrainerOptions::data_parallel false); at the end of the round process 0 gathers the
// results, stores them in grid order and prints their lines. Only process 0 reads and writes
// `store`'s file for the grid (a cell's own code may read it); the others print nothing. A cell
// that fails on any process ends the grid on every process with its error, once the round's other
// cells are stored; a data-parallel cell's error ends the job at once (run_experiment).
double run_cells(ResultStore& store, const std::vector<Cell>& cells);

// The cells --only selects through run_cells, then the run's record in results.json: the preset,
// the seed count, the filter and the wall time; with --list only their states (cell_states). First,
// a stored cell of the grid whose config differs from its Cell::config (a preset changed since it
// ran) is a UsageError naming the cell and the setting: the report would otherwise mix it with
// cells of the new config. Returns whether this process reports the results (tables, plots,
// stdout): false on every process of a job but process 0.
[[nodiscard]] bool run_grid(ResultStore& store, const ExperimentOptions& options,
                            const std::vector<Cell>& cells);

}  // namespace attnlab::experiments
