// child_cells.cpp — measuring a cell in a child process and reading it back.
#include "child_cells.h"

#include <chrono>
#include <cstdio>

namespace attnlab::experiments {

json measure_child_cell(ResultStore& store, const std::string& program, const std::string& key,
                        const std::vector<std::string>& arguments, const json& config,
                        const ChildResult& baseline, int64_t memory_limit_mib) {
    if (!store.has(key)) {
        std::fprintf(stderr, "%s: %s ...\n", program.c_str(), key.c_str());
        const auto started = std::chrono::steady_clock::now();
        const ChildResult child = run_isolated(arguments, memory_limit_mib);
        json metrics = {{"status", child.exit_status == 0 ? "ok" : "failed"},
                        {"exit_status", child.exit_status}};
        if (child.exit_status == 0) {
            metrics.update(json::parse(child.output));
            metrics["peak_mib"] = child.peak_rss_mib - baseline.peak_rss_mib;
        }
        store.put(key, metrics, config, seconds_since(started));
    }
    return store.cell(key)["metrics"];
}

double child_cell_metric(const ResultStore& store, const std::string& key, const char* metric) {
    if (!store.has(key)) return -1;
    const json& metrics = store.cell(key)["metrics"];
    return metrics["status"] == "ok" ? metrics[metric].get<double>() : -2;
}

}  // namespace attnlab::experiments
