// options.cpp — the shared experiment command line and error-to-exit-status mapping.
#include "options.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

#include "engine/common.h"
#include "train/distributed.h"

namespace attnlab::experiments {
namespace {

// Every process of a job parses the same command line: process 0 alone prints.
[[noreturn]] void usage_error(const std::string& name, const std::string& message) {
    if (distributed::is_root())
        std::fprintf(stderr, "%s: %s (see %s --help)\n", name.c_str(), message.c_str(),
                     name.c_str());
    std::exit(2);
}

std::string joined(const std::vector<std::string>& words) {
    std::string text;
    for (const std::string& word : words) text += (text.empty() ? "" : ", ") + word;
    return text;
}

// "size=large,kind=random" → {size: {large}, kind: {random}}.
std::map<std::string, std::set<std::string>> parse_only(const std::string& name,
                                                        const std::string& value) {
    std::map<std::string, std::set<std::string>> only;
    size_t start = 0;
    while (start <= value.size()) {
        const size_t comma = std::min(value.find(',', start), value.size());
        const std::string pair = value.substr(start, comma - start);
        const size_t equals = pair.find('=');
        if (equals == std::string::npos || equals == 0 || equals + 1 == pair.size())
            usage_error(name, "--only \"" + value + "\": \"" + pair +
                                  "\" is not LABEL=VALUE (e.g. --only size=large,kind=random)");
        only[pair.substr(0, equals)].insert(pair.substr(equals + 1));
        start = comma + 1;
    }
    return only;
}

const char* const kListHelp =
    "--list prints the state of every cell the preset and --only select (stored with its metric, "
    "started\nwith its last logged step, or not started) and runs nothing.\n";

}  // namespace

ExperimentOptions parse_options(int argc, char** argv, const ExperimentInfo& info) {
    ExperimentOptions options;
    options.out_dir = "results/" + info.name;
    const std::string flags = info.has_cells ? "--preset, --seeds, --only, --list, --out, --help"
                                             : "--preset, --seeds, --out, --help";
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            if (distributed::is_root())
                std::printf("%s%s", info.help.c_str(), info.has_cells ? kListHelp : "");
            std::exit(0);
        }
        if (flag == "--list" && info.has_cells) {
            options.list = true;
            continue;
        }
        if (flag != "--preset" && flag != "--seeds" && flag != "--out" &&
            !(flag == "--only" && info.has_cells))
            usage_error(info.name, "unknown flag \"" + flag + "\"; valid: " + flags);
        if (i + 1 >= argc) usage_error(info.name, flag + " needs a value");
        const std::string value = argv[++i];
        if (flag == "--preset") {
            if (std::find(info.presets.begin(), info.presets.end(), value) == info.presets.end())
                usage_error(info.name,
                            "--preset \"" + value + "\" is not one of: " + joined(info.presets));
            options.preset = value;
        } else if (flag == "--seeds") {
            char* end = nullptr;
            const long seeds = std::strtol(value.c_str(), &end, 10);
            if (*end != '\0' || seeds < 1 || seeds > 100)
                usage_error(info.name, "--seeds \"" + value + "\" must be an integer in [1, 100]");
            options.seeds = seeds;
        } else if (flag == "--only") {
            options.only = parse_only(info.name, value);
        } else {
            options.out_dir = value;
        }
    }
    return options;
}

int run_experiment(const std::string& name, int (*body)(const ExperimentOptions&),
                   const ExperimentOptions& options) {
    try {
        return body(options);
    } catch (const UsageError& e) {
        if (distributed::size() > 1)
            distributed::end_job(std::cerr, name,
                                 std::string(e.what()) + " (see " + name + " --help)", 2);
        std::fprintf(stderr, "%s: %s (see %s --help)\n", name.c_str(), e.what(), name.c_str());
        return 2;
    } catch (const std::exception& e) {
        // Other processes of a job may wait in a collective that never completes.
        if (distributed::size() > 1) distributed::end_job(std::cerr, name, e.what(), 1);
        std::fprintf(stderr, "%s: %s\n", name.c_str(), e.what());
        return 1;
    }
}

int experiment_main(int argc, char** argv, const ExperimentInfo& info,
                    int (*body)(const ExperimentOptions&)) {
    const ExperimentOptions options = parse_options(argc, argv, info);
    if (!info.has_cells && distributed::size() > 1)  // every process would do the whole work
        distributed::end_job(std::cerr, info.name,
                             cat("no cell grid to spread over ", distributed::size(),
                                 " processes: run it without mpirun (see ", info.name, " --help)"),
                             2);
    return run_experiment(info.name, body, options);
}

}  // namespace attnlab::experiments
