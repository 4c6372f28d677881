// cli_sample.cpp — `attnlab sample`: text from a language-model checkpoint (sampling.h).
#include "engine/kernels/parallel.h"
#include "train/cli.h"
#include "train/cli_common.h"
#include "train/data/dataset.h"
#include "train/lm_task.h"
#include "train/sampling.h"

namespace attnlab {
namespace {

const char* kSampleHelp =
    R"(usage: attnlab sample CHECKPOINT [--prompt TEXT] [--length N] [--temperature T]
                      [--top-k K] [--seed S] [--threads N] [--whole-prefix]

Generates N tokens from a language-model checkpoint after the prompt and prints the prompt and
the continuation. Text tasks read the prompt as text (characters of their vocabulary, or the
subwords of kjv_bpe's tokenizer); others as whitespace-separated token ids (e.g. "5 3 7").

options:
  --prompt TEXT      the context (default: the first token of the training data)
  --length N         tokens to generate (default 200)
  --temperature T    softmax temperature; 0 = greedy (default 1)
  --top-k K          sample among the K most likely tokens; 0 = all (default 0)
  --seed S           sampling seed (default 0)
  --threads N        OpenMP threads (default: all)
  --whole-prefix     rerun the model over the whole context for every token (the reference)
                     instead of decoding incrementally; the same tokens, slower

example:
  attnlab sample runs/text/best.safetensors --prompt "In the beginning" --temperature 0.8 \
                 --top-k 20 --length 300
)";

}  // namespace

int cli_sample(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const Args parsed("sample", args,
                      {"prompt", "length", "temperature", "top-k", "seed", "threads"},
                      {"whole-prefix"}, 1);
    if (parsed.has("help")) {
        out << kSampleHelp;
        return kExitOk;
    }
    if (parsed.positional().empty())
        throw UsageError("sample needs a CHECKPOINT (see attnlab sample --help)");
    SamplingOptions options;
    options.length = parsed.get_int("length", options.length);
    options.temperature = parsed.get_real("temperature", options.temperature);
    options.top_k = parsed.get_int("top-k", options.top_k);
    if (parsed.has("whole-prefix")) options.decoding = Decoding::WholePrefix;
    if (options.length < 0 || options.top_k < 0 || !(options.temperature >= 0))
        throw UsageError("sample: --length, --top-k and --temperature must be >= 0");
    if (options.length > kMaxSequenceLength)
        throw UsageError(cat("sample: --length ", options.length, " is beyond the ",
                             kMaxSequenceLength, " tokens one sequence may hold"));
    const kernels::ScopedThreads threads(threads_option(parsed));
    std::unique_ptr<Task> task = load_task(parsed.positional()[0]);
    auto* lm = dynamic_cast<LmTask*>(task.get());
    if (!lm) {
        std::string lm_tasks;
        for (const TaskInfo& info : task_infos())
            if (info.family == ModelFamily::LanguageModel)
                lm_tasks += (lm_tasks.empty() ? "" : ", ") + info.name;
        throw UsageError(cat("sample: task ", task->name(), " trains a ",
                             model_family_name(find_task(task->name()).family),
                             ", not a language model; sample works for the tasks ", lm_tasks));
    }
    std::vector<int32_t> prompt;
    if (parsed.has("prompt")) {
        try {
            prompt = lm->encode(parsed.get("prompt", ""));
        } catch (const Error& e) {
            throw UsageError(cat("sample: --prompt: ", e.what()));
        }
        if (prompt.empty()) throw UsageError("sample: --prompt is empty");
    } else {
        prompt = {task->split("train").example(0).input.front()};
    }
    Rng rng(uint64_t(parsed.get_int("seed", 0)));
    std::vector<int32_t> tokens = prompt;
    for (int32_t id : sample_lm(lm->lm(), prompt, options, rng)) tokens.push_back(id);
    out << task->split("train").decode(tokens) << std::endl;
    return kExitOk;
}

}  // namespace attnlab
