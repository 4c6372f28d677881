// json_strict.cpp — the pre-scan and the strict parse of json_strict.h.
#include "json_strict.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "common.h"

namespace attnlab {

JsonScan scan_json(std::string_view text) {
    JsonScan scan;
    size_t depth = 0;
    bool in_string = false, escaped = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\0' && scan.first_nul == std::string_view::npos) scan.first_nul = i;
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            scan.max_depth = std::max(scan.max_depth, ++depth);
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        } else if (c == ':' && depth == 1) {
            ++scan.top_level_members;
        }
    }
    return scan;
}

nlohmann::json parse_json_strict(std::string_view text, size_t max_depth) {
    using json = nlohmann::json;
    const JsonScan scan = scan_json(text);
    if (scan.first_nul != std::string_view::npos)
        throw Error(cat("holds a NUL byte at offset ", scan.first_nul,
                        " (expected JSON text, with nothing after it but whitespace)"));
    if (scan.max_depth > max_depth)
        throw Error(
            cat("nests ", scan.max_depth, " levels deep (at most ", max_depth, " allowed)"));
    std::vector<std::set<std::string>> open_objects;
    std::string duplicate;
    json value;
    try {
        value = json::parse(text.begin(), text.end(), [&](int, json::parse_event_t event, json& v) {
            if (event == json::parse_event_t::object_start) open_objects.emplace_back();
            if (event == json::parse_event_t::object_end) open_objects.pop_back();
            if (event == json::parse_event_t::key && !open_objects.empty() &&
                !open_objects.back().insert(v.get<std::string>()).second && duplicate.empty())
                duplicate = v.get<std::string>();
            return true;
        });
    } catch (const json::exception& e) {
        throw Error(cat("is not valid JSON: ", e.what()));
    }
    if (!duplicate.empty())
        throw Error(
            cat("has a duplicate key \"", duplicate, "\" (each key may appear once per object)"));
    return value;
}

}  // namespace attnlab
