// attn_mixture.cpp — S = Σ_i softmax(α)_i · S_i (or Σ_i S_i) over the component kinds.
#include "attn_mixture.h"

#include <algorithm>

#include "engine/ops.h"

namespace attnlab {

const OptionSpec& mixture_weights_option() {
    static const OptionSpec option{"mixture_weights", "learned", 0, 0, {"learned", "ones"}};
    return option;
}

MixtureLogits::MixtureLogits(std::vector<std::unique_ptr<LogitSource>> components, int64_t heads,
                             const std::string& weights)
    : components_(std::move(components)), heads_(heads) {
    ATTNLAB_CHECK(components_.size() >= 2, "mixture: needs at least 2 components, got ",
                  components_.size());
    const std::vector<std::string>& choices = mixture_weights_option().choices;
    ATTNLAB_CHECK(std::find(choices.begin(), choices.end(), weights) != choices.end(),
                  "mixture: unknown mixture_weights \"", weights, "\"; valid: ", join(choices));
    if (weights == "learned")
        alpha_ = register_parameter("alpha", Tensor::zeros({int64_t(components_.size())}));
    for (auto& component : components_) {
        ATTNLAB_CHECK(component->schedule(1, false).dense(), "mixture: \"", component->name(),
                      "\" keeps only some entries of the attention matrix and cannot be mixed");
        register_module(component->name(), *component);
    }
}

std::vector<LogitSource*> MixtureLogits::parts() {
    std::vector<LogitSource*> parts;
    for (auto& component : components_) parts.push_back(component.get());
    return parts;
}

Tensor MixtureLogits::weights() const {
    if (alpha_.defined()) return softmax(alpha_);
    return Tensor::ones({int64_t(components_.size())});
}

Tensor MixtureLogits::weighted_sum(const std::function<Tensor(size_t)>& term) const {
    const Tensor w = weights();  // [N]
    Tensor total;
    for (size_t i = 0; i < components_.size(); ++i) {
        const int64_t n = int64_t(i);
        const Tensor weighted = mul(slice(w, 0, n, n + 1), term(i));
        total = total.defined() ? add(total, weighted) : weighted;  // [1, ...] broadcasts up to B
    }
    return total;
}

Tensor MixtureLogits::logits(const Tensor& x) {
    return weighted_sum([&](size_t i) { return components_[i]->logits(x); });
}

// Tiles of Σ_i w_i S_i over the components' own tiles; inputs: w, then theirs.
TiledLogits MixtureLogits::tiles(const Tensor& x) {
    TiledLogits mixed{{weights()}, nullptr};
    std::vector<std::shared_ptr<const kernels::LogitTiles>> parts;
    for (auto& component : components_) {
        TiledLogits part = component->tiles(x);
        mixed.inputs.insert(mixed.inputs.end(), part.inputs.begin(), part.inputs.end());
        parts.push_back(std::move(part.tiles));
    }
    mixed.tiles =
        std::make_shared<kernels::WeightedTiles>(mixed.inputs[0].data(), std::move(parts), heads_);
    return mixed;
}

LogitRows MixtureLogits::start_rows() const {
    std::vector<LogitRows> rows;
    for (const auto& component : components_) rows.push_back(component->start_rows());
    return [this, rows](const Tensor& x, int64_t t) {
        return weighted_sum([&](size_t i) { return rows[i](x, t); });
    };
}

}  // namespace attnlab
