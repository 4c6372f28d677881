// lm_task.h — the language-modelling Task: a causal LanguageModel (models/lm.h) over LM datasets.
//
// Loss: mean cross-entropy over the scored target tokens. Evaluation sums, over the scored target
// tokens t of a split, the cross-entropy −ln p(t), the correct argmax predictions and the
// characters C = Σ_t chars(t) those tokens decode to, and reports
//     "loss"        nats per token, N / T  (N the summed nats, T the scored tokens)
//     "perplexity"  exp(loss), per token (per subword for subword tasks)
//     "bpc"         bits per character, N / (ln 2 · C)
//     "accuracy"    next-token argmax; also "tokens" (T) and "characters" (C).
// chars(t) is 1 unless the task gives a table (LmTokenText): so for character vocabularies, the
// unknown id included, bpc = loss / ln 2, and a subword task's table holds each id's length in
// bytes, which makes its bpc comparable with a character run's on the same text (characters are
// bytes; the KJV is ASCII). For tasks of token ids (copy_lm) bpc is bits per token. The best
// checkpoint is the one with the lowest valid loss.
//
// Prompts for sampling are encoded by the `encode` function given at construction (text tasks
// pass their vocabulary's); the default reads whitespace-separated token ids.
#pragma once

#include <functional>
#include <memory>

#include "models/lm.h"
#include "train/task.h"

namespace attnlab {

// Text → token ids for prompts (named apart from models/encoder.h's Encoder).
using PromptEncoder = std::function<std::vector<int32_t>(const std::string&)>;

// Parses "5 7 3" into ids; throws an Error on anything else.
std::vector<int32_t> parse_token_ids(const std::string& text);

// What a task whose tokens are not single characters (subwords) adds: each id's length in
// characters, and what its checkpoints must record (Task::checkpoint_metadata).
struct LmTokenText {
    std::vector<int32_t> characters;  // indexed by id; empty: one character per token
    Metadata checkpoint_metadata;
};

class LmTask : public SplitTask {
  public:
    // The splits must be LanguageModel datasets of one vocabulary. The model is built from
    // "model.*" (config.h stack_config_from) with vocab and max_len from the data, initialised from
    // train.seed.
    LmTask(std::string name, const nlohmann::json& config, std::unique_ptr<Dataset> train,
           std::unique_ptr<Dataset> valid, std::unique_ptr<Dataset> test,
           PromptEncoder encode = parse_token_ids, LmTokenText text = {});

    Module& model() override { return *model_; }
    Tensor loss(const Batch& batch) override;
    Metrics evaluate_batch(const Batch& batch) override;
    Metrics finish_metrics(const Metrics& sums) const override;
    Metadata checkpoint_metadata() const override { return text_.checkpoint_metadata; }
    std::string primary_metric() const override { return "loss"; }
    bool higher_is_better() const override { return false; }

    LanguageModel& lm() { return *model_; }
    // `text` as token ids of the model's vocabulary; an id outside it is an Error naming it.
    std::vector<int32_t> encode(const std::string& text) const;

  private:
    PromptEncoder encode_;
    LmTokenText text_;
    std::unique_ptr<LanguageModel> model_;
};

}  // namespace attnlab
