// cli_common.h — what the subcommands (cli_*.cpp) share: a small "--name value" / "--name=value" /
// "--switch" parser, loading a checkpoint with its task, and the subcommand declarations.
#pragma once

#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "train/checkpoint.h"
#include "train/config.h"
#include "train/task.h"

namespace attnlab {

// A command-line mistake; the CLI prints it and exits with status 2.
class UsageError : public ConfigError {
  public:
    using ConfigError::ConfigError;
};

class Args {
  public:
    // Parses `args` of `command` knowing which options take a value and which are switches;
    // positional arguments are collected in order, at most `max_positional`. "--help" is always a
    // switch. Anything else is a UsageError naming the option and the command.
    Args(const std::string& command, const std::vector<std::string>& args,
         const std::vector<std::string>& valued, const std::vector<std::string>& switches,
         size_t max_positional);

    bool has(const std::string& name) const { return values_.count(name) > 0; }
    std::string get(const std::string& name, const std::string& fallback) const;
    std::vector<std::string> all(const std::string& name) const;  // a repeatable option
    int64_t get_int(const std::string& name, int64_t fallback) const;
    double get_real(const std::string& name, double fallback) const;
    const std::vector<std::string>& positional() const { return positional_; }

  private:
    std::string command_;
    std::map<std::string, std::vector<std::string>> values_;
    std::vector<std::string> positional_;
};

// Reads a checkpoint and rebuilds its task (datasets and model, from the checkpoint's config) with
// the checkpoint's parameters loaded. Every way the file can fail (its config included) is an
// Error, not a ConfigError: the command line was fine, the file is not.
std::unique_ptr<Task> load_task(const std::string& checkpoint_path,
                                Checkpoint* checkpoint = nullptr);

// The --threads option, for kernels::ScopedThreads: 0 (the default) keeps OpenMP's thread count; a
// UsageError when negative.
int64_t threads_option(const Args& parsed);

int cli_train(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cli_eval(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cli_sample(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cli_inspect(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cli_attention_map(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cli_pathfinder_samples(const std::vector<std::string>& args, std::ostream& out,
                           std::ostream& err);

}  // namespace attnlab
