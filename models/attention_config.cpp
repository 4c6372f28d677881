// attention_config.cpp — typed access to the kinds' options, and the shared input checks.
#include "attention_config.h"

#include <sstream>

#include "zoo.h"

namespace attnlab {
namespace {

// The value of `key`: the config's own, or the default its kind declares.
OptionValue option_value(const AttentionConfig& config, const std::string& key) {
    const OptionSpec& option = find_option(key);
    const auto found = config.options.find(key);
    return found != config.options.end() ? found->second : option.default_value;
}

void check_type(bool ok, const std::string& key, const char* expected, const OptionValue& value) {
    ATTNLAB_CHECK(ok, "attention: option \"", key, "\" must be ", expected, ", got ",
                  value.describe());
}

}  // namespace

std::string OptionValue::describe() const {
    if (is_integer()) return cat(integer(), " (an integer)");
    if (is_real()) {
        std::ostringstream text;
        text.precision(17);
        text << real_number() << " (a real number)";
        return text.str();
    }
    if (is_flag()) return flag() ? "true (a flag)" : "false (a flag)";
    return cat("\"", text(), "\" (a string)");
}

int64_t AttentionConfig::integer(const std::string& key) const {
    const OptionValue value = option_value(*this, key);
    check_type(value.is_integer(), key, "an integer", value);
    return value.integer();
}

double AttentionConfig::real_number(const std::string& key) const {
    const OptionValue value = option_value(*this, key);
    check_type(value.is_real() || value.is_integer(), key, "a number", value);
    return value.is_real() ? value.real_number() : double(value.integer());
}

bool AttentionConfig::flag(const std::string& key) const {
    const OptionValue value = option_value(*this, key);
    check_type(value.is_flag(), key, "true or false", value);
    return value.flag();
}

std::string AttentionConfig::text(const std::string& key) const {
    const OptionValue value = option_value(*this, key);
    check_type(value.is_text(), key, "a string", value);
    return value.text();
}

void check_heads(int64_t d_model, int64_t heads, const std::string& who) {
    ATTNLAB_CHECK(d_model > 0 && heads > 0 && d_model % heads == 0, who, ": d_model ", d_model,
                  " must be a positive multiple of heads ", heads);
}

void check_key_padding(const Tensor& key_padding, int64_t B, int64_t L, const std::string& who,
                       bool every_row_has_a_token) {
    ATTNLAB_CHECK(key_padding.shape() == Shape({B, L}), who, ": key_padding ",
                  shape_str(key_padding.shape()), " (expected [B, L] = [", B, ", ", L, "])");
    const real* keep = key_padding.data();
    for (int64_t b = 0; b < B; ++b) {
        int64_t tokens = 0;
        for (int64_t t = 0; t < L; ++t) {
            const real value = keep[b * L + t];
            ATTNLAB_CHECK(value == 0 || value == 1, who, ": key_padding holds ", value, " at [", b,
                          ", ", t, "] (expected 1 = token, 0 = pad)");
            tokens += value == 1;
        }
        ATTNLAB_CHECK(!every_row_has_a_token || tokens > 0, who, ": row ", b,
                      " of key_padding has no real token");
    }
}

}  // namespace attnlab
