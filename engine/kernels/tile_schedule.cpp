// tile_schedule.cpp — the dense and causal tile schedules, and the checks of an explicit one.
#include "tile_schedule.h"

#include <algorithm>

namespace attnlab::kernels {

TileSchedule TileSchedule::dense(int64_t length, bool causal, int64_t query_tile,
                                 int64_t key_tile) {
    ATTNLAB_CHECK(length >= 1 && query_tile >= 1 && key_tile >= 1,
                  "TileSchedule: length and tile sizes must be positive, got length ", length,
                  ", query_tile ", query_tile, ", key_tile ", key_tile);
    std::vector<std::vector<Span>> spans;
    for (int64_t row = 0; row < length; row += query_tile) {
        const int64_t last_key = causal ? std::min(row + query_tile, length) : length;
        std::vector<Span> keys;
        for (int64_t col = 0; col < last_key; col += key_tile)
            keys.push_back({col, std::min(col + key_tile, last_key)});
        spans.push_back(std::move(keys));
    }
    TileSchedule schedule(length, query_tile, std::move(spans), causal);
    schedule.dense_ = true;
    return schedule;
}

TileSchedule::TileSchedule(int64_t length, int64_t query_tile,
                           std::vector<std::vector<Span>> key_spans, bool causal, Band band)
    : length_(length),
      query_tile_(query_tile),
      key_spans_(std::move(key_spans)),
      causal_(causal),
      band_(band) {
    ATTNLAB_CHECK(length >= 1 && query_tile >= 1, "TileSchedule: length ", length,
                  " and query_tile ", query_tile, " must be positive");
    const int64_t blocks = (length + query_tile - 1) / query_tile;
    ATTNLAB_CHECK(query_blocks() == blocks, "TileSchedule: ", query_blocks(),
                  " lists of key spans for ", blocks, " query blocks (length ", length,
                  ", query_tile ", query_tile, ")");
    for (std::vector<Span>& spans : key_spans_) {
        std::sort(spans.begin(), spans.end(),
                  [](const Span& a, const Span& b) { return a.begin < b.begin; });
        for (size_t s = 0; s < spans.size(); ++s) {
            ATTNLAB_CHECK(
                spans[s].begin >= 0 && spans[s].begin < spans[s].end && spans[s].end <= length,
                "TileSchedule: key span [", spans[s].begin, ", ", spans[s].end,
                ") is empty or outside [0, ", length, ")");
            ATTNLAB_CHECK(s == 0 || spans[s - 1].end <= spans[s].begin, "TileSchedule: key spans [",
                          spans[s - 1].begin, ", ", spans[s - 1].end, ") and [", spans[s].begin,
                          ", ", spans[s].end, ") overlap");
            widest_ = std::max(widest_, spans[s].size());
        }
    }
}

bool TileSchedule::keeps_all(Span rows, Span keys) const {
    if (causal_ && keys.end - 1 > rows.begin) return false;
    if (band_.window < 0 || rows.end <= band_.global || keys.end <= band_.global) return true;
    const int64_t farthest = std::max(rows.end - 1 - keys.begin, keys.end - 1 - rows.begin);
    return farthest <= band_.window;
}

Span TileSchedule::kept_run(int64_t i) const {
    const int64_t last = causal_ ? i : length_ - 1;
    if (band_.window < 0 || i < band_.global) return {0, last + 1};
    return {std::max<int64_t>(0, i - band_.window), std::min(last, i + band_.window) + 1};
}

Span TileSchedule::query_block(int64_t r) const {
    return {r * query_tile_, std::min((r + 1) * query_tile_, length_)};
}

}  // namespace attnlab::kernels
