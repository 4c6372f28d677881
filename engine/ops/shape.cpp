// shape.cpp — differentiable shape ops: reshape (a view), transpose and permute (copies), and
// slice, concat and split (block copies along one axis).
//
// Tensors are always contiguous and row-major (tensor.h), so only reshape can share storage: it
// keeps the element order and changes nothing but the shape. Everything else copies. Along an axis,
// x is viewed as [outer, n, inner]; a slice or a piece of a concat is then `outer` contiguous
// blocks of (length · inner) elements, which kernels::copy_blocks moves in either direction.
#include "../kernels/shape.h"

#include <memory>

#include "../kernels/elementwise.h"
#include "../ops.h"

namespace attnlab {
namespace {

struct AxisSplit {
    int64_t outer = 1, inner = 1;
};

AxisSplit split_at(const Shape& shape, int axis) {
    AxisSplit s;
    for (int d = 0; d < int(shape.size()); ++d) {
        if (d < axis) s.outer *= shape[d];
        if (d > axis) s.inner *= shape[d];
    }
    return s;
}

Shape as_shape(const std::vector<int>& order) {
    return Shape(order.begin(), order.end());
}

Tensor permute_named(const char* name, const Tensor& x, const std::vector<int>& order) {
    const int nd = x.ndim();
    std::vector<int> inverse(x.shape().size(), -1);
    bool valid = int(order.size()) == nd;
    for (size_t i = 0; valid && i < order.size(); ++i) {
        valid = order[i] >= 0 && order[i] < nd && inverse[order[i]] < 0;
        if (valid) inverse[order[i]] = int(i);
    }
    ATTNLAB_CHECK(valid, name, ": order ", shape_str(as_shape(order)),
                  " is not a permutation of the axes of ", shape_str(x.shape()),
                  " (expected each of 0..", nd - 1, " exactly once)");
    Shape out_shape(x.shape().size());
    for (int i = 0; i < nd; ++i) out_shape[i] = x.shape()[order[i]];
    Tensor y = Tensor::empty(out_shape);
    kernels::permute(x.data(), x.shape(), order, y.data(), false);
    // y's axis i is x's axis order[i]  ⇒  dx += dy permuted by the inverse order
    return record(name, y, {x}, [out_shape, inverse](const real* dy, const std::vector<real*>& dx) {
        if (dx[0]) kernels::permute(dy, out_shape, inverse, dx[0], true);
    });
}

}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
    Shape out = shape;
    int inferred = -1;
    int64_t known = 1;
    for (int d = 0; d < int(out.size()); ++d) {
        if (out[d] == -1) {
            ATTNLAB_CHECK(inferred < 0, "reshape: more than one -1 in ", shape_str(shape));
            inferred = d;
        } else {
            ATTNLAB_CHECK(out[d] >= 0, "reshape: negative extent in ", shape_str(shape));
            known *= out[d];
        }
    }
    if (inferred >= 0) {
        ATTNLAB_CHECK(known > 0 && x.numel() % known == 0, "reshape: cannot view ",
                      shape_str(x.shape()), " (", x.numel(), " elements) as ", shape_str(shape),
                      ": no extent for the -1 makes the counts equal");
        out[inferred] = x.numel() / known;
    }
    ATTNLAB_CHECK(numel_of(out) == x.numel(), "reshape: cannot view ", shape_str(x.shape()), " (",
                  x.numel(), " elements) as ", shape_str(shape), " (", numel_of(out), " elements)");
    auto view = std::make_shared<TensorImpl>();
    view->buffer = x.impl()->buffer;
    view->offset = x.impl()->offset;
    view->shape = out;
    // A view with the same element order: y_i = x_i  ⇒  dx += dy
    return record("reshape", Tensor(std::move(view)), {x},
                  [n = x.numel()](const real* dy, const std::vector<real*>& dx) {
                      if (dx[0]) kernels::axpy(1, dy, dx[0], n);
                  });
}

Tensor permute(const Tensor& x, const std::vector<int>& order) {
    return permute_named("permute", x, order);
}

Tensor transpose(const Tensor& x, int axis0, int axis1) {
    const int a0 = normalize_axis("transpose", axis0, x.ndim());
    const int a1 = normalize_axis("transpose", axis1, x.ndim());
    std::vector<int> order(x.shape().size());
    for (int d = 0; d < x.ndim(); ++d) order[d] = d;
    std::swap(order[a0], order[a1]);
    return permute_named("transpose", x, order);
}

