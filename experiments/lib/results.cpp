// results.cpp — results.json: load, atomic save, per-seed summaries, machine and commit record.
#include "results.h"

#include <fcntl.h>
#include <omp.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/common.h"

namespace attnlab::experiments {

std::string Summary::str(int decimals) const {
    if (count == 0) return "–";
    char text[64];
    if (count == 1)
        std::snprintf(text, sizeof text, "%.*f", decimals, mean);
    else
        std::snprintf(text, sizeof text, "%.*f ± %.*f", decimals, mean, decimals, std);
    return text;
}

Summary summarize(const std::vector<double>& values) {
    Summary s;
    s.count = int64_t(values.size());
    if (values.empty()) return s;
    for (double v : values) s.mean += v;
    s.mean /= double(values.size());
    if (values.size() > 1) {
        double squares = 0;
        for (double v : values) squares += (v - s.mean) * (v - s.mean);
        s.std = std::sqrt(squares / double(values.size() - 1));
    }
    return s;
}

void write_file_atomically(const std::string& path, const std::string& text) {
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        ATTNLAB_CHECK(out.good(), "cannot write ", temporary);
        out << text;
        out.flush();
        ATTNLAB_CHECK(out.good(), "write to ", temporary, " failed (disk full?)");
    }
    std::error_code error;
    std::filesystem::rename(temporary, path, error);
    ATTNLAB_CHECK(!error, "cannot rename ", temporary, " to ", path, ": ", error.message());
}

namespace {

std::string now_utc() {
    const std::time_t t = std::time(nullptr);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return text;
}

// The value of the first "key<blanks>: value" line of a /proc file such as /proc/cpuinfo.
std::string proc_field(const char* path, const std::string& key) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.compare(0, key.size(), key) != 0) continue;
        const size_t colon = line.find(':');
        if (colon == std::string::npos || line.find_first_not_of(" \t", key.size()) != colon)
            continue;
        const size_t value = line.find_first_not_of(" \t", colon + 1);
        return value == std::string::npos ? "unknown" : line.substr(value);
    }
    return "unknown";
}

std::string memory_gib() {
    const std::string kib = proc_field("/proc/meminfo", "MemTotal");
    char* end = nullptr;
    const double value = std::strtod(kib.c_str(), &end);
    if (end == kib.c_str()) return "unknown";
    char text[32];
    std::snprintf(text, sizeof text, "%.1f GiB", value / 1048576);
    return text;
}

}  // namespace

// Defined in build/build_commit.cpp, which the Makefile writes from `git describe` at build time.
extern const char* const kBuildCommit;

std::string git_commit() {
    return kBuildCommit;
}

json machine_description() {
    json machine;
    machine["cpu"] = proc_field("/proc/cpuinfo", "model name");
    machine["cores"] = std::thread::hardware_concurrency();
    machine["memory"] = memory_gib();
    const char* coretype = std::getenv("OPENBLAS_CORETYPE");
    machine["openblas_coretype"] = coretype ? coretype : "auto";
    // What train.threads = 0 means in this process (OMP_NUM_THREADS, else every core).
    machine["openmp_threads"] = omp_get_max_threads();
    return machine;
}

json ResultStore::load(const std::string& file) const {
    std::ifstream in(file);
    ATTNLAB_CHECK(in.good(), "cannot read ", file);
    json root;
    try {
        root = json::parse(in);
    } catch (const json::exception& e) {
        throw Error(cat(file, " is not valid JSON (", e.what(), "); move it away to start afresh"));
    }
    ATTNLAB_CHECK(root.value("experiment", "") == experiment_, file, " belongs to experiment \"",
                  root.value("experiment", "?"), "\", not \"", experiment_, "\"");
    ATTNLAB_CHECK(root.contains("cells") && root["cells"].is_object(), file,
                  " has no \"cells\" object");
    return root;
}

ResultStore::ResultStore(const std::string& directory, const std::string& experiment)
    : directory_(directory), experiment_(experiment) {
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    ATTNLAB_CHECK(!error, "cannot create ", directory, ": ", error.message());
    root_ =
        std::filesystem::exists(path("results.json"))
            ? load(path("results.json"))
            : json{{"experiment", experiment}, {"runs", json::array()}, {"cells", json::object()}};
}

bool ResultStore::has(const std::string& key) const {
    return root_["cells"].contains(key);
}

const json& ResultStore::cell(const std::string& key) const {
    ATTNLAB_CHECK(has(key), "results: no cell \"", key, "\" in ", path("results.json"));
    return root_["cells"][key];
}

void ResultStore::put(const std::string& key, const json& metrics, const json& config,
                      double wall_s) {
    update([&](json& root) {
        root["cells"][key] = {{"metrics", metrics},
                              {"config", config},
                              {"wall_s", wall_s},
                              {"finished", now_utc()},
                              {"git_commit", git_commit()}};
    });
}

Summary ResultStore::summary(const std::string& prefix, const std::string& metric,
                             int64_t seeds) const {
    std::vector<double> values;
    for (int64_t seed = 0; seed < seeds; ++seed) {
        const std::string key = prefix + "seed" + std::to_string(seed);
        if (!has(key)) continue;
        const json& metrics = cell(key)["metrics"];
        if (metrics.contains(metric) && metrics[metric].is_number())
            values.push_back(metrics[metric].get<double>());
    }
    return summarize(values);
}

void ResultStore::record_run(const json& run) {
    json entry = run;
    entry["finished"] = now_utc();
    entry["git_commit"] = git_commit();
    update([&](json& root) {
        root["git_commit"] = entry["git_commit"];
        root["machine"] = machine_description();
        root["runs"].push_back(entry);
    });
}

void ResultStore::refresh() {
    locked([&] {
        if (std::filesystem::exists(path("results.json"))) root_ = load(path("results.json"));
    });
}

// Two processes may run different --only pieces of one grid into one directory: each change is
// made under an exclusive lock on the file as it is on disk now, so neither loses the other's
// cells.
void ResultStore::update(const std::function<void(json&)>& change) {
    locked([&] {
        if (std::filesystem::exists(path("results.json"))) root_ = load(path("results.json"));
        change(root_);
        write_file_atomically(path("results.json"), root_.dump(2) + "\n");
    });
}

void ResultStore::locked(const std::function<void()>& body) {
    const std::string lock_path = path("results.json.lock");
    const int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    ATTNLAB_CHECK(lock >= 0, "cannot open ", lock_path, ": ", std::strerror(errno));
    if (::flock(lock, LOCK_EX) != 0) {
        const int error = errno;
        ::close(lock);
        throw Error(cat("cannot lock ", lock_path, ": ", std::strerror(error)));
    }
    try {
        body();
    } catch (...) {
        ::close(lock);  // closing releases the lock
        throw;
    }
    ::close(lock);
}

}  // namespace attnlab::experiments
