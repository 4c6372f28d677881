// json_strict.h — parsing JSON from files a stranger may have written (safetensors headers,
// checkpoint metadata, configs) without the ways nlohmann's parser accepts too much or crashes.
//
// parse_json_strict refuses, with an Error whose message has no prefix (callers name the file):
//   - nesting of [ and { deeper than `max_depth`, found by a linear scan of the bytes (strings and
//     their escapes skipped) BEFORE parsing, so no recursive code ever sees a deep document;
//   - a NUL byte: nlohmann's lexer takes it for the end of input, so what follows would be ignored;
//   - a duplicate key in any object: nlohmann would silently keep the last value;
//   - anything that is not exactly one JSON value (surrounded by whitespace only).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

namespace attnlab {

// attnlab's own documents nest at most 4 levels; 64 leaves room for any sane writer.
constexpr size_t kMaxJsonDepth = 64;

struct JsonScan {
    size_t max_depth = 0;                       // deepest nesting of [ and { outside strings
    size_t top_level_members = 0;               // members (key: value pairs) of a top-level object
    size_t first_nul = std::string_view::npos;  // offset of the first NUL byte, if any
};

// One linear pass over `text`; never fails (malformed text just yields some counts).
JsonScan scan_json(std::string_view text);

nlohmann::json parse_json_strict(std::string_view text, size_t max_depth = kMaxJsonDepth);

}  // namespace attnlab
