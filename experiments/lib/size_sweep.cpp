// size_sweep.cpp — the size sweep's cells, learning-rate choice, report and deficit plots.
#include "size_sweep.h"

#include <cmath>
#include <cstdio>

#include "engine/common.h"
#include "experiments/lib/table.h"
#include "train/plot.h"

namespace attnlab::experiments {
namespace {

std::string rate_id(double rate) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", rate);
    return text;
}

std::string lr_prefix(const SizeSweep& sweep, const ModelSize& size, double rate) {
    return sweep.preset + "/lr/" + size.id + "/lr" + rate_id(rate) + "/";
}

std::string kind_prefix(const SizeSweep& sweep, const SweepTask& task, const ModelSize& size,
                        const std::string& kind) {
    return sweep.preset + "/" + task.task.id + "/" + size.id + "/" + kind + "/";
}

json sized_config(const SizeSweep& sweep, const SweepTask& task, const ModelSize& size,
                  const std::string& kind, double rate, int64_t seed) {
    json user = task.task.config;
    user["model"]["d_model"] = size.d_model;
    user["model"]["layers"] = size.layers;
    user["model"]["heads"] = size.heads;
    user["model"]["d_ff"] = size.d_ff;
    user["model"]["dropout"] = sweep.dropout;
    user["model"]["attention"]["kind"] = kind;
    user["train"]["lr"] = rate;
    user["train"]["seed"] = seed;
    return user;
}

// The deficit of one seed's metric against the reference's same seed; positive = worse.
double deficit(const SweepTask& task, double kind_value, double reference_value) {
    if (task.relative_deficit) return kind_value / reference_value - 1.0;
    return task.task.higher_is_better ? reference_value - kind_value : kind_value - reference_value;
}

Summary paired_deficit(const ResultStore& store, const SizeSweep& sweep, const SweepTask& task,
                       const ModelSize& size, const std::string& kind) {
    std::vector<double> deficits;
    const std::string& metric = task.task.metric;
    for (int64_t seed = 0; seed < size.seeds; ++seed) {
        const std::string suffix = "seed" + std::to_string(seed);
        const std::string own = kind_prefix(sweep, task, size, kind) + suffix;
        const std::string reference = kind_prefix(sweep, task, size, sweep.kinds[0]) + suffix;
        if (!store.has(own) || !store.has(reference)) continue;
        deficits.push_back(deficit(task, store.cell(own)["metrics"][metric].get<double>(),
                                   store.cell(reference)["metrics"][metric].get<double>()));
    }
    return summarize(deficits);
}

double reference_parameters(const ResultStore& store, const SizeSweep& sweep, const SweepTask& task,
                            const ModelSize& size) {
    return store.summary(kind_prefix(sweep, task, size, sweep.kinds[0]), "parameters", size.seeds)
        .mean;
}

std::string percent_or_value(const SweepTask& task, const Summary& s) {
    if (s.count == 0) return "–";
    Summary shown = s;
    if (task.relative_deficit) {
        shown.mean *= 100;
        shown.std *= 100;
        return shown.str(1) + "%";
    }
    return shown.str(3);
}

// "shrinks", "grows" or "holds": the change of the deficit from the smallest to the largest size
// against twice its standard error.
std::string verdict(const Summary& smallest, const Summary& largest) {
    if (smallest.count == 0 || largest.count == 0) return "not yet run";
    if (smallest.count < 2 || largest.count < 2) return "needs 2+ seeds per size";
    const double change = largest.mean - smallest.mean;
    const double noise = 2 * std::sqrt(smallest.std * smallest.std / double(smallest.count) +
                                       largest.std * largest.std / double(largest.count));
    if (change < -noise) return "shrinks";
    if (change > noise) return "grows";
    return "holds (the change is within twice its standard error)";
}

}  // namespace

double chosen_learning_rate(const ResultStore& store, const SizeSweep& sweep,
                            const ModelSize& size) {
    double best_rate = 0, best_loss = INFINITY;
    for (double rate : size.learning_rates) {
        const std::string key = lr_prefix(sweep, size, rate) + "seed0";
        ATTNLAB_CHECK(store.has(key), "the learning rate of size ", size.id,
                      " is not chosen yet (cell ", key,
                      " missing): run --only stage=lr,size=", size.id, " first");
        const double loss = store.cell(key)["metrics"]["valid_loss"].get<double>();
        if (loss < best_loss) best_loss = loss, best_rate = rate;
    }
    return best_rate;
}

