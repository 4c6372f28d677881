// lra_cpu.cpp — the Long Range Arena (Tay et al. 2021, arXiv 2011.04006) on a CPU: LRA's tasks at
// LRA's lengths, LRA's eleven models under LRA's settings for each row and attnlab's own
// variants, every cell one trained encoder, and a report laid out like LRA's Table 1 with LRA's
// numbers beside ours (experiments/lib/lra_setup.h says what runs, lra_report.h what is written).
// Cells run seed-major, so a partial run holds one complete seed before the next begins; each
// (task, row, seed) cell is stored as soon as it finishes and a rerun resumes where it stopped.
#include <cstdio>

#include "engine/launch.h"
#include "experiments/lib/lra_report.h"
#include "experiments/lib/lra_setup.h"
#include "experiments/lib/options.h"
#include "experiments/lib/training_cell.h"

using namespace attnlab;
using namespace attnlab::experiments;

namespace {

constexpr const char* kName = "lra_cpu";

const char* const kHelp =
    "lra_cpu — the Long Range Arena (Tay et al. 2021, Table 1) at LRA's lengths on a CPU\n"
    "\n"
    "usage: lra_cpu [--preset quick|full|pathx] [--seeds N] [--only LABEL=VALUE,...]\n"
    "       [--out DIR]\n"
    "\n"
    "  quick  a tenth of LRA's lengths, tiny models, 1 seed: every row in minutes\n"
    "  full   ListOps 2K, Text 1K, Retrieval 2 x 4K, Image 784, Pathfinder 1K, Text 4K;\n"
    "         3 seeds; many hours on 2 cores: run it a piece at a time with --only\n"
    "  pathx  Path-X (16K pixels), for the rows that fit in memory\n"
    "\n"
    "Rows (label kind): LRA's transformer, local, sparse_transformer, longformer, linformer,\n"
    "reformer, sinkhorn, synthesizer, bigbird, linear_transformer, performer under LRA's\n"
    "settings; attnlab's favor_plus, synthesizer_learned, random, dense. Labels for --only:\n"
    "task, kind, seed (e.g. --only task=listops,kind=performer).\n"
    "Writes results/lra_cpu/{results.json,table.md,*.png}; reruns skip finished cells.\n";

// Every seed × task × row, seed-major; a cell trains into out_dir/runs/<key>.
std::vector<Cell> lra_cells(const ExperimentOptions& options, const std::vector<LraTask>& tasks,
                            const std::vector<LraRow>& rows) {
    std::vector<Cell> cells;
    for (int64_t seed = 0; seed < options.seed_count(); ++seed)
        for (const LraTask& task : tasks)
            for (const LraRow& row : rows) {
                const std::string key =
                    options.preset + "/" + task.id + "/" + row.id + "/seed" + std::to_string(seed);
                json user = task.config;
                user["model"]["attention"] = lra_attention(row, task);
                user["train"]["seed"] = seed;
                Cell cell{key,
                          "accuracy",
                          [user, run_dir = cell_run_dir(options, key)] {
                              return train_cell(user, run_dir);
                          },
                          {{"task", task.id}, {"kind", row.id}, {"seed", std::to_string(seed)}}};
                cell.config = user;
                cells.push_back(std::move(cell));
            }
    return cells;
}

int run(const ExperimentOptions& options) {
    const std::vector<LraTask> tasks = lra_tasks(options.preset);
    const std::vector<LraRow> rows = lra_rows();
    ResultStore store(options.out_dir, kName);
    if (!run_grid(store, options, lra_cells(options, tasks, rows))) return 0;  // process 0 reports

    LraGrid grid{store, options.preset, tasks, {}, rows, options.seed_count()};
    for (const LraTask& task : tasks) grid.facts.push_back(lra_task_facts(task));
    const std::string report = lra_report(grid);
    write_file_atomically(store.path("table.md"), report);
    write_lra_plots(grid);
    std::printf("%s", report.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    attnlab::configure_process();  // first: OpenBLAS loads with its core type (engine/launch.h)
    return experiment_main(argc, argv, {kName, kHelp, {"quick", "full", "pathx"}}, run);
}
