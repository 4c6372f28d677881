// pathfinder.cpp — the Pathfinder generator of pathfinder.h: contours grown paddle by paddle on an
// ownership grid that keeps them apart, then the dots placed by the label.
#include "pathfinder.h"

#include <cmath>

#include "engine/rng.h"

namespace attnlab {

namespace {

constexpr int kTurnTries = 10;        // new turns for a paddle that does not fit
constexpr int kContourTries = 20;     // restarts of a contour whose paddle never fits
constexpr int kImageTries = 50;       // restarts of the whole image
constexpr double kSampleStep = 0.05;  // pixels between the points a segment is sampled at
constexpr double kPi = 3.14159265358979323846;

// The centre of the pixel holding `p`: where a dot at p is drawn.
PathfinderPoint dot_centre(PathfinderPoint p) {
    return {std::floor(p.x) + 0.5, std::floor(p.y) + 0.5};
}

PathfinderPoint ahead(PathfinderPoint p, double angle, double distance) {
    return {p.x + distance * std::cos(angle), p.y + distance * std::sin(angle)};
}

// Who claimed each pixel: a contour and the paddle (with the gap before it), or nobody (-1).
class Canvas {
  public:
    explicit Canvas(int64_t side)
        : side_(side), contour_(size_t(side * side), -1), paddle_(size_t(side * side), 0) {}

    // Appends the pixels the segment a → b passes through; false if one is outside the image
    // less its 1-pixel border.
    bool add_segment(PathfinderPoint a, PathfinderPoint b, std::vector<int64_t>& pixels) const {
        const double length = std::hypot(b.x - a.x, b.y - a.y);
        const int64_t steps = int64_t(std::ceil(length / kSampleStep)) + 1;
        for (int64_t i = 0; i <= steps; ++i) {
            const double t = double(i) / double(steps);
            if (!add_pixel(a.x + t * (b.x - a.x), a.y + t * (b.y - a.y), pixels)) return false;
        }
        return true;
    }

    // Appends the pixels whose centres lie within half a pixel of the segment a → b: a stroke one
    // pixel wide with flat ends, so that gaps stay open (a subset of add_segment's pixels).
    void add_stroke(PathfinderPoint a, PathfinderPoint b, std::vector<int64_t>& pixels) const {
        const double dx = b.x - a.x, dy = b.y - a.y, length2 = dx * dx + dy * dy;
        for (int64_t r = int64_t(std::min(a.y, b.y)); r <= int64_t(std::max(a.y, b.y)); ++r)
            for (int64_t c = int64_t(std::min(a.x, b.x)); c <= int64_t(std::max(a.x, b.x)); ++c) {
                const double px = c + 0.5 - a.x, py = r + 0.5 - a.y;
                const double t = length2 > 0 ? (px * dx + py * dy) / length2 : 0.0;
                if (t >= 0 && t <= 1 && std::hypot(px - t * dx, py - t * dy) <= 0.5)
                    add_pixel(c + 0.5, r + 0.5, pixels);
            }
    }

    // Appends a dot: the 3 × 3 pixels around the one holding `end` (same border rule).
    bool add_dot(PathfinderPoint end, std::vector<int64_t>& pixels) const {
        const PathfinderPoint centre = dot_centre(end);
        for (double dy = -1; dy <= 1; ++dy)
            for (double dx = -1; dx <= 1; ++dx)
                if (!add_pixel(centre.x + dx, centre.y + dy, pixels)) return false;
        return true;
    }

    // Whether paddle `paddle` of `contour` may take `pixels`: none of their 8-neighbours (or
    // themselves) belongs to another contour or to this contour's paddles before paddle - 1.
    bool free_for(const std::vector<int64_t>& pixels, int contour, int paddle) const {
        for (int64_t p : pixels)
            for (int64_t dr = -1; dr <= 1; ++dr)
                for (int64_t dc = -1; dc <= 1; ++dc) {
                    const size_t q = size_t(p + dr * side_ + dc);  // the border keeps q inside
                    if (contour_[q] >= 0 && (contour_[q] != contour || paddle_[q] < paddle - 1))
                        return false;
                }
        return true;
    }

