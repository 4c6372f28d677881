// task.cpp — batched evaluation and the registry lookups of task.h.
#include "task.h"

#include <algorithm>

#include "engine/autograd.h"
#include "train/config.h"
#include "train/data_parallel.h"

namespace attnlab {

SplitTask::SplitTask(std::string name, std::unique_ptr<Dataset> train,
                     std::unique_ptr<Dataset> valid, std::unique_ptr<Dataset> test)
    : name_(std::move(name)),
      train_(std::move(train)),
      valid_(std::move(valid)),
      test_(std::move(test)) {}

const Dataset& SplitTask::split(const std::string& name) const {
    if (name == "train") return *train_;
    if (name == "valid") return *valid_;
    if (name == "test") return *test_;
    throw ConfigError(
        cat("task ", name_, ": unknown split \"", name, "\"; valid: train, valid, test"));
}

Metrics Task::evaluate(const Dataset& data, int64_t max_batches, int64_t batch_size) {
    return finish_metrics(evaluate_sums(data, max_batches, batch_size, 0, 1));
}

Metrics Task::evaluate_sums(const Dataset& data, int64_t max_batches, int64_t batch_size, int part,
                            int parts) {
    ATTNLAB_CHECK(batch_size > 0 && batch_size <= kMaxBatchSize, "Task::evaluate: batch size ",
                  batch_size, " must be in [1, ", kMaxBatchSize, "]");
    const bool was_training = model().training();
    model().set_training(false);
    NoGradGuard no_grad;
    Metrics sums;
    auto add = [&](const std::vector<int64_t>& indices) {
        const RowRange rows = rank_rows(int64_t(indices.size()), part, parts);
        if (rows.size() == 0) return;
        const std::vector<int64_t> mine(indices.begin() + rows.begin, indices.begin() + rows.end);
        for (const auto& [key, value] : evaluate_batch(make_batch(data, mine))) sums[key] += value;
    };
    if (max_batches > 0) {
        BatchSampler sampler(data.size(), batch_size, /*seed=*/0x5eed);  // the same every call
        for (int64_t b = 0; b < max_batches; ++b) add(sampler.next());
    } else {
        for (int64_t begin = 0, end = 0; begin < data.size(); begin = end) {
            std::vector<int64_t> indices;
            end = begin + std::min(data.size() - begin, batch_size);  // never overflows
            for (int64_t i = begin; i < end; ++i) indices.push_back(i);
            add(indices);
        }
    }
    model().set_training(was_training);
    return sums;
}

const char* model_family_name(ModelFamily family) {
    switch (family) {
        case ModelFamily::LanguageModel:
            return "language_model";
        case ModelFamily::Classifier:
            return "classifier";
        case ModelFamily::Seq2Seq:
            return "seq2seq";
    }
    return "?";
}

std::vector<std::string> task_names() {
    std::vector<std::string> names;
    for (const TaskInfo& info : task_infos()) names.push_back(info.name);
    return names;
}

const TaskInfo& find_task(const std::string& name) {
    for (const TaskInfo& info : task_infos())
        if (info.name == name) return info;
    std::string valid;
    for (const std::string& known : task_names()) valid += (valid.empty() ? "" : ", ") + known;
    throw ConfigError(cat("config: unknown task \"", name, "\" (data.task); valid tasks: ", valid));
}

std::unique_ptr<Task> make_task(const nlohmann::json& config) {
    return find_task(config_string(config, "data.task")).make(config);
}

}  // namespace attnlab
