// training_cell.cpp — train, test and store one experiment cell; the resumable grid loop.
#include "training_cell.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "engine/common.h"
#include "experiments/lib/measure.h"
#include "train/config.h"
#include "train/trainer.h"

namespace attnlab::experiments {
namespace {

double median(std::vector<double> values) {
    if (values.empty()) return 0.0;
    std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
    return values[values.size() / 2];
}

}  // namespace

TrainedCell train_cell(json user_config, const std::string& run_dir, int64_t test_batches) {
    user_config["train"]["out_dir"] = run_dir;
    TrainedCell cell;
    cell.resolved = resolve_config(user_config);
    TrainerOptions trainer_options;
    trainer_options.overwrite = true;  // an unfinished cell from an interrupted run starts over
    Trainer trainer(cell.resolved, trainer_options);
    ATTNLAB_CHECK(trainer.run(), "training in ", run_dir, " was interrupted");

    Task& task = trainer.task();
    const int64_t batch = cell.resolved["train"]["batch_size"].get<int64_t>();
    cell.metrics = json(task.evaluate(task.split("test"), test_batches, batch));
    cell.metrics["parameters"] = task.model().count_parameters();
    cell.metrics["trainable_parameters"] = task.model().count_parameters(true);

    const std::vector<StepRecord>& history = trainer.history();
    std::vector<double> speeds;
    for (const StepRecord& record : history)
        if (record.step > 2) speeds.push_back(record.tokens_per_s);  // skip warm-up steps
    cell.metrics["tokens_per_s"] = median(speeds);
    cell.metrics["final_train_loss"] = history.empty() ? 0.0 : history.back().loss;
    json curve = json::array();
    const size_t stride = std::max<size_t>(1, history.size() / 100);
    for (size_t i = 0; i < history.size(); i += stride)
        curve.push_back({history[i].step, history[i].loss});
    cell.metrics["train_curve"] = curve;
    return cell;
}

double run_cells(ResultStore& store, const std::vector<Cell>& cells) {
    const auto started = std::chrono::steady_clock::now();
    for (size_t i = 0; i < cells.size(); ++i) {
        const Cell& cell = cells[i];
        if (store.has(cell.key)) continue;
        const auto cell_start = std::chrono::steady_clock::now();
        const TrainedCell trained = cell.run();
        const double wall = seconds_since(cell_start);
        store.put(cell.key, trained.metrics, trained.resolved, wall);
        const json& value = trained.metrics.value(cell.metric, json());
        std::fprintf(stderr, "[%zu/%zu] %s: %s %s (%.0f s)\n", i + 1, cells.size(),
                     cell.key.c_str(), cell.metric.c_str(), value.dump().c_str(), wall);
    }
    return seconds_since(started);
}

void run_grid(ResultStore& store, const ExperimentOptions& options,
              const std::vector<Cell>& cells) {
    const double wall = run_cells(store, cells);
    store.record_run(
        {{"preset", options.preset}, {"seeds", options.seed_count()}, {"wall_s", wall}});
}

}  // namespace attnlab::experiments
