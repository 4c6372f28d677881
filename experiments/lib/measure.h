// measure.h — timing and memory measurement shared by the benchmarks and the scaling experiment.
//
// Peak memory is measured the only way that counts everything (tensors, BLAS workspace, the
// allocator's slack): the peak resident set size of a CHILD process that runs one measurement.
// run_isolated() re-executes this binary with the given arguments, waits for it and returns its
// stdout and ru_maxrss; a baseline child that allocates nothing gives the fixed cost to subtract.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace attnlab::experiments {

// Wall-clock seconds from `start` to now.
double seconds_since(std::chrono::steady_clock::time_point start);

// Median seconds per call of `work` over `repeats` timed calls after `warmup` untimed ones.
double median_seconds(const std::function<void()>& work, int repeats, int warmup = 1);

struct ChildResult {
    int exit_status = -1;     // the child's exit status; 128 + n if killed by signal n
    std::string output;       // everything it printed on stdout
    double peak_rss_mib = 0;  // its peak resident set size
};

// Runs /proc/self/exe with `arguments` (argv[1..]) and an address-space limit of `memory_limit_mib`
// (0: none), so running out of memory fails that child only. The child does not count as a
// process of an MPI job this one belongs to (distributed::child_environment). In a job of several
// processes, a UsageError: they would share the cores the child is timed on.
ChildResult run_isolated(const std::vector<std::string>& arguments, int64_t memory_limit_mib);

// This process's peak resident set size so far.
double own_peak_rss_mib();

}  // namespace attnlab::experiments
