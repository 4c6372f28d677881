// process.h — runs another program with an argument vector, never through a shell.
//
// Every external program attnlab starts (gnuplot, bible) goes through run_process: the
// program is looked up on PATH and given its arguments one by one (posix_spawnp), so no byte of a
// user-given path or label is ever interpreted by /bin/sh.
#pragma once

#include <string>
#include <vector>

namespace attnlab {

enum class ChildStderr {
    Inherit,  // the child's errors go to ours
    Discard,  // to /dev/null
    Capture,  // appended to ProcessResult::output, interleaved with stdout
};

struct ProcessResult {
    bool not_found = false;  // the program is not on PATH (or not executable); nothing ran
    int exit_status = -1;    // the child's exit status, or -1 when a signal ended it
    std::string output;      // everything the child wrote to stdout (and stderr if captured)
};

// Runs argv[0] (looked up on PATH) with arguments argv[1..], writes `input` to its standard input
// (then closes it; /dev/null when empty) and waits for it. Throws an Error only when the process
// cannot be started for a reason other than a missing program.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input = "",
                          ChildStderr child_stderr = ChildStderr::Inherit);

}  // namespace attnlab
