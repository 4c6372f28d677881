// row_cache.cpp — appends by block copies, reads by strided batched gemms.
#include "row_cache.h"

#include <algorithm>

#include "kernels/gemm_batched.h"
#include "kernels/shape.h"

namespace attnlab {

void RowCache::check_row(const char* op, const Tensor& t, int64_t last) const {
    ATTNLAB_CHECK(length_ > 0, "RowCache::", op, ": the cache is empty");
    const Shape expected = {row_shape_[0], row_shape_[1], 1, last};
    ATTNLAB_CHECK(t.shape() == expected, "RowCache::", op, ": got ", shape_str(t.shape()),
                  ", expected ", shape_str(expected));
}

void RowCache::append(const Tensor& rows) {
    ATTNLAB_CHECK(rows.ndim() == 4 && rows.size(2) == 1 && rows.numel() > 0 &&
                      (length_ == 0 || rows.shape() == row_shape_),
                  "RowCache::append: rows ", shape_str(rows.shape()), " (expected [B, h, 1, w]",
                  length_ ? " = " + shape_str(row_shape_) : std::string(), ")");
    const int64_t block = rows.numel();  // B·h·w: one position
    const int64_t capacity = storage_.defined() ? storage_.size(0) : 0;
    if (length_ == capacity) {  // double, keeping the positions so far
        row_shape_ = rows.shape();
        Tensor grown = Tensor::empty(
            {std::max<int64_t>(2 * capacity, 16), block / rows.size(3), rows.size(3)});
        if (length_ > 0)
            kernels::copy_blocks(storage_.data(), 0, grown.data(), 0, 1, length_ * block, false);
        storage_ = grown;
    }
    kernels::copy_blocks(rows.data(), 0, storage_.data() + length_ * block, 0, 1, block, false);
    ++length_;
}

Tensor RowCache::scores(const Tensor& q) const {
    const int64_t w = row_shape_[3];
    check_row("scores", q, w);
    const int64_t slices = row_shape_[0] * row_shape_[1], t = length_;
    Tensor out = Tensor::empty({row_shape_[0], row_shape_[1], 1, t});
    // Slice s: [1, w] · [t, w]ᵀ with the t rows slices · w apart.
    kernels::gemm_batched(false, true, slices, 1, t, w, 1, q.data(), w, w, storage_.data(),
                          slices * w, w, 0, out.data(), t, t);
    return out;
}

Tensor RowCache::mix(const Tensor& p) const {
    check_row("mix", p, length_);
    const int64_t w = row_shape_[3], slices = row_shape_[0] * row_shape_[1], t = length_;
    Tensor out = Tensor::empty(row_shape_);
    // Slice s: [1, t] · [t, w] with the t rows slices · w apart.
    kernels::gemm_batched(false, false, slices, 1, w, t, 1, p.data(), t, t, storage_.data(),
                          slices * w, w, 0, out.data(), w, w);
    return out;
}

}  // namespace attnlab
