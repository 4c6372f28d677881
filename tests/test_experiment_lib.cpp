// The experiment toolkit: seed summaries, the resumable results store, Markdown tables and
// gnuplot output.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "engine/common.h"
#include "experiments/lib/plot.h"
#include "experiments/lib/results.h"
#include "experiments/lib/table.h"

using namespace attnlab;
using namespace attnlab::experiments;

namespace {

std::string temporary_directory() {
    char pattern[] = "/tmp/attnlab-exp-XXXXXX";
    REQUIRE(mkdtemp(pattern) != nullptr);
    return pattern;
}

}  // namespace

TEST_CASE("experiments: mean and sample standard deviation over seeds", "[experiments]") {
    const Summary s = summarize({1.0, 2.0, 4.0});
    CHECK(s.mean == Approx(7.0 / 3));
    CHECK(s.std == Approx(1.5275252316519468));
    CHECK(s.str(2) == "2.33 ± 1.53");
    CHECK(summarize({5.0}).str(1) == "5.0");
    CHECK(summarize({}).str(1) == "–");
}

TEST_CASE("experiments: the results store survives a restart and refuses another experiment",
          "[experiments]") {
    const std::string dir = temporary_directory();
    {
        ResultStore store(dir, "demo");
        CHECK_FALSE(store.has("quick/a/seed0"));
        store.put("quick/a/seed0", {{"bpc", 2.0}}, {{"lr", 1e-3}}, 1.5);
        store.put("quick/a/seed1", {{"bpc", 3.0}}, {{"lr", 1e-3}}, 1.5);
    }
    ResultStore reloaded(dir, "demo");
    CHECK(reloaded.has("quick/a/seed0"));
    CHECK(reloaded.cell("quick/a/seed1")["metrics"]["bpc"] == 3.0);
    const Summary s = reloaded.summary("quick/a/", "bpc", 3);  // seed2 is missing: two values
    CHECK(s.count == 2);
    CHECK(s.mean == Approx(2.5));
    CHECK_FALSE(std::filesystem::exists(dir + "/results.json.tmp"));
    CHECK_THROWS_WITH(ResultStore(dir, "other"), Catch::Contains("belongs to experiment \"demo\""));
    std::ofstream(dir + "/results.json") << "{ not json";
    CHECK_THROWS_WITH(ResultStore(dir, "demo"), Catch::Contains("is not valid JSON"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("experiments: Markdown tables line up, counting ± as one column", "[experiments]") {
    Table table{{"kind", "bpc"}, {{"random", "2.10 ± 0.01"}, {"vanilla", "2.0"}}};
    CHECK(table.markdown() ==
          "| kind    | bpc         |\n"
          "|---------|-------------|\n"
          "| random  | 2.10 ± 0.01 |\n"
          "| vanilla | 2.0         |\n");
    table.rows.push_back({"short row"});
    CHECK_THROWS_WITH(table.markdown(), Catch::Contains("a row has 1 cells"));
}

TEST_CASE("experiments: a plot writes its data, script and PNG", "[experiments]") {
    const std::string dir = temporary_directory();
    Plot plot;
    plot.title = "test";
    plot.series.push_back({"line", {1, 2, 3}, {1, 4, 9}, {0.1, 0.2, 0.3}});
    write_plot(plot, dir + "/p.png");
    CHECK(std::filesystem::file_size(dir + "/p.png") > 1000);
    std::ifstream data(dir + "/p.dat");
    std::string first;
    std::getline(data, first);
    CHECK(first == "# line");
    plot.series[0].error = {1};
    CHECK_THROWS_WITH(write_plot(plot, dir + "/q.png"), Catch::Contains("1 error values"));
    CHECK_THROWS_WITH(write_plot(plot, dir + "/q.svg"), Catch::Contains("must end in .png"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("experiments: a heat map writes its matrix and PNG, and checks its sizes",
          "[experiments]") {
    const std::string dir = temporary_directory();
    Heatmap map;
    map.title = "attention";
    map.rows = 2;
    map.cols = 3;
    map.values = {0.5, 0.5, 0, 0.2, 0.3, 0.5};
    map.col_labels = {"a", "\"", "c"};
    write_heatmap(map, dir + "/h.png");
    CHECK(std::filesystem::file_size(dir + "/h.png") > 1000);
    std::ifstream data(dir + "/h.dat");
    std::string first;
    std::getline(data, first);
    CHECK(first == "0.5 0.5 0");
    map.values.pop_back();
    CHECK_THROWS_WITH(write_heatmap(map, dir + "/g.png"), Catch::Contains("5 values for 2 × 3"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("experiments: gnuplot strings keep backslashes, quotes and backticks literal",
          "[experiments]") {
    CHECK(gnuplot_string("a\\b\"c") == "'a\\b\"c'");
    CHECK(gnuplot_string("it's `x`") == "'it''s `x`'");
    CHECK(gnuplot_string("a\nb") == "'a'.\"\\012\".'b'");

    // A bar chart whose path, title, tick labels and series titles hold every special character.
    const std::string dir = temporary_directory() + "/p $(touch PWNED) `touch PWNED` 'q\"\\b";
    std::filesystem::create_directories(dir);
    Plot plot;
    plot.title = "t `touch PWNED` @x \\";
    plot.bars = true;
    plot.x_tic_labels = {"a\\b\"c", "'", "line\nbreak"};
    plot.series.push_back({"s 'q' \"\\n\"", {0, 1, 2}, {1, 2, 3}, {}});
    write_plot(plot, dir + "/bars.png");
    CHECK(std::filesystem::file_size(dir + "/bars.png") > 1000);
    CHECK(!std::filesystem::exists("PWNED"));
    CHECK(!std::filesystem::exists(dir + "/PWNED"));
    std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
}
