// kind_grid.cpp — the task × kind × seed grid of kind comparisons, and its two plots.
#include "kind_grid.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "train/plot.h"

namespace attnlab::experiments {

json cell_training(int64_t steps, double lr, int64_t batch) {
    return {{"steps", steps},
            {"batch_size", batch},
            {"lr", lr},
            {"schedule", {{"kind", "warmup_cosine"}, {"warmup", steps / 10}}},
            {"eval_every", steps},
            {"eval_batches", 4},
            {"checkpoint_every", steps},
            {"log_every", std::max<int64_t>(1, steps / 20)},
            {"threads", 0}};
}

std::string kind_cell_prefix(const std::string& preset, const KindTask& task,
                             const std::string& kind) {
    return preset + "/" + task.id + "/" + kind + "/";
}

std::vector<Cell> kind_grid_cells(const ExperimentOptions& options,
                                  const std::vector<KindTask>& tasks,
                                  const std::vector<std::string>& kinds, int64_t seeds) {
    std::vector<Cell> cells;
    for (const KindTask& task : tasks)
        for (const std::string& kind : kinds)
            for (int64_t seed = 0; seed < seeds; ++seed) {
                const std::string key =
                    kind_cell_prefix(options.preset, task, kind) + "seed" + std::to_string(seed);
                json user = task.config;
                user["model"]["attention"]["kind"] = kind;
                user["train"]["seed"] = seed;
                const std::string run_dir = cell_run_dir(options, key);
                Cell cell{key,
                          task.metric,
                          [user, run_dir, batches = task.test_batches] {
                              return train_cell(user, run_dir, batches);
                          },
                          {{"task", task.id}, {"kind", kind}, {"seed", std::to_string(seed)}}};
                cell.config = user;
                cells.push_back(std::move(cell));
            }
    return cells;
}

Summary KindComparison::of(const std::string& kind, const std::string& metric) const {
    return store.summary(kind_cell_prefix(preset, task, kind),
                         metric.empty() ? task.metric : metric, seeds);
}

double KindComparison::gain(const std::string& kind, const std::string& reference) const {
    const double delta = of(kind).mean - of(reference).mean;
    return task.higher_is_better ? delta : -delta;
}

double KindComparison::noise(const std::string& a, const std::string& b,
                             const std::string& metric) const {
    const Summary x = of(a, metric), y = of(b, metric);
    if (x.count == 0 || y.count == 0) return INFINITY;
    return 2 * std::sqrt(x.std * x.std / double(x.count) + y.std * y.std / double(y.count));
}

std::string KindComparison::unjudgeable() const {
    if (seeds < 2) return "not judged (1 seed: no noise estimate)";
    double lowest = INFINITY, highest = -INFINITY, largest_std = 0, best = -INFINITY;
    for (const std::string& kind : kinds) {
        const Summary s = of(kind);
        if (s.count < 2) return "not judged (cells missing)";
        lowest = std::min(lowest, s.mean);
        highest = std::max(highest, s.mean);
        largest_std = std::max(largest_std, s.std);
        best = std::max(best, task.higher_is_better ? s.mean : -s.mean);
    }
    if (task.chance >= 0 && best < task.chance + std::max(2 * largest_std, 0.02))
        return "not separable (every kind at chance or the task's floor)";
    if (highest - lowest <= 2 * largest_std)
        return "not separable (every kind within the seeds' noise)";
    return "";
}

std::string KindComparison::versus(const std::string& kind, const std::string& reference) const {
    return kind + " " + of(kind).str(3) + " vs " + reference + " " + of(reference).str(3);
}

void write_kind_bars(const ResultStore& store, const std::string& preset, const KindTask& task,
                     const std::vector<std::string>& kinds, int64_t seeds,
                     const std::string& metric, const std::string& metric_title,
                     const std::string& png_path) {
    Plot plot;
    plot.title = task.title + ": " + metric_title + " (" + preset + ")";
    plot.x_label = "attention kind";
    plot.y_label = metric_title;
    plot.bars = true;
    plot.x_tic_labels = kinds;
    Series series{metric, {}, {}, {}};
    int64_t cells = 0;
    for (size_t i = 0; i < kinds.size(); ++i) {
        const Summary s = store.summary(kind_cell_prefix(preset, task, kinds[i]), metric, seeds);
        cells += s.count;
        series.x.push_back(double(i));
        series.y.push_back(s.mean);
        series.error.push_back(s.std);
    }
    plot.series.push_back(series);
    if (cells > 0) write_plot(plot, png_path);  // nothing yet in a partial run
}

void write_train_curves(const ResultStore& store, const std::string& preset, const KindTask& task,
                        const std::vector<std::string>& kinds, int64_t seeds,
                        const std::string& png_path) {
    Plot plot;
    plot.title = task.title + ": training loss (" + preset + ", mean over seeds)";
    plot.x_label = "step";
    plot.y_label = "training loss (nats)";
    for (const std::string& kind : kinds) {
        std::map<double, std::vector<double>> losses_at_step;
        for (int64_t seed = 0; seed < seeds; ++seed) {
            const std::string key =
                kind_cell_prefix(preset, task, kind) + "seed" + std::to_string(seed);
            if (!store.has(key)) continue;
            for (const json& point : store.cell(key)["metrics"].value("train_curve", json::array()))
                losses_at_step[point[0].get<double>()].push_back(point[1].get<double>());
        }
        Series series{kind, {}, {}, {}};
        for (const auto& [step, losses] : losses_at_step) {
            series.x.push_back(step);
            series.y.push_back(summarize(losses).mean);
        }
        if (!series.x.empty()) plot.series.push_back(series);
    }
    if (!plot.series.empty()) write_plot(plot, png_path);  // nothing yet in a partial run
}

}  // namespace attnlab::experiments
