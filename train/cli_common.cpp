// cli_common.cpp — the option parser and the checkpoint loading shared by the subcommands.
#include "cli_common.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace attnlab {

Args::Args(const std::string& command, const std::vector<std::string>& args,
           const std::vector<std::string>& valued, const std::vector<std::string>& switches,
           size_t max_positional)
    : command_(command) {
    auto listed = [](const std::vector<std::string>& names, const std::string& name) {
        return std::find(names.begin(), names.end(), name) != names.end();
    };
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg.size() < 2 || arg.compare(0, 2, "--") != 0) {
            if (positional_.size() == max_positional)
                throw UsageError(cat("unexpected argument \"", arg, "\" for 'attnlab ", command,
                                     "' (see attnlab ", command, " --help)"));
            positional_.push_back(arg);
            continue;
        }
        const size_t equals = arg.find('=');
        const std::string name = arg.substr(2, equals == std::string::npos ? arg.npos : equals - 2);
        if (name == "help" || listed(switches, name)) {
            if (equals != std::string::npos)
                throw UsageError(cat("option --", name, " takes no value"));
            values_[name].push_back("");
        } else if (listed(valued, name)) {
            if (equals != std::string::npos)
                values_[name].push_back(arg.substr(equals + 1));
            else if (i + 1 < args.size())
                values_[name].push_back(args[++i]);
            else
                throw UsageError(cat("option --", name, " needs a value"));
        } else {
            throw UsageError(cat("unknown option --", name, " for 'attnlab ", command,
                                 "' (see attnlab ", command, " --help)"));
        }
    }
}

std::string Args::get(const std::string& name, const std::string& fallback) const {
    auto found = values_.find(name);
    return found == values_.end() ? fallback : found->second.back();
}

std::vector<std::string> Args::all(const std::string& name) const {
    auto found = values_.find(name);
    return found == values_.end() ? std::vector<std::string>() : found->second;
}

int64_t Args::get_int(const std::string& name, int64_t fallback) const {
    if (!has(name)) return fallback;
    const std::string text = get(name, "");
    char* end = nullptr;
    errno = 0;
    const long long value = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno != 0)
        throw UsageError(cat("option --", name, " needs an integer, got \"", text, "\""));
    return value;
}

double Args::get_real(const std::string& name, double fallback) const {
    if (!has(name)) return fallback;
    const std::string text = get(name, "");
    char* end = nullptr;
    errno = 0;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0')
        throw UsageError(cat("option --", name, " needs a number, got \"", text, "\""));
    // ERANGE also flags a tiny number rounded to a subnormal or 0, which is fine; overflow is not.
    if (!std::isfinite(value) || (errno == ERANGE && std::fabs(value) == HUGE_VAL))
        throw UsageError(cat("option --", name, " needs a finite number, got \"", text, "\""));
    return value;
}

std::unique_ptr<Task> load_task(const std::string& checkpoint_path, Checkpoint* checkpoint) {
    Checkpoint read = read_checkpoint(checkpoint_path);
    std::unique_ptr<Task> task;
    try {
        task = make_task(resolve_config(read.state.config));
    } catch (const ConfigError& e) {  // the file's fault, not the command line's: exit 1
        throw Error(cat("checkpoint ", checkpoint_path, ": its config is invalid: ", e.what()));
    }
    check_task_metadata(read, task->checkpoint_metadata());
    load_model(read, task->model());
    if (checkpoint) *checkpoint = std::move(read);
    return task;
}

int64_t threads_option(const Args& parsed) {
    const int64_t threads = parsed.get_int("threads", 0);
    if (threads < 0) throw UsageError(cat("option --threads needs a count >= 0, got ", threads));
    return threads;
}

}  // namespace attnlab
