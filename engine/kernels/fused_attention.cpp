// fused_attention.cpp — the tiled online-softmax attention kernel, forward and backward.
//
// Forward, per query row i, over its tiles in turn (Milakov & Gimelshein 2018's online softmax):
//     m' = max(m, max_j S_ij)    ℓ' = ℓ·e^(m − m') + Σ_j e^(S_ij − m')
//     acc' = acc·e^(m − m') + Σ_j e^(S_ij − m') Z_ij V_j
// so after the last tile O_i = acc / ℓ = Σ_j P_ij Z_ij V_j and lse_i = m + log ℓ.
// Backward: P_ij = e^(S_ij − lse_i) is recomputed per tile. With O = (P ∘ Z) V:
//     dV_j += Σ_i P_ij Z_ij dO_i                       (dV += (P ∘ Z)ᵀ dO)
//     dP_ij = Z_ij dO_i · V_j                          (dP = (dO Vᵀ) ∘ Z)
//     dS_ij = P_ij (dP_ij − Σ_k P_ik dP_ik)            (the softmax VJP, row by row)
// and Σ_k P_ik dP_ik = dO_i · Σ_k P_ik Z_ik V_k = dO_i · O_i = D_i, one dot product per row, so
// no row of P is needed whole. Removed entries have P = 0, hence dS = 0.
#include "fused_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "blas.h"
#include "gemm_batched.h"
#include "nn.h"
#include "shape.h"
#include "vector_math.h"

