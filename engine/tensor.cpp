#include "tensor.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "autograd.h"
#include "kernels/elementwise.h"
#include "rng.h"

namespace attnlab {

std::string shape_str(const Shape& shape) {
    std::string out = "[";
    for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
    return out + "]";
}

int64_t numel_of(const Shape& shape) {
    int64_t count = 1;
    for (int64_t extent : shape) count *= extent;
    return count;
}

int normalize_axis(const char* op, int axis, int ndim) {
    ATTNLAB_CHECK(axis >= -ndim && axis < ndim, op, ": axis ", axis, " out of range for a ", ndim,
                  "-d tensor (expected ", -ndim, " <= axis < ", ndim, ")");
    return axis < 0 ? axis + ndim : axis;
}

// --- creation -------------------------------------------------------------------------------

Tensor Tensor::empty(const Shape& shape) {
    int64_t count = 1;
    for (int64_t extent : shape) {
        ATTNLAB_CHECK(extent >= 0, "tensor: negative extent in shape ", shape_str(shape));
        ATTNLAB_CHECK(!__builtin_mul_overflow(count, extent, &count), "tensor: shape ",
                      shape_str(shape), " has more elements than fit in 64 bits");
    }
    // Also keeps the byte count of Buffer::allocate from wrapping around size_t.
    ATTNLAB_CHECK(count <= kMaxTensorBytes / int64_t(sizeof(real)), "tensor: shape ",
                  shape_str(shape), " needs ", count, " elements of ", sizeof(real),
                  " bytes (at most ", kMaxTensorBytes, " bytes per tensor)");
    auto impl = std::make_shared<TensorImpl>();
    impl->shape = shape;
    impl->buffer = Buffer::allocate(size_t(numel_of(shape)));
    return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape) {
    return full(shape, 0);
}
Tensor Tensor::ones(const Shape& shape) {
    return full(shape, 1);
}
Tensor Tensor::scalar(real value) {
    return full({}, value);
}

Tensor Tensor::full(const Shape& shape, real value) {
    Tensor t = empty(shape);
    kernels::fill(value, t.data(), t.numel());
    return t;
}

Tensor Tensor::arange(real start, real end, real step) {
    ATTNLAB_CHECK(step != 0, "arange: step must be nonzero");
    const auto count = int64_t(std::max<double>(0, std::ceil((double(end) - start) / step)));
    Tensor t = empty({count});
    for (int64_t i = 0; i < count; ++i) t.data()[i] = real(start + double(i) * step);
    return t;
}

Tensor Tensor::from_vector(const Shape& shape, const std::vector<real>& values) {
    ATTNLAB_CHECK(int64_t(values.size()) == numel_of(shape), "from_vector: ", values.size(),
                  " values cannot fill shape ", shape_str(shape), " (needs ", numel_of(shape), ")");
    Tensor t = empty(shape);
    std::copy(values.begin(), values.end(), t.data());
    return t;
}

Tensor Tensor::randn(const Shape& shape, Rng& rng, real mean, real stddev) {
    Tensor t = empty(shape);
    for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = real(mean + stddev * rng.normal());
    return t;
}

Tensor Tensor::rand(const Shape& shape, Rng& rng, real low, real high) {
    Tensor t = empty(shape);
    for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = real(rng.uniform(low, high));
    return t;
}

// --- shape and data -------------------------------------------------------------------------

TensorImpl* Tensor::impl() const {
    ATTNLAB_CHECK(impl_, "tensor: use of an undefined tensor");
    return impl_.get();
}

int64_t Tensor::size(int axis) const {
    return shape()[normalize_axis("size", axis, ndim())];
}

real Tensor::item() const {
    ATTNLAB_CHECK(numel() == 1, "item: tensor of shape ", shape_str(shape()), " has ", numel(),
                  " elements (expected exactly 1)");
    return data()[0];
}

std::vector<real> Tensor::to_vector() const {
    return std::vector<real>(data(), data() + numel());
}

Tensor Tensor::clone() const {
    Tensor copy = empty(shape());
    std::memcpy(copy.data(), data(), size_t(numel()) * sizeof(real));
    return copy;
}

// --- autograd -------------------------------------------------------------------------------

Tensor& Tensor::set_requires_grad(bool value) {
    ATTNLAB_CHECK(is_leaf(),
                  "set_requires_grad: only leaf tensors can change requires_grad; this "
                  "one was produced by '",
                  grad_fn()->op, "' (use detach() first)");
    impl()->requires_grad = value;
    return *this;
}

Tensor Tensor::grad() const {
    if (!impl()->grad) return Tensor();
    auto view = std::make_shared<TensorImpl>();
    view->buffer = impl()->grad;
    view->shape = shape();
    return Tensor(std::move(view));
}

real* Tensor::grad_data() const {
    return impl()->grad ? impl()->grad->data() : nullptr;
}

real* Tensor::ensure_grad() const {
    if (!impl()->grad) impl()->grad = Buffer::zeros(size_t(numel()));
    return impl()->grad->data();
}

void Tensor::zero_grad() const {
    if (impl()->grad) std::memset(impl()->grad->data(), 0, size_t(numel()) * sizeof(real));
}

void Tensor::backward(bool retain_graph) const {
    ATTNLAB_CHECK(numel() == 1, "backward: output has shape ", shape_str(shape()),
                  "; backward() without a gradient needs a one-element output (a loss). Pass a "
                  "grad_output of the same shape instead");
    run_backward(*this, Tensor::ones(shape()), retain_graph);
}

void Tensor::backward(const Tensor& grad_output, bool retain_graph) const {
    run_backward(*this, grad_output, retain_graph);
}

Tensor Tensor::detach() const {
    auto view = std::make_shared<TensorImpl>();
    view->buffer = impl()->buffer;
    view->offset = impl()->offset;
    view->shape = shape();
    return Tensor(std::move(view));
}

IntTensor::IntTensor(Shape s, std::vector<int32_t> v) : shape(std::move(s)), values(std::move(v)) {
    ATTNLAB_CHECK(int64_t(values.size()) == numel_of(shape), "IntTensor: ", values.size(),
                  " values cannot fill shape ", shape_str(shape));
}

}  // namespace attnlab
