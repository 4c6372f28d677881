// cli_helpers.h — running the attnlab CLI in-process from a test and checking its one-line errors.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "train/cli.h"

namespace attnlab::testing {

struct CliResult {
    int status;
    std::string out, err;
};

inline CliResult cli(const std::vector<std::string>& args) {
    std::ostringstream out, err;
    const int status = run_cli(args, out, err);
    return {status, out.str(), err.str()};
}

// A single "attnlab: ..." line.
inline bool one_error_line(const std::string& err) {
    return err.rfind("attnlab: ", 0) == 0 && err.find('\n') == err.size() - 1;
}

}  // namespace attnlab::testing
