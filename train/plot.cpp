// plot.cpp — writes the data and script of a Plot and runs gnuplot on them.
#include "plot.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "engine/common.h"
#include "engine/process.h"

namespace attnlab {
namespace {

std::string strip_png(const std::string& path) {
    ATTNLAB_CHECK(path.size() > 4 && path.substr(path.size() - 4) == ".png", "plot: \"", path,
                  "\" must end in .png");
    return path.substr(0, path.size() - 4);
}

}  // namespace

std::string gnuplot_string(const std::string& text) {
    // Single-quoted gnuplot strings take every byte literally (no backslash escapes, no `command`
    // substitution) except ' itself, written ''. Control characters cannot appear in them, so
    // they are spliced in as octal escapes of a double-quoted string: 'a'."\012".'b'.
    std::string out = "'";
    for (unsigned char c : text) {
        if (c == '\'')
            out += "''";
        else if (c < 0x20 || c == 0x7f)
            out += cat("'.\"\\", char('0' + (c >> 6)), char('0' + ((c >> 3) & 7)),
                       char('0' + (c & 7)), "\".'");
        else
            out += char(c);
    }
    return out + "'";
}

namespace {

// A file name for gnuplot: a leading '|' or '<' would make it a shell command, '-' standard input
// and '~' a home directory, so a relative path always starts with "./".
std::string gnuplot_path(const std::string& path) {
    return gnuplot_string(!path.empty() && path[0] == '/' ? path : "./" + path);
}

// Runs gnuplot on `script` (saved as `script_path` for rerunning by hand), feeding it on standard
// input; throws with gnuplot's output if it fails.
void run_gnuplot(const std::string& script, const std::string& script_path) {
    const ProcessResult gnuplot = run_process({"gnuplot"}, script, ChildStderr::Capture);
    ATTNLAB_CHECK(!gnuplot.not_found,
                  "plot: gnuplot not found; install the Debian package gnuplot-nox "
                  "(sudo apt-get install gnuplot-nox)");
    ATTNLAB_CHECK(gnuplot.exit_status == 0, "plot: gnuplot failed on ", script_path, ": ",
                  gnuplot.output);
}

// Writes `text` to `path`; throws naming `what` if it cannot.
void write_text(const std::string& path, const std::string& text, const char* what) {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << text;
    file.close();
    ATTNLAB_CHECK(file.good(), what, ": cannot write ", path);
}

// A gnuplot tic list: ("a" 0, "b" 1, ...), empty for no labels.
std::string tics(const std::vector<std::string>& labels) {
    if (labels.empty()) return "";
    std::string out = "(";
    for (size_t i = 0; i < labels.size(); ++i)
        out += (i ? ", " : "") + gnuplot_string(labels[i]) + " " + std::to_string(i);
    return out + ")";
}

}  // namespace

void write_plot(const Plot& plot, const std::string& png_path) {
    ATTNLAB_CHECK(!plot.series.empty(), "plot ", png_path, ": no series");
    const std::string base = strip_png(png_path);
    // One gnuplot data block per series, separated by two blank lines (addressed by `index`).
    std::ofstream data(base + ".dat");
    ATTNLAB_CHECK(data.good(), "plot: cannot write ", base, ".dat");
    for (const Series& s : plot.series) {
        ATTNLAB_CHECK(s.x.size() == s.y.size() && (s.error.empty() || s.error.size() == s.y.size()),
                      "plot ", png_path, ": series \"", s.title, "\" has ", s.x.size(), " x, ",
                      s.y.size(), " y and ", s.error.size(), " error values");
        std::string comment = s.title;  // one comment line, whatever the title holds
        std::replace(comment.begin(), comment.end(), '\n', ' ');
        data << "# " << comment << "\n";
        for (size_t i = 0; i < s.x.size(); ++i)
            data << s.x[i] << " " << s.y[i] << " " << (s.error.empty() ? 0.0 : s.error[i]) << "\n";
        data << "\n\n";
    }
    data.close();

    std::ostringstream script;
    script << "set terminal pngcairo size 900,560 noenhanced font 'sans,11'\n"
           << "set output " << gnuplot_path(png_path) << "\n"
           << "set title " << gnuplot_string(plot.title) << "\n"
           << "set xlabel " << gnuplot_string(plot.x_label) << "\nset ylabel "
           << gnuplot_string(plot.y_label) << "\nset grid\nset key outside right top\n";
    if (plot.log_x) script << "set logscale x\n";
    if (plot.log_y) script << "set logscale y\n";
    if (plot.bars) {
        script << "set style fill solid 0.6 border -1\nset boxwidth 0.7\nset xrange [-0.6:"
               << double(plot.x_tic_labels.size()) - 0.4 << "]\nset xtics rotate by -35 (";
        for (size_t i = 0; i < plot.x_tic_labels.size(); ++i)
            script << (i ? ", " : "") << gnuplot_string(plot.x_tic_labels[i]) << " " << i;
        script << ")\n";
    }
    for (const std::string& line : plot.extra) script << line << "\n";
    script << "plot ";
    for (size_t i = 0; i < plot.series.size(); ++i) {
        const Series& s = plot.series[i];
        const std::string source = gnuplot_path(base + ".dat") + " index " + std::to_string(i);
        if (i) script << ", \\\n     ";
        if (plot.bars)
            script << source << " using 1:2 with boxes title " << gnuplot_string(s.title);
        else
            script << source << " using 1:2 with linespoints pt 7 title "
                   << gnuplot_string(s.title);
        if (!s.error.empty())
            script << ", " << source << " using 1:2:3 with yerrorbars lc " << i + 1
                   << " pt 0 notitle";
    }
    script << "\n";
    write_text(base + ".gp", script.str(), "plot");
    run_gnuplot(script.str(), base + ".gp");
}

void write_heatmap(const Heatmap& map, const std::string& png_path) {
    const std::string base = strip_png(png_path);
    ATTNLAB_CHECK(map.rows > 0 && map.cols > 0 && int64_t(map.values.size()) == map.rows * map.cols,
                  "heatmap ", png_path, ": ", map.values.size(), " values for ", map.rows, " × ",
                  map.cols);
    ATTNLAB_CHECK(map.row_labels.empty() || int64_t(map.row_labels.size()) == map.rows, "heatmap ",
                  png_path, ": ", map.row_labels.size(), " row labels for ", map.rows, " rows");
    ATTNLAB_CHECK(map.col_labels.empty() || int64_t(map.col_labels.size()) == map.cols, "heatmap ",
                  png_path, ": ", map.col_labels.size(), " column labels for ", map.cols,
                  " columns");
    std::ofstream data(base + ".dat");
    ATTNLAB_CHECK(data.good(), "heatmap: cannot write ", base, ".dat");
    for (int64_t r = 0; r < map.rows; ++r) {
        for (int64_t c = 0; c < map.cols; ++c)
            data << (c ? " " : "") << map.values[size_t(r * map.cols + c)];
        data << "\n";
    }
    data.close();
    std::ostringstream script;
    const int64_t side = std::min<int64_t>(900, std::max<int64_t>(360, 12 * map.cols + 160));
    script << "set terminal pngcairo size " << side << "," << side - 40
           << " noenhanced font 'sans,9'\nset output " << gnuplot_path(png_path) << "\nset title "
           << gnuplot_string(map.title) << "\nset xlabel " << gnuplot_string(map.x_label)
           << "\nset ylabel " << gnuplot_string(map.y_label) << "\nset yrange ["
           << double(map.rows) - 0.5 << ":-0.5]\nset xrange [-0.5:" << double(map.cols) - 0.5
           << "]\nset palette defined (0 'white', 1 '#08306b')\nset size ratio -1\n";
    if (!map.col_labels.empty()) script << "set xtics " << tics(map.col_labels) << "\n";
    if (!map.row_labels.empty()) script << "set ytics " << tics(map.row_labels) << "\n";
    script << "plot " << gnuplot_path(base + ".dat") << " matrix with image notitle\n";
    write_text(base + ".gp", script.str(), "heatmap");
    run_gnuplot(script.str(), base + ".gp");
}

}  // namespace attnlab
