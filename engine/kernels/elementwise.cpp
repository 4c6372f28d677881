// elementwise.cpp — broadcasting binary arithmetic and its adjoint, sum_to.
//
// Both kernels first "coalesce" the shapes: dimensions of extent 1 in the output are dropped, and
// neighbouring dimensions in which each operand is either present or broadcast in the same way are
// merged. [B, L, d] + [d] becomes [B·L, d] + [d]; [2, 3] · [2, 3] becomes one flat loop. The common
// cases then reach a loop the compiler vectorises, and only unusual patterns take the general path.
#include "elementwise.h"

#include <algorithm>
#include <functional>
#include <vector>

#include "parallel.h"
#include "reduce.h"

namespace attnlab::kernels {
namespace {

constexpr int64_t kChunk = 4096;  // elements per parallel work item

// The broadcast problem after coalescing: extents, and each operand's stride per dimension (0 where
// that operand is broadcast).
struct Coalesced {
    std::vector<int64_t> extent, a_stride, b_stride;
};

Coalesced coalesce(const Shape& a_shape, const Shape& b_shape, const Shape& out_shape) {
    const size_t nd = out_shape.size();
    auto extent_in = [nd](const Shape& shape, size_t d) {  // aligned at the trailing dimension
        const size_t missing = nd - shape.size();
        return d < missing ? int64_t(1) : shape[d - missing];
    };
    std::vector<int64_t> extent;
    std::vector<bool> a_present, b_present;
    for (size_t d = 0; d < nd; ++d) {
        if (out_shape[d] == 1) continue;
        const bool in_a = extent_in(a_shape, d) != 1, in_b = extent_in(b_shape, d) != 1;
        if (!extent.empty() && a_present.back() == in_a && b_present.back() == in_b) {
            extent.back() *= out_shape[d];
        } else {
            extent.push_back(out_shape[d]);
            a_present.push_back(in_a);
            b_present.push_back(in_b);
        }
    }
    if (extent.empty()) extent = {1}, a_present = {true}, b_present = {true};  // one element

    Coalesced dims{extent, std::vector<int64_t>(extent.size()),
                   std::vector<int64_t>(extent.size())};
    int64_t a_step = 1, b_step = 1;
    for (size_t d = extent.size(); d-- > 0;) {
        dims.a_stride[d] = a_present[d] ? a_step : 0;
        dims.b_stride[d] = b_present[d] ? b_step : 0;
        if (a_present[d]) a_step *= extent[d];
        if (b_present[d]) b_step *= extent[d];
    }
    return dims;
}

// y[i] = f(a[i·a_step], b[i·b_step]) for steps in {0, 1}: three loops the compiler can vectorise.
template <class F>
void segment(F f, const real* a, int64_t a_step, const real* b, int64_t b_step, real* y,
             int64_t n) {
    if (a_step && b_step) {
        for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], b[i]);
    } else if (a_step) {
        const real b0 = b[0];
        for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], b0);
    } else {
        const real a0 = a[0];
        for (int64_t i = 0; i < n; ++i) y[i] = f(a0, b[i]);
    }
}

