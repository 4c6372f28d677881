// The kind-comparison grid (experiments/lib/kind_grid.h): cell keys and configs, and its plots'
// data (seed means of training curves, bars with ± std).
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "experiments/lib/kind_grid.h"
#include "tests/temp_dir.h"

using namespace attnlab;
using namespace attnlab::experiments;

namespace {

KindTask tiny_task() {
    return {
        "lm",
        "tiny LM",
        "bpc",
        "test bits per character",
        false,
        json{{"data", {{"task", "copy_lm"}}}, {"model", {{"attention", {{"linformer_k", 4}}}}}}};
}

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("kind_grid: one cell per task, kind and seed, keyed preset/task/kind/seed",
          "[experiments]") {
    ExperimentOptions options;
    options.preset = "quick";
    options.out_dir = "/nonexistent";
    const std::vector<Cell> cells =
        kind_grid_cells(options, {tiny_task()}, {"vanilla", "random"}, 2);
    REQUIRE(cells.size() == 4);
    CHECK(cells[0].key == "quick/lm/vanilla/seed0");
    CHECK(cells[1].key == "quick/lm/vanilla/seed1");
    CHECK(cells[3].key == "quick/lm/random/seed1");
    CHECK(cells[2].metric == "bpc");
    CHECK(kind_cell_prefix("full", tiny_task(), "dynamic_conv") == "full/lm/dynamic_conv/");
}

TEST_CASE("kind_grid: training curves average the seeds step by step; bars write a PNG",
          "[experiments]") {
    testing::TempDir dir;
    ResultStore store(dir.path(), "kind_grid_test");
    const KindTask task = tiny_task();
    store.put("quick/lm/vanilla/seed0", {{"bpc", 2.0}, {"train_curve", {{0, 4.0}, {10, 3.0}}}},
              json::object(), 1.0);
    store.put("quick/lm/vanilla/seed1", {{"bpc", 3.0}, {"train_curve", {{0, 5.0}, {10, 2.0}}}},
              json::object(), 1.0);
    write_train_curves(store, "quick", task, {"vanilla", "random"}, 2, dir.file("curves.png"));
    const std::string curves = read_all(dir.file("curves.dat"));
    CHECK(curves.find("# vanilla\n0 4.5 0\n10 2.5 0\n") != std::string::npos);
    CHECK(curves.find("# random") == std::string::npos);  // no cells, no line

    write_kind_bars(store, "quick", task, {"vanilla"}, 2, "bpc", "bits", dir.file("bars.png"));
    CHECK(read_all(dir.file("bars.dat")).find("0 2.5 0.707107") != std::string::npos);
    CHECK(std::ifstream(dir.file("bars.png")).good());
}
