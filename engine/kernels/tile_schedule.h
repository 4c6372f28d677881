// tile_schedule.h — which (query block, key block) tiles of an L × L attention matrix the fused
// kernel computes (engine/kernels/fused_attention.h).
//
// A schedule cuts the L queries into blocks of `query_tile` rows and lists, for each query block,
// the key spans it attends to. Entries outside every listed tile count as removed (weight 0), so a
// block-sparse kind (local, Sparse Transformer, Longformer, BigBird: issue 19) is only another
// schedule for the same kernel. Dense attention lists every key block; causal dense lists those
// that start at or before the block's last query, and `causal` asks the kernel to remove key j > i
// inside the diagonal tiles. A band (Longformer's sliding window, the Sparse Transformer's strided
// pattern) removes, inside the listed tiles, the entries farther than its window from the
// diagonal, except in the rows and columns of its global positions and on its strided diagonals. A
// ragged L gives a short last block.
#pragma once

#include <cstdint>
#include <vector>

#include "../common.h"

namespace attnlab::kernels {

struct Span {
    int64_t begin, end;  // [begin, end)
    int64_t size() const { return end - begin; }
};

// 64 × 64 tiles: a tile of logits, its weights and a 64-wide block of V stay in L1/L2 together.
inline constexpr int64_t kQueryTile = 64;
inline constexpr int64_t kKeyTile = 64;

// Entry (i, j) is kept when |i − j| ≤ window, or i < global, or j < global, or i − j is a multiple
// of a positive stride; window < 0: all.
struct Band {
    int64_t window = -1, global = 0, stride = 0;
};

class TileSchedule {
  public:
    // Every key block for each query block (causal: the blocks on or below the diagonal).
    static TileSchedule dense(int64_t length, bool causal, int64_t query_tile = kQueryTile,
                              int64_t key_tile = kKeyTile);

    // key_spans[r] lists the key spans of query block r (rows [r·query_tile, ...)); each span lies
    // in [0, length) and the spans of one block do not overlap (an Error otherwise).
    TileSchedule(int64_t length, int64_t query_tile, std::vector<std::vector<Span>> key_spans,
                 bool causal, Band band = {});

    int64_t length() const { return length_; }
    bool causal() const { return causal_; }
    // Whether this is dense(): every entry (every one on or below the diagonal when causal) kept.
    bool dense() const { return dense_; }
    // Whether the rule keeps every entry of rows × keys (then no entry needs masking).
    bool keeps_all(Span rows, Span keys) const;
    // Whether the band keeps strided diagonals (the Sparse Transformer's): then a row's kept keys
    // are no single run and only keeps() tells them.
    bool strided() const { return band_.window >= 0 && band_.stride > 0; }
    // Row i's kept keys besides the global ones, for a schedule that is not strided: one run,
    // [i − window, i + window] ∩ [0, L), ending at i when causal; every key (up to i when causal)
    // without a band or in a global row.
    Span kept_run(int64_t i) const;
    // Keys [0, global) are kept in every row (up to i when causal).
    int64_t global() const { return band_.global; }
    // Whether entry (i, j) of a listed tile is kept: the causal rule and the band.
    bool keeps(int64_t i, int64_t j) const {
        if (causal_ && j > i) return false;
        if (band_.window < 0 || i < band_.global || j < band_.global) return true;
        if (band_.stride > 0 && (i - j) % band_.stride == 0) return true;
        return i - j <= band_.window && j - i <= band_.window;
    }
    int64_t query_blocks() const { return int64_t(key_spans_.size()); }
    Span query_block(int64_t r) const;
    const std::vector<Span>& key_spans(int64_t r) const { return key_spans_[size_t(r)]; }
    // The longest key span: what a tile buffer must hold.
    int64_t widest_key_span() const { return widest_; }
    int64_t query_tile() const { return query_tile_; }

  private:
    int64_t length_, query_tile_, widest_ = 0;
    std::vector<std::vector<Span>> key_spans_;
    bool causal_, dense_ = false;
    Band band_;
};

}  // namespace attnlab::kernels
