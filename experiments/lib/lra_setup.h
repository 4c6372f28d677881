// lra_setup.h — what lra_cpu runs: the Long Range Arena's tasks at LRA's own lengths (Tay et al.
// 2021, arXiv 2011.04006, §2.2) and its rows as LRA's released code runs them
// (google-research/long-range-arena; papers.md §3.4 and §3.7), each with the departures a 2-core
// CPU forces stated beside LRA's value.
//
// Tasks (full preset; the quick preset keeps the settings at a tenth of the lengths):
//   listops     ListOps, LRA's generator ranges (500 < length < 2000), 10 classes
//   text        byte-level KJV passage → testament at 1,000 bytes (stand-in for IMDb, 2 classes)
//   retrieval   two 4,000-byte KJV passages → same book or not (stand-in for AAN), two towers
//   image       Fashion-MNIST, 28 × 28 = 784 grey pixels (stand-in for grey CIFAR-10's 1,024)
//   pathfinder  Pathfinder-32 "hard" (contour length 14), 1,024 pixels (train/data/pathfinder.h)
//   text4k      the Text task at 4,000 bytes (LRA's paper length; its released config uses 1K)
//   pathx       Path-X, 128 × 128 = 16,384 pixels: preset "pathx" only, for the kinds that fit
// Rows: LRA's eleven models (Table 1) under LRA's settings for that row, then attnlab's variants,
// labelled as such.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace attnlab::experiments {

using json = nlohmann::json;

// The five tasks LRA averages (Path-X excluded), in Table 1's order.
constexpr int kLraAveragedTasks = 5;

struct LraTask {
    std::string id, title;
    int lra_column;          // index into LraRow::lra_accuracy, or -1 (text4k, pathx: no column)
    std::string lra_length;  // LRA's sequence length, for the settings table
    json config;             // the task's data, model and train settings (train/config.h keys)
    std::string lra_model;   // LRA's released base config for the task, for the settings table
};

// The tasks of a preset ("quick", "full" or "pathx").
std::vector<LraTask> lra_tasks(const std::string& preset);

struct LraRow {
    std::string id;    // the cell label "kind": transformer, performer, favor_plus, ...
    std::string name;  // as printed: LRA's model name, or attnlab's variant and "(attnlab)"
    // LRA's Table 1: ListOps, Text, Retrieval, Image, Pathfinder, Avg; empty for attnlab rows.
    std::vector<double> lra_accuracy;
    json attention;  // its "model.attention" settings (lra_attention: per task)
    bool lra() const { return !lra_accuracy.empty(); }
};

// Every row, LRA's in Table 1's order first.
std::vector<LraRow> lra_rows();

// The "model.attention" settings of `row` on `task` (LRA's Performer differs on ListOps).
json lra_attention(const LraRow& row, const LraTask& task);

}  // namespace attnlab::experiments
