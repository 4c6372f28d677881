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
};

// The results.json key prefix of a (task, kind): "quick/lm/random/"; cells append "seed<i>".
std::string kind_cell_prefix(const std::string& preset, const KindTask& task,
                             const std::string& kind);

// Every task × kind × seed, in that order. A cell trains task.config with the kind and
// train.seed = seed into options.out_dir/runs/<prefix>seed<i>.
std::vector<Cell> kind_grid_cells(const ExperimentOptions& options,
                                  const std::vector<KindTask>& tasks,
                                  const std::vector<std::string>& kinds, int64_t seeds);

// A bar per kind: `metric` of `task`, mean ± std over seeds.
void write_kind_bars(const ResultStore& store, const std::string& preset, const KindTask& task,
                     const std::vector<std::string>& kinds, int64_t seeds,
                     const std::string& metric, const std::string& metric_title,
                     const std::string& png_path);

// Training loss against step, one line per kind, averaged over the seeds that share its steps.
void write_train_curves(const ResultStore& store, const std::string& preset, const KindTask& task,
                        const std::vector<std::string>& kinds, int64_t seeds,
                        const std::string& png_path);

}  // namespace attnlab::experiments
