// cli_train.cpp — `attnlab train`: resolve the config, run the Trainer, stop cleanly on signals.
#include <unistd.h>

#include <iostream>

#include "train/cli.h"
#include "train/cli_common.h"
#include "train/distributed.h"
#include "train/trainer.h"

namespace attnlab {
namespace {

const char* kTrainHelp =
    R"(usage: attnlab train [--config FILE] [--set KEY=VALUE]... [--resume | --overwrite] [--quiet]

Trains a model on a task as the JSON config says. Every key has a default (attnlab inspect
--config FILE prints the resolved document); unknown keys and wrong types are errors.

options:
  --config FILE      the JSON config (default: the built-in defaults, task copy_lm)
  --set KEY=VALUE    override one key after the file, e.g. --set train.lr=3e-4; VALUE is read
                     as JSON when it parses, else as a string (--set model.attention.kind=dense);
                     repeatable
  --resume           continue from <train.out_dir>/last.safetensors; with the same config and
                     thread count the losses match the uninterrupted run bit for bit
  --overwrite        start afresh even if train.out_dir already holds a run (without it, that
                     is an error, so a finished or interrupted run is never clobbered)
  --quiet            no progress output

outputs in train.out_dir: config.json (resolved), metrics.jsonl (a line per logged step and per
evaluation), last.safetensors (every train.checkpoint_every steps and at the end), best.safetensors
(the best valid metric so far).

Ctrl-C, SIGTERM or SIGUSR1: the current step finishes, last.safetensors is saved, the exit status
is 130.
A second Ctrl-C kills at once. A non-finite loss stops with status 1, keeping the last checkpoint.

data parallel: mpirun -np N attnlab train ... trains on N processes, each on its rows of every
batch of train.batch_size (the global batch); process 0 writes train.out_dir and the output. An
error on any process ends all of them with its one-line message.

example:
  attnlab train --config train/configs/copy_lm.json --set train.steps=300 \
                --set train.out_dir=runs/copy
)";

// An error in a job of several processes: printed once, and MPI_Abort ends every process (the
// others may be waiting in a collective that never completes).
[[noreturn]] void end_job(const std::exception& error, std::ostream& err) {
    const bool usage = dynamic_cast<const ConfigError*>(&error) != nullptr;
    distributed::end_job(err, "attnlab", error.what(), usage ? kExitUsage : kExitFailure);
}

int train_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace

int cli_train(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (distributed::size() == 1) return train_command(args, out, err);
    try {
        return train_command(args, out, err);
    } catch (const std::exception& e) {
        end_job(e, err);
    }
}

namespace {

int train_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const Args parsed("train", args, {"config", "set"}, {"resume", "overwrite", "quiet"}, 0);
    if (parsed.has("help")) {
        out << kTrainHelp;
        return kExitOk;
    }
    const json config = load_config(parsed.get("config", ""), parsed.all("set"));
    clear_stop_request();
    StopSignalHandlers handlers;
    TrainerOptions options;
    options.resume = parsed.has("resume");
    options.overwrite = parsed.has("overwrite");
    if (options.resume && options.overwrite)
        throw UsageError("train: --resume and --overwrite exclude each other");
    if (!parsed.has("quiet") && distributed::is_root()) {
        options.progress = &err;
        options.terminal = &err == &std::cerr && isatty(STDERR_FILENO);
    }
    Trainer trainer(config, options);
    const int64_t first = trainer.step();
    const bool finished = trainer.run();
    if (!distributed::is_root()) return finished ? kExitOk : kExitInterrupted;
    if (!finished) {
        err << "attnlab: interrupted at step " << trainer.step() << "; saved "
            << trainer.last_path() << " (continue with --resume)" << std::endl;
        return kExitInterrupted;
    }
    if (first == trainer.step())
        out << "nothing to do: " << trainer.last_path() << " is at step " << first;
    else
        out << "trained steps " << first + 1 << ".." << trainer.step() << "; last checkpoint "
            << trainer.last_path();
    if (!trainer.evals().empty()) {
        const Metrics& last = trainer.evals().back().metrics;
        const std::string metric = trainer.task().primary_metric();
        out << "; valid " << metric << " " << last.at(metric);
    }
    out << std::endl;
    return kExitOk;
}

}  // namespace
}  // namespace attnlab
