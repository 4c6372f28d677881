// module.h — the tiny base class every layer derives from: named parameters, child modules,
// train/eval mode and parameter counts.
//
// Naming scheme: a module registers its own tensors under short names ("weight", "r") and its
// children under member-like names ("w_q", "random"). parameters() joins the path with dots, so a
// parameter's name is its checkpoint key, e.g. "blocks.0.attn.vanilla.w_q.weight". Names must be
// unique within a module; parameters() throws on a duplicate full name.
//
// A frozen parameter (trainable = false, e.g. the Fixed Random Synthesizer's R) is still listed,
// counted and saved, but its tensor has requires_grad = false, so no backward ever gives it a
// gradient and optimizers skip it.
//
// Modules hold pointers to their children, so they can be neither copied nor moved; own them by
// value as members (registered in the constructor) or through std::unique_ptr.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/optim.h"
#include "engine/tensor.h"

namespace attnlab {

class Module {
  public:
    Module() = default;
    virtual ~Module() = default;
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;

    // Every parameter of this module and its children, depth first in registration order.
    std::vector<Parameter> parameters() const;
    // Total elements of all parameters, or of the trainable ones only.
    int64_t count_parameters(bool trainable_only = false) const;

    // Train mode enables dropout; set_training recurses into the children.
    void set_training(bool training);
    bool training() const { return training_; }

    // The direct children, in registration order (for walks such as redrawing features).
    const std::vector<std::pair<std::string, Module*>>& children() const { return children_; }

    // The random-stream counters (e.g. dropout call counts) of this module and its children, depth
    // first in registration order. A checkpoint saves them so that a resumed run draws the same
    // dropout masks as an uninterrupted one. set_random_counters needs the same count.
    std::vector<uint64_t> random_counters() const;
    void set_random_counters(const std::vector<uint64_t>& values);

  protected:
    // Registers `tensor` (sets requires_grad = trainable) and returns it.
    Tensor register_parameter(const std::string& name, Tensor tensor, bool trainable = true);
    void register_module(const std::string& name, Module& child);
    // Registers a member counter that selects a random stream (mix(seed, counter++)).
    void register_counter(uint64_t& counter) { counters_.push_back(&counter); }

  private:
    void collect(const std::string& prefix, std::vector<Parameter>& out) const;
    void collect_counters(std::vector<uint64_t*>& out) const;

    std::vector<Parameter> parameters_;
    std::vector<std::pair<std::string, Module*>> children_;
    std::vector<uint64_t*> counters_;  // members of this module (modules never move)
    bool training_ = true;
};

// Puts a module in eval mode for its scope and restores the previous mode, even on a throw.
class EvalModeGuard {
  public:
    explicit EvalModeGuard(Module& module) : module_(module), was_training_(module.training()) {
        module_.set_training(false);
    }
    ~EvalModeGuard() { module_.set_training(was_training_); }
    EvalModeGuard(const EvalModeGuard&) = delete;
    EvalModeGuard& operator=(const EvalModeGuard&) = delete;

  private:
    Module& module_;
    bool was_training_;
};

}  // namespace attnlab
