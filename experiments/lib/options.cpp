// options.cpp — the shared experiment command line and error-to-exit-status mapping.
#include "options.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

namespace attnlab::experiments {
namespace {

[[noreturn]] void usage_error(const std::string& name, const std::string& message) {
    std::fprintf(stderr, "%s: %s (see %s --help)\n", name.c_str(), message.c_str(), name.c_str());
    std::exit(2);
}

}  // namespace

ExperimentOptions parse_options(int argc, char** argv, const std::string& name,
                                const std::string& help) {
    ExperimentOptions options;
    options.out_dir = "results/" + name;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            std::printf("%s", help.c_str());
            std::exit(0);
        }
        if (flag != "--preset" && flag != "--seeds" && flag != "--out")
            usage_error(name,
                        "unknown flag \"" + flag + "\"; valid: --preset, --seeds, --out, --help");
        if (i + 1 >= argc) usage_error(name, flag + " needs a value");
        const std::string value = argv[++i];
        if (flag == "--preset") {
            if (value != "quick" && value != "full")
                usage_error(name, "--preset \"" + value + "\" is not one of: quick, full");
            options.preset = value;
        } else if (flag == "--seeds") {
            char* end = nullptr;
            const long seeds = std::strtol(value.c_str(), &end, 10);
            if (*end != '\0' || seeds < 1 || seeds > 100)
                usage_error(name, "--seeds \"" + value + "\" must be an integer in [1, 100]");
            options.seeds = seeds;
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
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", name.c_str(), e.what());
        return 1;
    }
}

int experiment_main(int argc, char** argv, const std::string& name, const std::string& help,
                    int (*body)(const ExperimentOptions&)) {
    return run_experiment(name, body, parse_options(argc, argv, name, help));
}

}  // namespace attnlab::experiments
