// PNG plots and heat maps through gnuplot (train/plot.h), and the quoting that keeps every label
// and path literal.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "temp_dir.h"
#include "train/plot.h"

using namespace attnlab;
using attnlab::testing::TempDir;

TEST_CASE("plot: a plot writes its data, script and PNG", "[plot]") {
    TempDir tmp;
    const std::string dir = tmp.path();
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
}

TEST_CASE("plot: a heat map writes its matrix and PNG, and checks its sizes", "[plot]") {
    TempDir tmp;
    const std::string dir = tmp.path();
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
}

TEST_CASE("plot: gnuplot strings keep backslashes, quotes and backticks literal", "[plot]") {
    CHECK(gnuplot_string("a\\b\"c") == "'a\\b\"c'");
    CHECK(gnuplot_string("it's `x`") == "'it''s `x`'");
    CHECK(gnuplot_string("a\nb") == "'a'.\"\\012\".'b'");

    // A bar chart whose path, title, tick labels and series titles hold every special character.
    TempDir tmp;
    const std::string dir = tmp.path() + "/p $(touch PWNED) `touch PWNED` 'q\"\\b";
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
}
