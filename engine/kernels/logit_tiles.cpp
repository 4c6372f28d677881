// logit_tiles.cpp — the tile producers of logit_tiles.h, forward and gradient side by side.
#include "logit_tiles.h"

#include <algorithm>
#include <vector>

#include "blas.h"

namespace attnlab::kernels {
namespace {

GradSharing shared_if(bool shared) {
    return shared ? GradSharing::Batch : GradSharing::None;
}

}  // namespace

// --- ProductTiles -----------------------------------------------------------------------------

ProductTiles::ProductTiles(const real* q, View q_view, const real* k, View k_view,
                           bool k_transposed, int64_t dk, const real* bias,
                           int64_t bias_head_stride)
    : q_(q),
      k_(k),
      bias_(bias),
      q_view_(q_view),
      k_view_(k_view),
      k_transposed_(k_transposed),
      dk_(dk),
      bias_head_stride_(bias_head_stride) {}

GradSharing ProductTiles::sharing() const {
    return shared_if(q_view_.batch_stride == 0 || k_view_.batch_stride == 0 || bias_);
}

// K's element offset of the tile's first key: row col0 of [cols, dk], or column col0 of [dk, cols].
static int64_t key_offset(const View& view, bool transposed, const Tile& tile) {
    return transposed ? view.offset(tile.batch, tile.head, 0) + tile.col0
                      : view.offset(tile.batch, tile.head, tile.col0);
}

void ProductTiles::compute(const Tile& tile, real* out, int64_t ld) const {
    const real* q = q_ + q_view_.offset(tile.batch, tile.head, tile.row0);
    const real* k = k_ + key_offset(k_view_, k_transposed_, tile);
    // S [rows, cols] = Q [rows, dk] · Kᵀ, with K [cols, dk] (transposed by the flag) or [dk, cols].
    gemm(false, !k_transposed_, tile.rows(), tile.cols(), dk_, 1, q, q_view_.ld, k, k_view_.ld, 0,
         out, ld);
    if (!bias_) return;
    const real* bias = bias_ + tile.head * bias_head_stride_ + tile.col0;
    for (int64_t r = 0; r < tile.rows(); ++r)
        for (int64_t c = 0; c < tile.cols(); ++c) out[r * ld + c] += bias[c];
}

void ProductTiles::accumulate(const Tile& tile, const real* dS, int64_t ld,
                              real* const* grads) const {
    const int64_t q_at = q_view_.offset(tile.batch, tile.head, tile.row0);
    const int64_t k_at = key_offset(k_view_, k_transposed_, tile);
    const int64_t rows = tile.rows(), cols = tile.cols();
    // S = Q Kᵀ ⇒ dQ [rows, dk] += dS · K, where K read as [cols, dk].
    if (grads[0])
        gemm(false, k_transposed_, rows, dk_, cols, 1, dS, ld, k_ + k_at, k_view_.ld, 1,
             grads[0] + q_at, q_view_.ld);
    // dK [cols, dk] += dSᵀ · Q, or, stored [dk, cols], dKᵀ += Qᵀ · dS.
    if (grads[1]) {
        if (k_transposed_)
            gemm(true, false, dk_, cols, rows, 1, q_ + q_at, q_view_.ld, dS, ld, 1, grads[1] + k_at,
                 k_view_.ld);
        else
            gemm(true, false, cols, dk_, rows, 1, dS, ld, q_ + q_at, q_view_.ld, 1, grads[1] + k_at,
                 k_view_.ld);
    }
    // S[r, c] += bias[c] ⇒ dbias[c] += Σ_r dS[r, c].
    if (bias_ && grads[2]) {
        real* dbias = grads[2] + tile.head * bias_head_stride_ + tile.col0;
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t c = 0; c < cols; ++c) dbias[c] += dS[r * ld + c];
    }
}

// --- MatrixTiles ------------------------------------------------------------------------------

GradSharing MatrixTiles::sharing() const {
    return shared_if(view_.batch_stride == 0);
}

void MatrixTiles::compute(const Tile& tile, real* out, int64_t ld) const {
    for (int64_t r = 0; r < tile.rows(); ++r) {
        const real* row = m_ + view_.offset(tile.batch, tile.head, tile.row0 + r) + tile.col0;
        for (int64_t c = 0; c < tile.cols(); ++c) out[r * ld + c] = row[c];
    }
}

void MatrixTiles::accumulate(const Tile& tile, const real* dS, int64_t ld,
                             real* const* grads) const {
    if (!grads[0]) return;
    for (int64_t r = 0; r < tile.rows(); ++r) {
        real* row = grads[0] + view_.offset(tile.batch, tile.head, tile.row0 + r) + tile.col0;
        for (int64_t c = 0; c < tile.cols(); ++c) row[c] += dS[r * ld + c];
    }
}

