// test_mpi_grid.cpp — an experiment grid over the processes of an MPI job
// (experiments/lib/training_cell.h run_cells): the suite's tiny grid program (build/<variant>/
// grid_cells, tests/programs/grid_cells.cpp) run alone and under mpirun -np 2 writes the same
// results, resumes cell by cell, trains data-parallel cells together, ends the job on a failing
// cell, and keeps measurement children out of the job. Skipped with one warning when mpirun cannot
// start processes.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/mpi_helpers.h"

using namespace attnlab::testing;
using nlohmann::json;

namespace {

std::vector<std::string> grid_command(const std::string& out_dir,
                                      const std::vector<std::string>& extra = {}) {
    std::vector<std::string> command = {suite_program("grid_cells"), "--out", out_dir};
    command.insert(command.end(), extra.begin(), extra.end());
    return command;
}

json grid_results(const std::string& out_dir) {
    return json::parse(read_file(out_dir + "/results.json"));
}

// A cell as the comparison sees it: without its timings and its run directory.
json grid_comparable(json cell) {
    cell["metrics"].erase("tokens_per_s");
    cell["config"]["train"].erase("out_dir");
    for (const char* field : {"wall_s", "finished", "git_commit"}) cell.erase(field);
    return cell;
}

size_t grid_count(const std::string& text, const std::string& what) {
    size_t count = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++count;
    return count;
}

// The cell numbers of the progress lines "[3/4] ...", in the order printed: "1324".
std::string grid_progress(const std::string& err) {
    std::string order;
    for (size_t at = err.find("/4] "); at != std::string::npos; at = err.find("/4] ", at + 1))
        order += err[at - 1];
    return order;
}

void grid_require_ok(const ProcessResult& result) {
    INFO(result.err);
    REQUIRE(result.status == 0);
}

}  // namespace

TEST_CASE("mpi grid: four cells over two processes give one process's results, cell by cell",
          "[mpi][mpirun]") {
    if (mpi_skip()) return;
    TempDir dir;
    const std::string one = dir.file("one"), two = dir.file("two");
    grid_require_ok(run_process(grid_command(one), dir.file("1"), 60));
    // Two processes: half the grid, then the whole, which runs only the other half.
    const ProcessResult half =
        run_process(under_mpirun(2, grid_command(two, {"--only", "seed=0"})), dir.file("h"), 60);
    grid_require_ok(half);
    const json first = grid_results(two);
    const ProcessResult whole = run_process(under_mpirun(2, grid_command(two)), dir.file("w"), 60);
    grid_require_ok(whole);

    const json expected = grid_results(one), actual = grid_results(two);
    REQUIRE(expected["cells"].size() == 4);
    REQUIRE(actual["cells"].size() == 4);
    for (const auto& [key, cell] : expected["cells"].items()) {
        INFO(key);
        REQUIRE(actual["cells"].contains(key));
        CHECK(grid_comparable(actual["cells"][key]) == grid_comparable(cell));
    }
    for (const std::string key : {"quick/vanilla/seed0", "quick/random/seed0"})
        CHECK(actual["cells"][key] == first["cells"][key]);  // stored once, by the first run
    CHECK(grid_count(half.err, "] quick/") == 2);
    CHECK(grid_count(whole.err, "] quick/") == 2);
    CHECK(grid_count(whole.out, "reported by process") == 1);
    CHECK_THAT(whole.out, Catch::Contains("reported by process 0 of 2"));
    CHECK(actual["runs"].back()["processes"] == 2);
}

TEST_CASE("mpi grid: a cell runs after the cells it reads; a timed cell has a round to itself",
          "[mpi][mpirun]") {
    if (mpi_skip()) return;
    TempDir dir;
    // Grid order: vanilla/seed0, random/seed0 (after vanilla/seed0), vanilla/seed1, random/seed1
    // (after vanilla/seed1). Rounds of two processes without the timed cell: [1, 3], [2, 4].
    const ProcessResult plain =
        run_process(under_mpirun(2, grid_command(dir.file("plain"))), dir.file("p"), 60);
    grid_require_ok(plain);
    CHECK(grid_progress(plain.err) == "1324");
    // vanilla/seed1 timed: [1], [2], [3], [4].
    const ProcessResult timed = run_process(
        under_mpirun(2, grid_command(dir.file("timed"), {"--preset", "timed"})), dir.file("t"), 60);
    grid_require_ok(timed);
    CHECK(grid_progress(timed.err) == "1234");
}

TEST_CASE("mpi grid: data-parallel cells are trained by both processes together", "[mpi][mpirun]") {
    if (mpi_skip()) return;
    TempDir dir;
    const std::string one = dir.file("one"), two = dir.file("two");
    grid_require_ok(run_process(grid_command(one), dir.file("1"), 60));
    const ProcessResult result = run_process(
        under_mpirun(2, grid_command(two, {"--preset", "data_parallel"})), dir.file("2"), 60);
    grid_require_ok(result);
    const json expected = grid_results(one)["cells"], actual = grid_results(two)["cells"];
    REQUIRE(actual.size() == 4);
    for (const auto& [key, cell] : expected.items()) {
        INFO(key);
        CHECK(cell["metrics"]["processes"] == 1);
        CHECK(actual[key]["metrics"]["processes"] == 2);
        // The same global batches: one process's losses up to the order of the gradient sums.
        CHECK(actual[key]["metrics"]["final_train_loss"].get<double>() ==
              Approx(cell["metrics"]["final_train_loss"].get<double>()).epsilon(1e-4));
    }
    CHECK(grid_count(result.err, "] quick/") == 4);
    CHECK(grid_count(result.out, "reported by process") == 1);
}

TEST_CASE("mpi grid: a cell failing on process 1 ends the job with one line, finished cells kept",
          "[mpi][mpirun]") {
    if (mpi_skip()) return;
    TempDir dir;
    const std::string out = dir.file("grid");
    const ProcessResult result =
        run_process(under_mpirun(2, grid_command(out, {"--preset", "failing"})), dir.file("f"), 30);
    INFO(result.err);
    CHECK(result.status == 1);
    CHECK(grid_count(result.err, "grid_cells: ") == 1);
    CHECK_THAT(
        result.err,
        Catch::Contains("grid_cells: cell quick/vanilla/seed1 (process 1): fails on purpose"));
    const json cells = grid_results(out)["cells"];
    CHECK(cells.contains("quick/vanilla/seed0"));  // process 0's cell of the same round
    CHECK(cells.size() == 1);
    CHECK(result.out.empty());
}

TEST_CASE("mpi grid: a measurement child is not a process of the job; two processes refuse",
          "[mpi][mpirun]") {
    if (mpi_skip()) return;
    TempDir dir;
    const std::vector<std::string> child = grid_command(dir.file("grid"), {"--preset", "child"});
    const ProcessResult alone = run_process(under_mpirun(1, child), dir.file("1"), 30);
    grid_require_ok(alone);
    CHECK_THAT(alone.out, Catch::Contains("child 0: launched 0"));
    const ProcessResult two = run_process(under_mpirun(2, child), dir.file("2"), 30);
    INFO(two.err);
    CHECK(two.status == 2);
    CHECK(grid_count(two.err, "grid_cells: ") == 1);
    CHECK_THAT(two.err, Catch::Contains("run it without mpirun (2 processes"));
}
