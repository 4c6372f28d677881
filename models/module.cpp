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

void Module::collect_counters(std::vector<uint64_t*>& out) const {
    out.insert(out.end(), counters_.begin(), counters_.end());
    for (const auto& entry : children_) entry.second->collect_counters(out);
}

std::vector<uint64_t> Module::random_counters() const {
    std::vector<uint64_t*> counters;
    collect_counters(counters);
    std::vector<uint64_t> values;
    for (const uint64_t* counter : counters) values.push_back(*counter);
    return values;
}

void Module::set_random_counters(const std::vector<uint64_t>& values) {
    std::vector<uint64_t*> counters;
    collect_counters(counters);
    ATTNLAB_CHECK(values.size() == counters.size(), "Module::set_random_counters: got ",
                  values.size(), " values for ", counters.size(), " counters");
    for (size_t i = 0; i < values.size(); ++i) *counters[i] = values[i];
}

void Module::set_training(bool training) {
    training_ = training;
    for (auto& entry : children_) entry.second->set_training(training);
}

}  // namespace attnlab
