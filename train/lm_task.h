// lm_task.h — the language-modelling Task: a causal LanguageModel (models/lm.h) over LM datasets.
//
// Loss: mean cross-entropy over the scored target tokens. Evaluation sums the cross-entropy and
// the correct argmax predictions over target tokens and reports "loss" (nats per token), "bpc"
// (bits per token: loss / ln 2; bits per character for character vocabularies) and "accuracy"
// (next-token argmax). The best checkpoint is the one with the lowest valid loss.
//
// Prompts for sampling are encoded by the `encode` function given at construction (text tasks
// pass their character vocabulary's); the default reads whitespace-separated token ids.
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

class LmTask : public SplitTask {
  public:
    // The splits must be LanguageModel datasets of one vocabulary. The model is built from
    // "model.*" (config.h stack_config_from) with vocab and max_len from the data, initialised from
    // train.seed.
    LmTask(std::string name, const nlohmann::json& config, std::unique_ptr<Dataset> train,
           std::unique_ptr<Dataset> valid, std::unique_ptr<Dataset> test,
           PromptEncoder encode = parse_token_ids);

    Module& model() override { return *model_; }
    Tensor loss(const Batch& batch) override;
    Metrics evaluate_batch(const Batch& batch) override;
    Metrics finish_metrics(const Metrics& sums) const override;
    std::string primary_metric() const override { return "loss"; }
    bool higher_is_better() const override { return false; }

    LanguageModel& lm() { return *model_; }
    // `text` as token ids of the model's vocabulary; an id outside it is an Error naming it.
    std::vector<int32_t> encode(const std::string& text) const;

  private:
    PromptEncoder encode_;
    std::unique_ptr<LanguageModel> model_;
};

}  // namespace attnlab