std::vector<Cell> size_sweep_cells(ResultStore& store, const ExperimentOptions& options,
                                   const SizeSweep& sweep) {
    std::vector<Cell> cells;
    const SweepTask& first = sweep.tasks[0];
    for (const ModelSize& size : sweep.sizes)
        for (double rate : size.learning_rates) {
            const std::string key = lr_prefix(sweep, size, rate) + "seed0";
            const json user = sized_config(sweep, first, size, sweep.kinds[0], rate, 0);
            const std::string run_dir = cell_run_dir(options, key);
            Cell cell{key,
                      "valid_loss",
                      [user, run_dir] { return train_cell(user, run_dir); },
                      {{"stage", "lr"}, {"size", size.id}, {"lr", rate_id(rate)}}};
            cell.config = user;
            cells.push_back(std::move(cell));
        }
    const int64_t seed_cap = options.seeds;
    for (const SweepTask& task : sweep.tasks)
        for (const ModelSize& size : sweep.sizes) {
            std::vector<std::string> sweep_keys;  // the learning rate is chosen on them
            for (double rate : size.learning_rates)
                sweep_keys.push_back(lr_prefix(sweep, size, rate) + "seed0");
            // With the sweep stored, the rate, and so each config, is known before the grid runs.
            const bool swept =
                std::all_of(sweep_keys.begin(), sweep_keys.end(),
                            [&](const std::string& sweep_key) { return store.has(sweep_key); });
            const double known_rate = swept ? chosen_learning_rate(store, sweep, size) : 0;
            for (const std::string& kind : sweep.kinds)
                for (int64_t seed = 0; seed < (seed_cap > 0 ? seed_cap : size.seeds); ++seed) {
                    const std::string key =
                        kind_prefix(sweep, task, size, kind) + "seed" + std::to_string(seed);
                    const std::string run_dir = cell_run_dir(options, key);
                    Cell cell{key,
                              task.task.metric,
                              [&store, &sweep, &task, &size, kind, seed, run_dir] {
                                  store.refresh();  // another process may have finished the sweep
                                  const double rate = chosen_learning_rate(store, sweep, size);
                                  return train_cell(
                                      sized_config(sweep, task, size, kind, rate, seed), run_dir);
                              },
                              {{"stage", "kinds"},
                               {"task", task.task.id},
                               {"size", size.id},
                               {"kind", kind},
                               {"seed", std::to_string(seed)}},
                              sweep_keys};
                    if (swept)
                        cell.config = sized_config(sweep, task, size, kind, known_rate, seed);
                    cells.push_back(std::move(cell));
                }
        }
    return cells;
}

