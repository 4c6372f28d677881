// The experiment toolkit: seed summaries, the resumable results store and Markdown tables.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "engine/common.h"
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
