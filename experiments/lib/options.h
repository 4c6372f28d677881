// options.h — the command line every experiment binary shares:
//
//     NAME [--preset quick|full] [--seeds N] [--out DIR] [--help]
//
// --preset quick runs in minutes on 2 cores, full in at most about two hours; --seeds overrides
// the preset's seed count; --out defaults to results/NAME. Usage errors print one line and exit 2.
#pragma once

#include <string>

namespace attnlab::experiments {

struct ExperimentOptions {
    std::string preset = "quick";
    int64_t seeds = 0;  // 0: the preset's default
    std::string out_dir;

    bool full() const { return preset == "full"; }
    // --seeds if given, else the usual preset default: 1 for quick, 3 for full.
    int64_t seed_count() const { return seeds > 0 ? seeds : (full() ? 3 : 1); }
};

// Parses argv; on --help prints `help` and exits 0; on a bad flag prints one line and exits 2.
ExperimentOptions parse_options(int argc, char** argv, const std::string& name,
                                const std::string& help);

// Runs `body` and maps errors to the CLI convention: one line "NAME: message" on stderr and exit
// status 1 (runtime failure). Returns the status.
int run_experiment(const std::string& name, int (*body)(const ExperimentOptions&),
                   const ExperimentOptions& options);

// An experiment's whole main(): parse_options, then run_experiment. Returns the exit status.
int experiment_main(int argc, char** argv, const std::string& name, const std::string& help,
                    int (*body)(const ExperimentOptions&));

}  // namespace attnlab::experiments
