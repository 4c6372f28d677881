// pathfinder_picture.cpp — the sheet of examples of pathfinder_picture.h.
#include "pathfinder_picture.h"

namespace attnlab {

namespace {

constexpr int64_t kFrame = 2;         // pixels between and around the images
constexpr double kFrameValue = 0.35;  // light enough not to be read as ink

}  // namespace

Heatmap pathfinder_picture(const Pathfinder& data, int64_t per_label) {
    ATTNLAB_CHECK(per_label >= 1 && 2 * per_label <= data.size(), "pathfinder_picture: ", per_label,
                  " examples per label need 1 <= per_label <= ", data.size() / 2,
                  " (half the split's ", data.size(), " examples)");
    const int64_t side = data.options().side, cell = side + kFrame;
    Heatmap map;
    map.rows = 2 * cell + kFrame;
    map.cols = per_label * cell + kFrame;
    map.values.assign(size_t(map.rows * map.cols), kFrameValue);
    map.row_labels.assign(size_t(map.rows), "");
    map.col_labels.assign(size_t(map.cols), "");
    for (int64_t row = 0; row < 2; ++row) {
        const int label = 1 - int(row);
        map.row_labels[size_t(kFrame + row * cell + side / 2)] = cat("label ", label);
        for (int64_t k = 0; k < per_label; ++k) {
            const int64_t index = 2 * k + label;  // example i has label i mod 2
            const PathfinderSample s = data.sample(index);
            ATTNLAB_CHECK(s.label == label, "pathfinder_picture: example ", index, " has label ",
                          s.label, " (expected ", label, ")");
            const int64_t top = kFrame + row * cell, left = kFrame + k * cell;
            if (row == 0)
                map.col_labels[size_t(left + side / 2)] = cat("#", index, " / #", index - 1);
            for (int64_t r = 0; r < side; ++r)
                for (int64_t c = 0; c < side; ++c)
                    map.values[size_t((top + r) * map.cols + left + c)] =
                        s.pixels[size_t(r * side + c)] / 255.0;
        }
    }
    const PathfinderOptions& o = data.options();
    map.title = cat("Pathfinder ", side, " x ", side, ", contours of ", o.contour_length,
                    " paddles, ", o.distractors, " distractors: top joined (1), bottom not (0)");
    map.x_label = "examples (top / bottom)";
    map.y_label = "";
    return map;
}

}  // namespace attnlab
