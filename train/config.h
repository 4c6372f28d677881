// config.h — run configurations: a JSON schema with a default for every key, JSON files, and
// "--set key.path=value" overrides, resolved into one validated JSON document.
//
// The schema is a default document (default_config()): its leaves give each key's default and
// type (an integer default only accepts integers; a real one any number; strings and booleans
// their own kind), its objects the valid keys. "data.*" depends on the task: the schema of "data"
// is {"task": name} plus that task's options (task.h). "model.*" depends on the task's model
// family (task.h ModelFamily): every family shares d_model, heads, layers, d_ff, max_len, dropout,
// positions ("learned" or "sinusoidal", models/positions.h) and attention.*; classifiers add
// "pooling" ("mean" or "cls"), which the others reject. For seq2seq models "layers" is the depth
// of the encoder and of the decoder each. max_len 0 derives
// the positions from the data (the dataset's max_length(), + 1 with CLS pooling); the Random and
// Dense Synthesizers' L×L patterns are sized by it too. A few string keys also have a closed set
// of choices (the attention kind, the pooling, the schedule kind, ...).
//
// Files are parsed strictly (engine/json_strict.h): a duplicate key, nesting deeper than 64 levels
// or a NUL byte is an error. `null` is never an object: "model": null is refused, and an override
// only creates the objects that are absent. Every integer size has a plausible range (sizes the
// schema means positive start at 1; widths, lengths, counts and batches have upper limits that
// keep derived sizes far from overflow, e.g. model.d_model <= 65536, train.batch_size <= 2^20, a
// data length <= 2^24), rates (lr, min_lr, weight_decay, clip, dropout) are finite and >= 0, and
// train.adam_beta2 (AdamW's β2, default 0.999; LRA uses 0.98) is in [0, 1).
//
// Resolution: defaults ← file ← overrides, in that order. Every mistake is a ConfigError with a
// one-line message naming the key by its full path and what would be valid, e.g.
//     config: unknown key "train.setps"; valid keys under train: batch_size, clip, ...
//     config: "train.steps" must be an integer, got "ten" (string)
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/common.h"
#include "models/stack_config.h"

namespace attnlab {

using json = nlohmann::json;

// A mistake in the configuration or the command line (the CLI exits with status 2 for these).
class ConfigError : public Error {
  public:
    using Error::Error;
};

// The full default document for `task` (its data options included).
json default_config(const std::string& task = "copy_lm");

// Applies one "a.b.c=value" assignment to `user` (creating objects on the way). The value is
// parsed as JSON when it parses, else taken as a string: steps=10 is a number, kind=dense a string.
void apply_override(json& user, const std::string& assignment);

// Validates `user` (a partial document) against the schema and merges it over the defaults.
json resolve_config(const json& user);

// Reads `path` (empty: no file), applies `overrides` in order, resolves. A missing or malformed
// file is a ConfigError naming it.
json load_config(const std::string& path, const std::vector<std::string>& overrides = {});

// Writes `config` pretty-printed to `path` (atomically: "<path>.tmp", fsync, rename).
void write_config(const std::string& path, const json& config);

// Typed access to a resolved config's keys ("train.steps"); a ConfigError if absent or mistyped.
int64_t config_int(const json& config, const std::string& path);
double config_real(const json& config, const std::string& path);
std::string config_string(const json& config, const std::string& path);
bool config_bool(const json& config, const std::string& path);

// A ConfigError "config: \"<path>\" must be <expectation>, got <value>" unless `ok`.
void config_require(bool ok, const json& config, const std::string& path,
                    const std::string& expectation);

// Builds a model from a config's "model.*" (`build` calls its constructor): the Errors its
// constructor throws on hyperparameters that do not fit together (a kind's option, a mixture of
// kinds, a kind the task's masking excludes) are the config's mistakes, so they become
// ConfigErrors.
template <typename Build>
auto build_model_from_config(Build build) -> decltype(build()) {
    try {
        return build();
    } catch (const ConfigError&) {
        throw;
    } catch (const OutOfMemory&) {
        throw;
    } catch (const Error& e) {
        throw ConfigError(cat("config: model: ", e.what()));
    }
}

// The stack configuration every model family shares (stack_config.h), from "model.*" with the
// given data-derived sizes. max_len 0 in the config means "the data's longest sequence". The
// dropout seed derives from train.seed.
StackConfig stack_config_from(const json& config, int64_t vocab, int64_t data_max_length);

}  // namespace attnlab
