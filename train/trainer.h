// trainer.h — the training loop: a task (task.h) trained with AdamW from a resolved config
// (config.h), with gradient accumulation, clipping, a learning-rate schedule, periodic
// evaluation, checkpoints (checkpoint.h), a JSONL log and a clean stop on SIGINT/SIGTERM.
//
// One step (steps count from 1 in logs and messages; the schedule sees the 0-based index):
//     redraw Performer features if redraw_every divides the step index (never at index 0)
//     grad_accum times: batch = next batch_size examples; loss.backward() scaled by 1/grad_accum
//     ‖g‖ = clip_grad_norm(clip)   (clip 0: the norm is measured, nothing is clipped)
//     AdamW step with lr = schedule(step index)   (warmup_cosine caps the warmup at train.steps;
//     β2 = train.adam_beta2, decoupled decay train.weight_decay; β1 0.9, ε 1e-8)
// then, when due: evaluate eval_batches batches of the valid split (and save best.safetensors when
// the task's primary metric improves), save last.safetensors (every checkpoint_every steps and at
// the end). out_dir also gets config.json (the resolved config) and metrics.jsonl.
//
// Exact resumption: with the same config and thread count, a run resumed from last.safetensors
// reproduces the uninterrupted run's losses bit for bit. The checkpoint restores the parameters
// (Performer projections included, so the redraw state), the AdamW moments and step, the sampler's
// (epoch, position) and the model's dropout counters; the schedule and the redraw seeds are
// functions of the step. metrics.jsonl is cut back to the resumed step (through a temporary and a
// rename) and appended to. A fresh run refuses an out_dir that already holds last.safetensors
// unless told to overwrite it; a resume refuses a checkpoint beyond train.steps (a ConfigError).
//
// Faults: a non-finite loss or gradient norm stops the run with an Error naming the step; the last
// checkpoint on disk (written before) is left as it is, and no checkpoint is ever written from
// non-finite parameters. A stop request (signal or request_stop()) lets the current step finish,
// saves last.safetensors, and makes run() return false.
//
// Data parallel: started by an MPI launcher (train/distributed.h) with N processes, each process
// trains on its rows of every global batch of train.batch_size (at least N) and the gradients are
// summed over the processes before the clipping (train/data_parallel.h), so every process takes
// the same step; the logged loss and the evaluation are the global ones. The sampler, the redraws
// and the dropout masks are those of one process, so a run's losses do not depend on N beyond the
// order of the sums, and a checkpoint written by N processes resumes on any number. Process 0
// alone writes out_dir (every process reads last.safetensors to resume: out_dir must be visible to
// all). A stop request on any process stops all of them after the same step. With
// TrainerOptions::data_parallel false, a process of a job trains on its own, as if it were alone.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "engine/kernels/parallel.h"
#include "engine/optim.h"
#include "engine/schedule.h"
#include "train/checkpoint.h"
#include "train/task.h"

namespace attnlab {

// Stop requests, shared with the signal handlers.
void request_stop();
bool stop_requested();
void clear_stop_request();

// While alive, SIGINT, SIGTERM and SIGUSR1 call request_stop() (once: a second signal acts as
// usual). mpirun passes SIGUSR1 on to its processes at once, and SIGINT as a SIGTERM followed by
// a SIGKILL a second later (README "Multi-process training").
class StopSignalHandlers {
  public:
    StopSignalHandlers();
    ~StopSignalHandlers();
    StopSignalHandlers(const StopSignalHandlers&) = delete;
    StopSignalHandlers& operator=(const StopSignalHandlers&) = delete;
};

struct StepRecord {
    int64_t step = 0;  // 1-based
    double loss = 0, lr = 0, grad_norm = 0, tokens_per_s = 0, wall_s = 0;
};

struct EvalRecord {
    int64_t step = 0;
    Metrics metrics;
};

class Trainer;
class GradientBuckets;

struct TrainerOptions {
    bool resume = false;               // continue from out_dir/last.safetensors
    bool overwrite = false;            // a fresh run may replace a run already in out_dir
    std::ostream* progress = nullptr;  // null: no progress output
    bool terminal = false;             // progress as an in-place bar
    // true: every process of an MPI job trains this run together (data parallel, as attnlab
    // train). false: this process trains it alone and the trainer calls no MPI function (an
    // experiment grid's cell, while the job's other processes train other cells).
    bool data_parallel = true;
    // Called before every step with its 0-based index (tests: inject faults, request stops).
    std::function<void(int64_t step, Trainer& trainer)> before_step;
};

class Trainer {
  public:
    // Builds the task, the optimizer and the schedule, when resuming restores the checkpoint, then
    // prepares out_dir (config.json and metrics.jsonl). Every check comes before the first write,
    // so a constructor that throws leaves out_dir as it was (a directory it created is removed).
    // Config mistakes throw ConfigError. train.threads > 0 sets the OpenMP thread count for the
    // trainer's lifetime.
    Trainer(const nlohmann::json& config, TrainerOptions options = {});
    ~Trainer();

    // Trains until train.steps (returns true) or a stop request (returns false).
    bool run();

    Task& task() { return *task_; }
    Optimizer& optimizer() { return *optimizer_; }
    int64_t step() const { return step_; }                               // updates taken
    const std::vector<StepRecord>& history() const { return history_; }  // this session's steps
    const std::vector<EvalRecord>& evals() const { return evals_; }
    std::string last_path() const { return out_dir_ + "/last.safetensors"; }
    std::string best_path() const { return out_dir_ + "/best.safetensors"; }
    // The processes that train this run together: 1, or the job's with data_parallel.
    int processes() const { return ranks_; }

  private:
    // Checks a checkpoint against this run's config and restores from it; returns the lines of
    // metrics.jsonl up to its step.
    std::vector<std::string> restore(const Checkpoint& checkpoint);
    void train_step();
    void evaluate();
    void save(const std::string& path);
    void log_json(const nlohmann::json& line);
    double wall_seconds() const;
    [[noreturn]] void diverged(const std::string& what, double value) const;
    // Sums the gradients and `step_sums` (each micro-batch's weighted loss, then this process's
    // stop request) over the processes; returns whether any process asked to stop.
    bool reduce_over_ranks(std::vector<double>& step_sums);
    bool stopping() const;

    nlohmann::json config_;
    TrainerOptions options_;
    std::unique_ptr<Task> task_;
    std::vector<Parameter> params_;
    std::unique_ptr<Optimizer> optimizer_;
    std::unique_ptr<LrSchedule> schedule_;
    std::unique_ptr<BatchSampler> sampler_;
    std::string out_dir_;
    int64_t steps_, batch_size_, grad_accum_, eval_every_, eval_batches_, checkpoint_every_,
        redraw_every_, log_every_;
    double clip_;
    uint64_t seed_;
    int64_t step_ = 0, last_saved_step_ = -1;
    std::optional<double> best_metric_;
    int64_t best_step_ = -1;
    double wall_offset_ = 0;
    std::optional<kernels::ScopedThreads> threads_;  // train.threads while the Trainer lives
    int rank_ = 0, ranks_ = 1;                       // distributed.h
    bool root_ = true;                               // rank 0: writes out_dir
    bool stop_agreed_ = false;                       // some process asked to stop
    std::unique_ptr<GradientBuckets> buckets_;       // when ranks_ > 1
    double start_time_ = 0;
    std::vector<StepRecord> history_;
    std::vector<EvalRecord> evals_;
    struct Output;
    std::unique_ptr<Output> output_;
};

}  // namespace attnlab
