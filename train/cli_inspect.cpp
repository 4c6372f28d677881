// cli_inspect.cpp — `attnlab inspect`: the settings and parameters of a checkpoint or a config.
#include <cstdio>

#include "train/cli.h"
#include "train/cli_common.h"

namespace attnlab {
namespace {

const char* kHelp = R"(usage: attnlab inspect CHECKPOINT
       attnlab inspect --config FILE [--set KEY=VALUE]...

Prints the resolved config, then every parameter's name, shape and element count and the total.
A checkpoint also shows its step, best valid metric and optimizer, and needs no data: the
parameters are read from the file. With --config the model is built from the config (which reads
its data to size the vocabulary).

example:
  attnlab inspect runs/copy/last.safetensors
  attnlab inspect --config train/configs/copy_lm.json --set model.attention.kind=performer
)";

void print_parameter(std::ostream& out, const std::string& name, const Shape& shape, int64_t count,
                     bool trainable) {
    char line[256];
    std::snprintf(line, sizeof line, "  %-48s %-16s %10lld%s", name.c_str(),
                  shape_str(shape).c_str(), (long long)count, trainable ? "" : "  (frozen)");
    out << line << '\n';
}

}  // namespace

int cli_inspect(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const Args parsed("inspect", args, {"config", "set"}, {}, 1);
    if (parsed.has("help")) {
        out << kHelp;
        return kExitOk;
    }
    if (parsed.positional().empty() == !parsed.has("config"))
        throw UsageError(
            "inspect needs either a CHECKPOINT or --config FILE (see attnlab inspect --help)");
    int64_t total = 0;
    if (parsed.has("config")) {
        const json config = load_config(parsed.get("config", ""), parsed.all("set"));
        out << "config:\n" << config.dump(2) << "\nparameters:\n";
        std::unique_ptr<Task> task = make_task(config);
        for (const Parameter& p : task->model().parameters()) {
            print_parameter(out, p.name, p.tensor.shape(), p.tensor.numel(), p.trainable);
            total += p.tensor.numel();
        }
    } else {
        if (parsed.has("set")) throw UsageError("inspect: --set only applies with --config");
        const Checkpoint checkpoint = read_checkpoint(parsed.positional()[0]);
        const TrainingState& state = checkpoint.state;
        out << "checkpoint " << checkpoint.path << ": step " << state.step << ", best valid metric "
            << (state.best_metric ? std::to_string(*state.best_metric) : "none") << " (step "
            << state.best_step << "), optimizer "
            << (checkpoint.has_optimizer ? checkpoint.file.metadata.at("optimizer_kind") : "none")
            << "\nconfig:\n"
            << state.config.dump(2) << "\nparameters:\n";
        for (const auto& [name, tensor] : checkpoint.file.tensors) {
            if (name.compare(0, 6, "model.") != 0) continue;
            print_parameter(out, name.substr(6), tensor.shape(), tensor.numel(), true);
            total += tensor.numel();
        }
    }
    out << "total parameters: " << total << std::endl;
    return kExitOk;
}

}  // namespace attnlab
