// optim.h — named parameters, the SGD / Adam / AdamW optimizers, global-norm gradient clipping,
// and optimizer checkpoints.
//
// A Parameter is a tensor with a name (its checkpoint key) and a `trainable` flag. Frozen
// parameters (e.g. the Fixed Random Synthesizer's attention matrix) are skipped by step() and by
// clip_grad_norm() but are still listed, so a model checkpoint saves them.
//
// Every optimizer works on the parameters' raw data and gradient buffers: an update is not part of
// any graph. step(lr) takes the learning rate of this step (from a schedule, schedule.h),
// increments the step count t, then updates every trainable parameter that has a gradient; a
// parameter that no backward reached has no gradient buffer and is left untouched (as in PyTorch),
// but t still counts the step. Optimizer state (momentum, Adam moments) lives in named tensors:
//     "<kind>.<slot>.<parameter name>"   e.g. "adamw.m.encoder.w_q", "sgd.momentum.head.w"
// state_dict() snapshots them with t; load_state_dict() checks that every trainable parameter has
// each slot with its shape (and nothing else is present) before changing anything. The step count
// is at most kMaxOptimizerSteps (2^53, where a double still counts exactly for the bias
// corrections): a state beyond it is refused, and step() at the limit throws instead of wrapping.
#pragma once

#include <string>
#include <vector>

#include "safetensors.h"
#include "tensor.h"

namespace attnlab {

struct Parameter {
    std::string name;  // checkpoint key, unique within an optimizer
    Tensor tensor;
    bool trainable = true;
};

constexpr int64_t kMaxOptimizerSteps = int64_t(1) << 53;

struct OptimizerState {
    std::string kind;  // "sgd", "adam" or "adamw"
    int64_t step = 0;  // updates taken
    NamedTensors tensors;
};

class Optimizer {
  public:
    virtual ~Optimizer() = default;

    void step(double lr);
    void zero_grad();  // zeroes existing gradient buffers of every parameter, keeping them
    int64_t steps_taken() const { return step_; }
    const std::string& kind() const { return kind_; }
    const std::vector<Parameter>& parameters() const { return params_; }

    OptimizerState state_dict() const;  // deep copies
    void load_state_dict(const OptimizerState& state);

  protected:
    Optimizer(std::string kind, std::vector<Parameter> params, std::vector<std::string> slot_names);
    // Updates parameter `index` (trainable, with a gradient) given the already incremented step_.
    virtual void update(size_t index, double lr) = 0;
    real* slot(size_t slot_index, size_t param_index) const {
        return slots_[slot_index][param_index].data();
    }
    int64_t step_ = 0;
    std::vector<Parameter> params_;

  private:
    std::string kind_;
    std::vector<std::string> slot_names_;
    std::vector<std::vector<Tensor>> slots_;  // [slot][parameter], undefined for frozen ones
};

struct SgdOptions {
    double momentum = 0;  // 0 disables the momentum buffer
    bool nesterov = false;
    double weight_decay = 0;  // L2: added to the gradient
};

class Sgd : public Optimizer {
  public:
    Sgd(std::vector<Parameter> params, SgdOptions options = {});

  private:
    void update(size_t index, double lr) override;
    SgdOptions options_;
};

struct AdamOptions {
    double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    double weight_decay = 0;  // Adam: L2 added to the gradient; AdamW: decoupled decay
};

// Adam (Kingma & Ba, 2015) with bias correction. `decoupled` selects AdamW (Loshchilov & Hutter,
// 2019): the decay shrinks the weights, w ← w − lr · wd · w, instead of entering the moments.
class Adam : public Optimizer {
  public:
    Adam(std::vector<Parameter> params, AdamOptions options = {}, bool decoupled = false);

  private:
    void update(size_t index, double lr) override;
    AdamOptions options_;
    bool decoupled_;
};

// PyTorch's AdamW defaults: Adam's, with weight_decay 0.01.
inline AdamOptions adamw_defaults() {
    AdamOptions options;
    options.weight_decay = 0.01;
    return options;
}

class AdamW : public Adam {
  public:
    AdamW(std::vector<Parameter> params, AdamOptions options = adamw_defaults())
        : Adam(std::move(params), options, true) {}
};

// Scales the gradients of all trainable parameters by max_norm / ‖g‖ when their global L2 norm
// ‖g‖ (computed in double) exceeds max_norm. Returns ‖g‖ before clipping. A non-finite norm is
// returned as it is and the gradients are left alone, so the caller can skip the step.
double clip_grad_norm(const std::vector<Parameter>& params, double max_norm);

// Optimizer checkpoints: the state tensors, with metadata {"optimizer": kind, "step": t}.
void save_optimizer_state(const std::string& path, const Optimizer& optimizer);
void load_optimizer_state(const std::string& path, Optimizer& optimizer);

}  // namespace attnlab
