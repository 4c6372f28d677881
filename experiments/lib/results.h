// results.h — the resumable results file every experiment writes: results/NAME/results.json.
//
// An experiment is a grid of cells (preset × task × kind × seed, ...), each named by a key such as
// "quick/lm/random/seed1". A finished cell's metrics are written to disk at once (atomically:
// write "results.json.tmp", then rename), so a rerun after Ctrl-C or a crash skips every cell
// already present and only runs the rest. Besides the cells, the file records what is needed to
// trust the numbers: the experiment, git commit, machine, the configs and wall times.
//
//   {"experiment": "...", "git_commit": "...", "machine": {...},
//    "runs": [{"preset": ..., "seeds": ..., "started": ..., "wall_s": ...}, ...],
//    "cells": {"<key>": {"metrics": {...}, "config": {...}, "wall_s": ..., "finished": ...}}}
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace attnlab::experiments {

using json = nlohmann::json;

// Mean and sample standard deviation (n − 1; 0 for one value) of a metric over seeds.
struct Summary {
    double mean = 0, std = 0;
    int64_t count = 0;
    std::string str(int decimals) const;  // "1.234 ± 0.012" (or "1.234" for one seed, "–" for none)
};
Summary summarize(const std::vector<double>& values);

class ResultStore {
  public:
    // Loads `directory`/results.json if it exists (a file of another experiment is an Error), else
    // starts empty; creates the directory.
    ResultStore(const std::string& directory, const std::string& experiment);

    bool has(const std::string& key) const;
    const json& cell(const std::string& key) const;  // throws if absent
    // Records a finished cell (with the git commit it ran at) and rewrites results.json atomically,
    // keeping cells another process stored meanwhile.
    void put(const std::string& key, const json& metrics, const json& config, double wall_s);
    // A metric over the cells whose keys are `prefix` + "seed<i>" for i in [0, seeds).
    Summary summary(const std::string& prefix, const std::string& metric, int64_t seeds) const;
    // Rereads results.json, for cells another process stored since.
    void refresh();
    // Appends a run record (preset, seeds, wall time) and the machine/commit, then saves.
    void record_run(const json& run);

    const std::string& directory() const { return directory_; }
    std::string path(const std::string& file) const { return directory_ + "/" + file; }

  private:
    json load(const std::string& file) const;
    // Applies `change` to the file as it is on disk now, under a lock, and saves it atomically.
    void update(const std::function<void(json&)>& change);
    void locked(const std::function<void()>& body);  // under an flock on results.json.lock

    std::string directory_, experiment_;
    json root_;
};

// Writes `text` to `path` atomically (a temporary file renamed over it).
void write_file_atomically(const std::string& path, const std::string& text);

// The machine (CPU model, cores, memory, OpenBLAS core type), for the record; "unknown" where a
// field cannot be read.
json machine_description();
// The commit this program was built from ("-dirty" when the sources it compiles differed from the
// commit, "unknown" outside a git checkout), not the tree's commit when it runs: a binary built
// before the tree moved on still credits its numbers to its own code.
std::string git_commit();

}  // namespace attnlab::experiments
