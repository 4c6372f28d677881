// cli.h — the attnlab command line (train, eval, sample, inspect, attention-map,
// pathfinder-samples) as a library
// function, so tests can run it and check its exit status and output without spawning a process.
//
// Exit status: 0 success; 1 a runtime failure (unreadable or corrupted file, diverged training);
// 2 a usage or configuration mistake (unknown flag or key, wrong type, bad value); 130 training
// stopped by SIGINT/SIGTERM after saving last.safetensors (resume with --resume). Every error is
// exactly one line on stderr: "attnlab: <message>".
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace attnlab {

constexpr int kExitOk = 0, kExitFailure = 1, kExitUsage = 2, kExitInterrupted = 130;

// args excludes the program name: {"train", "--config", "c.json"}.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_cli(int argc, char** argv);  // std::cout / std::cerr

}  // namespace attnlab
