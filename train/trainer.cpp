// trainer.cpp — the training loop, its checkpoints and logs, and the stop signal of trainer.h.
#include "trainer.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <limits>

#include "engine/ops.h"
#include "engine/rng.h"
#include "models/zoo.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/data_parallel.h"
#include "train/distributed.h"
#include "train/output_dir.h"
#include "train/progress.h"

namespace attnlab {
namespace {

volatile std::sig_atomic_t stop_flag = 0;

extern "C" void on_stop_signal(int) {
    stop_flag = 1;
}

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Writes `lines` to "<path>.tmp.<pid>" and returns that name; rename it over `path` to commit.
std::string stage_lines(const std::string& path, const std::vector<std::string>& lines) {
    const std::string temporary = cat(path, ".tmp.", getpid());
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    for (const std::string& line : lines) out << line << '\n';
    out.close();
    if (!out.good()) {
        std::error_code ignored;
        std::filesystem::remove(temporary, ignored);
        throw Error(cat("train: cannot write \"", path, "\""));
    }
    return temporary;
}

// Writes config.json and metrics.jsonl (`lines`) into `out_dir`: both or, on failure, neither.
void write_run_files(const std::string& out_dir, const json& config,
                     const std::vector<std::string>& lines) {
    const std::string metrics = out_dir + "/metrics.jsonl";
    const std::string staged = stage_lines(metrics, lines);
    std::error_code error;
    try {
        write_config(out_dir + "/config.json", config);
    } catch (...) {
        std::filesystem::remove(staged, error);
        throw;
    }
    std::filesystem::rename(staged, metrics, error);
    if (error) {
        std::filesystem::remove(staged, error);
        throw Error(cat("train: cannot write \"", metrics, "\""));
    }
}

std::unique_ptr<LrSchedule> make_schedule(const json& config, int64_t steps) {
    const std::string kind = config_string(config, "train.schedule.kind");
    const double lr = config_real(config, "train.lr");
    const int64_t warmup = config_int(config, "train.schedule.warmup");
    const double min_lr = config_real(config, "train.schedule.min_lr");
    config_require(lr > 0, config, "train.lr", "positive");
    if (kind == "constant") return std::make_unique<ConstantLr>(lr);
    if (kind == "inverse_sqrt") {
        config_require(warmup >= 1, config, "train.schedule.warmup", "at least 1 for inverse_sqrt");
        return std::make_unique<InverseSqrtLr>(lr, warmup);
    }
    config_require(warmup >= 0, config, "train.schedule.warmup", "non-negative");
    config_require(min_lr >= 0 && min_lr <= lr, config, "train.schedule.min_lr",
                   "in [0, train.lr]");
    return std::make_unique<WarmupCosineLr>(lr, min_lr, std::min(warmup, steps), steps);
}

// The first key path where a and b differ, or "" when equal.
std::string first_difference(const json& a, const json& b, const std::string& prefix) {
    if (a.is_object() && b.is_object()) {
        for (const auto& [key, value] : a.items()) {
            const std::string path = prefix + "." + key;
            if (!b.contains(key)) return path;
            const std::string inner = first_difference(value, b.at(key), path);
            if (!inner.empty()) return inner;
        }
        for (const auto& entry : b.items())
            if (!a.contains(entry.key())) return prefix + "." + entry.key();
        return "";
    }
    return a == b ? "" : prefix;
}

// Gradients go over the network in all-reduces of about this size (data_parallel.h).
constexpr int64_t kGradientBucketBytes = int64_t(4) << 20;

bool all_finite(const std::vector<Parameter>& params) {
    for (const Parameter& p : params) {
        const real* x = p.tensor.data();
        for (int64_t i = 0; i < p.tensor.numel(); ++i)
            if (!std::isfinite(x[i])) return false;
    }
    return true;
}

}  // namespace

void request_stop() {
    stop_flag = 1;
}
bool stop_requested() {
    return stop_flag != 0;
}
void clear_stop_request() {
    stop_flag = 0;
}

StopSignalHandlers::StopSignalHandlers() {
    struct sigaction action = {};
    action.sa_handler = on_stop_signal;
    action.sa_flags = SA_RESETHAND;  // a second signal gets the default action
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGUSR1, &action, nullptr);
}

StopSignalHandlers::~StopSignalHandlers() {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    std::signal(SIGUSR1, SIG_DFL);
}

