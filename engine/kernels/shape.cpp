// shape.cpp — the permute copy and the strided block copy.
//
// permute walks the OUTPUT in row-major order, so writes are contiguous; each output row reads x
// with the stride of the axis that became the last one. When the last axis stays last (splitting
// attention heads: [B, L, h, d] → [B, h, L, d]) the reads are contiguous too.
#include "shape.h"

#include <algorithm>
#include <cstring>

#include "parallel.h"

namespace attnlab::kernels {

void permute(const real* x, const Shape& x_shape, const std::vector<int>& order, real* y,
             bool accumulate) {
    const int nd = int(x_shape.size());
    const int64_t total = numel_of(x_shape);
    if (total == 0) return;
    if (nd == 0) {
        y[0] = accumulate ? y[0] + x[0] : x[0];
        return;
    }
    std::vector<int64_t> x_stride(x_shape.size()), out_extent(x_shape.size()),
        in_stride(x_shape.size());
    int64_t step = 1;
    for (int d = nd - 1; d >= 0; --d) x_stride[d] = step, step *= x_shape[d];
    for (int d = 0; d < nd; ++d) {
        out_extent[d] = x_shape[order[d]];
        in_stride[d] = x_stride[order[d]];
    }
    const int64_t width = out_extent.back(), last_stride = in_stride.back();
    const int64_t rows = total / width;
#pragma omp parallel for schedule(static) if (total > kParallelMinWork)
    for (int64_t row = 0; row < rows; ++row) {
        int64_t base = 0;
        for (int64_t d = nd - 2, rest = row; d >= 0; --d) {
            base += (rest % out_extent[d]) * in_stride[d];
            rest /= out_extent[d];
        }
        const real* source = x + base;
        real* target = y + row * width;
        if (last_stride == 1 && !accumulate) {  // the heads case: whole rows are contiguous
            std::copy(source, source + width, target);
        } else if (last_stride == 1) {
#pragma omp simd
            for (int64_t j = 0; j < width; ++j) target[j] += source[j];
        } else if (accumulate) {
            for (int64_t j = 0; j < width; ++j) target[j] += source[j * last_stride];
        } else {
            for (int64_t j = 0; j < width; ++j) target[j] = source[j * last_stride];
        }
    }
}

void copy_blocks(const real* src, int64_t src_stride, real* dst, int64_t dst_stride, int64_t rows,
                 int64_t width, bool accumulate) {
    if (width == 0) return;
#pragma omp parallel for schedule(static) if (rows * width > kParallelMinWork)
    for (int64_t r = 0; r < rows; ++r) {
        const real* source = src + r * src_stride;
        real* target = dst + r * dst_stride;
        if (accumulate) {
#pragma omp simd
            for (int64_t j = 0; j < width; ++j) target[j] += source[j];
        } else {
            std::memcpy(target, source, size_t(width) * sizeof(real));
        }
    }
}

}  // namespace attnlab::kernels
