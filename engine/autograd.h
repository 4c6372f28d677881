// autograd.h — define-by-run reverse-mode differentiation.
//
// Every differentiable op (ops.h) computes its output with a raw kernel and then calls `record`,
// which — when grad mode is on and some input requires grad — attaches a Node to the output:
//
//     y = exp(x)        y.grad_fn = Node{op "exp", inputs {x}, backward: dx += dy · y}
//
// The Node's backward receives d(loss)/d(output) and ADDS d(loss)/d(input_i) into the buffers it
// is handed. Backward lambdas capture what they need as detached tensors (`x.detach()`), never the
// output tensor itself: that would be a reference cycle output → node → output, i.e. a leak.
//
// Semantics of Tensor::backward(grad_output, retain_graph):
//   - The graph reachable from the output is sorted topologically; nodes run in reverse order.
//   - Leaves (requires_grad, no grad_fn) ACCUMULATE: leaf.grad += d(output)/d(leaf) · grad_output.
//     Nothing is zeroed for you. Call zero_grad() (or Optimizer::zero_grad) once per step.
//   - Gradients of intermediate tensors are temporary: they are freed as soon as their node has
//     run, and never stored on the tensor.
//   - Without retain_graph, each node's saved tensors are released after it runs, so a second
//     backward() through the same graph throws an Error naming the op. With retain_graph = true
//     the graph survives, and a second backward adds the same gradient again: leaves hold twice
//     the gradient (micrograd users know this as the "backward twice" surprise; it is intended).
//   - backward() without an argument needs a one-element output and seeds it with 1.
//   - Saved tensors share storage with the tensors they came from, and there are no version
//     counters: writing into a tensor (or a reshape view of it) between the forward pass and
//     backward() silently changes the gradient. Optimizers update parameters after backward().
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "tensor.h"

namespace attnlab {

// input_grads[i] points at the gradient buffer of input i (same element count as that input), or is
// null when input i needs no gradient. The callee adds into it.
using BackwardFn =
    std::function<void(const real* grad_output, const std::vector<real*>& input_grads)>;

struct Node {
    const char* op;  // the op's name, for error messages and graph dumps
    std::vector<std::shared_ptr<TensorImpl>> inputs;
    BackwardFn backward;  // null once the graph has been freed
};

// True when ops should record history (no NoGradGuard is active on this thread).
bool grad_enabled();

// Disables recording for its scope: evaluation, optimizer updates, finite differences.
class NoGradGuard {
  public:
    NoGradGuard();
    ~NoGradGuard();
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;

  private:
    bool previous_;
};

// Attaches `op`'s backward to `output` when grad mode is on and an input requires grad; otherwise
// returns `output` untouched. Undefined tensors in `inputs` are skipped (optional arguments).
Tensor record(const char* op, Tensor output, const std::vector<Tensor>& inputs,
              BackwardFn backward);

// Called by a backward with each leaf (requires_grad, no grad_fn) it reaches, as soon as that
// leaf's gradient is complete: the walk passes a leaf only after every op that used it.
// Data-parallel training starts summing a parameter's gradient over the processes then, while the
// backward goes on (train/data_parallel.h). A leaf whose ops received no gradient is passed with no
// .grad.
using LeafDone = std::function<void(const TensorImpl* leaf)>;

// Runs reverse mode from `output` (see the semantics above), calling `leaf_done` if given.
void run_backward(const Tensor& output, const Tensor& grad_output, bool retain_graph,
                  const LeafDone& leaf_done = nullptr);

}  // namespace attnlab
