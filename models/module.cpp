// module.cpp — parameter registration and the dotted-name walk of module.h.
#include "module.h"

#include <set>

namespace attnlab {

Tensor Module::register_parameter(const std::string& name, Tensor tensor, bool trainable) {
    ATTNLAB_CHECK(!name.empty() && name.find('.') == std::string::npos,
                  "Module::register_parameter: name \"", name, "\" must be non-empty without dots");
    ATTNLAB_CHECK(tensor.defined() && tensor.is_leaf(), "Module::register_parameter: \"", name,
                  "\" must be a defined leaf tensor");
    tensor.set_requires_grad(trainable);
    parameters_.push_back({name, tensor, trainable});
    return tensor;
}

void Module::register_module(const std::string& name, Module& child) {
    ATTNLAB_CHECK(!name.empty() && name.find('.') == std::string::npos,
                  "Module::register_module: name \"", name, "\" must be non-empty without dots");
    children_.emplace_back(name, &child);
}

void Module::collect(const std::string& prefix, std::vector<Parameter>& out) const {
    for (const Parameter& p : parameters_) out.push_back({prefix + p.name, p.tensor, p.trainable});
    for (const auto& [name, child] : children_) child->collect(prefix + name + ".", out);
}

std::vector<Parameter> Module::parameters() const {
    std::vector<Parameter> out;
    collect("", out);
    std::set<std::string> seen;
    for (const Parameter& p : out)
        ATTNLAB_CHECK(seen.insert(p.name).second, "Module::parameters: duplicate name \"", p.name,
                      "\"");
    return out;
}

int64_t Module::count_parameters(bool trainable_only) const {
    int64_t total = 0;
    for (const Parameter& p : parameters())
        if (p.trainable || !trainable_only) total += p.tensor.numel();
    return total;
}

void Module::set_training(bool training) {
    training_ = training;
    for (auto& entry : children_) entry.second->set_training(training);
}

}  // namespace attnlab
