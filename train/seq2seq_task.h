// seq2seq_task.h — the sequence-to-sequence Task: an encoder-decoder Seq2Seq (models/seq2seq.h)
// over Seq2Seq datasets (dataset.h: input = source, second = BOS + output, target = output + EOS).
//
// Loss: mean cross-entropy over the real target tokens (teacher forcing). Evaluation sums, per
// batch, the cross-entropy and the correct arg max predictions over target tokens (teacher
// forced) and the sequences that greedy decoding (Seq2Seq::greedy_decode from the dataset's BOS,
// stopping at its EOS, at most min(T + 1, max_len) steps for the batch's target length T)
// reproduces exactly, and reports "loss" (nats per target token), "token_accuracy" and
// "exact_match" (the fraction of sequences decoded exactly); the best checkpoint is the one with
// the highest valid exact_match. The model comes from "model.*" (config.h): "model.layers" is the
// depth of the encoder AND of the decoder; max_len 0 = the data's longest sequence.
#pragma once

#include <memory>

#include "models/seq2seq.h"
#include "train/task.h"

namespace attnlab {

class Seq2SeqTask : public SplitTask {
  public:
    // The splits must be Seq2Seq datasets of one vocabulary whose decoder inputs start with
    // `bos` and whose targets end with `eos`. The model is initialised from train.seed.
    Seq2SeqTask(std::string name, const nlohmann::json& config, std::unique_ptr<Dataset> train,
                std::unique_ptr<Dataset> valid, std::unique_ptr<Dataset> test, int32_t bos,
                int32_t eos);

    Module& model() override { return *model_; }
    Tensor loss(const Batch& batch) override;
    Metrics evaluate_batch(const Batch& batch) override;
    Metrics finish_metrics(const Metrics& sums) const override;
    std::string primary_metric() const override { return "exact_match"; }
    bool higher_is_better() const override { return true; }

    Seq2Seq& seq2seq() { return *model_; }
    int32_t bos() const { return bos_; }
    int32_t eos() const { return eos_; }
    // Greedy outputs of a batch's sources, as the evaluation decodes them (EOS excluded);
    // incremental unless asked for the whole-prefix reference.
    std::vector<std::vector<int32_t>> greedy_outputs(const Batch& batch,
                                                     Decoding decoding = Decoding::Incremental);

  private:
    int32_t bos_, eos_;
    std::unique_ptr<Seq2Seq> model_;
};

// The Batch adapters: input/input_mask is the source, second/second_mask the decoder input, and
// the loss compares with target.
Tensor seq2seq_logits(Seq2Seq& model, const Batch& batch);
Tensor seq2seq_loss(Seq2Seq& model, const Batch& batch);

}  // namespace attnlab
