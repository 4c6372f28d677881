// plot.h — PNG plots through gnuplot (Debian package gnuplot-nox): every experiment's plots and the
// CLI's attention maps.
//
// A plot is written as three files side by side: NAME.dat (the numbers), NAME.gp (the gnuplot
// script, rerunnable by hand to restyle) and NAME.png. Series with error values are drawn with
// error bars (mean ± std over seeds).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace attnlab {

struct Series {
    std::string title;
    std::vector<double> x, y;
    std::vector<double> error;  // empty, or one ± value per point
};

struct Plot {
    std::string title, x_label, y_label;
    bool log_x = false, log_y = false;
    bool bars = false;                      // a bar chart: x are 0, 1, ... labelled by x_tic_labels
    std::vector<std::string> x_tic_labels;  // bars only
    std::vector<std::string> extra;         // more gnuplot commands, e.g. "set arrow from ..."
    std::vector<Series> series;
};

// Writes `png_path` (and the .dat/.gp beside it). Throws an Error if gnuplot is missing (naming
// the package) or fails. gnuplot reads the script on its standard input and is started without a
// shell, so paths and labels may hold any character.
void write_plot(const Plot& plot, const std::string& png_path);

// A heat map of a row-major [rows, cols] matrix (row 0 at the top, like an attention matrix:
// queries down, keys across), with optional tick labels (e.g. the characters of the input).
struct Heatmap {
    std::string title, x_label = "key position", y_label = "query position";
    int64_t rows = 0, cols = 0;
    std::vector<double> values;
    std::vector<std::string> row_labels, col_labels;  // empty, or one per row / column
};
void write_heatmap(const Heatmap& map, const std::string& png_path);

// `text` as a gnuplot string literal that gnuplot takes byte for byte: no backslash escapes, no
// `command` substitution, no macros (how every title, label and path reaches a script).
std::string gnuplot_string(const std::string& text);

}  // namespace attnlab
