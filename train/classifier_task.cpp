// classifier_task.cpp — the classification task of classifier_task.h.
#include "classifier_task.h"

#include <algorithm>

#include "engine/ops.h"
#include "engine/rng.h"
#include "train/config.h"

namespace attnlab {

ClassifierTask::ClassifierTask(std::string name, const nlohmann::json& config,
                               std::unique_ptr<Dataset> train, std::unique_ptr<Dataset> valid,
                               std::unique_ptr<Dataset> test)
    : SplitTask(std::move(name), std::move(train), std::move(valid), std::move(test)) {
    const TaskKind kind = train_->task();
    ATTNLAB_CHECK(kind == TaskKind::Classification || kind == TaskKind::PairClassification,
                  "ClassifierTask ", name_, ": split ", train_->name(), " is ",
                  task_kind_name(kind), " (expected classification or pair_classification)");
    int64_t longest = 0;
    for (const Dataset* data : {train_.get(), valid_.get(), test_.get()}) {
        ATTNLAB_CHECK(data->task() == kind && data->vocab_size() == train_->vocab_size() &&
                          data->num_classes() == train_->num_classes(),
                      "ClassifierTask ", name_, ": split ", data->name(), " is ",
                      task_kind_name(data->task()), " with vocabulary ", data->vocab_size(),
                      " and ", data->num_classes(), " classes (expected ", task_kind_name(kind),
                      " with ", train_->vocab_size(), " and ", train_->num_classes(), ")");
        longest = std::max(longest, data->max_length());
    }
    ClassifierConfig classifier;
    classifier.pooling = config_string(config, "model.pooling");
    // CLS takes one more position.
    classifier.stack = stack_config_from(config, train_->vocab_size(),
                                         longest + (classifier.pooling == "cls" ? 1 : 0));
    classifier.num_classes = train_->num_classes();
    classifier.towers = kind == TaskKind::PairClassification ? 2 : 1;
    Rng rng(uint64_t(config_int(config, "train.seed")));
    model_ = build_model_from_config([&] { return std::make_unique<Classifier>(classifier, rng); });
}

Tensor classifier_logits(Classifier& model, const Batch& batch) {
    if (model.config().towers == 1) return model.forward(batch.input, batch.input_mask);
    return model.forward(batch.input, batch.input_mask, batch.second, batch.second_mask);
}

Tensor classifier_loss(Classifier& model, const Batch& batch) {
    if (model.config().towers == 1) return model.loss(batch.input, batch.input_mask, batch.labels);
    return model.loss(batch.input, batch.input_mask, batch.second, batch.second_mask, batch.labels);
}

Tensor ClassifierTask::loss(const Batch& batch) {
    return classifier_loss(*model_, batch);
}

Tensor ClassifierTask::logits(const Batch& batch) {
    return classifier_logits(*model_, batch);
}

Metrics ClassifierTask::evaluate_batch(const Batch& batch) {
    const Tensor z = logits(batch);  // [B, C]
    const int64_t B = z.size(0), C = z.size(1);
    Metrics sums{{"loss_sum", double(cross_entropy(z, batch.labels).item()) * B},
                 {"examples", double(B)},
                 {"correct", 0}};
    for (int64_t b = 0; b < B; ++b) {
        const real* row = z.data() + b * C;
        sums["correct"] += std::max_element(row, row + C) - row == batch.labels.values[size_t(b)];
    }
    return sums;
}

Metrics ClassifierTask::finish_metrics(const Metrics& sums) const {
    auto sum = [&](const char* key) { return sums.count(key) ? sums.at(key) : 0.0; };
    const double examples = sum("examples");
    return {{"loss", examples > 0 ? sum("loss_sum") / examples : 0},
            {"accuracy", examples > 0 ? sum("correct") / examples : 0},
            {"examples", examples}};
}

}  // namespace attnlab