struct Trainer::Output {
    std::ofstream metrics;
    std::unique_ptr<Progress> progress;
};

Trainer::~Trainer() = default;

Trainer::Trainer(const json& config, TrainerOptions options)
    : config_(config), options_(std::move(options)), output_(std::make_unique<Output>()) {
    steps_ = config_int(config, "train.steps");
    batch_size_ = config_int(config, "train.batch_size");
    grad_accum_ = config_int(config, "train.grad_accum");
    eval_every_ = config_int(config, "train.eval_every");
    eval_batches_ = config_int(config, "train.eval_batches");
    checkpoint_every_ = config_int(config, "train.checkpoint_every");
    redraw_every_ = config_int(config, "train.redraw_every");
    log_every_ = config_int(config, "train.log_every");
    clip_ = config_real(config, "train.clip");
    seed_ = uint64_t(config_int(config, "train.seed"));
    out_dir_ = config_string(config, "train.out_dir");
    const int64_t threads = config_int(config, "train.threads");
    rank_ = options_.data_parallel ? distributed::rank() : 0;
    ranks_ = options_.data_parallel ? distributed::size() : 1;
    root_ = rank_ == 0;
    config_require(steps_ >= 1, config, "train.steps", "positive");
    config_require(batch_size_ >= 1, config, "train.batch_size", "positive");
    config_require(
        batch_size_ >= ranks_, config, "train.batch_size",
        cat("at least the number of processes (", ranks_, "): each takes its rows of every batch"));
    config_require(grad_accum_ >= 1, config, "train.grad_accum", "positive");
    config_require(clip_ >= 0, config, "train.clip", "0 (off) or positive");
    config_require(threads >= 0, config, "train.threads", "0 (all) or positive");
    config_require(!out_dir_.empty(), config, "train.out_dir", "a directory");
    for (const char* key : {"train.eval_every", "train.eval_batches", "train.checkpoint_every",
                            "train.redraw_every", "train.log_every"})
        config_require(config_int(config, key) >= 0, config, key, "0 (off) or positive");

    task_ = make_task(config);
    params_ = task_->model().parameters();
    AdamOptions adam;
    adam.weight_decay = config_real(config, "train.weight_decay");
    config_require(adam.weight_decay >= 0, config, "train.weight_decay", "0 (off) or positive");
    adam.beta2 = config_real(config, "train.adam_beta2");
    config_require(adam.beta2 >= 0 && adam.beta2 < 1, config, "train.adam_beta2", "in [0, 1)");
    optimizer_ = std::make_unique<AdamW>(params_, adam);
    schedule_ = make_schedule(config, steps_);
    sampler_ =
        std::make_unique<BatchSampler>(task_->split("train").size(), batch_size_, mix(seed_, 2));

    // Everything is checked before anything is written: a failure leaves out_dir as it was.
    if (!options_.resume && !options_.overwrite && std::filesystem::exists(last_path()))
        throw ConfigError(cat("train: ", out_dir_, " already holds a run (", last_path(),
                              "); continue it with --resume, replace it with --overwrite, or "
                              "choose another train.out_dir"));
    std::vector<std::string> kept_lines;
    if (options_.resume) kept_lines = restore(read_checkpoint(last_path()));
    if (ranks_ > 1)
        buckets_ = std::make_unique<GradientBuckets>(
            params_, kGradientBucketBytes, [](real* data, int64_t n) {
                const distributed::Request request = distributed::start_allreduce_sum(data, n);
                return GradientBuckets::PendingSum{[request] { distributed::test(request); },
                                                   [request] { distributed::wait(request); }};
            });
    if (root_) {
        NewDirectories directory(out_dir_);
        // A replaced run's checkpoints go now: a resume after a stop before this run's first
        // checkpoint would otherwise load them (restore() only refuses another model or seed).
        if (!options_.resume)
            for (const std::string& path : {last_path(), best_path()})
                std::filesystem::remove(path);
        write_run_files(out_dir_, config, kept_lines);
        output_->metrics.open(out_dir_ + "/metrics.jsonl", std::ios::app);
        ATTNLAB_CHECK(output_->metrics, "train: cannot write \"", out_dir_, "/metrics.jsonl\"");
        directory.keep();
    }
    if (options_.progress && root_)
        output_->progress =
            std::make_unique<Progress>(*options_.progress, options_.terminal, steps_, log_every_);
    threads_.emplace(threads);  // last, so that a constructor that throws leaves the count alone
}

