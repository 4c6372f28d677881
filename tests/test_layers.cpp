// The layer rule of the README's map: engine ← models ← train ← experiments, no include points up.
// Scans every source file's quoted #include lines, resolving each the way the compiler does (next
// to the including file first, then from the repository root, the build's -I.).
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kLayers = {"engine", "models", "train", "experiments"};

// The layer (index into kLayers) a path relative to the repository root lies in, or -1.
int layer_of(const fs::path& path) {
    const std::string top = path.begin() == path.end() ? "" : path.begin()->string();
    for (size_t i = 0; i < kLayers.size(); ++i)
        if (top == kLayers[i]) return int(i);
    return -1;
}

// "file:line includes target" for every include in `file` (relative to the root) that reaches a
// higher layer than its own.
std::vector<std::string> upward_includes(const fs::path& file) {
    static const std::regex include_line(R"(^\s*#\s*include\s*"([^"]+)\")");
    const int own = layer_of(file);
    std::vector<std::string> found;
    std::ifstream in(file);
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        std::smatch match;
        if (!std::regex_search(line, match, include_line)) continue;
        const fs::path beside = (file.parent_path() / match[1].str()).lexically_normal();
        const fs::path target = fs::exists(beside) ? beside : fs::path(match[1].str());
        if (layer_of(target) > own)
            found.push_back(file.string() + ":" + std::to_string(number) + " includes " +
                            target.string());
    }
    return found;
}

}  // namespace

TEST_CASE("layers: no include in engine, models, train or experiments points up a layer",
          "[layers]") {
    REQUIRE(fs::is_directory("engine"));  // the tests run from the repository root
    std::vector<std::string> violations;
    int64_t files = 0;
    for (const std::string& layer : kLayers)
        for (const auto& entry : fs::recursive_directory_iterator(layer)) {
            const std::string ext = entry.path().extension().string();
            if (!entry.is_regular_file() || (ext != ".h" && ext != ".cpp")) continue;
            ++files;
            for (const std::string& v : upward_includes(entry.path())) violations.push_back(v);
        }
    CHECK(files > 100);
    for (const std::string& v : violations) UNSCOPED_INFO(v);
    CHECK(violations.empty());
}
