// The fuzz harnesses (tests/fuzz/) replayed on their seed corpus and on every input that ever
// crashed or hung one of them (tests/fuzz/regressions/<harness>/), so a fixed finding stays fixed
// in every suite, the sanitizer one included. A harness fails an input by letting anything but
// attnlab::Error escape; under ASan/UBSan, by a sanitizer report.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/fuzz/fuzz_support.h"
#include "tests/temp_dir.h"

using namespace attnlab;
namespace fs = std::filesystem;

namespace {

const std::string kFuzzDir = "tests/fuzz";  // the tests run from the repository root

// Every file of corpus/<harness>/ and regressions/<harness>/, in name order.
std::vector<std::string> inputs_of(const std::string& harness) {
    std::vector<std::string> files;
    for (const char* kind : {"corpus", "regressions"}) {
        const fs::path folder = fs::path(kFuzzDir) / kind / harness;
        if (!fs::is_directory(folder)) continue;
        for (const auto& entry : fs::directory_iterator(folder))
            if (entry.is_regular_file()) files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    return files;
}

// Replays every input; a seed named bad_* must be rejected with an error, any other seed accepted
// (so the seeds reach the parser as their names say, past the harness's own plumbing).
void replay(const std::string& harness, int (*input)(const uint8_t*, size_t)) {
    const std::vector<std::string> files = inputs_of(harness);
    REQUIRE(files.size() >= 3);  // the seed corpus is there and found
    for (const std::string& file : files) {
        INFO("fuzz input " << file);
        const std::string bytes = testing::read_file(file);
        CHECK_NOTHROW(input(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
        if (file.find("/corpus/") == std::string::npos) continue;
        INFO("its error: " << fuzz::last_rejection());
        const bool named_bad = fs::path(file).filename().string().rfind("bad_", 0) == 0;
        CHECK(fuzz::last_rejection().empty() == !named_bad);
    }
}

}  // namespace

TEST_CASE("fuzz replay: safetensors loader on its corpus and regressions", "[fuzz]") {
    replay("safetensors", fuzz::safetensors_input);
}

TEST_CASE("fuzz replay: IDX and Fashion-MNIST reader on its corpus and regressions", "[fuzz]") {
    replay("idx", fuzz::idx_input);
}

TEST_CASE("fuzz replay: config parser on its corpus and regressions", "[fuzz]") {
    replay("config", fuzz::config_input);
}

TEST_CASE("fuzz replay: text readers on their corpus and regressions", "[fuzz]") {
    replay("text", fuzz::text_input);
}

TEST_CASE("fuzz replay: ListOps parsers on their corpus and regressions", "[fuzz]") {
    replay("listops", fuzz::listops_input);
}
