// classifier_task.h — the classification Task: a Classifier (models/classifier.h) over
// Classification datasets (one tower) or PairClassification datasets (two towers, the same
// encoder for both sequences, as LRA's Retrieval).
//
// Loss: mean cross-entropy of the class logits against the labels. Evaluation sums the
// cross-entropy, the correct arg max predictions (first on ties) and the examples, and reports
// "loss" (nats per example) and "accuracy"; the best checkpoint is the one with the highest valid
// accuracy. The model comes from "model.*" (config.h) with "model.pooling" ("mean" or "cls"),
// vocab and classes from the data, and max_len 0 = the data's longest sequence (+ 1 for the CLS
// position).
#pragma once

#include <memory>

#include "models/classifier.h"
#include "train/task.h"

namespace attnlab {

class ClassifierTask : public SplitTask {
  public:
    // The splits must share one task kind (Classification or PairClassification), vocabulary and
    // class count. The model is initialised from train.seed.
    ClassifierTask(std::string name, const nlohmann::json& config, std::unique_ptr<Dataset> train,
                   std::unique_ptr<Dataset> valid, std::unique_ptr<Dataset> test);

    Module& model() override { return *model_; }
    Tensor loss(const Batch& batch) override;
    Metrics evaluate_batch(const Batch& batch) override;
    Metrics finish_metrics(const Metrics& sums) const override;
    std::string primary_metric() const override { return "accuracy"; }
    bool higher_is_better() const override { return true; }

    Classifier& classifier() { return *model_; }
    // Logits [B, C] of a batch (one or two towers, as the data).
    Tensor logits(const Batch& batch);

  private:
    std::unique_ptr<Classifier> model_;
};

// The Batch adapters: the classifier reads input/input_mask, and second/second_mask when it has
// two towers; the loss compares with labels.
Tensor classifier_logits(Classifier& model, const Batch& batch);
Tensor classifier_loss(Classifier& model, const Batch& batch);

}  // namespace attnlab
