// config_bounds.cpp — the plausible range of every size and rate of a config (config_bounds.h).
#include "config_bounds.h"

#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include "models/zoo.h"
#include "train/config.h"
#include "train/data/dataset.h"

namespace attnlab {
namespace {

// The plausible range of an integer key (both ends included): a size the schema means positive
// starts at 1, one where 0 means "off" or "derive it" at 0; the upper ends keep every size derived
// from them (parameter counts, positions, batches) far from int64 overflow and allocation failure.
struct Bounds {
    int64_t low, high;
};

constexpr int64_t kMaxCount = (int64_t(1) << 31) - 1;  // steps, examples, intervals, ...

std::optional<Bounds> integer_bounds(const std::string& path) {
    static const std::map<std::string, Bounds> table = {
        {"model.d_model", {1, 1 << 16}},
        {"model.heads", {1, 1 << 12}},
        {"model.layers", {1, 1 << 10}},
        {"model.d_ff", {1, kMaxWidth}},
        {"model.max_len", {0, kMaxSequenceLength}},
        {"train.steps", {1, kMaxCount}},
        {"train.batch_size", {1, kMaxBatchSize}},
        {"train.grad_accum", {1, 1 << 16}},
        {"train.schedule.warmup", {0, kMaxCount}},
        {"train.eval_every", {0, kMaxCount}},
        {"train.eval_batches", {0, kMaxCount}},
        {"train.checkpoint_every", {0, kMaxCount}},
        {"train.redraw_every", {0, kMaxCount}},
        {"train.log_every", {0, kMaxCount}},
        {"train.threads", {0, 1 << 12}},
    };
    auto found = table.find(path);
    if (found != table.end()) return found->second;
    // The attention kinds' options: the range each kind declares (models/kind.h).
    const std::string attention = "model.attention.";
    if (path.compare(0, attention.size(), attention) == 0) {
        const OptionSpec& option = find_option(path.substr(attention.size()));
        return Bounds{option.low, option.high};
    }
    // Data options: any integer but the seed; lengths also bound the model's positions. The
    // task's factory checks its own lower bounds and relations (tasks.cpp).
    if (path.compare(0, 5, "data.") == 0 && path != "data.seed") {
        const bool is_length = path.find("length") != std::string::npos || path == "data.seq_len" ||
                               path == "data.stride";
        const bool is_vocabulary =
            path.find("symbols") != std::string::npos || path.find("alphabet") != std::string::npos;
        return Bounds{std::numeric_limits<int64_t>::min(), is_length       ? kMaxSequenceLength
                                                           : is_vocabulary ? kMaxVocabulary
                                                                           : kMaxCount};
    }
    return std::nullopt;
}

std::string range_text(const Bounds& bounds) {
    if (bounds.low == std::numeric_limits<int64_t>::min()) return cat("at most ", bounds.high);
    return cat("in [", bounds.low, ", ", bounds.high, "]");
}

// Non-negative real keys; "model.dropout" is checked in [0, 1) where the stack is built.
bool is_non_negative_real(const std::string& path) {
    return path == "train.lr" || path == "train.schedule.min_lr" || path == "train.weight_decay" ||
           path == "train.clip" || path == "model.dropout";
}

// Real keys in [0, 1) checked here (model.dropout has its own check where the stack is built).
bool is_fraction(const std::string& path) {
    return path == "train.adam_beta2";
}

// The real-valued attention option at `path`, or null for any other key.
const OptionSpec* real_option_at(const std::string& path) {
    const std::string attention = "model.attention.";
    if (path.compare(0, attention.size(), attention) != 0 || path == "model.attention.kind")
        return nullptr;
    const OptionSpec& option = find_option(path.substr(attention.size()));
    return option.default_value.is_real() ? &option : nullptr;
}

// Checks every leaf of a resolved config against its plausible range (a ConfigError otherwise).
void check_bounds(const json& node, const std::string& prefix) {
    for (const auto& [key, value] : node.items()) {
        const std::string path = prefix.empty() ? key : prefix + "." + key;
        if (value.is_object()) {
            check_bounds(value, path);
        } else if (value.is_number() && is_non_negative_real(path)) {
            const double v = value.get<double>();
            if (!(std::isfinite(v) && v >= 0))
                throw ConfigError(
                    cat("config: \"", path, "\" must be a finite number >= 0, got ", value.dump()));
        } else if (const OptionSpec* option = value.is_number() ? real_option_at(path) : nullptr) {
            const double v = value.get<double>();
            if (!(v >= option->real_low && v <= option->real_high))
                throw ConfigError(cat("config: \"", path, "\" must be a number in [",
                                      option->real_low, ", ", option->real_high, "], got ",
                                      value.dump()));
        } else if (value.is_number() && is_fraction(path)) {
            const double v = value.get<double>();
            if (!(v >= 0 && v < 1))
                throw ConfigError(
                    cat("config: \"", path, "\" must be a number in [0, 1), got ", value.dump()));
        } else if (value.is_number_integer()) {
            const std::optional<Bounds> bounds = integer_bounds(path);
            if (!bounds) continue;
            // Unsigned JSON integers above int64's range compare as too large.
            const bool too_big =
                value.is_number_unsigned() && value.get<uint64_t>() > uint64_t(bounds->high);
            const int64_t v = too_big ? bounds->high : value.get<int64_t>();
            if (too_big || v < bounds->low || v > bounds->high)
                throw ConfigError(cat("config: \"", path, "\" must be ", range_text(*bounds),
                                      ", got ", value.dump()));
        }
    }
}

}  // namespace

void check_config_bounds(const json& config) {
    check_bounds(config, "");
}

}  // namespace attnlab