// --- OuterTiles -------------------------------------------------------------------------------

OuterTiles::OuterTiles(const real* a, View a_view, const real* c, View c_view, int64_t nb)
    : a_(a), c_(c), a_view_(a_view), c_view_(c_view), nb_(nb) {}

GradSharing OuterTiles::sharing() const {
    return shared_if(a_view_.batch_stride == 0 || c_view_.batch_stride == 0);
}

void OuterTiles::compute(const Tile& tile, real* out, int64_t ld) const {
    for (int64_t r = 0; r < tile.rows(); ++r) {
        const real* a = a_ + a_view_.offset(tile.batch, tile.head, tile.row0 + r);
        const real* c = c_ + c_view_.offset(tile.batch, tile.head, tile.row0 + r);
        for (int64_t j = tile.col0; j < tile.col1; ++j)
            out[r * ld + j - tile.col0] = a[j / nb_] * c[j % nb_];
    }
}

void OuterTiles::accumulate(const Tile& tile, const real* dS, int64_t ld,
                            real* const* grads) const {
    for (int64_t r = 0; r < tile.rows(); ++r) {
        const int64_t a_at = a_view_.offset(tile.batch, tile.head, tile.row0 + r);
        const int64_t c_at = c_view_.offset(tile.batch, tile.head, tile.row0 + r);
        for (int64_t j = tile.col0; j < tile.col1; ++j) {
            const real ds = dS[r * ld + j - tile.col0];
            if (grads[0]) grads[0][a_at + j / nb_] += ds * c_[c_at + j % nb_];
            if (grads[1]) grads[1][c_at + j % nb_] += ds * a_[a_at + j / nb_];
        }
    }
}

// --- WeightedTiles ----------------------------------------------------------------------------

WeightedTiles::WeightedTiles(const real* weights,
                             std::vector<std::shared_ptr<const LogitTiles>> parts, int64_t heads)
    : weights_(weights),
      parts_(std::move(parts)),
      heads_(heads),
      weight_grads_(size_t(heads) * parts_.size(), 0.0) {}

int64_t WeightedTiles::inputs() const {
    int64_t count = 1;
    for (const auto& part : parts_) count += part->inputs();
    return count;
}

void WeightedTiles::compute(const Tile& tile, real* out, int64_t ld) const {
    std::vector<real> part_tile(size_t(tile.rows() * tile.cols()));
    for (int64_t r = 0; r < tile.rows(); ++r)
        for (int64_t c = 0; c < tile.cols(); ++c) out[r * ld + c] = 0;
    for (size_t n = 0; n < parts_.size(); ++n) {
        parts_[n]->compute(tile, part_tile.data(), tile.cols());
        for (int64_t r = 0; r < tile.rows(); ++r)
            for (int64_t c = 0; c < tile.cols(); ++c)
                out[r * ld + c] += weights_[n] * part_tile[size_t(r * tile.cols() + c)];
    }
}

void WeightedTiles::accumulate(const Tile& tile, const real* dS, int64_t ld,
                               real* const* grads) const {
    const int64_t rows = tile.rows(), cols = tile.cols();
    std::vector<real> part_tile(size_t(rows * cols)), part_grad(size_t(rows * cols));
    real* const* part_grads = grads + 1;
    for (size_t n = 0; n < parts_.size(); ++n) {
        if (grads[0]) {  // dw_n += ⟨dS, S_n⟩, gathered per head until finish()
            parts_[n]->compute(tile, part_tile.data(), cols);
            double dot = 0;
            for (int64_t r = 0; r < rows; ++r)
                for (int64_t c = 0; c < cols; ++c)
                    dot += double(dS[r * ld + c]) * double(part_tile[size_t(r * cols + c)]);
            weight_grads_[size_t(tile.head) * parts_.size() + n] += dot;
        }
        // S = Σ w_n S_n ⇒ dS_n = w_n dS.
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t c = 0; c < cols; ++c)
                part_grad[size_t(r * cols + c)] = weights_[n] * dS[r * ld + c];
        parts_[n]->accumulate(tile, part_grad.data(), cols, part_grads);
        part_grads += parts_[n]->inputs();
    }
}

void WeightedTiles::finish(real* const* grads) const {
    if (grads[0])
        for (int64_t head = 0; head < heads_; ++head)
            for (size_t n = 0; n < parts_.size(); ++n)
                grads[0][n] += real(weight_grads_[size_t(head) * parts_.size() + n]);
    std::fill(weight_grads_.begin(), weight_grads_.end(), 0.0);
    real* const* part_grads = grads + 1;
    for (const auto& part : parts_) {
        part->finish(part_grads);
        part_grads += part->inputs();
    }
}

}  // namespace attnlab::kernels