    void claim(const std::vector<int64_t>& pixels, int contour, int paddle) {
        for (int64_t p : pixels) {
            contour_[size_t(p)] = contour;
            paddle_[size_t(p)] = paddle;
        }
    }

    void release(int contour) {
        for (int& owner : contour_)
            if (owner == contour) owner = -1;
    }

  private:
    bool add_pixel(double x, double y, std::vector<int64_t>& pixels) const {
        const int64_t c = int64_t(std::floor(x)), r = int64_t(std::floor(y));
        if (c < 1 || r < 1 || c >= side_ - 1 || r >= side_ - 1) return false;
        const int64_t p = r * side_ + c;
        if (pixels.empty() || pixels.back() != p) pixels.push_back(p);
        return true;
    }

    int64_t side_;
    std::vector<int> contour_, paddle_;
};

// Grows contour `id` of `paddles` paddles into `out`, claiming its pixels (and, for a target, the
// pixels of a dot at each end); false, with `out` partial and claims left, if a paddle never fits.
bool grow_contour(Canvas& canvas, Rng& rng, const PathfinderOptions& o, int id, int64_t paddles,
                  bool reserve_ends, std::vector<PathfinderPaddle>& out) {
    const double side = double(o.side), max_turn = o.max_turn * kPi / 180;
    PathfinderPoint at{rng.uniform(1, side - 1), rng.uniform(1, side - 1)};
    double angle = 0;  // of the last paddle; the first takes any direction
    std::vector<int64_t> pixels;
    if (reserve_ends) {
        if (!canvas.add_dot(at, pixels) || !canvas.free_for(pixels, id, 0)) return false;
        canvas.claim(pixels, id, 0);
    }
    for (int k = 0; k < int(paddles); ++k) {
        bool placed = false;
        for (int t = 0; t < kTurnTries && !placed; ++t) {
            const double turned =
                k == 0 ? rng.uniform(0, 2 * kPi) : angle + rng.uniform(-max_turn, max_turn);
            const PathfinderPoint from = k == 0 ? at : ahead(at, turned, double(o.gap));
            const PathfinderPoint to = ahead(from, turned, double(o.paddle_length));
            pixels.clear();
            if (!canvas.add_segment(at, from, pixels) || !canvas.add_segment(from, to, pixels) ||
                !canvas.free_for(pixels, id, k))
                continue;
            canvas.claim(pixels, id, k);
            out.push_back({from, to});
            at = to;
            angle = turned;
            placed = true;
        }
        if (!placed) return false;
    }
    if (reserve_ends) {
        pixels.clear();
        if (!canvas.add_dot(at, pixels) || !canvas.free_for(pixels, id, int(paddles) - 1))
            return false;
        canvas.claim(pixels, id, int(paddles) - 1);
    }
    return true;
}

// The two targets, then the distractors, every contour apart from the others; false if one of
// them fails kContourTries times.
bool draw_scene(Rng& rng, const PathfinderOptions& o,
                std::vector<std::vector<PathfinderPaddle>>& contours) {
    Canvas canvas(o.side);
    const int64_t distractor_length =
        o.distractor_length > 0 ? o.distractor_length : (o.contour_length + 2) / 3;
    contours.assign(size_t(2 + o.distractors), {});
    for (int id = 0; id < int(contours.size()); ++id) {
        const bool target = id < 2;
        bool grown = false;
        for (int t = 0; t < kContourTries && !grown; ++t) {
            contours[size_t(id)].clear();
            grown = grow_contour(canvas, rng, o, id, target ? o.contour_length : distractor_length,
                                 target, contours[size_t(id)]);
            if (!grown) canvas.release(id);
        }
        if (!grown) return false;
    }
    return true;
}

}  // namespace

std::optional<PathfinderOptionProblem> pathfinder_option_problem(const PathfinderOptions& o) {
    auto outside = [](const char* option, const char* range, auto value) {
        return PathfinderOptionProblem{option, range, cat(value)};
    };
    if (o.size < 1) return outside("size", "positive", o.size);
    if (o.side < 8 || o.side > 1024) return outside("side", "in [8, 1024]", o.side);
    if (o.contour_length < 1 || o.contour_length > 256)
        return outside("contour_length", "in [1, 256] paddles", o.contour_length);
    if (o.distractors < 0 || o.distractors > 256)
        return outside("distractors", "in [0, 256]", o.distractors);
    if (o.distractor_length < 0 || o.distractor_length > 256)
        return outside("distractor_length", "0 (= contour_length / 3) or in [1, 256] paddles",
                       o.distractor_length);
    if (o.paddle_length < 1 || o.paddle_length > o.side)
        return outside("paddle_length", "in [1, side] pixels", o.paddle_length);
    if (o.gap < 0 || o.gap > o.side) return outside("gap", "in [0, side] pixels", o.gap);
    if (!(o.max_turn >= 0 && o.max_turn <= 180))
        return outside("max_turn", "in [0, 180] degrees", o.max_turn);
    return std::nullopt;
}

Pathfinder::Pathfinder(const PathfinderOptions& options) : options_(options) {
    if (const auto problem = pathfinder_option_problem(options))
        throw Error(cat("Pathfinder: ", problem->option, " must be ", problem->expectation,
                        ", got ", problem->value));
}

PathfinderSample Pathfinder::sample(int64_t index) const {
    ATTNLAB_CHECK(index >= 0 && index < options_.size, "Pathfinder: index ", index, " outside [0, ",
                  options_.size, ")");
    const PathfinderOptions& o = options_;
    Rng rng(mix(o.seed, uint64_t(index)));
    PathfinderSample s;
    s.side = o.side;
    s.label = int(index % 2);
    int attempt = 0;
    while (!draw_scene(rng, o, s.contours))
        ATTNLAB_CHECK(++attempt < kImageTries, "Pathfinder: example ", index, ": 2 contours of ",
                      o.contour_length, " paddles and ", o.distractors,
                      " distractors do not fit apart in ", o.side, " x ", o.side, " pixels after ",
                      kImageTries,
                      " attempts; lower data.contour_length, data.distractors, data.paddle_length "
                      "or data.gap, or raise data.side");
    auto end = [&](int contour, uint64_t which) {
        const auto& paddles = s.contours[size_t(contour)];
        return which == 0 ? paddles.front().from : paddles.back().to;
    };
    const uint64_t first_end = rng.below(2), second_end = rng.below(2);  // for either label
    s.dots = s.label == 1 ? std::array<PathfinderPoint, 2>{end(0, 0), end(0, 1)}
                          : std::array<PathfinderPoint, 2>{end(0, first_end), end(1, second_end)};
    for (PathfinderPoint& dot : s.dots) dot = dot_centre(dot);

    const Canvas canvas(o.side);  // only rasterises here
    s.pixels.assign(size_t(o.side * o.side), 0);
    s.path_mask.assign(size_t(o.side * o.side), 0);
    std::vector<int64_t> line, drawn;
    for (const auto& paddles : s.contours)
        for (size_t k = 0; k < paddles.size(); ++k) {
            if (k > 0) canvas.add_segment(paddles[k - 1].to, paddles[k].from, line);
            canvas.add_segment(paddles[k].from, paddles[k].to, line);
            canvas.add_stroke(paddles[k].from, paddles[k].to, drawn);
        }
    for (const PathfinderPoint& dot : s.dots) canvas.add_dot(dot, drawn);
    for (int64_t p : drawn) s.pixels[size_t(p)] = 255;
    for (int64_t p : line) s.path_mask[size_t(p)] = 1;
    return s;
}

Example Pathfinder::example(int64_t index) const {
    const PathfinderSample s = sample(index);
    Example example;
    example.input.reserve(s.pixels.size());
    for (uint8_t pixel : s.pixels) example.input.push_back(int32_t(pixel) + 1);
    example.label = s.label;
    return example;
}

std::string Pathfinder::decode(const std::vector<int32_t>& ids) const {
    if (int64_t(ids.size()) != max_length()) return Dataset::decode(ids);
    std::string out;
    for (size_t i = 0; i < ids.size(); ++i) {
        out += ids[i] > 1 ? '#' : '.';
        if (int64_t(i + 1) % options_.side == 0 && i + 1 < ids.size()) out += '\n';
    }
    return out;
}

}  // namespace attnlab