std::vector<std::string> Trainer::restore(const Checkpoint& checkpoint) {
    // Resolved, so a key added to the schema after the checkpoint was written counts as its
    // default (which is what the run used) instead of as a difference.
    json saved;
    try {
        saved = resolve_config(checkpoint.state.config);
    } catch (const ConfigError& e) {
        throw ConfigError(cat("config: the checkpoint ", last_path(),
                              " being resumed holds an invalid config: ", e.what()));
    }
    for (const char* section : {"model", "data"}) {
        const std::string key = first_difference(saved[section], config_[section], section);
        if (!key.empty())
            throw ConfigError(cat("config: \"", key, "\" differs from the checkpoint ", last_path(),
                                  " being resumed"));
    }
    for (const char* key : {"seed", "batch_size", "grad_accum"})
        if (saved["train"][key] != config_["train"][key])
            throw ConfigError(cat("config: \"train.", key, "\" differs from the checkpoint ",
                                  last_path(), " being resumed"));
    const int64_t step = checkpoint.state.step;
    ATTNLAB_CHECK(step >= 0, "checkpoint ", last_path(), ": step ", step, " is negative");
    if (step > steps_)
        throw ConfigError(cat("config: \"train.steps\" is ", steps_, " but the checkpoint ",
                              last_path(), " being resumed is at step ", step,
                              "; set train.steps to at least ", step));
    check_task_metadata(checkpoint, task_->checkpoint_metadata());
    load_model(checkpoint, task_->model());
    load_optimizer(checkpoint, *optimizer_);
    sampler_->seek(checkpoint.state.sampler_epoch, checkpoint.state.sampler_position);
    step_ = last_saved_step_ = step;
    best_metric_ = checkpoint.state.best_metric;
    best_step_ = checkpoint.state.best_step;
    wall_offset_ = checkpoint.state.wall_seconds;
    // The log lines up to the checkpoint's step; later ones belong to steps about to be redone.
    std::vector<std::string> kept_lines;
    std::ifstream previous(out_dir_ + "/metrics.jsonl");
    for (std::string line; std::getline(previous, line);) {
        const json entry = json::parse(line, nullptr, false);
        if (entry.is_object() && entry.value("step", int64_t(0)) <= step_)
            kept_lines.push_back(line);
    }
    return kept_lines;
}

double Trainer::wall_seconds() const {
    return wall_offset_ + now_seconds() - start_time_;
}

void Trainer::log_json(const json& line) {
    if (!root_) return;
    output_->metrics << line.dump() << '\n' << std::flush;
}

void Trainer::diverged(const std::string& what, double value) const {
    const std::string kept =
        last_saved_step_ >= 0
            ? cat("the last good checkpoint is ", last_path(), " (step ", last_saved_step_, ")")
            : std::string("no checkpoint was written yet");
    throw Error(
        cat("training diverged: ", what, " is ", value, " at step ", step_ + 1, "; ", kept));
}

