// options.h — the command line every experiment binary shares:
//
//     NAME [--preset P] [--seeds N] [--only LABEL=VALUE,...] [--list] [--out DIR] [--help]
//
// --preset quick runs in minutes on 2 cores, full in at most about three hours; an experiment may
// add presets (synthesizer_ablation's scale). --seeds overrides the preset's seed count; --only
// runs the cells whose labels match (a piece of a long grid, e.g. --only size=large,kind=random:
// every LABEL must match, a LABEL given twice matches either value); --list prints the state of
// each cell it selects and runs nothing; --out defaults to results/NAME. Usage errors print one
// line and exit 2.
#pragma once

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace attnlab::experiments {

// What an experiment's command line accepts beyond the shared flags.
struct ExperimentInfo {
    std::string name, help;
    std::vector<std::string> presets = {"quick", "full"};
    bool has_cells = true;  // false: the experiment measures without a cell grid (no --only)
};

struct ExperimentOptions {
    std::string preset = "quick";
    int64_t seeds = 0;  // 0: the preset's default
    std::string out_dir;
    std::map<std::string, std::set<std::string>> only;  // --only: label → accepted values
    bool list = false;  // --list: print the selected cells' states instead of running them

    bool full() const { return preset == "full"; }
    bool quick() const { return preset == "quick"; }
    // --seeds if given, else the usual preset default: 1 for quick, 3 otherwise.
    int64_t seed_count() const { return seeds > 0 ? seeds : (quick() ? 1 : 3); }
};

// A command-line mistake found after parsing (an --only label no cell has): exit status 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Parses argv; on --help prints the help and exits 0; on a bad flag prints one line and exits 2.
ExperimentOptions parse_options(int argc, char** argv, const ExperimentInfo& info);

// Runs `body` and maps errors to the CLI convention: one line "NAME: message" on stderr and exit
// status 2 for a UsageError, 1 for any other failure. Returns the status. In a job of several
// processes (MPI, train/distributed.h) an error ends the whole job, printed once
// (distributed::end_job); --help and usage errors are printed by process 0 only.
int run_experiment(const std::string& name, int (*body)(const ExperimentOptions&),
                   const ExperimentOptions& options);

// An experiment's whole main(): parse_options, then run_experiment. Returns the exit status. An
// experiment without cells refuses a job of several processes (exit 2): it has nothing to deal.
int experiment_main(int argc, char** argv, const ExperimentInfo& info,
                    int (*body)(const ExperimentOptions&));

}  // namespace attnlab::experiments
