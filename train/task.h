// task.h — what the trainer trains: a model with its datasets, its loss and its metrics, and the
// registry that builds one from a config's "data.task" name.
//
// The trainer, the checkpoints and the CLI know only this interface, so a new task plugs in by
// deriving from Task (or reusing LmTask, ClassifierTask or Seq2SeqTask) and adding one TaskInfo to
// task_infos() in tasks.cpp: its name, a line of description, its model family (which selects the
// config schema of "model.*", config.h), its data options with their defaults (the config schema
// of "data.*"), and a factory taking the resolved config.
//
// Evaluation is summed over batches, then finished: evaluate_batch returns sums (e.g. "loss_sum",
// "tokens", "correct") so that batches of different sizes weigh correctly, and finish_metrics turns
// the totals into the reported metrics (e.g. "loss", "bpc", "accuracy").
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/safetensors.h"
#include "models/module.h"
#include "train/data/dataset.h"

namespace attnlab {

using Metrics = std::map<std::string, double>;

class Task {
  public:
    virtual ~Task() = default;

    virtual std::string name() const = 0;  // the registry name ("copy_lm", ...)
    virtual Module& model() = 0;
    // "train", "valid" or "test"; an unknown split throws an Error listing the valid ones.
    virtual const Dataset& split(const std::string& name) const = 0;

    // The mean loss of one training batch, with its graph (the model is in training mode).
    virtual Tensor loss(const Batch& batch) = 0;
    // Sums over one batch (called in eval mode with recording off) and the metrics of the totals.
    virtual Metrics evaluate_batch(const Batch& batch) = 0;
    virtual Metrics finish_metrics(const Metrics& sums) const = 0;
    // What the task's checkpoints record as metadata "task.<key>", and loading one checks against
    // the task rebuilt from its config (checkpoint.h check_task_metadata): what the config alone
    // does not pin down, e.g. the fingerprint of a tokenizer trained on the data (kjv_bpe.h).
    virtual Metadata checkpoint_metadata() const { return {}; }
    // The metric that selects the best checkpoint, and its direction.
    virtual std::string primary_metric() const = 0;
    virtual bool higher_is_better() const = 0;

    // Evaluates `max_batches` batches of `batch_size` (a fixed shuffled selection, the same at
    // every call), or the whole split in order when max_batches <= 0. Restores training mode.
    Metrics evaluate(const Dataset& data, int64_t max_batches, int64_t batch_size);
    // evaluate's sums (before finish_metrics) over part `part` of `parts` of every batch's rows
    // (data_parallel.h rank_rows): the parts' sums add up to the whole evaluation's.
    Metrics evaluate_sums(const Dataset& data, int64_t max_batches, int64_t batch_size, int part,
                          int parts);
};

// What every task of the registry shares: its name and its three splits, owned.
class SplitTask : public Task {
  public:
    std::string name() const override { return name_; }
    const Dataset& split(const std::string& name) const override;

  protected:
    SplitTask(std::string name, std::unique_ptr<Dataset> train, std::unique_ptr<Dataset> valid,
              std::unique_ptr<Dataset> test);

    std::string name_;
    std::unique_ptr<Dataset> train_, valid_, test_;
};

// The kind of model a task trains; it decides which "model.*" keys the config accepts.
enum class ModelFamily {
    LanguageModel,  // LmTask (models/lm.h)
    Classifier,     // ClassifierTask (models/classifier.h): also "model.pooling"
    Seq2Seq,        // Seq2SeqTask (models/seq2seq.h)
};
const char* model_family_name(ModelFamily family);  // "language_model", "classifier", "seq2seq"

struct TaskInfo {
    std::string name;
    std::string description;
    ModelFamily family;
    nlohmann::json options;  // the data options besides "task", with their defaults
    std::function<std::unique_ptr<Task>(const nlohmann::json& config)> make;
};

// Every registered task, in a fixed order (tasks.cpp).
const std::vector<TaskInfo>& task_infos();
std::vector<std::string> task_names();
// The entry for `name`; an unknown name throws a ConfigError (config.h) listing the valid ones.
const TaskInfo& find_task(const std::string& name);
// Builds the task of a resolved config (config.h) with its model initialised from train.seed.
std::unique_ptr<Task> make_task(const nlohmann::json& config);

}  // namespace attnlab
