// checkpoint.cpp — writing, verifying and restoring the checkpoints of checkpoint.h.
#include "checkpoint.h"

#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <vector>

#include "engine/json_strict.h"
#include "train/output_dir.h"

namespace attnlab {
namespace {

using json = nlohmann::json;

const std::string kModelPrefix = "model.", kOptimizerPrefix = "optimizer.", kTaskPrefix = "task.";

[[noreturn]] void checkpoint_fail(const std::string& path, const std::string& problem) {
    throw Error(cat("checkpoint ", path, ": ", problem));
}

// CRC32 of the tensors' bytes in name order: exactly the file's byte buffer as the writer lays it.
uint32_t payload_crc(const NamedTensors& tensors) {
    uLong crc = crc32(0L, Z_NULL, 0);
    for (const auto& entry : tensors)
        crc = crc32_z(crc, reinterpret_cast<const Bytef*>(entry.second.data()),
                      size_t(entry.second.numel()) * sizeof(real));
    return uint32_t(crc);
}

// CRC32 of the file's byte buffer (everything after the 8-byte length and the header).
uint32_t file_payload_crc(const std::string& path) {
    FILE* file = std::fopen(path.c_str(), "rb");
    if (!file) checkpoint_fail(path, "cannot reopen to check the payload");
    uint8_t length_bytes[8];
    uint64_t header_length = 0;
    bool ok = std::fread(length_bytes, 1, 8, file) == 8;
    for (int i = 0; i < 8; ++i) header_length |= uint64_t(length_bytes[i]) << (8 * i);
    ok = ok && std::fseek(file, long(header_length), SEEK_CUR) == 0;
    uLong crc = crc32(0L, Z_NULL, 0);
    std::vector<uint8_t> chunk(1 << 16);
    size_t got = 0;
    while (ok && (got = std::fread(chunk.data(), 1, chunk.size(), file)) > 0)
        crc = crc32_z(crc, chunk.data(), got);
    ok = ok && !std::ferror(file);
    std::fclose(file);
    if (!ok) checkpoint_fail(path, "cannot read the payload");
    return uint32_t(crc);
}

// CRC32 over "name shape begin end\n" of every tensor in name order: binds each name to its shape
// and its bytes, which payload_crc32 (the bytes alone) cannot see swapped between names.
uint32_t layout_crc(const NamedTensors& tensors, const std::map<std::string, ByteRange>& ranges) {
    uLong crc = crc32(0L, Z_NULL, 0);
    for (const auto& [name, tensor] : tensors) {
        const ByteRange& range = ranges.at(name);
        const std::string line =
            cat(name, ' ', shape_str(tensor.shape()), ' ', range.begin, ' ', range.end, '\n');
        crc = crc32_z(crc, reinterpret_cast<const Bytef*>(line.data()), line.size());
    }
    return uint32_t(crc);
}

// CRC32 over "key=value\n" of every metadata entry but the two checksums, in key order.
uint32_t metadata_crc(const Metadata& metadata) {
    uLong crc = crc32(0L, Z_NULL, 0);
    for (const auto& [key, value] : metadata) {
        if (key == "payload_crc32" || key == "metadata_crc32") continue;
        const std::string line = key + "=" + value + "\n";
        crc = crc32_z(crc, reinterpret_cast<const Bytef*>(line.data()), line.size());
    }
    return uint32_t(crc);
}

const std::string& entry(const std::string& path, const Metadata& metadata, const char* key) {
    auto found = metadata.find(key);
    if (found == metadata.end()) checkpoint_fail(path, cat("metadata lacks \"", key, "\""));
    return found->second;
}

json parse_entry(const std::string& path, const Metadata& metadata, const char* key) {
    try {
        return parse_json_strict(entry(path, metadata, key));
    } catch (const Error& e) {
        checkpoint_fail(path, cat("metadata \"", key, "\" ", e.what()));
    }
}

// Throws naming the tensor and the first NaN or infinity in it: such weights would evaluate
// silently to NaN losses, or poison the optimizer when resumed.
void check_finite(const std::string& path, const std::string& name, const Tensor& tensor) {
    const real* values = tensor.data();
    for (int64_t i = 0; i < tensor.numel(); ++i)
        if (!std::isfinite(values[i]))
            checkpoint_fail(
                path, cat("tensor \"", name, "\" holds ", double(values[i]), " at element ", i,
                          " of shape ", shape_str(tensor.shape()), " (expected finite values)"));
}

int64_t integer_entry(const std::string& path, const Metadata& metadata, const char* key) {
    const json value = parse_entry(path, metadata, key);
    if (!value.is_number_integer())
        checkpoint_fail(path, cat("metadata \"", key, "\" is not an integer"));
    return value.get<int64_t>();
}

}  // namespace

void save_checkpoint(const std::string& path, const Module& model, const Optimizer* optimizer,
                     const TrainingState& state) {
    NamedTensors tensors;
    for (const Parameter& p : model.parameters()) tensors[kModelPrefix + p.name] = p.tensor;
    Metadata metadata{{"format", "attnlab-checkpoint"},
                      {"format_version", std::to_string(kCheckpointFormatVersion)},
                      {"config", state.config.dump()},
                      {"step", std::to_string(state.step)},
                      {"sampler_epoch", std::to_string(state.sampler_epoch)},
                      {"sampler_position", std::to_string(state.sampler_position)},
                      {"random_counters", json(model.random_counters()).dump()},
                      {"best_metric", state.best_metric ? json(*state.best_metric).dump() : "null"},
                      {"best_step", std::to_string(state.best_step)},
                      {"wall_seconds", json(state.wall_seconds).dump()}};
    if (optimizer) {
        OptimizerState optimizer_state = optimizer->state_dict();
        for (auto& [name, tensor] : optimizer_state.tensors)
            tensors[kOptimizerPrefix + name] = tensor;
        metadata["optimizer_kind"] = optimizer_state.kind;
        metadata["optimizer_step"] = std::to_string(optimizer_state.step);
    }
    for (const auto& [key, value] : state.task) metadata[kTaskPrefix + key] = value;
    metadata["layout_crc32"] = std::to_string(layout_crc(tensors, safetensors_layout(tensors)));
    metadata["payload_crc32"] = std::to_string(payload_crc(tensors));
    metadata["metadata_crc32"] = std::to_string(metadata_crc(metadata));
    const std::string directory = std::filesystem::path(path).parent_path().string();
    remove_stale_temporaries(directory.empty() ? "." : directory);
    save_safetensors(path, tensors, metadata);
}

Checkpoint read_checkpoint(const std::string& path) {
    Checkpoint checkpoint;
    checkpoint.path = path;
    try {
        checkpoint.file = load_safetensors(path);
    } catch (const Error& e) {  // "safetensors: <path>: <problem>" → "<problem>"
        const std::string message = e.what(), prefix = "safetensors: " + path + ": ";
        checkpoint_fail(path, message.compare(0, prefix.size(), prefix) == 0
                                  ? message.substr(prefix.size())
                                  : message);
    }
    const Metadata& metadata = checkpoint.file.metadata;
    auto format = metadata.find("format");
    if (format == metadata.end() || format->second != "attnlab-checkpoint")
        checkpoint_fail(
            path, "not an attnlab checkpoint (metadata \"format\" is not \"attnlab-checkpoint\")");
    const std::string& version = entry(path, metadata, "format_version");
    if (version != std::to_string(kCheckpointFormatVersion))
        checkpoint_fail(path, cat("format version ", version, " is not the supported ",
                                  kCheckpointFormatVersion));
    if (entry(path, metadata, "metadata_crc32") != std::to_string(metadata_crc(metadata)))
        checkpoint_fail(path, "metadata checksum mismatch (the file is corrupted)");
    if (entry(path, metadata, "payload_crc32") != std::to_string(file_payload_crc(path)))
        checkpoint_fail(path, "tensor data checksum mismatch (the file is corrupted)");
    // Checkpoints written before layout_crc32 existed load without it (names unchecked).
    auto layout = metadata.find("layout_crc32");
    if (layout != metadata.end() &&
        layout->second !=
            std::to_string(layout_crc(checkpoint.file.tensors, checkpoint.file.byte_ranges)))
        checkpoint_fail(
            path,
            "tensor layout checksum mismatch (names, shapes or byte ranges were changed, e.g. "
            "two tensors swapped)");

    TrainingState& state = checkpoint.state;
    state.config = parse_entry(path, metadata, "config");
    state.step = integer_entry(path, metadata, "step");
    state.sampler_epoch = integer_entry(path, metadata, "sampler_epoch");
    state.sampler_position = integer_entry(path, metadata, "sampler_position");
    state.best_step = integer_entry(path, metadata, "best_step");
    const json counters = parse_entry(path, metadata, "random_counters");
    const json best = parse_entry(path, metadata, "best_metric");
    const json wall = parse_entry(path, metadata, "wall_seconds");
    if (!state.config.is_object()) checkpoint_fail(path, "metadata \"config\" is not an object");
    if (!counters.is_array()) checkpoint_fail(path, "metadata \"random_counters\" is not an array");
    for (const json& counter : counters) {
        if (!counter.is_number_unsigned())
            checkpoint_fail(path, "metadata \"random_counters\" holds a non-counter");
        state.random_counters.push_back(counter.get<uint64_t>());
    }
    if (!best.is_null() && !best.is_number())
        checkpoint_fail(path, "metadata \"best_metric\" is not a number");
    if (best.is_number()) state.best_metric = best.get<double>();
    if (!wall.is_number()) checkpoint_fail(path, "metadata \"wall_seconds\" is not a number");
    state.wall_seconds = wall.get<double>();
    checkpoint.has_optimizer = metadata.count("optimizer_kind") > 0;
    for (const auto& [key, value] : metadata)
        if (key.compare(0, kTaskPrefix.size(), kTaskPrefix) == 0)
            state.task[key.substr(kTaskPrefix.size())] = value;
    return checkpoint;
}

void load_model(const Checkpoint& checkpoint, Module& model) {
    const std::string& path = checkpoint.path;
    const std::vector<Parameter> params = model.parameters();
    std::set<std::string> expected;
    for (const Parameter& p : params) {
        const std::string name = kModelPrefix + p.name;
        expected.insert(name);
        auto tensor = checkpoint.file.tensors.find(name);
        if (tensor == checkpoint.file.tensors.end())
            checkpoint_fail(path, cat("missing tensor \"", name, "\" of the model"));
        if (tensor->second.shape() != p.tensor.shape())
            checkpoint_fail(
                path, cat("tensor \"", name, "\" has shape ", shape_str(tensor->second.shape()),
                          " but the model's is ", shape_str(p.tensor.shape())));
    }
    for (const auto& named : checkpoint.file.tensors)
        if (named.first.compare(0, kModelPrefix.size(), kModelPrefix) == 0 &&
            !expected.count(named.first))
            checkpoint_fail(path, cat("unexpected tensor \"", named.first,
                                      "\" (not a parameter of the model)"));
    for (const Parameter& p : params)
        check_finite(path, kModelPrefix + p.name,
                     checkpoint.file.tensors.at(kModelPrefix + p.name));
    const size_t counters = model.random_counters().size();
    if (checkpoint.state.random_counters.size() != counters)
        checkpoint_fail(path, cat("holds ", checkpoint.state.random_counters.size(),
                                  " random counters but the model has ", counters));
    for (const Parameter& p : params) {
        const Tensor& source = checkpoint.file.tensors.at(kModelPrefix + p.name);
        std::memcpy(p.tensor.data(), source.data(), size_t(source.numel()) * sizeof(real));
    }
    model.set_random_counters(checkpoint.state.random_counters);
}

void load_optimizer(const Checkpoint& checkpoint, Optimizer& optimizer) {
    const Metadata& metadata = checkpoint.file.metadata;
    if (!checkpoint.has_optimizer) checkpoint_fail(checkpoint.path, "holds no optimizer state");
    OptimizerState state;
    state.kind = entry(checkpoint.path, metadata, "optimizer_kind");
    state.step = integer_entry(checkpoint.path, metadata, "optimizer_step");
    for (const auto& [name, tensor] : checkpoint.file.tensors)
        if (name.compare(0, kOptimizerPrefix.size(), kOptimizerPrefix) == 0) {
            check_finite(checkpoint.path, name, tensor);
            state.tensors[name.substr(kOptimizerPrefix.size())] = tensor;
        }
    try {
        optimizer.load_state_dict(state);
    } catch (const Error& e) {
        checkpoint_fail(checkpoint.path, e.what());
    }
}

void check_task_metadata(const Checkpoint& checkpoint, const Metadata& expected) {
    for (const auto& [key, value] : expected) {
        auto found = checkpoint.state.task.find(key);
        if (found == checkpoint.state.task.end())
            checkpoint_fail(
                checkpoint.path,
                cat("metadata lacks \"", kTaskPrefix, key,
                    "\", which its task needs to check that what it rebuilt from the data (\"",
                    value, "\") is what the model was trained with"));
        if (found->second != value)
            checkpoint_fail(
                checkpoint.path,
                cat("metadata \"", kTaskPrefix, key, "\" is \"", found->second,
                    "\" but the task rebuilt from its config and data has \"", value,
                    "\" (the data or the code that builds it changed since the checkpoint was "
                    "written)"));
    }
}

}  // namespace attnlab