// General N-d loop: the output is cut into fixed chunks; each chunk finds its starting index once,
// then walks the innermost dimension in segments and carries into the outer ones.
template <class F>
void general(F f, const real* a, const real* b, real* y, const Coalesced& dims) {
    const std::vector<int64_t>&extent = dims.extent, &a_stride = dims.a_stride,
          &b_stride = dims.b_stride;
    const int inner = int(extent.size()) - 1;
    int64_t total = 1;
    for (int64_t e : extent) total *= e;
    const int64_t chunks = (total + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (total > kParallelMinWork)
    for (int64_t c = 0; c < chunks; ++c) {
        const int64_t begin = c * kChunk, end = std::min(total, begin + kChunk);
        std::vector<int64_t> index(extent.size());
        int64_t a_at = 0, b_at = 0, rest = begin;
        for (int d = inner; d >= 0; --d) {  // row-major decomposition of `begin`
            index[d] = rest % extent[d];
            rest /= extent[d];
            a_at += index[d] * a_stride[d];
            b_at += index[d] * b_stride[d];
        }
        for (int64_t at = begin; at < end;) {
            const int64_t run = std::min(extent[inner] - index[inner], end - at);
            segment(f, a + a_at, a_stride[inner], b + b_at, b_stride[inner], y + at, run);
            at += run;
            index[inner] += run;
            a_at += run * a_stride[inner];
            b_at += run * b_stride[inner];
            for (int d = inner; d > 0 && index[d] == extent[d]; --d) {  // carry
                a_at += a_stride[d - 1] - extent[d] * a_stride[d];
                b_at += b_stride[d - 1] - extent[d] * b_stride[d];
                index[d] = 0;
                index[d - 1]++;
            }
        }
    }
}

template <class F>
void broadcast_with(F f, const real* a, const Shape& a_shape, const real* b, const Shape& b_shape,
                    real* y, const Shape& out_shape) {
    const int64_t total = numel_of(out_shape);
    if (total == 0) return;
    const Coalesced dims = coalesce(a_shape, b_shape, out_shape);
    if (dims.extent.size() == 1) {  // same shapes, or one operand is a single value
        const int64_t a_step = dims.a_stride[0], b_step = dims.b_stride[0];
        const int64_t chunks = (total + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (total > kParallelMinWork)
        for (int64_t c = 0; c < chunks; ++c) {
            const int64_t begin = c * kChunk;
            segment(f, a + begin * a_step, a_step, b + begin * b_step, b_step, y + begin,
                    std::min(kChunk, total - begin));
        }
    } else if (dims.extent.size() == 2 && dims.a_stride[1] && !dims.b_stride[0]) {
        // b repeats along a's leading dimensions, e.g. a bias [d] on [B, L, d]: rows of a.
        const int64_t rows = dims.extent[0], width = dims.extent[1];
#pragma omp parallel for schedule(static) if (total > kParallelMinWork)
        for (int64_t r = 0; r < rows; ++r) segment(f, a + r * width, 1, b, 1, y + r * width, width);
    } else {
        general(f, a, b, y, dims);
    }
}

}  // namespace

void broadcast_binary(BinaryOp op, const real* a, const Shape& a_shape, const real* b,
                      const Shape& b_shape, real* y, const Shape& out_shape) {
    switch (op) {
        case BinaryOp::Add:
            return broadcast_with(std::plus<real>(), a, a_shape, b, b_shape, y, out_shape);
        case BinaryOp::Sub:
            return broadcast_with(std::minus<real>(), a, a_shape, b, b_shape, y, out_shape);
        case BinaryOp::Mul:
            return broadcast_with(std::multiplies<real>(), a, a_shape, b, b_shape, y, out_shape);
        case BinaryOp::Div:
            return broadcast_with(std::divides<real>(), a, a_shape, b, b_shape, y, out_shape);
    }
}

// After coalescing, x is a sequence of dimension groups, each kept (present in y) or reduced. One
// reduced group, [kept?, reduced, kept?], is exactly sum_axis's [outer, n, inner]. Rarer patterns
// such as [reduced, kept, reduced] reduce their innermost reduced group into a scratch tensor and
// repeat, so every output element is still summed in a fixed order.
void sum_to(const real* x, const Shape& x_shape, real* y, const Shape& y_shape, real alpha) {
    const int64_t total = numel_of(x_shape);
    if (total == 0) return;
    const size_t missing = x_shape.size() - y_shape.size();
    std::vector<int64_t> extent;
    std::vector<bool> reduced;
    for (size_t d = 0; d < x_shape.size(); ++d) {
        if (x_shape[d] == 1) continue;
        const bool gone = d < missing || y_shape[d - missing] == 1;
        if (!extent.empty() && reduced.back() == gone) {
            extent.back() *= x_shape[d];
        } else {
            extent.push_back(x_shape[d]);
            reduced.push_back(gone);
        }
    }
    if (std::count(reduced.begin(), reduced.end(), true) == 0) return axpy(alpha, x, y, total);

    std::vector<real> scratch;
    const real* source = x;
    for (;;) {
        size_t last = reduced.size() - 1;  // the innermost reduced group
        while (!reduced[last]) --last;
        int64_t outer = 1, inner = 1;
        for (size_t g = 0; g < last; ++g) outer *= extent[g];
        for (size_t g = last + 1; g < extent.size(); ++g) inner *= extent[g];
        if (std::count(reduced.begin(), reduced.end(), true) == 1)
            return sum_axis(source, outer, extent[last], inner, alpha, y);

        std::vector<real> partial(static_cast<size_t>(outer * inner), real(0));
        sum_axis(source, outer, extent[last], inner, 1, partial.data());
        scratch = std::move(partial);
        source = scratch.data();
        extent.erase(extent.begin() + long(last));
        reduced.erase(reduced.begin() + long(last));
        if (last < extent.size() && last > 0) {  // two kept groups are now neighbours: merge them
            extent[last - 1] *= extent[last];
            extent.erase(extent.begin() + long(last));
            reduced.erase(reduced.begin() + long(last));
        }
    }
}

void scale(const real* x, real factor, real* y, int64_t n) {
#pragma omp parallel for simd schedule(static) if (n > kParallelMinWork)
    for (int64_t i = 0; i < n; ++i) y[i] = factor * x[i];
}

void add_scalar(const real* x, real value, real* y, int64_t n) {
#pragma omp parallel for simd schedule(static) if (n > kParallelMinWork)
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] + value;
}

void axpy(real alpha, const real* x, real* y, int64_t n) {
#pragma omp parallel for simd schedule(static) if (n > kParallelMinWork)
    for (int64_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

// Every gradient buffer starts as a fill with 0: on one thread it would be a serial pass in an
// otherwise parallel step.
void fill(real value, real* y, int64_t n) {
#pragma omp parallel for simd schedule(static) if (n > kParallelMinWork)
    for (int64_t i = 0; i < n; ++i) y[i] = value;
}

}  // namespace attnlab::kernels
