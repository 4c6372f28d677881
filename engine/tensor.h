// tensor.h — N-d float tensors with shared storage, and the handle the autograd graph hangs on.
//
// Design (chosen for readability and for BLAS):
//   - Every tensor is contiguous and row-major. There are no strides.
//   - `reshape` is a view: the result shares the buffer. Every other shape op (transpose, permute,
//     slice, concat) copies into a fresh contiguous buffer. Matmul never needs a transposed copy:
//     it passes transpose flags to cblas_sgemm instead.
//   - A Tensor is a cheap handle (shared_ptr) to a TensorImpl, so copies alias, as in PyTorch.
//   - `requires_grad` marks leaves (parameters) whose gradient backward() accumulates into `grad`.
//     Ops on such tensors record a Node (autograd.h) in `grad_fn`.
#pragma once

#include <memory>
#include <vector>

#include "buffer.h"
#include "common.h"

namespace attnlab {

class Rng;
struct Node;

// No tensor may hold more bytes than this (1 TiB): a larger shape is a one-line Error from
// Tensor::empty rather than a wrapped size, std::bad_alloc or a machine brought to its knees.
constexpr int64_t kMaxTensorBytes = int64_t(1) << 40;

struct TensorImpl {
    std::shared_ptr<Buffer> buffer;
    int64_t offset = 0;  // in elements; nonzero only for views made by reshape of a view
    Shape shape;
    bool requires_grad = false;
    std::shared_ptr<Buffer> grad;   // leaves only; same element count, allocated on first use
    std::shared_ptr<Node> grad_fn;  // the op that produced this tensor; null for leaves
};

class Tensor {
  public:
    Tensor() = default;  // an undefined tensor; defined() is false

    // --- creation ---------------------------------------------------------------------------
    static Tensor empty(const Shape& shape);  // uninitialised
    static Tensor zeros(const Shape& shape);
    static Tensor ones(const Shape& shape);
    static Tensor full(const Shape& shape, real value);
    static Tensor scalar(real value);                           // shape []
    static Tensor arange(real start, real end, real step = 1);  // [start, end), 1-d
    static Tensor from_vector(const Shape& shape, const std::vector<real>& values);
    static Tensor randn(const Shape& shape, Rng& rng, real mean = 0, real stddev = 1);
    static Tensor rand(const Shape& shape, Rng& rng, real low = 0, real high = 1);

    // --- shape and data ---------------------------------------------------------------------
    bool defined() const { return impl_ != nullptr; }
    const Shape& shape() const { return impl()->shape; }
    int ndim() const { return int(shape().size()); }
    int64_t size(int axis) const;  // negative axes count from the end
    int64_t numel() const { return numel_of(shape()); }
    real* data() const { return impl()->buffer->data() + impl()->offset; }
    real item() const;  // the value of a one-element tensor
    std::vector<real> to_vector() const;
    Tensor clone() const;  // a deep copy with no graph history

    // --- autograd (autograd.h documents the semantics) --------------------------------------
    bool requires_grad() const { return impl()->requires_grad; }
    Tensor& set_requires_grad(bool value);  // leaves only
    bool is_leaf() const { return impl()->grad_fn == nullptr; }
    const std::shared_ptr<Node>& grad_fn() const { return impl()->grad_fn; }
    Tensor grad() const;        // undefined until a backward reaches this leaf
    real* grad_data() const;    // null until a backward reaches this leaf
    real* ensure_grad() const;  // grad_data(), allocating a zero gradient first if there is none
    void zero_grad() const;     // fills an existing grad with zeros, keeping the buffer
    void backward(bool retain_graph = false) const;  // this must hold one element
    void backward(const Tensor& grad_output, bool retain_graph = false) const;
    Tensor detach() const;  // same data, no history, requires_grad false

    TensorImpl* impl() const;
    const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
    explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  private:
    std::shared_ptr<TensorImpl> impl_;
};

// Integer tensors for token ids and class targets: plain row-major values, never differentiated.
struct IntTensor {
    Shape shape;
    std::vector<int32_t> values;

    IntTensor() = default;
    IntTensor(Shape s, std::vector<int32_t> v);
    int64_t numel() const { return int64_t(values.size()); }
};

}  // namespace attnlab