Tensor slice(const Tensor& x, int axis, int64_t start, int64_t end) {
    const int ax = normalize_axis("slice", axis, x.ndim());
    const int64_t n = x.shape()[ax];
    ATTNLAB_CHECK(0 <= start && start <= end && end <= n, "slice: range [", start, ", ", end,
                  ") does not fit axis ", axis, " of ", shape_str(x.shape()),
                  " (expected 0 <= start <= end <= ", n, ")");
    const AxisSplit s = split_at(x.shape(), ax);
    const int64_t length = end - start;
    Shape out_shape = x.shape();
    out_shape[ax] = length;
    Tensor y = Tensor::empty(out_shape);
    kernels::copy_blocks(x.data() + start * s.inner, n * s.inner, y.data(), length * s.inner,
                         s.outer, length * s.inner, false);
    // y = x[..., start:end, ...]  ⇒  dx[..., start:end, ...] += dy
    return record("slice", y, {x},
                  [s, n, start, length](const real* dy, const std::vector<real*>& dx) {
                      if (!dx[0]) return;
                      kernels::copy_blocks(dy, length * s.inner, dx[0] + start * s.inner,
                                           n * s.inner, s.outer, length * s.inner, true);
                  });
}

Tensor concat(const std::vector<Tensor>& xs, int axis) {
    ATTNLAB_CHECK(!xs.empty(), "concat: needs at least one tensor");
    for (size_t i = 0; i < xs.size(); ++i)
        ATTNLAB_CHECK(xs[i].defined(), "concat: tensor ", i, " is undefined");
    const Shape& first = xs[0].shape();
    const int ax = normalize_axis("concat", axis, int(first.size()));
    std::vector<int64_t> lengths;
    int64_t total = 0;
    for (size_t i = 0; i < xs.size(); ++i) {
        Shape expected = xs[i].shape();
        bool same = expected.size() == first.size();
        if (same) expected[ax] = first[ax];
        ATTNLAB_CHECK(same && expected == first, "concat: tensor ", i, " has shape ",
                      shape_str(xs[i].shape()), " but tensor 0 has ", shape_str(first),
                      " (all extents except axis ", axis, " must match)");
        lengths.push_back(xs[i].shape()[ax]);
        total += lengths.back();
    }
    const AxisSplit s = split_at(first, ax);
    Shape out_shape = first;
    out_shape[ax] = total;
    Tensor y = Tensor::empty(out_shape);
    int64_t placed = 0;
    for (size_t i = 0; i < xs.size(); placed += lengths[i], ++i)
        kernels::copy_blocks(xs[i].data(), lengths[i] * s.inner, y.data() + placed * s.inner,
                             total * s.inner, s.outer, lengths[i] * s.inner, false);
    // y = [x0 | x1 | ...] along the axis  ⇒  dxi += the block of dy where xi was placed
    return record(
        "concat", y, xs, [s, lengths, total](const real* dy, const std::vector<real*>& dx) {
            int64_t at = 0;
            for (size_t i = 0; i < lengths.size(); at += lengths[i], ++i) {
                if (!dx[i]) continue;
                kernels::copy_blocks(dy + at * s.inner, total * s.inner, dx[i],
                                     lengths[i] * s.inner, s.outer, lengths[i] * s.inner, true);
            }
        });
}

// Each piece is a slice, so each carries its own (slice) backward into x.
std::vector<Tensor> split(const Tensor& x, int axis, const std::vector<int64_t>& sizes) {
    const int ax = normalize_axis("split", axis, x.ndim());
    int64_t total = 0;
    bool non_negative = true;
    for (int64_t size : sizes) total += size, non_negative = non_negative && size >= 0;
    ATTNLAB_CHECK(non_negative && total == x.shape()[ax], "split: sizes ", shape_str(sizes),
                  " do not add up to extent ", x.shape()[ax], " of axis ", axis, " in ",
                  shape_str(x.shape()), " (expected non-negative sizes summing to it)");
    std::vector<Tensor> pieces;
    int64_t at = 0;
    for (int64_t size : sizes) {
        pieces.push_back(slice(x, ax, at, at + size));
        at += size;
    }
    return pieces;
}

}  // namespace attnlab
