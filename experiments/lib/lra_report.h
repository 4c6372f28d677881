// lra_report.h — lra_cpu's report: LRA's Table 1 layout with LRA's numbers beside ours, the
// settings beside LRA's, the paper's claims checked on our numbers, and per task a bar chart and
// the learning curves (lra_setup.h says what runs).
#pragma once

#include <string>
#include <vector>

#include "experiments/lib/lra_setup.h"
#include "experiments/lib/results.h"

namespace attnlab::experiments {

// What a task's test split is: its longest sequence, classes and majority-class rate.
struct LraTaskFacts {
    int64_t sequence_length = 0, classes = 0;
    double majority = 0;  // the most frequent test label, as a fraction
};
LraTaskFacts lra_task_facts(const LraTask& task);

struct LraGrid {
    const ResultStore& store;
    std::string preset;
    std::vector<LraTask> tasks;
    std::vector<LraTaskFacts> facts;  // one per task
    std::vector<LraRow> rows;
    int64_t seeds;

    std::string prefix(const LraTask& task, const LraRow& row) const;  // key without "seed<i>"
    Summary accuracy(const LraTask& task, const LraRow& row) const;    // percent
    // LRA's Avg: the mean over the five averaged tasks, per seed where all five ran.
    Summary average(const LraRow& row) const;
    // Whether `row` stays within 2 points of the majority-class rate on task `t`.
    bool at_chance(size_t t, const LraRow& row) const;
};

// table.md's text.
std::string lra_report(const LraGrid& grid);

// <task>_accuracy.png (a bar per row, the majority class dashed) and <task>_curves.png (the
// training loss of every row's first seed against the step).
void write_lra_plots(const LraGrid& grid);

}  // namespace attnlab::experiments
