// seq2seq_task.cpp — the sequence-to-sequence task of seq2seq_task.h.
#include "seq2seq_task.h"

#include <algorithm>

#include "engine/ops.h"
#include "engine/rng.h"
#include "train/config.h"

namespace attnlab {

Seq2SeqTask::Seq2SeqTask(std::string name, const nlohmann::json& config,
                         std::unique_ptr<Dataset> train, std::unique_ptr<Dataset> valid,
                         std::unique_ptr<Dataset> test, int32_t bos, int32_t eos)
    : SplitTask(std::move(name), std::move(train), std::move(valid), std::move(test)),
      bos_(bos),
      eos_(eos) {
    int64_t longest = 0;
    for (const Dataset* data : {train_.get(), valid_.get(), test_.get()}) {
        ATTNLAB_CHECK(
            data->task() == TaskKind::Seq2Seq && data->vocab_size() == train_->vocab_size(),
            "Seq2SeqTask ", name_, ": split ", data->name(), " is ", task_kind_name(data->task()),
            " with vocabulary ", data->vocab_size(), " (expected seq2seq with ",
            train_->vocab_size(), ")");
        longest = std::max(longest, data->max_length());
    }
    Seq2SeqConfig seq2seq;
    seq2seq.stack = stack_config_from(config, train_->vocab_size(), longest);
    seq2seq.decoder_layers = seq2seq.stack.layers;  // "model.layers" is each stack's depth
    Rng rng(uint64_t(config_int(config, "train.seed")));
    model_ = build_model_from_config([&] { return std::make_unique<Seq2Seq>(seq2seq, rng); });
}

Tensor seq2seq_logits(Seq2Seq& model, const Batch& batch) {
    return model.forward(batch.input, batch.input_mask, batch.second, batch.second_mask);
}

Tensor seq2seq_loss(Seq2Seq& model, const Batch& batch) {
    return model.loss(batch.input, batch.input_mask, batch.second, batch.second_mask, batch.target);
}

Tensor Seq2SeqTask::loss(const Batch& batch) {
    return seq2seq_loss(*model_, batch);
}

std::vector<std::vector<int32_t>> Seq2SeqTask::greedy_outputs(const Batch& batch,
                                                              Decoding decoding) {
    // One step more than the longest target lets an output that misses its EOS show as too long.
    const int64_t steps = std::min(batch.target.shape[1] + 1, model_->config().stack.max_len);
    return model_->greedy_decode(batch.input, batch.input_mask, bos_, eos_, steps, decoding);
}

Metrics Seq2SeqTask::evaluate_batch(const Batch& batch) {
    const Tensor logits = seq2seq_logits(*model_, batch);  // [B, T, V]
    const int64_t B = logits.size(0), T = logits.size(1), V = logits.size(2);
    const Tensor rows_logits = reshape(logits, {B * T, V});
    const IntTensor targets({B * T}, batch.target.values);
    const int64_t tokens = batch.target_count();
    Metrics sums{{"loss_sum", 0},
                 {"tokens", double(tokens)},
                 {"correct_tokens", 0},
                 {"sequences", double(B)},
                 {"exact", 0}};
    if (tokens > 0)
        sums["loss_sum"] =
            double(cross_entropy(rows_logits, targets, kIgnoreIndex).item()) * tokens;
    for (int64_t r = 0; r < B * T; ++r) {
        if (targets.values[size_t(r)] == kIgnoreIndex) continue;
        const real* row = rows_logits.data() + r * V;
        sums["correct_tokens"] += std::max_element(row, row + V) - row == targets.values[size_t(r)];
    }
    const std::vector<std::vector<int32_t>> outputs = greedy_outputs(batch);
    for (int64_t b = 0; b < B; ++b) {
        // The reference: the target row up to its EOS (padding is kIgnoreIndex after it).
        const auto first = batch.target.values.begin() + b * T;
        const std::vector<int32_t> reference(first, std::find(first, first + T, eos_));
        sums["exact"] += outputs[size_t(b)] == reference;
    }
    return sums;
}

Metrics Seq2SeqTask::finish_metrics(const Metrics& sums) const {
    auto sum = [&](const char* key) { return sums.count(key) ? sums.at(key) : 0.0; };
    const double tokens = sum("tokens"), sequences = sum("sequences");
    return {{"loss", tokens > 0 ? sum("loss_sum") / tokens : 0},
            {"token_accuracy", tokens > 0 ? sum("correct_tokens") / tokens : 0},
            {"exact_match", sequences > 0 ? sum("exact") / sequences : 0},
            {"tokens", tokens},
            {"sequences", sequences}};
}

}  // namespace attnlab
