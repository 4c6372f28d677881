// plot.cpp — writes the data and script of a Plot and runs gnuplot on them.
#include "plot.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "engine/common.h"

namespace attnlab::experiments {
namespace {

std::string strip_png(const std::string& path) {
    ATTNLAB_CHECK(path.size() > 4 && path.substr(path.size() - 4) == ".png", "plot: \"", path,
                  "\" must end in .png");
    return path.substr(0, path.size() - 4);
}

std::string quoted(const std::string& text) {
    std::string out = "\"";
    for (char c : text) out += c == '"' ? std::string("\\\"") : std::string(1, c);
    return out + "\"";
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
        data << "# " << s.title << "\n";
        for (size_t i = 0; i < s.x.size(); ++i)
            data << s.x[i] << " " << s.y[i] << " " << (s.error.empty() ? 0.0 : s.error[i]) << "\n";
        data << "\n\n";
    }
    data.close();

    std::ofstream script(base + ".gp");
    ATTNLAB_CHECK(script.good(), "plot: cannot write ", base, ".gp");
    script << "set terminal pngcairo size 900,560 noenhanced font 'sans,11'\n"
           << "set output " << quoted(png_path) << "\n"
           << "set title " << quoted(plot.title) << "\n"
           << "set xlabel " << quoted(plot.x_label) << "\nset ylabel " << quoted(plot.y_label)
           << "\nset grid\nset key outside right top\n";
    if (plot.log_x) script << "set logscale x\n";
    if (plot.log_y) script << "set logscale y\n";
    if (plot.bars) {
        script << "set style fill solid 0.6 border -1\nset boxwidth 0.7\nset xrange [-0.6:"
               << double(plot.x_tic_labels.size()) - 0.4 << "]\nset xtics rotate by -35 (";
        for (size_t i = 0; i < plot.x_tic_labels.size(); ++i)
            script << (i ? ", " : "") << quoted(plot.x_tic_labels[i]) << " " << i;
        script << ")\n";
    }
    for (const std::string& line : plot.extra) script << line << "\n";
    script << "plot ";
    for (size_t i = 0; i < plot.series.size(); ++i) {
        const Series& s = plot.series[i];
        const std::string source = quoted(base + ".dat") + " index " + std::to_string(i);
        if (i) script << ", \\\n     ";
        if (plot.bars)
            script << source << " using 1:2 with boxes title " << quoted(s.title);
        else
            script << source << " using 1:2 with linespoints pt 7 title " << quoted(s.title);
        if (!s.error.empty())
            script << ", " << source << " using 1:2:3 with yerrorbars lc " << i + 1
                   << " pt 0 notitle";
    }
    script << "\n";
    script.close();

    const std::string command = "gnuplot " + quoted(base + ".gp") + " 2>&1";
    std::FILE* pipe = popen(command.c_str(), "r");
    ATTNLAB_CHECK(pipe, "plot: cannot run gnuplot");
    std::string output;
    char buffer[256];
    while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
    const int status = pclose(pipe);
    ATTNLAB_CHECK(status != -1 && WEXITSTATUS(status) != 127,
                  "plot: gnuplot not found; install the Debian package gnuplot-nox "
                  "(sudo apt-get install gnuplot-nox)");
    ATTNLAB_CHECK(status == 0, "plot: gnuplot failed on ", base, ".gp: ", output);
}

}  // namespace attnlab::experiments
