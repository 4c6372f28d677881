// fuzz_config.cpp — the config parser (train/config.h): a JSON file plus "--set key=value"
// overrides, resolved against the schema, then read the way the CLI reads it.
//
// Input: NUL-separated parts. The first is the config file's text (an empty first part: no
// file); each further part is one override "key.path=value", applied in order.
#include <cstring>

#include "tests/fuzz/fuzz_support.h"
#include "train/config.h"

namespace attnlab::fuzz {

int config_input(const uint8_t* data, size_t size) {
    static MemoryFile file;
    const char* text = reinterpret_cast<const char*>(data);
    const char* end = text + size;
    const char* first_end = static_cast<const char*>(std::memchr(text, '\0', size));
    if (!first_end) first_end = end;
    file.assign(data, size_t(first_end - text));
    std::vector<std::string> overrides;
    for (const char* part = first_end; part < end;) {
        ++part;  // past the NUL
        const char* next = static_cast<const char*>(std::memchr(part, '\0', size_t(end - part)));
        if (!next) next = end;
        overrides.emplace_back(part, next);
        part = next;
    }
    last_rejection().clear();
    try {
        const json config = load_config(first_end == text ? "" : file.path(), overrides);
        require(config.is_object() && config.contains("data") && config.contains("model") &&
                    config.contains("train"),
                "load_config: a resolved config lacks a section");
        (void)config.dump(2);  // as write_config does
        (void)config_int(config, "train.steps");
        (void)config_real(config, "train.lr");
        (void)config_string(config, "data.task");
        (void)stack_config_from(config, 16, 32);
    } catch (const Error& e) {
        last_rejection() = e.what();  // a ConfigError or Error: the promised one-line error
    }
    return 0;
}

}  // namespace attnlab::fuzz

ATTNLAB_FUZZ_ENTRY(attnlab::fuzz::config_input)
