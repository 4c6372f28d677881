// The Pathfinder generator (train/data/pathfinder.h): determinism, exact label balance, and the
// label checked against the picture itself — a flood fill over the drawn pixels and the contours'
// centre lines (which bridge the dash gaps) must join the two dots exactly when the label is 1,
// and the drawing must fall into exactly one connected piece per contour, so contours that touch
// or a dot at the wrong contour's end are caught; then the one-line errors of bad options and the
// sheet of samples `attnlab pathfinder-samples` draws.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "temp_dir.h"
#include "train/cli.h"
#include "train/config.h"
#include "train/data/pathfinder.h"
#include "train/pathfinder_picture.h"
#include "train/task.h"

using namespace attnlab;
using Catch::Contains;

namespace {

PathfinderOptions small_pathfinder(uint64_t seed = 1) {
    PathfinderOptions options;
    options.size = 1000;
    options.seed = seed;
    return options;
}

int64_t pixel_of(const PathfinderSample& s, PathfinderPoint p) {
    return int64_t(std::floor(p.y)) * s.side + int64_t(std::floor(p.x));
}

// Labels each pixel where `on` is set with its 8-connected component (0, 1, ...), else -1;
// returns the number of components.
int components(const std::vector<uint8_t>& on, int64_t side, std::vector<int>& label) {
    label.assign(on.size(), -1);
    int count = 0;
    for (int64_t seed = 0; seed < int64_t(on.size()); ++seed) {
        if (!on[size_t(seed)] || label[size_t(seed)] >= 0) continue;
        std::vector<int64_t> stack = {seed};
        label[size_t(seed)] = count;
        while (!stack.empty()) {
            const int64_t p = stack.back();
            stack.pop_back();
            const int64_t r = p / side, c = p % side;
            for (int64_t dr = -1; dr <= 1; ++dr)
                for (int64_t dc = -1; dc <= 1; ++dc) {
                    const int64_t rr = r + dr, cc = c + dc, q = rr * side + cc;
                    if (rr < 0 || cc < 0 || rr >= side || cc >= side || !on[size_t(q)] ||
                        label[size_t(q)] >= 0)
                        continue;
                    label[size_t(q)] = count;
                    stack.push_back(q);
                }
        }
        ++count;
    }
    return count;
}

// The centres of the dots seen in the pixels: lit pixels whose four neighbours are lit too (a
// one-pixel stroke has none), grouped into 8-connected clusters; returns the cluster of each
// pixel (-1 elsewhere) and their number.
int visible_dots(const PathfinderSample& s, std::vector<int>& cluster) {
    const int64_t n = s.side;
    std::vector<uint8_t> centre(s.pixels.size(), 0);
    for (int64_t r = 1; r + 1 < n; ++r)
        for (int64_t c = 1; c + 1 < n; ++c) {
            auto lit = [&](int64_t rr, int64_t cc) { return s.pixels[size_t(rr * n + cc)] > 0; };
            centre[size_t(r * n + c)] =
                lit(r, c) && lit(r - 1, c) && lit(r + 1, c) && lit(r, c - 1) && lit(r, c + 1);
        }
    return components(centre, n, cluster);
}

// Checks one sample against its picture (see the file comment); `contours` is how many the
// options ask for.
void check_against_picture(const PathfinderSample& s, size_t contours) {
    REQUIRE(s.pixels.size() == size_t(s.side * s.side));
    REQUIRE(s.path_mask.size() == s.pixels.size());
    REQUIRE(s.contours.size() == contours);
    // The image shows exactly two dots, where the sample says they are.
    std::vector<int> dot_cluster;
    REQUIRE(visible_dots(s, dot_cluster) == 2);
    const int first = dot_cluster[size_t(pixel_of(s, s.dots[0]))];
    const int second = dot_cluster[size_t(pixel_of(s, s.dots[1]))];
    CHECK(first >= 0);
    CHECK(second >= 0);
    CHECK(first != second);
    // Every lit pixel is on a centre line or within a dot's radius (1.5) of a dot.
    for (int64_t p = 0; p < int64_t(s.pixels.size()); ++p) {
        if (!s.pixels[size_t(p)] || s.path_mask[size_t(p)]) continue;
        const double x = double(p % s.side) + 0.5, y = double(p / s.side) + 0.5;
        bool near_dot = false;
        for (const PathfinderPoint& d : s.dots) near_dot |= std::hypot(x - d.x, y - d.y) <= 1.5;
        CHECK(near_dot);
    }
    // Every paddle's ends lie on the centre lines.
    for (const auto& paddles : s.contours)
        for (const PathfinderPaddle& paddle : paddles) {
            CHECK(s.path_mask[size_t(pixel_of(s, paddle.from))]);
            CHECK(s.path_mask[size_t(pixel_of(s, paddle.to))]);
        }
    // Drawn pixels and centre lines: one connected piece per contour; the dots joined iff label 1.
    std::vector<uint8_t> ink(s.pixels.size());
    for (size_t p = 0; p < ink.size(); ++p) ink[p] = s.pixels[p] > 0 || s.path_mask[p];
    std::vector<int> piece;
    CHECK(components(ink, s.side, piece) == int(contours));
    const bool joined =
        piece[size_t(pixel_of(s, s.dots[0]))] == piece[size_t(pixel_of(s, s.dots[1]))];
    CHECK(joined == (s.label == 1));
}

}  // namespace

