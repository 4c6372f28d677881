// lra_report.cpp — lra_cpu's tables, claims and plots (lra_report.h).
#include "experiments/lib/lra_report.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include "experiments/lib/table.h"
#include "train/config.h"
#include "train/plot.h"
#include "train/task.h"

namespace attnlab::experiments {

LraTaskFacts lra_task_facts(const LraTask& task) {
    json user = task.config;
    user["model"]["attention"] = {{"kind", "vanilla"}};
    const std::unique_ptr<Task> built = make_task(resolve_config(user));
    const Dataset& test = built->split("test");
    std::map<int32_t, int64_t> counts;
    for (int64_t i = 0; i < test.size(); ++i) ++counts[test.example(i).label];
    LraTaskFacts facts{test.max_length(), test.num_classes(), 0};
    for (const auto& [label, count] : counts)
        facts.majority = std::max(facts.majority, double(count) / double(test.size()));
    return facts;
}

std::string LraGrid::prefix(const LraTask& task, const LraRow& row) const {
    return preset + "/" + task.id + "/" + row.id + "/";
}

Summary LraGrid::accuracy(const LraTask& task, const LraRow& row) const {
    Summary s = store.summary(prefix(task, row), "accuracy", seeds);
    s.mean *= 100;
    s.std *= 100;
    return s;
}

Summary LraGrid::average(const LraRow& row) const {
    std::vector<double> per_seed;
    for (int64_t seed = 0; seed < seeds; ++seed) {
        double sum = 0;
        int tasks_run = 0;
        for (const LraTask& task : tasks) {
            const std::string key = prefix(task, row) + "seed" + std::to_string(seed);
            if (task.lra_column < 0 || !store.has(key)) continue;
            sum += store.cell(key).at("metrics").at("accuracy").get<double>();
            ++tasks_run;
        }
        if (tasks_run == kLraAveragedTasks) per_seed.push_back(100 * sum / kLraAveragedTasks);
    }
    return summarize(per_seed);
}

bool LraGrid::at_chance(size_t t, const LraRow& row) const {
    return accuracy(tasks[t], row).mean < 100 * facts[t].majority + 2;
}

namespace {

bool has_result(const LraGrid& grid, size_t t, const LraRow& row) {
    return grid.accuracy(grid.tasks[t], row).count > 0;
}

// "64.3 ± 0.4", with "(n = k)" when fewer seeds than the preset's ran.
std::string accuracy_cell(const Summary& s, int64_t seeds) {
    std::string text = s.str(1);
    if (s.count > 0 && s.count < seeds) text += " (n = " + std::to_string(s.count) + ")";
    return text;
}

Table accuracy_table(const LraGrid& grid) {
    Table table{{"model"}, {}};
    for (size_t t = 0; t < grid.tasks.size(); ++t) {
        table.header.push_back(grid.tasks[t].title + " (L " +
                               std::to_string(grid.facts[t].sequence_length) + ", majority " +
                               formatted("%.1f%%)", 100 * grid.facts[t].majority));
        if (grid.tasks[t].lra_column >= 0) table.header.push_back("LRA");
    }
    table.header.insert(table.header.end(), {"Avg", "LRA"});
    for (const LraRow& row : grid.rows) {
        std::vector<std::string> cells = {row.name};
        for (const LraTask& task : grid.tasks) {
            cells.push_back(accuracy_cell(grid.accuracy(task, row), grid.seeds));
            if (task.lra_column >= 0)
                cells.push_back(row.lra() ? formatted("%.2f", row.lra_accuracy[task.lra_column])
                                          : "–");
        }
        cells.push_back(grid.average(row).str(1));
        cells.push_back(row.lra() ? formatted("%.2f", row.lra_accuracy[kLraAveragedTasks]) : "–");
        table.rows.push_back(cells);
    }
    return table;
}

Table settings_table(const LraGrid& grid) {
    Table table{{"task", "our data", "our length", "LRA's", "our model", "LRA's model",
                 "our steps × batch"},
                {}};
    for (size_t t = 0; t < grid.tasks.size(); ++t) {
        const json& c = grid.tasks[t].config;
        const json& m = c["model"];
        const std::string model = m["layers"].dump() + (m["layers"] == 1 ? " layer" : " layers") +
                                  ", d " + m["d_model"].dump() + ", " + m["heads"].dump() +
                                  " heads, d_ff " + m["d_ff"].dump() + ", " +
                                  m["pooling"].get<std::string>() + ", " +
                                  m["positions"].get<std::string>() + " positions";
        const std::string length = std::to_string(grid.facts[t].sequence_length);
        table.rows.push_back(
            {grid.tasks[t].title, c["data"]["task"].get<std::string>(),
             grid.tasks[t].id == "retrieval" ? "2 × " + length : length, grid.tasks[t].lra_length,
             model, grid.tasks[t].lra_model,
             c["train"]["steps"].dump() + " × " + c["train"]["batch_size"].dump()});
    }
    return table;
}

// The LRA rows with a result on task t, best first by our accuracy.
std::vector<const LraRow*> ranked(const LraGrid& grid, size_t t) {
    std::vector<const LraRow*> rows;
    for (const LraRow& row : grid.rows)
        if (row.lra() && has_result(grid, t, row)) rows.push_back(&row);
    std::stable_sort(rows.begin(), rows.end(), [&](const LraRow* a, const LraRow* b) {
        return grid.accuracy(grid.tasks[t], *a).mean > grid.accuracy(grid.tasks[t], *b).mean;
    });
    return rows;
}

const LraRow* row_named(const LraGrid& grid, const std::string& id) {
    for (const LraRow& row : grid.rows)
        if (row.id == id) return &row;
    return nullptr;
}

// Pairs of LRA rows ordered alike in both tables, among pairs more than 1 point apart in both.
std::string ordering_claim(const LraGrid& grid, size_t t) {
    const std::vector<const LraRow*> rows = ranked(grid, t);
    const int column = grid.tasks[t].lra_column;
    int alike = 0, compared = 0;
    for (size_t i = 0; i < rows.size(); ++i)
        for (size_t j = i + 1; j < rows.size(); ++j) {
            const double ours = grid.accuracy(grid.tasks[t], *rows[i]).mean -
                                grid.accuracy(grid.tasks[t], *rows[j]).mean;
            const double lra = rows[i]->lra_accuracy[column] - rows[j]->lra_accuracy[column];
            if (std::fabs(ours) <= 1 || std::fabs(lra) <= 1) continue;
            ++compared;
            alike += ours * lra > 0;
        }
    std::string order;
    for (const LraRow* row : rows) order += (order.empty() ? "" : " > ") + row->name;
    const LraRow* transformer = row_named(grid, "transformer");
    const std::string verdict =
        !transformer || !has_result(grid, t, *transformer) ? "not yet: the Transformer has not run"
        : grid.at_chance(t, *transformer)                  ? "unmeasurable: Transformer at chance"
        : rows.size() < 2                                  ? "not yet: fewer than two rows run"
        : compared == 0           ? "not separable (every pair within 1 point)"
        : alike >= 0.8 * compared ? "yes"
        : alike >= 0.6 * compared ? "partly"
                                  : "no";
    return "| LRA's ordering of its rows | " + grid.tasks[t].id + " | " + order + " | " + verdict +
           " (" + std::to_string(alike) + " of " + std::to_string(compared) +
           " pairs more than 1 point apart ordered alike) |\n";
}

int task_index(const LraGrid& grid, const std::string& id) {
    for (size_t t = 0; t < grid.tasks.size(); ++t)
        if (grid.tasks[t].id == id) return int(t);
    return -1;
}

// A finding's verdict from its margin in points (positive: it holds): within a point either way
// the numbers cannot tell, and with the Transformer at chance the task measures nothing.
std::string verdict(double margin, bool transformer_learns) {
    if (!transformer_learns) return "unmeasurable: Transformer at chance";
    if (std::fabs(margin) <= 1) return "not separable (within 1 point)";
    return margin > 0 ? "yes" : "no";
}

// One of LRA's specific findings (§3.5): `margin` says by how many points it holds on our numbers
// (negative: fails); asked only when every row it names has a result on the task.
std::string finding(const LraGrid& grid, const char* claim, const std::string& task,
                    const std::vector<std::string>& ids,
                    const std::function<double(const std::vector<double>&)>& margin) {
    const int t = task_index(grid, task);
    const LraRow* transformer = row_named(grid, "transformer");
    if (t < 0 || !transformer || !has_result(grid, size_t(t), *transformer)) return "";
    std::vector<double> ours;
    std::string numbers;
    for (const std::string& id : ids) {
        const LraRow* row = row_named(grid, id);
        if (!row || !has_result(grid, size_t(t), *row)) return "";
        ours.push_back(grid.accuracy(grid.tasks[size_t(t)], *row).mean);
        numbers += (numbers.empty() ? "" : ", ") + row->name + formatted(" %.1f", ours.back());
    }
    return std::string("| ") + claim + " | " + task + " | " + numbers + " | " +
           verdict(margin(ours), !grid.at_chance(size_t(t), *transformer)) + " |\n";
}

// LRA's averages: BigBird best (55.01), Local Attention worst (46.06), over the LRA rows whose
// five tasks all ran; measurable only if the Transformer learns every averaged task.
std::string average_claims(const LraGrid& grid) {
    std::vector<const LraRow*> rows;
    for (const LraRow& row : grid.rows)
        if (row.lra() && grid.average(row).count > 0) rows.push_back(&row);
    const LraRow* transformer = row_named(grid, "transformer");
    if (rows.size() < 2 || !transformer) return "";
    bool learns = true;
    for (size_t t = 0; t < grid.tasks.size(); ++t)
        if (grid.tasks[t].lra_column >= 0) learns = learns && !grid.at_chance(t, *transformer);
    auto line = [&](const char* claim, const std::string& id, bool best) {
        const LraRow* named = row_named(grid, id);
        if (!named || grid.average(*named).count == 0) return std::string();
        double others = best ? -1e9 : 1e9;
        for (const LraRow* row : rows)
            if (row != named)
                others = best ? std::max(others, grid.average(*row).mean)
                              : std::min(others, grid.average(*row).mean);
        const double ours = grid.average(*named).mean;
        return std::string("| ") + claim + " | Avg | " + named->name + formatted(" %.1f", ours) +
               formatted(best ? ", best other %.1f" : ", worst other %.1f", others) + " | " +
               verdict(best ? ours - others : others - ours, learns) + " |\n";
    };
    return line("BigBird has the best average (55.01)", "bigbird", true) +
           line("Local Attention has the worst average (46.06)", "local", false);
}

std::string claims(const LraGrid& grid) {
    std::string out =
        "| claim (LRA Table 1, §3.5) | task | our numbers | holds here? |\n"
        "|---|---|---|---|\n";
    for (size_t t = 0; t < grid.tasks.size(); ++t) {
        if (grid.tasks[t].lra_column >= 0) out += ordering_claim(grid, t);
        std::string stuck;
        size_t run = 0;
        for (const LraRow& row : grid.rows) {
            if (!has_result(grid, t, row)) continue;
            ++run;
            if (grid.at_chance(t, row)) stuck += (stuck.empty() ? "" : ", ") + row.name;
        }
        const std::string so_far = cat(run, " of ", grid.rows.size(), " rows run");
        out += "| every row learns (majority class + 2 points) | " + grid.tasks[t].id + " | " +
               (run == 0        ? "–"
                : stuck.empty() ? "all above"
                                : "at chance: " + stuck) +
               " | " +
               (run == 0                 ? "not yet: no row run"
                : !stuck.empty()         ? "no (" + so_far + ")"
                : run < grid.rows.size() ? "yes so far (" + so_far + ")"
                                         : "yes") +
               " |\n";
    }
    using Scores = std::vector<double>;
    out += finding(grid, "kernel models barely above chance on ListOps (16–18 vs 36.4)", "listops",
                   {"transformer", "performer", "linear_transformer"},
                   [](const Scores& a) { return a[0] - std::max(a[1], a[2]) - 5; });
    out += finding(grid, "kernel models do well on Text (65.9, 65.4 vs 64.3)", "text",
                   {"transformer", "performer", "linear_transformer"},
                   [](const Scores& a) { return std::max(a[1], a[2]) - a[0]; });
    out += finding(grid, "fixed sparse patterns best on Retrieval (59.6, 59.3)", "retrieval",
                   {"sparse_transformer", "bigbird", "transformer", "linformer", "performer"},
                   [](const Scores& a) {
                       return std::max(a[0], a[1]) - *std::max_element(a.begin() + 2, a.end());
                   });
    out += finding(grid, "Linformer weakest of Transformer, Performer, Linformer on Image", "image",
                   {"linformer", "transformer", "performer"},
                   [](const Scores& a) { return std::min(a[1], a[2]) - a[0]; });
    out +=
        finding(grid, "Performer beats the Transformer on Pathfinder (77.1 vs 71.4)", "pathfinder",
                {"performer", "transformer"}, [](const Scores& a) { return a[0] - a[1]; });
    return out + average_claims(grid);
}

Table speed_table(const LraGrid& grid) {
    Table table{{"model"}, {}};
    for (const LraTask& task : grid.tasks) table.header.push_back(task.title + " tokens/s");
    table.header.push_back("params (Text)");
    const int text = task_index(grid, "text");
    for (const LraRow& row : grid.rows) {
        std::vector<std::string> cells = {row.name};
        for (const LraTask& task : grid.tasks)
            cells.push_back(
                grid.store.summary(grid.prefix(task, row), "tokens_per_s", grid.seeds).str(0));
        cells.push_back(text < 0 ? "–"
                                 : grid.store
                                       .summary(grid.prefix(grid.tasks[size_t(text)], row),
                                                "parameters", grid.seeds)
                                       .str(0));
        table.rows.push_back(cells);
    }
    return table;
}

// Each row's model.attention settings, and where a task's differ.
Table rows_table(const LraGrid& grid) {
    Table table{{"row", "model.attention (other options at the kind's defaults)"}, {}};
    for (const LraRow& row : grid.rows) {
        std::string settings = "`" + row.attention.dump() + "`";
        for (const LraTask& task : grid.tasks)
            if (lra_attention(row, task) != row.attention)
                settings += "; " + task.title + ": `" + lra_attention(row, task).dump() + "`";
        table.rows.push_back({row.name, settings});
    }
    return table;
}

}  // namespace

std::string lra_report(const LraGrid& grid) {
    return "# lra_cpu (" + grid.preset + ", up to " + std::to_string(grid.seeds) +
           (grid.seeds == 1 ? " seed" : " seeds") +
           ")\n\nTest accuracy (%, mean ± std over seeds; n = seeds where fewer ran) laid out like "
           "LRA's Table 1 (Tay et al. 2021, arXiv 2011.04006), LRA's number beside ours. LRA's "
           "rows run LRA's settings for that row (below); rows marked (attnlab) are attnlab's "
           "own variants. Our data are stand-ins (KJV for IMDb and AAN, Fashion-MNIST for "
           "CIFAR-10, our Pathfinder generator for Linsley et al.'s images) and our models are "
           "smaller and shorter-trained, so orderings, not values, are compared. Avg: the five "
           "tasks LRA averages, per seed.\n\n" +
           accuracy_table(grid).markdown() + "\n## Tasks, lengths and models beside LRA's\n\n" +
           settings_table(grid).markdown() +
           "\nEvery task: batch 32, AdamW with β2 = 0.98 (weight decay 0.1 on ListOps, Text and "
           "Retrieval, 0 on Image and Pathfinder, as LRA), warm-up then cosine decay (LRA: "
           "rsqrt decay over longer runs), dropout 0.1, token embeddings N(0, 1) as LRA's.\n\n"
           "## The rows' attention settings\n\n" +
           rows_table(grid).markdown() + "\n## Claims, checked on these numbers\n\n" +
           claims(grid) +
           "\n## Training speed (tokens/s) and parameters\n\nEach cell's median tokens/s as it "
           "ran, "
           "with the threads and machine load it had (this project runs the full preset's cells "
           "as 1-thread lanes beside other work), so cells that ran apart compare only roughly; "
           "LRA's efficiency table is `lra_efficiency`'s, measured back to back.\n\n" +
           speed_table(grid).markdown();
}

void write_lra_plots(const LraGrid& grid) {
    std::vector<std::string> ids;
    for (const LraRow& row : grid.rows) ids.push_back(row.id);
    for (size_t t = 0; t < grid.tasks.size(); ++t) {
        const LraTask& task = grid.tasks[t];
        const double majority = 100 * grid.facts[t].majority;
        Plot bars;
        bars.title = "LRA-CPU " + task.title + ": test accuracy (" + grid.preset +
                     "); dashed: majority class";
        bars.x_label = "row";
        bars.y_label = "test accuracy (%)";
        bars.bars = true;
        bars.x_tic_labels = ids;
        bars.extra = {"set yrange [0:100]", "set xtics rotate by -45",
                      formatted("set arrow from graph 0, first %g to graph 1, first %g nohead dt 2 "
                                "lw 2 lc rgb 'black'",
                                majority, majority)};
        Series accuracy{"accuracy", {}, {}, {}};
        Plot curves;
        curves.title = "LRA-CPU " + task.title + ": training loss, seed 0 (" + grid.preset + ")";
        curves.x_label = "step";
        curves.y_label = "training loss";
        for (size_t i = 0; i < grid.rows.size(); ++i) {
            const Summary s = grid.accuracy(task, grid.rows[i]);
            accuracy.x.push_back(double(i));
            accuracy.y.push_back(s.mean);
            accuracy.error.push_back(s.std);
            const std::string key = grid.prefix(task, grid.rows[i]) + "seed0";
            if (!grid.store.has(key)) continue;
            Series curve{grid.rows[i].id, {}, {}, {}};
            for (const json& point : grid.store.cell(key)["metrics"]["train_curve"]) {
                curve.x.push_back(point[0].get<double>());
                curve.y.push_back(point[1].get<double>());
            }
            curves.series.push_back(curve);
        }
        bars.series.push_back(accuracy);
        write_plot(bars, grid.store.path(task.id + "_accuracy.png"));
        if (!curves.series.empty()) write_plot(curves, grid.store.path(task.id + "_curves.png"));
    }
}

}  // namespace attnlab::experiments
