// config.cpp — the default document, schema validation, overrides and typed access of config.h.
#include "config.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/json_strict.h"
#include "engine/rng.h"
#include "models/zoo.h"
#include "train/config_bounds.h"
#include "train/task.h"

namespace attnlab {
namespace {

json to_json(const OptionValue& value) {
    if (value.is_integer()) return value.integer();
    if (value.is_real()) return value.real_number();
    if (value.is_flag()) return value.flag();
    return value.text();
}

// The value of `option` as a (validated) config holds it; an integer given for a real-valued
// option becomes that real number, so the kind reads the type it declares.
OptionValue from_json(const json& value, const OptionSpec& option) {
    if (option.default_value.is_real()) return value.get<double>();
    if (value.is_number_integer()) return value.get<int64_t>();
    if (value.is_boolean()) return value.get<bool>();
    return value.get<std::string>();
}

// The "model.*" schema: the keys every family shares (positions: models/positions.h), plus
// "pooling" for classifiers. Under "attention": the kind, and every option some kind declares
// (models/zoo.h), with its default.
json model_defaults(ModelFamily family) {
    const StackConfig stack;
    json attention = {{"kind", stack.attention.kind}};
    for (const OptionSpec& option : registered_options())
        attention[option.key] = to_json(option.default_value);
    json model = {{"d_model", stack.d_model},
                  {"heads", stack.heads},
                  {"layers", stack.layers},
                  {"d_ff", stack.d_ff},
                  {"max_len", 0},
                  {"dropout", stack.dropout},
                  {"positions", stack.positions},
                  {"embedding_std", stack.embedding_std},
                  {"attention", attention}};
    if (family == ModelFamily::Classifier) model["pooling"] = "mean";
    return model;
}

json train_defaults() {
    return {{"steps", 1000},
            {"batch_size", 16},
            {"grad_accum", 1},
            {"lr", 1e-3},
            {"schedule", {{"kind", "warmup_cosine"}, {"warmup", 100}, {"min_lr", 0.0}}},
            {"weight_decay", 0.01},
            {"adam_beta2", 0.999},
            {"clip", 1.0},
            {"eval_every", 100},
            {"eval_batches", 10},
            {"checkpoint_every", 100},
            {"redraw_every", 0},
            {"log_every", 10},
            {"seed", 0},
            {"threads", 0},
            {"out_dir", "runs/default"}};
}

// The closed sets of choices of some string keys ("model.attention.kind" is checked separately:
// it also accepts "+"-joined mixtures).
std::vector<std::string> choices_of(const std::string& path) {
    const std::string attention = "model.attention.";
    if (path.compare(0, attention.size(), attention) == 0 && path != "model.attention.kind")
        return find_option(path.substr(attention.size())).choices;
    if (path == "model.pooling") return {"mean", "cls"};
    if (path == "model.positions") return position_kinds();
    if (path == "train.schedule.kind") return {"constant", "warmup_cosine", "inverse_sqrt"};
    if (path == "data.task") return task_names();
    return {};
}

const char* type_name(const json& value) {
    if (value.is_number_integer()) return "integer";
    if (value.is_number()) return "number";
    return value.type_name();
}

std::string describe(const json& value) {
    return cat(value.dump(), " (", type_name(value), ")");
}

void check_choice(const std::string& path, const std::string& value) {
    std::vector<std::string> choices = choices_of(path);
    if (path == "model.attention.kind") {
        try {
            parse_kind(value);
        } catch (const Error& e) {
            throw ConfigError(
                cat("config: \"", path, "\" is \"", value,
                    "\"; valid choices: ", join(token_mixer_kind_names()),
                    " (or a \"+\"-joined mixture of distinct logit kinds): ", e.what()));
        }
        return;
    }
    if (!choices.empty() && std::find(choices.begin(), choices.end(), value) == choices.end())
        throw ConfigError(
            cat("config: \"", path, "\" is \"", value, "\"; valid choices: ", join(choices)));
}

// Checks `user` against `schema` (both objects) at `prefix`, recursively. `model_note` ends the
// message of an unknown "model.*" key (its valid keys depend on the task's model family).
void validate(const json& user, const json& schema, const std::string& prefix,
              const std::string& model_note) {
    for (const auto& [key, value] : user.items()) {
        const std::string path = prefix.empty() ? key : prefix + "." + key;
        if (!schema.contains(key)) {
            std::vector<std::string> keys;
            for (const auto& entry : schema.items()) keys.push_back(entry.key());
            throw ConfigError(cat("config: unknown key \"", path, "\"; valid keys ",
                                  prefix.empty() ? "at the top level" : "under " + prefix, ": ",
                                  join(keys), prefix == "model" ? model_note : ""));
        }
        const json& expected = schema.at(key);
        std::string wanted;
        if (expected.is_object() && !value.is_object())
            wanted = "an object";
        else if (expected.is_number_integer() && !value.is_number_integer())
            wanted = "an integer";
        else if (expected.is_number_float() && !value.is_number())
            wanted = "a number";
        else if (expected.is_boolean() && !value.is_boolean())
            wanted = "true or false";
        else if (expected.is_string() && !value.is_string())
            wanted = "a string";
        if (!wanted.empty())
            throw ConfigError(
                cat("config: \"", path, "\" must be ", wanted, ", got ", describe(value)));
        if (expected.is_object()) validate(value, expected, path, model_note);
        if (expected.is_string()) check_choice(path, value.get<std::string>());
    }
}

const json& lookup(const json& config, const std::string& path) {
    const json* node = &config;
    std::stringstream parts(path);
    std::string part;
    while (std::getline(parts, part, '.')) {
        if (!node->is_object() || !node->contains(part))
            throw ConfigError(cat("config: missing key \"", path, "\""));
        node = &node->at(part);
    }
    return *node;
}

}  // namespace

json default_config(const std::string& task) {
    const TaskInfo& info = find_task(task);
    json data = info.options;
    data["task"] = task;
    return {{"model", model_defaults(info.family)}, {"data", data}, {"train", train_defaults()}};
}

void apply_override(json& user, const std::string& assignment) {
    const size_t equals = assignment.find('=');
    if (equals == std::string::npos || equals == 0)
        throw ConfigError(cat("config: override \"", assignment, "\" is not key.path=value"));
    try {  // every string in a config is dumped again (errors, config.json): it must be UTF-8
        (void)json(assignment).dump();
    } catch (const json::type_error&) {
        throw ConfigError(
            cat("config: override \"", assignment.substr(0, equals), "\" is not valid UTF-8"));
    }
    const std::string path = assignment.substr(0, equals), text = assignment.substr(equals + 1);
    if (scan_json(text).max_depth > kMaxJsonDepth)
        throw ConfigError(cat("config: the value of override \"", path, "\" nests more than ",
                              kMaxJsonDepth, " levels deep"));
    json value;
    try {
        value = parse_json_strict(text);
    } catch (const Error&) {
        value = text;  // not JSON: taken as a string
    }
    std::vector<std::string> parts;
    std::stringstream stream(path);
    for (std::string part; std::getline(stream, part, '.');) parts.push_back(part);
    if (parts.empty() || path.back() == '.' ||
        std::find(parts.begin(), parts.end(), "") != parts.end())
        throw ConfigError(cat("config: override key \"", path, "\" has an empty part"));
    // Only objects this override creates are made here: an existing null stays an error.
    json* node = &user;
    std::string walked;
    for (size_t i = 0; i < parts.size(); ++i) {
        if (!node->is_object())
            throw ConfigError(
                cat("config: ", walked.empty() ? "the document" : "\"" + walked + "\"",
                    " must be an object, got ", describe(*node)));
        if (i + 1 == parts.size()) {
            (*node)[parts[i]] = value;
            break;
        }
        if (!node->contains(parts[i])) (*node)[parts[i]] = json::object();
        walked += (walked.empty() ? "" : ".") + parts[i];
        node = &(*node)[parts[i]];
    }
}

json resolve_config(const json& user) {
    if (!user.is_object())
        throw ConfigError(cat("config: the document must be an object, got ", describe(user)));
    std::string task = "copy_lm";
    if (user.contains("data") && user["data"].is_object() && user["data"].contains("task")) {
        const json& name = user["data"]["task"];
        if (!name.is_string())
            throw ConfigError(cat("config: \"data.task\" must be a string, got ", describe(name)));
        check_choice("data.task", name.get<std::string>());
        task = name.get<std::string>();
    }
    json config = default_config(task);
    validate(
        user, config, "",
        cat(" (the ", model_family_name(find_task(task).family), " family of task ", task, ")"));
    config.merge_patch(user);
    check_config_bounds(config);
    return config;
}

json load_config(const std::string& path, const std::vector<std::string>& overrides) {
    json user = json::object();
    if (!path.empty()) {
        std::error_code error;
        if (std::filesystem::is_directory(path, error))
            throw ConfigError(cat("config: \"", path, "\" is a directory, not a JSON file"));
        // A FIFO or device would block the open or never end: only regular files are read.
        if (std::filesystem::exists(path, error) && !std::filesystem::is_regular_file(path, error))
            throw ConfigError(cat("config: \"", path, "\" is not a regular file"));
        std::ifstream in(path, std::ios::binary);
        if (!in)
            throw ConfigError(cat("config: cannot open \"", path, "\": ", std::strerror(errno)));
        std::ostringstream text;
        text << in.rdbuf();
        try {
            user = parse_json_strict(text.str());
        } catch (const Error& e) {
            throw ConfigError(cat("config: \"", path, "\" ", e.what()));
        }
    }
    for (const std::string& assignment : overrides) apply_override(user, assignment);
    return resolve_config(user);
}

void write_config(const std::string& path, const json& config) {
    const std::string temporary = path + ".tmp", text = config.dump(2) + "\n";
    FILE* file = std::fopen(temporary.c_str(), "wb");
    bool ok = file && std::fwrite(text.data(), 1, text.size(), file) == text.size() &&
              std::fflush(file) == 0 && fsync(fileno(file)) == 0;
    const int error = errno;
    if (file) ok = std::fclose(file) == 0 && ok;
    if (!ok || std::rename(temporary.c_str(), path.c_str()) != 0) {
        std::remove(temporary.c_str());
        throw Error(
            cat("config: cannot write \"", path, "\": ", std::strerror(ok ? errno : error)));
    }
}

void config_require(bool ok, const json& config, const std::string& path,
                    const std::string& expectation) {
    if (!ok)
        throw ConfigError(cat("config: \"", path, "\" must be ", expectation, ", got ",
                              lookup(config, path).dump()));
}

int64_t config_int(const json& config, const std::string& path) {
    const json& value = lookup(config, path);
    config_require(value.is_number_integer(), config, path, "an integer");
    return value.get<int64_t>();
}

double config_real(const json& config, const std::string& path) {
    const json& value = lookup(config, path);
    config_require(value.is_number(), config, path, "a number");
    return value.get<double>();
}

std::string config_string(const json& config, const std::string& path) {
    const json& value = lookup(config, path);
    config_require(value.is_string(), config, path, "a string");
    return value.get<std::string>();
}

bool config_bool(const json& config, const std::string& path) {
    const json& value = lookup(config, path);
    config_require(value.is_boolean(), config, path, "true or false");
    return value.get<bool>();
}

StackConfig stack_config_from(const json& config, int64_t vocab, int64_t data_max_length) {
    StackConfig stack;
    stack.vocab = vocab;
    stack.d_model = config_int(config, "model.d_model");
    stack.heads = config_int(config, "model.heads");
    stack.layers = config_int(config, "model.layers");
    stack.d_ff = config_int(config, "model.d_ff");
    const int64_t max_len = config_int(config, "model.max_len");
    config_require(max_len >= 0, config, "model.max_len", "0 (from the data) or positive");
    config_require(max_len == 0 || max_len >= data_max_length, config, "model.max_len",
                   cat("0 or at least the data's longest sequence (", data_max_length, ")"));
    stack.max_len = max_len == 0 ? data_max_length : max_len;
    stack.dropout = config_real(config, "model.dropout");
    stack.positions = config_string(config, "model.positions");
    stack.embedding_std = config_real(config, "model.embedding_std");
    config_require(std::isfinite(stack.embedding_std) && stack.embedding_std > 0, config,
                   "model.embedding_std", "positive");
    config_require(stack.dropout >= 0 && stack.dropout < 1, config, "model.dropout", "in [0, 1)");
    for (const char* key : {"model.d_model", "model.heads", "model.layers", "model.d_ff"})
        config_require(config_int(config, key) > 0, config, key, "positive");
    config_require(stack.d_model % stack.heads == 0, config, "model.d_model",
                   cat("a multiple of model.heads (", stack.heads, ")"));
    stack.seed = mix(uint64_t(config_int(config, "train.seed")), 1);
    stack.attention.kind = config_string(config, "model.attention.kind");
    for (const OptionSpec& option : registered_options())
        stack.attention.set(option.key,
                            from_json(lookup(config, "model.attention." + option.key), option));
    return stack;
}

}  // namespace attnlab
