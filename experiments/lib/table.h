// table.h — Markdown tables for table.md and the terminal, columns padded to line up.
#pragma once

#include <string>
#include <vector>

namespace attnlab::experiments {

struct Table {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;  // each as long as the header

    std::string markdown() const;
};

// snprintf of one or two numbers into a table cell, e.g. formatted("%.1f× faster", ratio).
std::string formatted(const char* pattern, double a, double b = 0);

}  // namespace attnlab::experiments
