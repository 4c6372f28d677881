// cli.cpp — subcommand dispatch and the one-line error convention of cli.h.
#include "cli.h"

#include <iostream>

#include "train/cli_common.h"

namespace attnlab {
namespace {

const char* kUsage = R"(attnlab — train and use the attention models of attnlab

usage: attnlab <command> [options]     (attnlab <command> --help for each)

commands:
  train     train a model from a JSON config (with --set overrides); resumable
  eval      loss, bits per character and accuracy of a checkpoint on a data split
  sample    generate text from a language-model checkpoint
  inspect   show a checkpoint's or config's settings and parameters
  attention-map  heat maps (PNG) of every layer's and head's attention on one input
  pathfinder-samples  a PNG of Pathfinder images of both labels (train/data/pathfinder.h)

example:
  attnlab train --config train/configs/copy_lm.json --set train.steps=200
  attnlab sample runs/copy_lm/best.safetensors --prompt "5 3 7" --length 10

exit status: 0 ok, 1 runtime failure, 2 usage or config error, 130 interrupted (checkpoint saved)
)";

// Errors must stay on one line.
std::string one_line(std::string message) {
    for (char& c : message)
        if (c == '\n' || c == '\r') c = ' ';
    return message;
}

}  // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    try {
        if (args.empty())
            throw UsageError(
                "missing command: train, eval, sample, inspect, attention-map or "
                "pathfinder-samples (see attnlab --help)");
        const std::string& command = args[0];
        const std::vector<std::string> rest(args.begin() + 1, args.end());
        if (command == "--help" || command == "-h" || command == "help") {
            out << kUsage;
            return kExitOk;
        }
        if (command == "train") return cli_train(rest, out, err);
        if (command == "eval") return cli_eval(rest, out, err);
        if (command == "sample") return cli_sample(rest, out, err);
        if (command == "inspect") return cli_inspect(rest, out, err);
        if (command == "attention-map") return cli_attention_map(rest, out, err);
        if (command == "pathfinder-samples") return cli_pathfinder_samples(rest, out, err);
        throw UsageError(cat("unknown command \"", command,
                             "\"; valid commands: train, eval, sample, inspect, attention-map, "
                             "pathfinder-samples (see attnlab --help)"));
    } catch (const ConfigError& e) {
        err << "attnlab: " << one_line(e.what()) << std::endl;
        return kExitUsage;
    } catch (const std::exception& e) {
        err << "attnlab: " << one_line(e.what()) << std::endl;
        return kExitFailure;
    }
}

int run_cli(int argc, char** argv) {
    return run_cli(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}

}  // namespace attnlab
