#include "autograd.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

namespace attnlab {
namespace {
thread_local bool grad_mode = true;
}

bool grad_enabled() {
    return grad_mode;
}

NoGradGuard::NoGradGuard() : previous_(grad_mode) {
    grad_mode = false;
}
NoGradGuard::~NoGradGuard() {
    grad_mode = previous_;
}

Tensor record(const char* op, Tensor output, const std::vector<Tensor>& inputs,
              BackwardFn backward) {
    if (!grad_mode) return output;
    bool any = false;
    for (const Tensor& input : inputs) any = any || (input.defined() && input.requires_grad());
    if (!any) return output;

    auto node = std::make_shared<Node>();
    node->op = op;
    for (const Tensor& input : inputs)
        if (input.defined()) node->inputs.push_back(input.impl_ptr());
    node->backward = std::move(backward);
    output.impl()->grad_fn = std::move(node);
    output.impl()->requires_grad = true;
    return output;
}

// Post-order DFS over producers, iterative so deep graphs cannot overflow the stack. The result
// lists every tensor after all tensors it was computed from; backward walks it in reverse. It holds
// owning pointers: freeing a node's inputs mid-walk must not free tensors still to be visited.
static std::vector<std::shared_ptr<TensorImpl>> topological_order(
    const std::shared_ptr<TensorImpl>& root) {
    std::vector<std::shared_ptr<TensorImpl>> order;
    std::unordered_set<TensorImpl*> visited{root.get()};
    std::vector<std::pair<std::shared_ptr<TensorImpl>, size_t>> stack{{root, 0}};
    while (!stack.empty()) {
        auto& [tensor, next_input] = stack.back();
        const Node* node = tensor->grad_fn.get();
        if (node && next_input < node->inputs.size()) {
            std::shared_ptr<TensorImpl> input = node->inputs[next_input++];
            if (input->requires_grad && visited.insert(input.get()).second)
                stack.push_back({std::move(input), 0});
        } else {
            order.push_back(tensor);
            stack.pop_back();
        }
    }
    return order;
}

void run_backward(const Tensor& output, const Tensor& grad_output, bool retain_graph,
                  const LeafDone& leaf_done) {
    ATTNLAB_CHECK(
        output.requires_grad(),
        "backward: the output does not require grad (no input "
        "of the ops that made it has requires_grad set, or it was made under NoGradGuard)");
    ATTNLAB_CHECK(grad_output.shape() == output.shape(), "backward: grad_output has shape ",
                  shape_str(grad_output.shape()), " but the output has shape ",
                  shape_str(output.shape()));

    // Gradients of non-leaf tensors live here only while needed.
    std::unordered_map<TensorImpl*, Tensor> pending;
    auto gradient_of = [&](TensorImpl* tensor) -> real* {
        if (!tensor->grad_fn) {  // a leaf: accumulate into its own .grad
            if (!tensor->grad) tensor->grad = Buffer::zeros(size_t(numel_of(tensor->shape)));
            return tensor->grad->data();
        }
        Tensor& grad = pending[tensor];
        if (!grad.defined()) grad = Tensor::zeros(tensor->shape);
        return grad.data();
    };

    TensorImpl* root = output.impl();
    if (root->grad_fn) {  // the seed is the root's whole gradient; nodes only read it
        pending[root] = grad_output.detach();
    } else {
        real* root_grad = gradient_of(root);
        for (int64_t i = 0; i < output.numel(); ++i) root_grad[i] += grad_output.data()[i];
    }

    NoGradGuard no_grad;  // backward kernels must not record new history
    auto order = topological_order(output.impl_ptr());
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        TensorImpl* tensor = it->get();
        Node* node = tensor->grad_fn.get();
        if (!node) {  // a leaf comes after every tensor computed from it: its gradient is final
            if (leaf_done) leaf_done(tensor);
            continue;
        }
        ATTNLAB_CHECK(node->backward, "backward: the graph through '", node->op,
                      "' was already freed by an earlier backward(). Pass retain_graph = true to "
                      "the first call to run backward twice");
        auto found = pending.find(tensor);
        if (found != pending.end()) {
            const Tensor grad = found->second;  // gradient_of may rehash `pending`
            std::vector<real*> input_grads;
            input_grads.reserve(node->inputs.size());
            for (auto& input : node->inputs)
                input_grads.push_back(input->requires_grad ? gradient_of(input.get()) : nullptr);
            node->backward(grad.data(), input_grads);
            pending.erase(tensor);
        }
        if (!retain_graph) {
            // Release the saved tensors, the links to the inputs, and this walk's hold on the
            // tensor itself: an activation's memory comes back as soon as the walk has passed
            // it, not at the end of backward, so later gradients reuse it (a lower peak).
            node->backward = nullptr;
            node->inputs.clear();
            it->reset();
        }
    }
}

}  // namespace attnlab
