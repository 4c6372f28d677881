// cli_eval.cpp — `attnlab eval`: a checkpoint's metrics on one split of its task's data.
#include <cstdio>

#include "engine/kernels/parallel.h"
#include "train/cli.h"
#include "train/cli_common.h"

namespace attnlab {
namespace {

const char* kEvalHelp =
    R"(usage: attnlab eval CHECKPOINT [--split NAME] [--batches N] [--batch-size N]
                    [--threads N]

Evaluates CHECKPOINT on a split of the data its config names and prints the task's metrics:
for language models loss (nats per token), perplexity (per token), bpc (bits per character:
the nats over ln 2 x the characters the targets decode to; loss / ln 2 for character tasks) and
the next-token accuracy; for classifiers loss and accuracy; for seq2seq models loss (per target
token), token_accuracy (teacher forced) and exact_match (greedy decoding).

options:
  --split NAME       train, valid or test (default valid)
  --batches N        evaluate N batches of a fixed shuffled selection; 0 = the whole split in
                     order (default 0)
  --batch-size N     examples per batch (default: the config's train.batch_size)
  --threads N        OpenMP threads (default: all)

example:
  attnlab eval runs/copy/best.safetensors --split test
)";

}  // namespace

int cli_eval(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const Args parsed("eval", args, {"split", "batches", "batch-size", "threads"}, {}, 1);
    if (parsed.has("help")) {
        out << kEvalHelp;
        return kExitOk;
    }
    if (parsed.positional().empty())
        throw UsageError("eval needs a CHECKPOINT (see attnlab eval --help)");
    const kernels::ScopedThreads threads(threads_option(parsed));
    Checkpoint checkpoint;
    std::unique_ptr<Task> task = load_task(parsed.positional()[0], &checkpoint);
    const int64_t batch_size =
        parsed.get_int("batch-size", config_int(checkpoint.state.config, "train.batch_size"));
    if (batch_size < 1 || batch_size > kMaxBatchSize)
        throw UsageError(
            cat("option --batch-size must be in [1, ", kMaxBatchSize, "], got ", batch_size));
    const std::string split = parsed.get("split", "valid");
    const Metrics metrics =
        task->evaluate(task->split(split), parsed.get_int("batches", 0), batch_size);
    out << checkpoint.path << " (step " << checkpoint.state.step << ") on " << split << ":";
    for (const auto& [key, value] : metrics) {
        char text[64];
        std::snprintf(text, sizeof text, " %s %.6g", key.c_str(), value);
        out << text;
    }
    out << std::endl;
    return kExitOk;
}

}  // namespace attnlab
