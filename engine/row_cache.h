// row_cache.h — the growing cache of incremental attention decoding (models/attention.h: the
// frame's values, vanilla's keys): one row of width w per (batch, head) slice and position,
// appended one position at a time and read by the two products of one attention row. Not
// differentiable (decoding records no history).
//
// Storage is position-major [capacity, slices, w], so appending a position writes one contiguous
// block and nothing moves except when the capacity doubles (amortised O(1) per appended element,
// where re-concatenating [B, h, t, dh] at every step would copy O(t) per step). The products read
// each slice's rows with a stride of slices · w through kernels::gemm_batched.
#pragma once

#include "tensor.h"

namespace attnlab {

class RowCache {
  public:
    RowCache() = default;
    RowCache(const RowCache&) = delete;
    RowCache& operator=(const RowCache&) = delete;

    // Appends rows [B, h, 1, w] as the next position; every call must pass the same shape.
    void append(const Tensor& rows);
    int64_t length() const { return length_; }  // t, the positions appended

    // q [B, h, 1, w] → q · [r_0 … r_{t−1}]ᵀ [B, h, 1, t]: scores against cached keys.
    Tensor scores(const Tensor& q) const;
    // p [B, h, 1, t] → Σ_j p_j r_j [B, h, 1, w]: the mix of cached values.
    Tensor mix(const Tensor& p) const;

  private:
    // Throws unless `t` is [B, h, 1, last] for the cached B and h.
    void check_row(const char* op, const Tensor& t, int64_t last) const;

    Shape row_shape_;  // [B, h, 1, w]
    Tensor storage_;   // [capacity, B·h, w]
    int64_t length_ = 0;
};

}  // namespace attnlab
