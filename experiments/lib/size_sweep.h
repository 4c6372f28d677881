// size_sweep.h — a kind comparison repeated at several model sizes: does each kind's deficit
// against the reference kind (vanilla) shrink, hold or grow as the model grows?
//
// Per size, the learning rate is chosen first by a small sweep of the reference kind on the first
// task (lowest validation loss, never the test split), then fixed for every kind and task at that
// size. Cells, all resumable and selectable with --only:
//   <preset>/lr/<size>/lr<rate>/seed0           labels stage=lr, size, lr
//   <preset>/<task>/<size>/<kind>/seed<i>       labels stage=kinds, task, size, kind, seed
// A kind cell whose size has no chosen learning rate yet stops with an error that says which
// --only piece to run first, so pieces can run in any order in separate processes.
#pragma once

#include <string>
#include <vector>

#include "experiments/lib/kind_grid.h"

namespace attnlab::experiments {

struct ModelSize {
    std::string id;  // "small"
    int64_t d_model, layers, heads, d_ff;
    std::vector<double> learning_rates;  // the reference kind's sweep at this size
    int64_t seeds;
};

struct SweepTask {
    KindTask task;  // config without the model size and learning rate
    // The deficit of a kind against the reference: relative (kind / reference − 1, for a loss) or
    // absolute (reference − kind, for an accuracy); positive = worse than the reference.
    bool relative_deficit;
    std::string deficit_title;  // "relative log-perplexity gap to vanilla"
};

struct SizeSweep {
    std::string preset;
    std::vector<ModelSize> sizes;    // smallest first
    std::vector<SweepTask> tasks;    // the learning rate is chosen on tasks[0]
    std::vector<std::string> kinds;  // kinds[0] is the reference
    double dropout;
};

// Every learning-rate cell, then every task × size × kind × seed cell. `store` must outlive them.
std::vector<Cell> size_sweep_cells(ResultStore& store, const ExperimentOptions& options,
                                   const SizeSweep& sweep);

// The chosen learning rate of `size`; throws an Error naming the missing cells if its sweep is
// unfinished.
double chosen_learning_rate(const ResultStore& store, const SizeSweep& sweep,
                            const ModelSize& size);

// The Markdown report: the learning-rate sweep, a table per task (metric and deficit per kind and
// size, mean ± std over seeds, deficits paired by seed), and the verdict per kind. Cells not yet
// run show "–".
std::string size_sweep_report(const ResultStore& store, const SizeSweep& sweep);

// Per task, the deficit of each kind against parameters (log x), with error bars over seeds.
void write_deficit_plots(const ResultStore& store, const SizeSweep& sweep);

}  // namespace attnlab::experiments
