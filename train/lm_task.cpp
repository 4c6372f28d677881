// lm_task.cpp — the language-modelling task of lm_task.h.
#include "lm_task.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "engine/ops.h"
#include "engine/rng.h"
#include "train/config.h"

namespace attnlab {

std::vector<int32_t> parse_token_ids(const std::string& text) {
    std::istringstream in(text);
    std::vector<int32_t> ids;
    int64_t id = 0;
    while (in >> id) {
        ATTNLAB_CHECK(id >= 0 && id <= INT32_MAX, "token ids: ", id, " is out of range");
        ids.push_back(int32_t(id));
    }
    ATTNLAB_CHECK(in.eof(), "token ids: \"", text,
                  "\" is not a list of whitespace-separated non-negative integers");
    return ids;
}

LmTask::LmTask(std::string name, const nlohmann::json& config, std::unique_ptr<Dataset> train,
               std::unique_ptr<Dataset> valid, std::unique_ptr<Dataset> test, PromptEncoder encode,
               LmTokenText text)
    : SplitTask(std::move(name), std::move(train), std::move(valid), std::move(test)),
      encode_(std::move(encode)),
      text_(std::move(text)) {
    ATTNLAB_CHECK(
        text_.characters.empty() || int64_t(text_.characters.size()) == train_->vocab_size(),
        "LmTask ", name_, ": ", text_.characters.size(), " character counts for a vocabulary of ",
        train_->vocab_size());
    int64_t longest = 0;
    for (const Dataset* data : {train_.get(), valid_.get(), test_.get()}) {
        ATTNLAB_CHECK(
            data->task() == TaskKind::LanguageModel && data->vocab_size() == train_->vocab_size(),
            "LmTask ", name_, ": split ", data->name(), " is ", task_kind_name(data->task()),
            " with vocabulary ", data->vocab_size(), " (expected language_model with ",
            train_->vocab_size(), ")");
        longest = std::max(longest, data->max_length());
    }
    LmConfig lm;
    lm.stack = stack_config_from(config, train_->vocab_size(), longest);
    Rng rng(uint64_t(config_int(config, "train.seed")));
    model_ = build_model_from_config([&] { return std::make_unique<LanguageModel>(lm, rng); });
}

std::vector<int32_t> LmTask::encode(const std::string& text) const {
    std::vector<int32_t> ids = encode_(text);
    const int64_t vocab = model_->config().stack.vocab;
    for (int32_t id : ids)
        ATTNLAB_CHECK(id >= 0 && id < vocab, "token id ", id, " is outside the vocabulary 0..",
                      vocab - 1);
    return ids;
}

Tensor LmTask::loss(const Batch& batch) {
    return model_->loss(batch.input, batch.target, kIgnoreIndex);
}

Metrics LmTask::evaluate_batch(const Batch& batch) {
    const Tensor logits = model_->forward(batch.input);  // [B, L, V]
    const int64_t V = logits.size(-1), rows = logits.numel() / V;
    const Tensor rows_logits = reshape(logits, {rows, V});
    const IntTensor targets({rows}, batch.target.values);
    const int64_t tokens = batch.target_count();
    Metrics sums{{"loss_sum", 0}, {"tokens", double(tokens)}, {"correct", 0}, {"characters", 0}};
    if (tokens == 0) return sums;
    sums["loss_sum"] = double(cross_entropy(rows_logits, targets, kIgnoreIndex).item()) * tokens;
    const real* z = rows_logits.data();
    for (int64_t r = 0; r < rows; ++r) {
        const int32_t target = targets.values[size_t(r)];
        if (target == kIgnoreIndex) continue;
        const real* row = z + r * V;
        sums["correct"] += std::max_element(row, row + V) - row == target;
        sums["characters"] += text_.characters.empty() ? 1 : text_.characters[size_t(target)];
    }
    return sums;
}

Metrics LmTask::finish_metrics(const Metrics& sums) const {
    const double tokens = sums.at("tokens"), characters = sums.at("characters");
    const double loss = tokens > 0 ? sums.at("loss_sum") / tokens : 0;
    return {{"loss", loss},
            {"perplexity", std::exp(loss)},
            {"bpc", characters > 0 ? sums.at("loss_sum") / (std::log(2.0) * characters) : 0},
            {"accuracy", tokens > 0 ? sums.at("correct") / tokens : 0},
            {"tokens", tokens},
            {"characters", characters}};
}

}  // namespace attnlab