namespace {

Table learning_rate_table(const ResultStore& store, const SizeSweep& sweep) {
    Table table{{"size", "d_model × layers", "learning rate", "valid loss", "chosen"}, {}};
    for (const ModelSize& size : sweep.sizes) {
        std::string chosen = "–";
        try {
            chosen = rate_id(chosen_learning_rate(store, sweep, size));
        } catch (const Error&) {
        }
        for (double rate : size.learning_rates) {
            const Summary loss = store.summary(lr_prefix(sweep, size, rate), "valid_loss", 1);
            // A choice at either end of the grid may not be the best rate: the report says so.
            const bool edge =
                rate == size.learning_rates.front() || rate == size.learning_rates.back();
            const std::string mark = rate_id(rate) != chosen ? ""
                                     : edge                  ? "✓ (grid edge: extend the sweep)"
                                                             : "✓";
            table.rows.push_back(
                {size.id, std::to_string(size.d_model) + " × " + std::to_string(size.layers),
                 rate_id(rate), loss.str(4), mark});
        }
    }
    return table;
}

Table task_table(const ResultStore& store, const SizeSweep& sweep, const SweepTask& task,
                 int decimals) {
    Table table{{"kind"}, {}};
    for (const ModelSize& size : sweep.sizes) {
        table.header.push_back(size.id + " " + task.task.metric);
        table.header.push_back(size.id + " deficit");
    }
    for (const std::string& kind : sweep.kinds) {
        std::vector<std::string> row{kind};
        for (const ModelSize& size : sweep.sizes) {
            row.push_back(
                store.summary(kind_prefix(sweep, task, size, kind), task.task.metric, size.seeds)
                    .str(decimals));
            row.push_back(
                kind == sweep.kinds[0]
                    ? "(reference)"
                    : percent_or_value(task, paired_deficit(store, sweep, task, size, kind)));
        }
        table.rows.push_back(row);
    }
    return table;
}

std::string size_line(const ResultStore& store, const SizeSweep& sweep, const SweepTask& task) {
    std::string text;
    for (const ModelSize& size : sweep.sizes) {
        char line[256];
        std::snprintf(line, sizeof line,
                      "- %s: d_model %ld, %ld layers, %ld heads, d_ff %ld; %.0f parameters "
                      "(reference kind); %ld seeds\n",
                      size.id.c_str(), long(size.d_model), long(size.layers), long(size.heads),
                      long(size.d_ff), reference_parameters(store, sweep, task, size),
                      long(size.seeds));
        text += line;
    }
    return text;
}

}  // namespace

std::string size_sweep_report(const ResultStore& store, const SizeSweep& sweep) {
    std::string report = "## Learning rate per size (" + sweep.kinds[0] + ", " +
                         sweep.tasks[0].task.title + ", seed 0, lowest validation loss)\n\n" +
                         learning_rate_table(store, sweep).markdown() + "\n";
    for (const SweepTask& task : sweep.tasks) {
        report += "## " + task.task.title + ": " + task.task.metric_title + " and " +
                  task.deficit_title + "\n\n" + size_line(store, sweep, task) + "\n" +
                  task_table(store, sweep, task, 3).markdown() +
                  "\nDeficit: positive = worse than " + sweep.kinds[0] +
                  ", paired by seed (same data order), mean ± std over seeds.\n\n";
        Table verdicts{{"kind", "deficit at " + sweep.sizes.front().id,
                        "deficit at " + sweep.sizes.back().id, "with size the deficit"},
                       {}};
        for (size_t k = 1; k < sweep.kinds.size(); ++k) {
            const Summary smallest =
                paired_deficit(store, sweep, task, sweep.sizes.front(), sweep.kinds[k]);
            const Summary largest =
                paired_deficit(store, sweep, task, sweep.sizes.back(), sweep.kinds[k]);
            verdicts.rows.push_back({sweep.kinds[k], percent_or_value(task, smallest),
                                     percent_or_value(task, largest), verdict(smallest, largest)});
        }
        report += verdicts.markdown() + "\n";
    }
    return report;
}

void write_deficit_plots(const ResultStore& store, const SizeSweep& sweep) {
    for (const SweepTask& task : sweep.tasks) {
        Plot plot;
        plot.title = task.task.title + ": " + task.deficit_title + " (" + sweep.preset + ")";
        plot.x_label = "parameters (" + sweep.kinds[0] + ")";
        plot.y_label = task.deficit_title + (task.relative_deficit ? " (%)" : "");
        plot.log_x = true;
        for (size_t k = 1; k < sweep.kinds.size(); ++k) {
            Series series{sweep.kinds[k], {}, {}, {}};
            for (const ModelSize& size : sweep.sizes) {
                const Summary s = paired_deficit(store, sweep, task, size, sweep.kinds[k]);
                const double parameters = reference_parameters(store, sweep, task, size);
                if (s.count == 0 || parameters <= 0) continue;
                const double scale = task.relative_deficit ? 100.0 : 1.0;
                series.x.push_back(parameters);
                series.y.push_back(s.mean * scale);
                series.error.push_back(s.std * scale);
            }
            if (!series.x.empty()) plot.series.push_back(series);
        }
        if (plot.series.empty()) continue;
        plot.extra.push_back("set xzeroaxis");
        write_plot(plot, store.path(sweep.preset + "_" + task.task.id + "_deficit.png"));
    }
}

}  // namespace attnlab::experiments