void Trainer::train_step() {
    Module& model = task_->model();
    if (redraw_every_ > 0 && step_ > 0 && step_ % redraw_every_ == 0)
        redraw_random_features(model, mix(seed_ ^ 0x7ed4a3, uint64_t(step_)));
    const double begin = now_seconds();
    optimizer_->zero_grad();
    std::vector<double> step_sums(size_t(grad_accum_) + 1, 0);
    int64_t tokens = 0;
    for (int64_t micro = 0; micro < grad_accum_; ++micro) {
        const Batch global = make_batch(task_->split("train"), sampler_->next());
        const RowRange rows = rank_rows(global.size(), rank_, ranks_);
        const Batch batch = ranks_ == 1 ? global : batch_rows(global, rows);
        // This process's share of what the global batch's loss averages (1 for one process).
        const double weight = ranks_ == 1 ? 1.0
                                          : double(batch.target_count()) /
                                                double(std::max<int64_t>(global.target_count(), 1));
        const ScopedBatchRows global_rows(rows.begin);
        Tensor loss = task_->loss(batch);
        const double value = double(loss.item());
        if (!std::isfinite(value)) diverged("the loss", value);
        const double scale = weight / double(grad_accum_);
        if (scale != 1) loss = loss * real(scale);
        if (buckets_ && micro == grad_accum_ - 1) {  // the last backward sums as it goes
            buckets_->begin();
            run_backward(loss, Tensor::ones(loss.shape()), false,
                         [this](const TensorImpl* leaf) { buckets_->leaf_done(leaf); });
        } else {
            loss.backward();
        }
        step_sums[size_t(micro)] = value * weight;
        tokens += global.input.numel();
    }
    step_sums.back() = stop_requested() ? 1 : 0;
    if (ranks_ > 1) stop_agreed_ = reduce_over_ranks(step_sums);
    double loss_sum = 0;
    for (int64_t micro = 0; micro < grad_accum_; ++micro) loss_sum += step_sums[size_t(micro)];
    const double norm =
        clip_grad_norm(params_, clip_ > 0 ? clip_ : std::numeric_limits<double>::infinity());
    if (!std::isfinite(norm)) diverged("the gradient norm", norm);
    const double lr = schedule_->lr(step_);
    optimizer_->step(lr);
    ++step_;

    StepRecord record;
    record.step = step_;
    record.loss = loss_sum / double(grad_accum_);
    record.lr = lr;
    record.grad_norm = norm;
    record.tokens_per_s = double(tokens) / std::max(now_seconds() - begin, 1e-9);
    record.wall_s = wall_seconds();
    history_.push_back(record);
    if (log_every_ > 0 && (step_ % log_every_ == 0 || step_ == steps_))
        log_json({{"step", step_},
                  {"loss", record.loss},
                  {"lr", lr},
                  {"grad_norm", norm},
                  {"tokens_per_s", record.tokens_per_s},
                  {"wall_s", record.wall_s}});
    if (output_->progress) {
        const double per_step = (now_seconds() - start_time_) / double(history_.size());
        output_->progress->update(step_, record.loss, record.tokens_per_s,
                                  per_step * double(steps_ - step_));
    }
}

bool Trainer::reduce_over_ranks(std::vector<double>& step_sums) {
    buckets_->finish();
    distributed::allreduce_sum(step_sums.data(), int64_t(step_sums.size()));
    return step_sums.back() > 0;
}

bool Trainer::stopping() const {
    return ranks_ == 1 ? stop_requested() : stop_agreed_;
}

void Trainer::evaluate() {
    const Metrics metrics =
        ranks_ == 1 ? task_->evaluate(task_->split("valid"), eval_batches_, batch_size_)
                    : task_->finish_metrics(sum_over_ranks(task_->evaluate_sums(
                          task_->split("valid"), eval_batches_, batch_size_, rank_, ranks_)));
    evals_.push_back({step_, metrics});
    json line = {{"step", step_}, {"split", "valid"}};
    std::string text = cat("eval step ", step_, ":");
    for (const auto& [key, value] : metrics) {
        line[key] = value;
        text += cat(" ", key, " ", value);
    }
    log_json(line);
    if (output_->progress) output_->progress->message(text);
    const double value = metrics.at(task_->primary_metric());
    const bool better = !best_metric_ ||
                        (task_->higher_is_better() ? value > *best_metric_ : value < *best_metric_);
    if (better && std::isfinite(value)) {
        best_metric_ = value;
        best_step_ = step_;
        save(best_path());
    }
}

void Trainer::save(const std::string& path) {
    if (!all_finite(params_)) diverged("a parameter", std::numeric_limits<double>::quiet_NaN());
    TrainingState state;
    state.config = config_;
    state.step = step_;
    state.sampler_epoch = sampler_->epoch();
    state.sampler_position = sampler_->position();
    state.best_metric = best_metric_;
    state.best_step = best_step_;
    state.wall_seconds = wall_seconds();
    state.task = task_->checkpoint_metadata();
    if (root_) save_checkpoint(path, task_->model(), optimizer_.get(), state);
    if (path == last_path()) last_saved_step_ = step_;
}

bool Trainer::run() {
    start_time_ = now_seconds();
    task_->model().set_training(true);
    while (step_ < steps_ && !stopping()) {
        if (options_.before_step) options_.before_step(step_, *this);
        train_step();
        if (eval_every_ > 0 && (step_ % eval_every_ == 0 || step_ == steps_)) evaluate();
        if ((checkpoint_every_ > 0 && step_ % checkpoint_every_ == 0) || step_ == steps_)
            save(last_path());
    }
    if (output_->progress) output_->progress->finish();
    if (step_ == steps_) return true;
    if (last_saved_step_ != step_) save(last_path());
    return false;
}

}  // namespace attnlab
