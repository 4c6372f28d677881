// table.cpp — renders a Table as aligned GitHub Markdown.
#include "table.h"

#include <algorithm>
#include <cstdio>

#include "engine/common.h"

namespace attnlab::experiments {
namespace {

// Display width: UTF-8 continuation bytes (e.g. in "±") take no column.
size_t width(const std::string& text) {
    return size_t(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

}  // namespace

std::string Table::markdown() const {
    std::vector<size_t> widths;
    for (const std::string& cell : header) widths.push_back(std::max<size_t>(3, width(cell)));
    for (const auto& row : rows) {
        ATTNLAB_CHECK(row.size() == header.size(), "table: a row has ", row.size(),
                      " cells, the header ", header.size());
        for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], width(row[c]));
    }
    auto line = [&](const std::vector<std::string>& cells) {
        std::string out = "|";
        for (size_t c = 0; c < cells.size(); ++c)
            out += " " + cells[c] + std::string(widths[c] - width(cells[c]), ' ') + " |";
        return out + "\n";
    };
    std::string out = line(header) + "|";
    for (size_t w : widths) out += std::string(w + 2, '-') + "|";
    out += "\n";
    for (const auto& row : rows) out += line(row);
    return out;
}

std::string formatted(const char* pattern, double a, double b) {
    char text[128];
    std::snprintf(text, sizeof text, pattern, a, b);
    return text;
}

}  // namespace attnlab::experiments
