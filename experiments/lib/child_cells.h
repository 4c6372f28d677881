// child_cells.h — result cells measured in a child process each (measure.h's run_isolated), for
// the benchmarks that record a cell's time and peak memory: attention_scaling, decode_bench and
// lra_efficiency.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "measure.h"
#include "results.h"

namespace attnlab::experiments {

// Unless cell `key` exists, runs this program as a child with `arguments` under an address-space
// limit of `memory_limit_mib` and stores the cell: "status" ("ok" or "failed"), "exit_status", the
// fields of the JSON object the child printed, and "peak_mib", its peak RSS above `baseline`'s.
// Returns the cell's metrics. `program` prefixes the progress line printed on stderr.
json measure_child_cell(ResultStore& store, const std::string& program, const std::string& key,
                        const std::vector<std::string>& arguments, const json& config,
                        const ChildResult& baseline, int64_t memory_limit_mib);

// A metric of cell `key`: −1 when the cell was not run, −2 when it failed, else its value.
double child_cell_metric(const ResultStore& store, const std::string& key, const char* metric);

}  // namespace attnlab::experiments
