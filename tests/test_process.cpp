// run_process: arguments reach the program verbatim (no shell), stdin and stdout are piped without
// deadlock, exit statuses and a missing program are reported.
#include <catch2/catch.hpp>
#include <filesystem>

#include "engine/process.h"
#include "temp_dir.h"

using namespace attnlab;

TEST_CASE("process: shell metacharacters in arguments are plain bytes", "[process]") {
    testing::TempDir dir;
    const std::string hostile =
        "$(touch " + dir.file("PWNED") + ") `touch " + dir.file("PWNED2") + "`; 'q\" \\ |&>";
    const ProcessResult result = run_process({"printf", "%s|%s", hostile, "two words"});
    CHECK(result.exit_status == 0);
    CHECK(!result.not_found);
    CHECK(result.output == hostile + "|two words");
    CHECK(!std::filesystem::exists(dir.file("PWNED")));
    CHECK(!std::filesystem::exists(dir.file("PWNED2")));
}

TEST_CASE("process: a large input and output pass through a pipe without blocking", "[process]") {
    std::string input;
    for (int i = 0; input.size() < (1 << 20); ++i) input += std::to_string(i) + "\n";
    const ProcessResult result = run_process({"cat"}, input);
    CHECK(result.exit_status == 0);
    CHECK(result.output == input);
}

TEST_CASE("process: exit statuses, stderr capture and a missing program", "[process]") {
    CHECK(run_process({"false"}).exit_status == 1);
    const ProcessResult captured =
        run_process({"sh", "-c", "echo out; echo err >&2; exit 3"}, "", ChildStderr::Capture);
    CHECK(captured.exit_status == 3);
    CHECK(captured.output == "out\nerr\n");
    CHECK(run_process({"sh", "-c", "echo err >&2"}, "", ChildStderr::Discard).output.empty());
    // A child that exits without reading its input must not kill the caller with SIGPIPE.
    CHECK(run_process({"true"}, std::string(1 << 20, 'x')).exit_status == 0);
    const ProcessResult missing = run_process({"attnlab-no-such-program"});
    CHECK(missing.not_found);
    CHECK_THROWS_WITH(run_process({}), Catch::Contains("no program"));
}