TEST_CASE("pathfinder: images are fixed by the seed and the index, whatever the threads",
          "[data][pathfinder]") {
    const Pathfinder a(small_pathfinder(1)), again(small_pathfinder(1)), other(small_pathfinder(2));
    CHECK(a.name() == "pathfinder");
    CHECK(a.vocab_size() == 257);
    CHECK(a.num_classes() == 2);
    CHECK(a.max_length() == 1024);
    std::vector<Example> parallel(16);
#pragma omp parallel for num_threads(2)
    for (int i = 0; i < 16; ++i) parallel[size_t(i)] = a.example(i);
    int differ_by_seed = 0, differ_by_index = 0;
    for (int64_t i = 0; i < 16; ++i) {
        const Example e = a.example(i);
        REQUIRE(e.input.size() == 1024);
        CHECK(e.input == again.example(i).input);
        CHECK(e.input == parallel[size_t(i)].input);
        differ_by_seed += e.input != other.example(i).input;
        differ_by_index += e.input != a.example(i + 1).input;
        // Tokens are the pixels + 1; the pixels are black or white.
        const PathfinderSample s = a.sample(i);
        CHECK(e.label == s.label);
        for (size_t p = 0; p < 1024; ++p) CHECK(e.input[p] == int32_t(s.pixels[p]) + 1);
        for (uint8_t pixel : s.pixels) CHECK((pixel == 0 || pixel == 255));
    }
    CHECK(differ_by_seed == 16);
    CHECK(differ_by_index == 16);
    CHECK(a.decode(a.example(0).input).size() == 32 * 33 - 1);  // 32 rows of '.' and '#'
}

TEST_CASE("pathfinder: labels are balanced exactly", "[data][pathfinder]") {
    for (int64_t size : {1, 2, 7, 200}) {
        PathfinderOptions options = small_pathfinder(5);
        options.size = size;
        const Pathfinder data(options);
        int64_t positive = 0;
        for (int64_t i = 0; i < size; ++i) positive += data.example(i).label;
        CHECK(positive == size / 2);
    }
}

TEST_CASE("pathfinder: the dots are joined by the drawing exactly when the label is 1",
          "[data][pathfinder]") {
    const PathfinderOptions options = small_pathfinder(3);
    const Pathfinder data(options);
    for (int64_t i = 0; i < 120; ++i) {
        INFO("example " << i);
        const PathfinderSample s = data.sample(i);
        check_against_picture(s, size_t(2 + options.distractors));
        CHECK(s.contours[0].size() == 14);  // the hard default
        CHECK(s.contours[1].size() == 14);
        for (size_t d = 2; d < s.contours.size(); ++d) CHECK(s.contours[d].size() == 5);  // 14/3
    }
}

TEST_CASE("pathfinder: the contour options shape the contours", "[data][pathfinder]") {
    PathfinderOptions options = small_pathfinder(4);
    options.contour_length = 6;  // Linsley's easiest
    options.distractors = 5;
    options.distractor_length = 3;
    options.paddle_length = 3;
    options.gap = 2;
    const Pathfinder data(options);
    for (int64_t i = 0; i < 20; ++i) {
        INFO("example " << i);
        const PathfinderSample s = data.sample(i);
        check_against_picture(s, 7);
        CHECK(s.contours[0].size() == 6);
        CHECK(s.contours[6].size() == 3);
        for (const auto& paddles : s.contours)
            for (size_t k = 0; k < paddles.size(); ++k) {
                const PathfinderPaddle& p = paddles[k];
                CHECK(std::hypot(p.to.x - p.from.x, p.to.y - p.from.y) == Approx(3));
                if (k > 0) {
                    const PathfinderPoint& end = paddles[k - 1].to;
                    CHECK(std::hypot(p.from.x - end.x, p.from.y - end.y) == Approx(2));
                }
            }
    }
}

