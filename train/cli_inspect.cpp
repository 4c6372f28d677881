// cli_inspect.cpp — `attnlab inspect`: the settings and parameters of a checkpoint or a config.
#include <cstdio>

#include "train/cli.h"
#include "train/cli_common.h"

namespace attnlab {
namespace {

const char* kInspectHelp = R"(usage: attnlab inspect CHECKPOINT
       attnlab inspect --config FILE [--set KEY=VALUE]...

Prints the resolved config, then every parameter's name, shape and element count and the total.
A checkpoint also shows its step, best valid metric and optimizer. It is loaded exactly as eval
and sample load it: the model is built from its config (reading the data to size the vocabulary)
and every tensor is checked against it (names, shapes, finite values), so inspect exits 0 only
for a file those commands accept, and 1 with their error otherwise. With --config the model is
built from the config.

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
        out << kInspectHelp;
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
        Checkpoint checkpoint;
        const std::unique_ptr<Task> task = load_task(parsed.positional()[0], &checkpoint);
        if (checkpoint.has_optimizer) {  // the optimizer state too, as `train --resume` reads it
            AdamW optimizer(task->model().parameters());
            load_optimizer(checkpoint, optimizer);
        }
        const TrainingState& state = checkpoint.state;
        out << "checkpoint " << checkpoint.path << ": step " << state.step << ", best valid metric "
            << (state.best_metric ? std::to_string(*state.best_metric) : "none") << " (step "
            << state.best_step << "), optimizer "
            << (checkpoint.has_optimizer ? checkpoint.file.metadata.at("optimizer_kind") : "none")
            << "\nconfig:\n"
            << state.config.dump(2) << "\nparameters:\n";
        for (const Parameter& p : task->model().parameters()) {
            print_parameter(out, p.name, p.tensor.shape(), p.tensor.numel(), p.trainable);
            total += p.tensor.numel();
        }
    }
    out << "total parameters: " << total << std::endl;
    return kExitOk;
}

}  // namespace attnlab
