// checkpoint.h — one safetensors file holding everything a run needs to continue exactly.
//
// Tensors: "model.<parameter name>" for every model parameter (frozen ones too, e.g. Performer
// projections) and "optimizer.<state name>" for the optimizer's state (optim.h), if any.
// Metadata (all strings; JSON where structured):
//     format "attnlab-checkpoint", format_version "1", config (the resolved config), step (updates
//     taken), sampler_epoch, sampler_position, random_counters (the model's dropout counters,
//     module.h), best_metric (a number or null), best_step, wall_seconds, optimizer_kind,
//     optimizer_step, and three CRC32s (zlib): payload_crc32 over the tensor bytes as they lie in
//     the file, layout_crc32 over "name shape begin end" of every tensor (so bytes swapped
//     between two names of one shape are caught), metadata_crc32 over every other metadata entry.
//     safetensors.h rejects malformed files; the CRCs catch accidental changes that still parse
//     (flipped bits, a header edited by hand), not deliberate ones: anyone can recompute a CRC.
//     Checkpoints written before layout_crc32 existed still load, without the layout check.
//     A task may add entries "task.<key>" (Task::checkpoint_metadata, e.g. a tokenizer's
//     fingerprint) that load_task and resuming check against the task rebuilt from the config.
// Loading into a model or optimizer rejects NaN and ±infinity, naming the tensor and element.
//
// Files are written atomically by save_safetensors ("<path>.tmp.<pid>", fsync, rename), so a crash
// never leaves a torn checkpoint; the temporaries a killed writer left in the directory are removed
// by the next save (output_dir.h remove_stale_temporaries). Every load failure is an Error
// "checkpoint <path>: <problem>".
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "engine/optim.h"
#include "engine/safetensors.h"
#include "models/module.h"

namespace attnlab {

constexpr int kCheckpointFormatVersion = 1;

struct TrainingState {
    nlohmann::json config;
    int64_t step = 0;
    int64_t sampler_epoch = 0, sampler_position = 0;
    std::vector<uint64_t> random_counters;
    std::optional<double> best_metric;
    int64_t best_step = -1;
    double wall_seconds = 0;
    Metadata task;  // the task's entries, keys without their "task." prefix
};

// Writes model (and optimizer, when given) tensors and `state` to `path`. The model's random
// counters are taken from the model, not from state.random_counters.
void save_checkpoint(const std::string& path, const Module& model, const Optimizer* optimizer,
                     const TrainingState& state);

struct Checkpoint {
    std::string path;
    SafetensorsFile file;
    TrainingState state;
    bool has_optimizer = false;
};

// Reads and verifies a checkpoint (format, version, checksums, metadata); does not need a model.
Checkpoint read_checkpoint(const std::string& path);

// Copies the checkpoint's parameters and random counters into `model` after checking that the
// names and shapes match exactly (nothing missing, nothing extra); the model is untouched on error.
void load_model(const Checkpoint& checkpoint, Module& model);
// Restores the optimizer's state (the checkpoint must have one of the same kind and names).
void load_optimizer(const Checkpoint& checkpoint, Optimizer& optimizer);
// Checks that the checkpoint records every entry of `expected` (the rebuilt task's
// checkpoint_metadata) with the same value; an Error naming the first one missing or different.
void check_task_metadata(const Checkpoint& checkpoint, const Metadata& expected);

}  // namespace attnlab
