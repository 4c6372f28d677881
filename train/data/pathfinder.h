// pathfinder.h — Pathfinder images (Linsley et al., "Learning long-range spatial dependencies with
// horizontal gated recurrent units", NeurIPS 2018) as the Long Range Arena uses them (Tay et al.,
// arXiv 2011.04006, §3 "Pathfinder"): is there a path between the two dots?
//
// An image is side × side grey pixels, black with white strokes. Every contour is a dashed curve:
// `contour_length` straight "paddles" of `paddle_length` pixels, each followed by a gap of `gap`
// pixels, the direction turning by a uniform angle in ±max_turn degrees before each paddle. Two
// target contours of contour_length paddles and `distractors` shorter contours of
// distractor_length paddles are drawn, never touching one another or themselves (no two pixels of
// different contours, or of paddles two or more apart, are 8-neighbours; gaps included) and
// leaving a 1-pixel border. Then two dots (3 × 3 pixels around the pixel of a contour's end, the
// disc of radius 1.5 at this scale) are drawn at contour ends:
//   label 1  at both ends of the first target contour;
//   label 0  at one end of each target contour (which ends: drawn at random).
// The scene is drawn before the label is used, with a dot-sized space kept free around all four
// target ends, so that positive and negative images differ only in where the dots are. Label
// balance is exact: example i has label i mod 2.
//
// LRA's Pathfinder-32 is side 32 (1,024 tokens) at three difficulties, Linsley's contour lengths
// 6, 9 and 14 paddles; the default here is the hardest, 14. Path-X is side 128 (16,384 tokens):
// data.side=128, ideally with longer paddles and gaps.
//
// Tokens: pixel + 1 (0..255 → 1..256, vocab 257), as fashion_mnist.h: id 0 is padding everywhere
// in attnlab (LRA feeds the pixel values 0..255 themselves). Row-major order; label 0 or 1.
//
// Generation is deterministic: example i draws everything from Rng(mix(seed, i)), whatever the
// thread count. A paddle that does not fit is redrawn with a new turn (kTurnTries times), then its
// contour is restarted (kContourTries), then the whole image (kImageTries); after that example()
// throws an Error naming the settings to relax.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "train/data/dataset.h"

namespace attnlab {

struct PathfinderOptions {
    int64_t size = 10000;  // examples
    uint64_t seed = 1;
    int64_t side = 32;              // 32: LRA Pathfinder-32; 128: Path-X
    int64_t contour_length = 14;    // paddles per target contour (Linsley: 6, 9, 14)
    int64_t distractors = 2;        // extra contours without dots
    int64_t distractor_length = 0;  // paddles; 0 = ceil(contour_length / 3)
    int64_t paddle_length = 2;      // pixels of one dash
    int64_t gap = 1;                // pixels between dashes (0: solid contours)
    double max_turn = 45;           // degrees of turn between consecutive paddles
};

// The first option outside its range (or not fitting the others): its name (as in the config's
// "data.*"), what it must be, and its value.
struct PathfinderOptionProblem {
    std::string option, expectation, value;
};
std::optional<PathfinderOptionProblem> pathfinder_option_problem(const PathfinderOptions& options);

struct PathfinderPoint {
    double x = 0, y = 0;  // pixel (c, r) covers [c, c + 1) × [r, r + 1)
};

// A paddle is the segment from `from` to `to`; the gap before it runs from the previous paddle's
// `to` to this `from`.
struct PathfinderPaddle {
    PathfinderPoint from, to;
};

// One generated image with what drew it, for tests and pictures.
struct PathfinderSample {
    int64_t side = 0;
    int label = 0;
    std::vector<uint8_t> pixels;  // [side, side] row-major, 0 or 255
    // contours[0] and [1] are the targets, then the distractors; paddles in drawing order.
    std::vector<std::vector<PathfinderPaddle>> contours;
    std::array<PathfinderPoint, 2> dots;  // dot centres: centres of the contour ends' pixels
    // [side, side]: 1 where any contour's centre line passes (paddles and the gaps between them).
    std::vector<uint8_t> path_mask;
};

class Pathfinder : public Dataset {
  public:
    // Throws an Error naming the first option pathfinder_option_problem reports.
    explicit Pathfinder(const PathfinderOptions& options = {});

    std::string name() const override { return "pathfinder"; }
    TaskKind task() const override { return TaskKind::Classification; }
    int64_t size() const override { return options_.size; }
    Example example(int64_t index) const override;
    int64_t vocab_size() const override { return 257; }
    int64_t num_classes() const override { return 2; }
    int64_t max_length() const override { return options_.side * options_.side; }
    // A full image prints as rows of '.' (black) and '#' (drawn); other ids as numbers.
    std::string decode(const std::vector<int32_t>& ids) const override;

    PathfinderSample sample(int64_t index) const;  // what example(index) tokenises
    const PathfinderOptions& options() const { return options_; }

  private:
    PathfinderOptions options_;
};

}  // namespace attnlab
