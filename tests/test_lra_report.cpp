// test_lra_report.cpp — lra_cpu's report (experiments/lib/lra_report.h) reads no claim from rows
// that have not run: with the Transformer alone on one task, nothing is judged but what it shows.
#include <catch2/catch.hpp>

#include "experiments/lib/lra_report.h"
#include "tests/temp_dir.h"

using namespace attnlab;
using namespace attnlab::experiments;

TEST_CASE("lra report: claims wait for the rows they compare", "[experiments]") {
    attnlab::testing::TempDir dir;
    ResultStore store(dir.path(), "lra_cpu");
    store.put("quick/text/transformer/seed0", {{"accuracy", 0.87}}, json::object(), 1.0);
    const std::vector<LraTask> tasks = lra_tasks("quick");
    // Majority classes as the real tasks have them (not loaded: the report only reads the rate).
    std::vector<LraTaskFacts> facts(tasks.size(), LraTaskFacts{100, 2, 0.5});
    const LraGrid grid{store, "quick", tasks, facts, lra_rows(), 1};
    const std::string report = lra_report(grid);
    INFO(report);
    const auto line_of = [&](const std::string& claim, const std::string& task) {
        const size_t at = report.find("| " + claim + " | " + task + " |");
        REQUIRE(at != std::string::npos);
        return report.substr(at, report.find('\n', at) - at);
    };
    CHECK_THAT(line_of("LRA's ordering of its rows", "text"),
               Catch::Contains("not yet: fewer than two rows run"));
    const std::string rows = std::to_string(lra_rows().size());
    CHECK_THAT(line_of("every row learns (majority class + 2 points)", "text"),
               Catch::Contains("yes so far (1 of " + rows + " rows run)"));
    CHECK_THAT(line_of("every row learns (majority class + 2 points)", "listops"),
               Catch::Contains("not yet: no row run"));
    CHECK_THAT(line_of("LRA's ordering of its rows", "listops"),
               Catch::Contains("not yet: the Transformer has not run"));
    // At chance, the one row run says no.
    store.put("quick/listops/transformer/seed0", {{"accuracy", 0.505}}, json::object(), 1.0);
    const std::string after = lra_report(grid);
    CHECK_THAT(after, Catch::Contains("| at chance: Transformer | no (1 of " + rows));
    CHECK_THAT(after,
               Catch::Contains("| listops | Transformer | unmeasurable: Transformer at chance"));
}
