// grid_cells.cpp — a tiny experiment grid for tests/test_mpi_grid.cpp: four copy_lm cells of a few
// steps through the experiments' own options, run_grid and results.json, so a test can run it
// alone and under mpirun and compare. Each "random" cell reads its seed's "vanilla" run (its
// Cell::after), as a fine-tune reads its pretraining. Presets: quick; timed (the cell
// quick/vanilla/seed1 is timed); data_parallel (each cell trained by every process together);
// failing (quick/vanilla/seed1 throws, on process 1 of two); child (a measurement child reports
// whether it counts as a process of an MPI job).
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "engine/common.h"
#include "engine/launch.h"
#include "experiments/lib/measure.h"
#include "experiments/lib/training_cell.h"
#include "train/distributed.h"

using namespace attnlab;
using namespace attnlab::experiments;

namespace {

constexpr const char* kName = "grid_cells";

json tiny_copy_lm(const std::string& kind, int64_t seed) {
    return {
        {"data", {{"train_size", 64}, {"length", 6}}},
        {"model", {{"d_model", 16}, {"layers", 1}, {"d_ff", 32}, {"attention", {{"kind", kind}}}}},
        {"train",
         {{"steps", 4},
          {"batch_size", 4},
          {"eval_every", 4},
          {"eval_batches", 1},
          {"checkpoint_every", 4},
          {"threads", 1},
          {"seed", seed}}}};
}

std::vector<Cell> grid(const ExperimentOptions& options) {
    std::vector<Cell> cells;
    for (int64_t seed = 0; seed < 2; ++seed)
        for (const std::string kind : {"vanilla", "random"}) {
            const std::string key = "quick/" + kind + "/seed" + std::to_string(seed);
            const std::string run_dir = cell_run_dir(options, key);
            const std::string source = "quick/vanilla/seed" + std::to_string(seed);
            const std::string source_dir = cell_run_dir(options, source);
            const bool fails = options.preset == "failing" && key == "quick/vanilla/seed1";
            const bool data_parallel = options.preset == "data_parallel";
            const bool timed = options.preset == "timed" && key == "quick/vanilla/seed1";
            cells.push_back(
                {key,
                 "accuracy",
                 [=] {
                     ATTNLAB_CHECK(!fails, "fails on purpose");
                     if (kind == "random")
                         ATTNLAB_CHECK(std::filesystem::exists(source_dir + "/last.safetensors"),
                                       key, " started before ", source, " finished");
                     return train_cell(tiny_copy_lm(kind, seed), run_dir, 2, data_parallel);
                 },
                 {{"kind", kind}, {"seed", std::to_string(seed)}},
                 kind == "random" ? std::vector<std::string>{source} : std::vector<std::string>{},
                 timed,
                 data_parallel});
        }
    return cells;
}

int run(const ExperimentOptions& options) {
    if (options.preset == "child") {
        const ChildResult child = run_isolated({"--child"}, 0);
        std::printf("child %d: %s", child.exit_status, child.output.c_str());
        return 0;
    }
    ResultStore store(options.out_dir, kName);
    if (!run_grid(store, options, grid(options))) return 0;
    std::printf("reported by process %d of %d\n", distributed::rank(), distributed::size());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    attnlab::configure_process();
    if (argc == 2 && std::strcmp(argv[1], "--child") == 0) {
        std::printf("launched %d\n", int(distributed::launched()));
        return 0;
    }
    return experiment_main(
        argc, argv,
        {kName,
         "grid_cells [--preset quick|timed|data_parallel|failing|child] [--out DIR]\n",
         {"quick", "timed", "data_parallel", "failing", "child"}},
        run);
}