namespace attnlab::kernels {
namespace {

constexpr real kRemoved = -std::numeric_limits<real>::infinity();

// Whether every key of the span is padding: the tile's weights are all 0 and its gradients too, so
// skipping it changes nothing (a padded batch's tail is most of its tiles).
bool all_padded(const real* padding, const Span& keys) {
    if (!padding) return false;
    for (int64_t j = keys.begin; j < keys.end; ++j)
        if (padding[j] != 0) return false;
    return true;
}

// Whether some key of the span is padding (most tiles have none: their rows need no mask pass).
bool any_padded(const real* padding, const Span& keys) {
    for (int64_t j = keys.begin; j < keys.end; ++j)
        if (padding[j] == 0) return true;
    return false;
}

// Sets S_ij = −∞ where key j is removed for query i: padded keys row by row, then the schedule's
// rule, only in tiles the rule does not keep whole (the diagonal ones): as the runs a row removes,
// or entry by entry for a strided band.
void mask_tile(real* s, int64_t ld, const Tile& tile, const TileSchedule& schedule,
               const real* padding) {
    if (padding && any_padded(padding, {tile.col0, tile.col1}))
        for (int64_t r = 0; r < tile.rows(); ++r) {
            real* row = s + r * ld;
            const real* keys = padding + tile.col0;
#pragma omp simd
            for (int64_t c = 0; c < tile.cols(); ++c) row[c] = keys[c] == 0 ? kRemoved : row[c];
        }
    if (schedule.keeps_all({tile.row0, tile.row1}, {tile.col0, tile.col1})) return;
    if (!schedule.strided()) {  // row i keeps one run of keys and the global ones
        for (int64_t r = 0; r < tile.rows(); ++r) {
            const Span kept = schedule.kept_run(tile.row0 + r);
            real* row = s + r * ld;
            const int64_t left_end = std::min(tile.col1, kept.begin);
            for (int64_t j = std::max(tile.col0, schedule.global()); j < left_end; ++j)
                row[j - tile.col0] = kRemoved;
            for (int64_t j = std::max(tile.col0, kept.end); j < tile.col1; ++j)
                row[j - tile.col0] = kRemoved;
        }
        return;
    }
    for (int64_t r = 0; r < tile.rows(); ++r) {
        const int64_t i = tile.row0 + r;
        for (int64_t j = tile.col0; j < tile.col1; ++j)
            if (!schedule.keeps(i, j)) s[r * ld + j - tile.col0] = kRemoved;
    }
}

// The dropout factors Z_ij = keep_ij / (1 − p) of row i's entries j in [j0, j0 + n)
// (fused_attention.h numbers them).
struct DropoutFactors {
    const FusedAttentionShape& shape;
    const FusedAttentionMasks& masks;
    void row(const Tile& tile, int64_t i, int64_t j0, int64_t n, real* factors) const {
        const int64_t L = shape.length;
        const int64_t b = masks.first_batch + tile.batch;
        const uint64_t first = uint64_t(((b * shape.heads + tile.head) * L + i) * L + j0);
        dropout_factors(masks.seed, first, n, masks.dropout, factors);
    }
};

struct OnlineRows {
    std::vector<real> max, sum, acc;  // m, ℓ [rows]; acc [rows, dv]
    // One tile's scratch: each row's lanes [rows, kLanes], new maximum m', e^(m − m') and Σ_j.
    std::vector<real> lanes, tile_max, correction, tile_sum;
    explicit OnlineRows(int64_t rows, int64_t dv)
        : max(size_t(rows), kRemoved),
          sum(size_t(rows), 0),
          acc(size_t(rows * dv), 0),
          lanes(size_t(rows * kLanes)),
          tile_max(size_t(rows)),
          correction(size_t(rows)),
          tile_sum(size_t(rows)) {}
};

// Turns one masked tile S into e^(S − m') in place and folds it into the running state. Each
// phase runs over all the tile's rows, so the lanes' folds and the corrections are vector code.
void fold_tile(real* s, int64_t ld, const Tile& tile, int64_t dv, OnlineRows& state) {
    const int64_t rows = tile.rows(), cols = tile.cols();
    real* lanes = state.lanes.data();
    real *m = state.max.data(), *m_new = state.tile_max.data();
    real *correction = state.correction.data(), *tile_sum = state.tile_sum.data();
    // m' = max(m, max_j S_ij)
    std::fill(state.lanes.begin(), state.lanes.end(), kRemoved);
    for (int64_t r = 0; r < rows; ++r) max_lanes(s + r * ld, cols, lanes + r * kLanes);
    for (int64_t r = 0; r < rows; ++r) m_new[r] = lanes[r * kLanes];
    for (int k = 1; k < kLanes; ++k)
#pragma omp simd
        for (int64_t r = 0; r < rows; ++r) m_new[r] = std::max(m_new[r], lanes[r * kLanes + k]);
#pragma omp simd
    for (int64_t r = 0; r < rows; ++r) {
        m_new[r] = std::max(m[r], m_new[r]);
        // A row with nothing kept so far keeps ℓ = 0 and acc = 0 (its weights are set to 0).
        correction[r] = m_new[r] == kRemoved ? real(1) : exp_nonpositive(m[r] - m_new[r]);
    }
    // e^(S_ij − m') and Σ_j of each row
    std::fill(state.lanes.begin(), state.lanes.end(), real(0));
    for (int64_t r = 0; r < rows; ++r) {
        if (m_new[r] == kRemoved)
            std::fill_n(s + r * ld, cols, real(0));
        else
            exp_shifted_lanes(s + r * ld, cols, m_new[r], lanes + r * kLanes);
    }
    std::fill_n(tile_sum, rows, real(0));
    for (int k = 0; k < kLanes; ++k)
#pragma omp simd
        for (int64_t r = 0; r < rows; ++r) tile_sum[r] += lanes[r * kLanes + k];
    // ℓ' = ℓ·e^(m − m') + Σ_j,  acc' = acc·e^(m − m')  (the tile's (P ∘ Z) V is added after)
    for (int64_t r = 0; r < rows; ++r) {
        state.sum[size_t(r)] = state.sum[size_t(r)] * correction[r] + tile_sum[r];
        m[r] = m_new[r];
        for (int64_t k = 0; k < dv; ++k) state.acc[size_t(r * dv + k)] *= correction[r];
    }
}

void forward_block(const LogitTiles& logits, const TileSchedule& schedule, const real* v,
                   const FusedAttentionShape& shape, const FusedAttentionMasks& masks, int64_t task,
                   real* out, real* lse) {
    const int64_t blocks = schedule.query_blocks(), L = shape.length, dv = shape.dv;
    const int64_t slice = task / blocks, b = slice / shape.heads, head = slice % shape.heads;
    const Span rows = schedule.query_block(task % blocks);
    const int64_t ld = schedule.widest_key_span();
    const real* padding = masks.key_padding ? masks.key_padding + b * L : nullptr;
    const DropoutFactors dropout{shape, masks};
    std::vector<real> s(size_t(rows.size() * ld));
    std::vector<real> z(size_t(ld), 1);  // one row's dropout factors Z_ij
    OnlineRows state(rows.size(), dv);
    for (const Span& keys : schedule.key_spans(task % blocks)) {
        if (all_padded(padding, keys)) continue;
        const Tile tile{b, head, rows.begin, rows.end, keys.begin, keys.end};
        logits.compute(tile, s.data(), ld);
        mask_tile(s.data(), ld, tile, schedule, padding);
        fold_tile(s.data(), ld, tile, dv, state);
        if (masks.dropout > 0)
            for (int64_t r = 0; r < tile.rows(); ++r) {
                dropout.row(tile, rows.begin + r, keys.begin, tile.cols(), z.data());
                real* row = s.data() + r * ld;
#pragma omp simd
                for (int64_t c = 0; c < tile.cols(); ++c) row[c] *= z[size_t(c)];
            }
        // acc += (P ∘ Z) V over this tile's keys.
        gemm(false, false, tile.rows(), dv, tile.cols(), 1, s.data(), ld,
             v + (slice * L + keys.begin) * dv, dv, 1, state.acc.data(), dv);
    }
    for (int64_t r = 0; r < rows.size(); ++r) {
        const int64_t i = slice * L + rows.begin + r;
        const real total = state.sum[size_t(r)];
        for (int64_t k = 0; k < dv; ++k)
            out[i * dv + k] = total > 0 ? state.acc[size_t(r * dv + k)] / total : real(0);
        lse[i] = total > 0 ? state.max[size_t(r)] + std::log(total) : kRemoved;
    }
}

// One (b, head): every query block's tiles, in order (dV of the slice is only written here).
void backward_slice(const LogitTiles& logits, const TileSchedule& schedule, const real* v_columns,
                    const real* out, const real* lse, const real* dout,
                    const FusedAttentionShape& shape, const FusedAttentionMasks& masks, int64_t b,
                    int64_t head, real* dv, real* const* logit_grads) {
    const int64_t L = shape.length, width = shape.dv, slice = b * shape.heads + head;
    const int64_t ld = schedule.widest_key_span();
    const real* padding = masks.key_padding ? masks.key_padding + b * L : nullptr;
    const DropoutFactors dropout{shape, masks};
    std::vector<real> p(size_t(schedule.query_tile() * ld)), dp(p.size());
    std::vector<real> row_dots(size_t(schedule.query_tile()));
    std::vector<real> z(size_t(ld), 1);  // one row's dropout factors Z_ij (all 1 without dropout)
    for (int64_t block = 0; block < schedule.query_blocks(); ++block) {
        const Span rows = schedule.query_block(block);
        const real* o = out + (slice * L + rows.begin) * width;
        const real* d_o = dout + (slice * L + rows.begin) * width;
        for (int64_t r = 0; r < rows.size(); ++r) {  // D_i = dO_i · O_i
            real dot = 0;
            for (int64_t k = 0; k < width; ++k) dot += d_o[r * width + k] * o[r * width + k];
            row_dots[size_t(r)] = dot;
        }
        for (const Span& keys : schedule.key_spans(block)) {
            if (all_padded(padding, keys)) continue;
            const Tile tile{b, head, rows.begin, rows.end, keys.begin, keys.end};
            const real* v_keys = v_columns + slice * width * L + keys.begin;  // Vᵀ [dv, keys]
            logits.compute(tile, p.data(), ld);
            mask_tile(p.data(), ld, tile, schedule, padding);
            // dP̃ = dO Vᵀ over the tile (before the dropout factors).
            gemm(false, false, tile.rows(), tile.cols(), width, 1, d_o, width, v_keys, L, 0,
                 dp.data(), ld);
            for (int64_t r = 0; r < tile.rows(); ++r) {
                const real row_lse = lse[slice * L + rows.begin + r], row_dot = row_dots[size_t(r)];
                real* weight = p.data() + r * ld;
                real* grad = dp.data() + r * ld;
                if (row_lse == kRemoved) {  // no key kept: P = 0, so dS = 0 and no dV
                    std::fill_n(weight, tile.cols(), real(0));
                    std::fill_n(grad, tile.cols(), real(0));
                    continue;
                }
                if (masks.dropout > 0)
                    dropout.row(tile, rows.begin + r, keys.begin, tile.cols(), z.data());
#pragma omp simd
                for (int64_t c = 0; c < tile.cols(); ++c) {
                    weight[c] = exp_nonpositive(weight[c] - row_lse);          // P
                    grad[c] = weight[c] * (grad[c] * z[size_t(c)] - row_dot);  // dS
                    weight[c] *= z[size_t(c)];                                 // P ∘ Z, for dV
                }
            }
            // dV [keys, dv] += (P ∘ Z)ᵀ dO.
            if (dv)
                gemm(true, false, tile.cols(), width, tile.rows(), 1, p.data(), ld, d_o, width, 1,
                     dv + (slice * L + keys.begin) * width, width);
            logits.accumulate(tile, dp.data(), ld, logit_grads);
        }
    }
}

}  // namespace

void fused_attention_forward(const LogitTiles& logits, const TileSchedule& schedule, const real* v,
                             const FusedAttentionShape& shape, const FusedAttentionMasks& masks,
                             real* out, real* lse) {
    const int64_t tasks = shape.batch * shape.heads * schedule.query_blocks();
    for_each_matrix(tasks, [&](int64_t task) {
        forward_block(logits, schedule, v, shape, masks, task, out, lse);
    });
}

void fused_attention_backward(const LogitTiles& logits, const TileSchedule& schedule, const real* v,
                              const real* out, const real* lse, const real* dout,
                              const FusedAttentionShape& shape, const FusedAttentionMasks& masks,
                              real* dv, real* const* logit_grads) {
    // Vᵀ [B, h, dv, L]: each tile's dO Vᵀ is then a plain product, which OpenBLAS's small-matrix
    // kernels take (with V [L, dv] every tile went through its packing path).
    const int64_t slices = shape.batch * shape.heads, L = shape.length;
    std::vector<real> v_columns(size_t(slices * L * shape.dv));
    permute(v, {slices, L, shape.dv}, {0, 2, 1}, v_columns.data(), false);
    const auto run = [&](int64_t b, int64_t head) {
        backward_slice(logits, schedule, v_columns.data(), out, lse, dout, shape, masks, b, head,
                       dv, logit_grads);
    };
    if (logits.sharing() == GradSharing::None) {
        for_each_matrix(shape.batch * shape.heads,
                        [&](int64_t slice) { run(slice / shape.heads, slice % shape.heads); });
    } else {  // a thread owns whole heads, so gradients summed over the batch never race
        for_each_matrix(shape.heads, [&](int64_t head) {
            for (int64_t b = 0; b < shape.batch; ++b) run(b, head);
        });
    }
    logits.finish(logit_grads);
}

}  // namespace attnlab::kernels
