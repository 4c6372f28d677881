// shape.h — raw kernels that move elements between layouts: an axis permutation and a strided
// block copy (the workhorse of slice, concat and split). Both can add instead of copy, which is
// what their backward passes need.
#pragma once

#include <cstdint>
#include <vector>

#include "../common.h"

namespace attnlab::kernels {

// y = x with its axes reordered: axis i of y is axis order[i] of x. `order` must be a permutation
// of 0..ndim−1. With accumulate, y += the permuted x instead.
void permute(const real* x, const Shape& x_shape, const std::vector<int>& order, real* y,
             bool accumulate);

// For r < rows and j < width: dst[r · dst_stride + j] = src[r · src_stride + j] (+= with
// accumulate). Slicing x [outer, n, inner] along the middle axis at [start, end) is
// copy_blocks(x + start·inner, n·inner, y, (end − start)·inner, outer, (end − start)·inner).
void copy_blocks(const real* src, int64_t src_stride, real* dst, int64_t dst_stride, int64_t rows,
                 int64_t width, bool accumulate);

}  // namespace attnlab::kernels
