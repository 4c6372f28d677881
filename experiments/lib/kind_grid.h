// kind_grid.h — the grid of experiments that compare attention kinds task by task
// (synthesizer_vs_dynconv, synthesizer_vs_linformer): on each task every kind trains the same
// config (model, data, steps, schedule, data order); only model.attention.kind differs. Options of
// one kind (linformer_k, conv_kernel, ...) may sit in the task's config: the others ignore them.
// Also the two plots such experiments draw: a metric per kind as bars, and training-loss curves.
#pragma once

#include <string>
#include <vector>

#include "experiments/lib/options.h"
#include "experiments/lib/results.h"
#include "experiments/lib/training_cell.h"

namespace attnlab::experiments {

struct KindTask {
    std::string id, title;             // "lm", "KJV character LM"
    std::string metric, metric_title;  // "bpc", "test bits per character"
    bool higher_is_better;
    json config;         // model, data and train overrides of the defaults (train/config.cpp)
    double chance = -1;  // the metric of a guess (e.g. 1 / classes), or −1 where there is none
    int64_t test_batches = 16;  // of train.batch_size examples each, at most the test split
};

// The "train" settings of one cell of a kind comparison: `steps` of `batch` at peak rate `lr`,
// warmup_cosine with 10% warmup, one evaluation and one checkpoint at the end, about 20 log
// lines, and train.threads 0 (OMP_NUM_THREADS decides: 1 per process when pieces run side by side).
json cell_training(int64_t steps, double lr, int64_t batch);

// The results.json key prefix of a (task, kind): "quick/lm/random/"; cells append "seed<i>".
std::string kind_cell_prefix(const std::string& preset, const KindTask& task,
                             const std::string& kind);

// Every task × kind × seed, in that order. A cell trains task.config with the kind and
// train.seed = seed into options.out_dir/runs/<prefix>seed<i>.
std::vector<Cell> kind_grid_cells(const ExperimentOptions& options,
                                  const std::vector<KindTask>& tasks,
                                  const std::vector<std::string>& kinds, int64_t seeds);

// One task's numbers per kind for judging a paper's claim: a difference counts only beyond the
// noise (twice the standard error of the difference of two kinds' means over seeds), and a task
// with one seed, missing cells, every kind at chance, or every kind within the seeds' noise cannot
// judge an ordering at all.
struct KindComparison {
    const ResultStore& store;
    const std::string& preset;
    const KindTask& task;
    const std::vector<std::string>& kinds;
    int64_t seeds;

    Summary of(const std::string& kind, const std::string& metric = "") const;
    // Distance from `reference` in the task's "better" direction (positive = better).
    double gain(const std::string& kind, const std::string& reference = "vanilla") const;
    // Twice the standard error of the difference of two kinds' means (∞ if either is missing).
    double noise(const std::string& a, const std::string& b, const std::string& metric = "") const;
    // Why no ordering can be read from this task, or "" when it can.
    std::string unjudgeable() const;
    // "random 2.315 ± 0.008 vs vanilla 2.024 ± 0.045" ("–" for a kind not yet run).
    std::string versus(const std::string& kind, const std::string& reference = "vanilla") const;
};

// A bar per kind: `metric` of `task`, mean ± std over seeds. Neither plot is written while no
// cell has its data (a piece of the grid run with --only).
void write_kind_bars(const ResultStore& store, const std::string& preset, const KindTask& task,
                     const std::vector<std::string>& kinds, int64_t seeds,
                     const std::string& metric, const std::string& metric_title,
                     const std::string& png_path);

// Training loss against step, one line per kind, averaged over the seeds that share its steps.
void write_train_curves(const ResultStore& store, const std::string& preset, const KindTask& task,
                        const std::vector<std::string>& kinds, int64_t seeds,
                        const std::string& png_path);

}  // namespace attnlab::experiments
