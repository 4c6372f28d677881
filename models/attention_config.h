// attention_config.h — the settings of one attention layer: the ones every kind shares, and the
// kinds' own options by key, plus the two input checks every kind makes.
//
// A kind's options are declared in the kind's own file (its KindInfo, kind.h): key, default,
// range or choices. They travel here as a key → value map, so the config reader, checkpoints and
// experiments handle any kind's options without knowing the kind; the kind reads them back into
// its own typed options struct.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>

#include "engine/tensor.h"

namespace attnlab {

// Upper ends of sizes (configs and option ranges), far enough from int64 overflow that every size
// derived from them (parameter counts, positions, products) stays exact.
constexpr int64_t kMaxSequenceLength = int64_t(1) << 24;  // tokens in one sequence
constexpr int64_t kMaxWidth = int64_t(1) << 20;           // widths, features, hidden sizes, ranks

// One value of an option: an integer, a real number, a flag or a choice. The constructors pick
// the alternative from the argument's type, so set("linformer_k", 16) stores an integer and
// set("sinkhorn_temperature", 0.75) a real number.
class OptionValue {
  public:
    OptionValue(bool value) : value_(value) {}
    OptionValue(int value) : value_(int64_t(value)) {}
    OptionValue(int64_t value) : value_(value) {}
    OptionValue(double value) : value_(value) {}
    OptionValue(const char* value) : value_(std::string(value)) {}
    OptionValue(std::string value) : value_(std::move(value)) {}

    bool is_integer() const { return std::holds_alternative<int64_t>(value_); }
    bool is_real() const { return std::holds_alternative<double>(value_); }
    bool is_flag() const { return std::holds_alternative<bool>(value_); }
    bool is_text() const { return std::holds_alternative<std::string>(value_); }
    int64_t integer() const { return std::get<int64_t>(value_); }
    double real_number() const { return std::get<double>(value_); }
    bool flag() const { return std::get<bool>(value_); }
    const std::string& text() const { return std::get<std::string>(value_); }
    // The value as a config would spell it, and its type: "0.75 (a real number)".
    std::string describe() const;

  private:
    std::variant<bool, int64_t, double, std::string> value_;
};

struct AttentionConfig {
    int64_t d_model = 64;
    int64_t heads = 4;
    int64_t max_len = 128;  // the synthetic kinds' pattern size; longer inputs are an error
    double dropout = 0;     // on the attention weights, training only
    bool causal = false;
    // A kind registered in zoo.cpp ("vanilla", "performer", ...), or a "+"-joined mixture of
    // distinct softmax-frame kinds (e.g. "random+vanilla").
    std::string kind = "vanilla";
    uint64_t dropout_seed = 0;
    // The kinds' own options ("performer_features", "linformer_k", ...); a key not set here takes
    // the default its kind declares.
    std::map<std::string, OptionValue> options;

    // Sets the option `key` (checked when a kind reads it).
    AttentionConfig& set(const std::string& key, OptionValue value) {
        options.insert_or_assign(key, std::move(value));
        return *this;
    }
    // The option `key` of the type its kind declares, or its default; an unknown key, or a value
    // of another type, throws an Error naming the key.
    int64_t integer(const std::string& key) const;
    // A real-valued option; an integer value is accepted (set("sinkhorn_temperature", 1)).
    double real_number(const std::string& key) const;
    bool flag(const std::string& key) const;
    std::string text(const std::string& key) const;
};

// Throws unless d_model and heads are positive and heads divides d_model; `who` starts the message.
void check_heads(int64_t d_model, int64_t heads, const std::string& who);

// Throws unless key_padding is [B, L] of 0s (pad) and 1s (token) and, if asked, every row has a
// real token (a stack's whole input: a row of padding alone has nothing to attend to); `who`
// starts the message.
void check_key_padding(const Tensor& key_padding, int64_t B, int64_t L, const std::string& who,
                       bool every_row_has_a_token = false);

}  // namespace attnlab
