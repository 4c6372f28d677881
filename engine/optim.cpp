// optim.cpp — optimizer bookkeeping (names, state slots, checkpoints) around the update kernels
// of kernels/optimizers.h.
#include "optim.h"

#include <cmath>
#include <cstring>
#include <set>

#include "kernels/optimizers.h"

namespace attnlab {

// --- the shared base --------------------------------------------------------------------------

Optimizer::Optimizer(std::string kind, std::vector<Parameter> params,
                     std::vector<std::string> slot_names)
    : params_(std::move(params)), kind_(std::move(kind)), slot_names_(std::move(slot_names)) {
    std::set<std::string> seen;
    for (const Parameter& p : params_) {
        ATTNLAB_CHECK(!p.name.empty(), kind_, ": a parameter has an empty name");
        ATTNLAB_CHECK(seen.insert(p.name).second, kind_, ": duplicate parameter name '", p.name,
                      "'");
        ATTNLAB_CHECK(p.tensor.defined(), kind_, ": parameter '", p.name, "' is undefined");
    }
    for (size_t s = 0; s < slot_names_.size(); ++s) {
        slots_.emplace_back(params_.size());
        for (size_t i = 0; i < params_.size(); ++i)
            if (params_[i].trainable) slots_[s][i] = Tensor::zeros(params_[i].tensor.shape());
    }
}

void Optimizer::step(double lr) {
    ATTNLAB_CHECK(std::isfinite(lr) && lr >= 0, kind_, ": learning rate ", lr,
                  " (expected a finite value >= 0)");
    ATTNLAB_CHECK(step_ < kMaxOptimizerSteps, kind_, ": step count ", step_, " is at its limit (",
                  kMaxOptimizerSteps, ")");
    ++step_;
    for (size_t i = 0; i < params_.size(); ++i)
        if (params_[i].trainable && params_[i].tensor.grad_data()) update(i, lr);
}

void Optimizer::zero_grad() {
    for (const Parameter& p : params_) p.tensor.zero_grad();
}

OptimizerState Optimizer::state_dict() const {
    OptimizerState state{kind_, step_, {}};
    for (size_t s = 0; s < slot_names_.size(); ++s)
        for (size_t i = 0; i < params_.size(); ++i)
            if (params_[i].trainable)
                state.tensors[cat(kind_, ".", slot_names_[s], ".", params_[i].name)] =
                    slots_[s][i].clone();
    return state;
}

void Optimizer::load_state_dict(const OptimizerState& state) {
    ATTNLAB_CHECK(state.kind == kind_, kind_, ": the state is for a '", state.kind,
                  "' optimizer, not '", kind_, "'");
    ATTNLAB_CHECK(state.step >= 0 && state.step <= kMaxOptimizerSteps, kind_, ": step count ",
                  state.step, " in the state (expected 0 .. ", kMaxOptimizerSteps, ")");
    std::set<std::string> expected;
    for (size_t s = 0; s < slot_names_.size(); ++s)
        for (size_t i = 0; i < params_.size(); ++i) {
            if (!params_[i].trainable) continue;
            const std::string key = cat(kind_, ".", slot_names_[s], ".", params_[i].name);
            expected.insert(key);
            auto found = state.tensors.find(key);
            ATTNLAB_CHECK(found != state.tensors.end(), kind_, ": the state lacks '", key,
                          "' for parameter '", params_[i].name, "'");
            ATTNLAB_CHECK(
                found->second.defined() && found->second.shape() == params_[i].tensor.shape(),
                kind_, ": state '", key, "' has shape ",
                found->second.defined() ? shape_str(found->second.shape()) : "(none)",
                " but parameter '", params_[i].name, "' has shape ",
                shape_str(params_[i].tensor.shape()));
        }
    for (const auto& entry : state.tensors)
        ATTNLAB_CHECK(expected.count(entry.first), kind_, ": unexpected state tensor '",
                      entry.first, "' (no trainable parameter of that name and slot)");
    for (size_t s = 0; s < slot_names_.size(); ++s)
        for (size_t i = 0; i < params_.size(); ++i) {
            if (!params_[i].trainable) continue;
            const Tensor& saved =
                state.tensors.at(cat(kind_, ".", slot_names_[s], ".", params_[i].name));
            std::memcpy(slots_[s][i].data(), saved.data(), size_t(saved.numel()) * sizeof(real));
        }
    step_ = state.step;
}

// --- SGD --------------------------------------------------------------------------------------

namespace {
std::vector<std::string> sgd_slots(const SgdOptions& options) {
    ATTNLAB_CHECK(options.momentum >= 0 && options.momentum < 1, "sgd: momentum ", options.momentum,
                  " (expected 0 <= momentum < 1)");
    ATTNLAB_CHECK(!options.nesterov || options.momentum > 0, "sgd: nesterov needs a momentum > 0");
    ATTNLAB_CHECK(options.weight_decay >= 0, "sgd: weight_decay ", options.weight_decay,
                  " (expected >= 0)");
    if (options.momentum > 0) return {"momentum"};
    return {};
}
}  // namespace

Sgd::Sgd(std::vector<Parameter> params, SgdOptions options)
    : Optimizer("sgd", std::move(params), sgd_slots(options)), options_(options) {}

void Sgd::update(size_t index, double lr) {
    const Tensor& w = params_[index].tensor;
    kernels::sgd_update(w.data(), w.grad_data(), options_.momentum > 0 ? slot(0, index) : nullptr,
                        w.numel(), real(lr), real(options_.momentum), options_.nesterov,
                        real(options_.weight_decay));
}

// --- Adam and AdamW ---------------------------------------------------------------------------

namespace {
const char* adam_kind(const AdamOptions& options, bool decoupled) {
    const char* kind = decoupled ? "adamw" : "adam";
    ATTNLAB_CHECK(
        options.beta1 >= 0 && options.beta1 < 1 && options.beta2 >= 0 && options.beta2 < 1, kind,
        ": betas (", options.beta1, ", ", options.beta2, ") (expected each in [0, 1))");
    ATTNLAB_CHECK(options.eps > 0, kind, ": eps ", options.eps, " (expected > 0)");
    ATTNLAB_CHECK(options.weight_decay >= 0, kind, ": weight_decay ", options.weight_decay,
                  " (expected >= 0)");
    return kind;
}
}  // namespace

Adam::Adam(std::vector<Parameter> params, AdamOptions options, bool decoupled)
    : Optimizer(adam_kind(options, decoupled), std::move(params), {"m", "v"}),
      options_(options),
      decoupled_(decoupled) {}

void Adam::update(size_t index, double lr) {
    const Tensor& w = params_[index].tensor;
    const double t = double(step_);
    kernels::AdamCoefficients c;
    c.lr = real(lr);
    c.beta1 = real(options_.beta1);
    c.beta2 = real(options_.beta2);
    c.eps = real(options_.eps);
    c.l2_decay = decoupled_ ? 0 : real(options_.weight_decay);
    c.decoupled_decay = decoupled_ ? real(options_.weight_decay) : 0;
    c.bias_correction1 = real(1 - std::pow(options_.beta1, t));
    c.bias_correction2_sqrt = real(std::sqrt(1 - std::pow(options_.beta2, t)));
    kernels::adam_update(w.data(), w.grad_data(), slot(0, index), slot(1, index), w.numel(), c);
}

// --- clipping ---------------------------------------------------------------------------------

double clip_grad_norm(const std::vector<Parameter>& params, double max_norm) {
    ATTNLAB_CHECK(max_norm > 0, "clip_grad_norm: max_norm ", max_norm, " (expected > 0)");
    double sum = 0;
    for (const Parameter& p : params)
        if (p.trainable && p.tensor.grad_data())
            sum += kernels::sum_of_squares(p.tensor.grad_data(), p.tensor.numel());
    const double norm = std::sqrt(sum);
    if (std::isfinite(norm) && norm > max_norm)
        for (const Parameter& p : params)
            if (p.trainable && p.tensor.grad_data())
                kernels::scale_in_place(p.tensor.grad_data(), p.tensor.numel(),
                                        real(max_norm / norm));
    return norm;
}

// --- checkpoints ------------------------------------------------------------------------------

void save_optimizer_state(const std::string& path, const Optimizer& optimizer) {
    OptimizerState state = optimizer.state_dict();
    save_safetensors(path, state.tensors,
                     {{"optimizer", state.kind}, {"step", std::to_string(state.step)}});
}

void load_optimizer_state(const std::string& path, Optimizer& optimizer) {
    SafetensorsFile file = load_safetensors(path);
    auto kind = file.metadata.find("optimizer");
    auto step = file.metadata.find("step");
    ATTNLAB_CHECK(kind != file.metadata.end() && step != file.metadata.end(),
                  "load_optimizer_state: ", path,
                  ": metadata lacks \"optimizer\" or \"step\" (not an optimizer checkpoint)");
    const std::string& digits = step->second;
    ATTNLAB_CHECK(!digits.empty() && digits.size() <= 18 &&
                      digits.find_first_not_of("0123456789") == std::string::npos,
                  "load_optimizer_state: ", path, ": step \"", digits,
                  "\" is not a non-negative integer");
    optimizer.load_state_dict({kind->second, std::stoll(digits), std::move(file.tensors)});
}

}  // namespace attnlab