TEST_CASE("pathfinder: Path-X (side 128) generates 16,384 tokens", "[data][pathfinder]") {
    PathfinderOptions options = small_pathfinder(6);
    options.side = 128;
    options.paddle_length = 4;
    options.gap = 2;
    options.distractors = 10;
    const Pathfinder data(options);
    CHECK(data.max_length() == 16384);
    for (int64_t i = 0; i < 2; ++i) {
        CHECK(data.example(i).input.size() == 16384);
        check_against_picture(data.sample(i), 12);
    }
}

TEST_CASE("pathfinder: bad options are one-line errors naming the key, value and range",
          "[data][pathfinder]") {
    PathfinderOptions options;
    options.side = 4;
    CHECK_THROWS_WITH(Pathfinder(options), "Pathfinder: side must be in [8, 1024], got 4");
    auto config_error = [](const std::string& set) {
        try {
            make_task(load_config("", {"data.task=pathfinder", set}));
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(config_error("data.side=2000") == "config: \"data.side\" must be in [8, 1024], got 2000");
    CHECK(config_error("data.contour_length=0") ==
          "config: \"data.contour_length\" must be in [1, 256] paddles, got 0");
    CHECK(config_error("data.distractors=-1") ==
          "config: \"data.distractors\" must be in [0, 256], got -1");
    CHECK_THAT(config_error("data.distractor_length=300"),
               Contains("\"data.distractor_length\"") && Contains("got 300"));
    CHECK(config_error("data.paddle_length=33") ==
          "config: \"data.paddle_length\" must be in [1, side] pixels, got 33");
    CHECK(config_error("data.gap=-2") ==
          "config: \"data.gap\" must be in [0, side] pixels, got -2");
    CHECK(config_error("data.max_turn=200") ==
          "config: \"data.max_turn\" must be in [0, 180] degrees, got 200");
    CHECK(config_error("data.train_size=0") ==
          "config: \"data.train_size\" must be positive, got 0");
    // Contours that cannot fit: a clear error when drawing, naming what to relax.
    options = small_pathfinder();
    options.side = 8;
    options.contour_length = 40;
    const Pathfinder crowded(options);
    CHECK_THROWS_WITH(crowded.example(0), Contains("do not fit apart in 8 x 8 pixels") &&
                                              Contains("data.contour_length"));
}

TEST_CASE("pathfinder: the sample sheet puts label 1 on top, and the CLI draws it",
          "[data][pathfinder][cli]") {
    const Pathfinder data(small_pathfinder(8));
    const Heatmap map = pathfinder_picture(data, 3);
    REQUIRE(map.rows == 2 * 34 + 2);
    REQUIRE(map.cols == 3 * 34 + 2);
    CHECK(map.values[0] == Approx(0.35));  // the frame
    for (int64_t k = 0; k < 3; ++k)
        for (int64_t row = 0; row < 2; ++row) {
            const PathfinderSample s = data.sample(2 * k + 1 - row);  // top: odd (label 1)
            CHECK(s.label == 1 - row);
            for (int64_t r = 0; r < 32; ++r)
                for (int64_t c = 0; c < 32; ++c)
                    CHECK(map.values[size_t((2 + row * 34 + r) * map.cols + 2 + k * 34 + c)] ==
                          s.pixels[size_t(r * 32 + c)] / 255.0);
        }
    CHECK_THROWS_WITH(pathfinder_picture(data, 501), Contains("per_label <= 500"));

    testing::TempDir dir;
    std::ostringstream out, err;
    CHECK(run_cli({"pathfinder-samples", "--out", dir.file("sheet.png"), "--count", "1", "--set",
                   "data.side=16", "--set", "data.contour_length=4"},
                  out, err) == kExitOk);
    CHECK(std::filesystem::file_size(dir.file("sheet.png")) > 0);
    std::ostringstream out2, err2;
    CHECK(run_cli({"pathfinder-samples", "--out", dir.file("x.png"), "--set", "data.task=listops"},
                  out2, err2) == kExitUsage);
    CHECK(err2.str() ==
          "attnlab: pathfinder-samples: data.task is \"listops\" (expected pathfinder)\n");
}
