// sampling.cpp — temperature / top-k sampling of sampling.h.
#include "sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/autograd.h"
#include "train/data/dataset.h"

namespace attnlab {
namespace {

// Draws an index of `logits` (one row) as described in sampling.h.
int32_t draw(const real* logits, int64_t V, const SamplingOptions& options, Rng& rng) {
    std::vector<int32_t> order;  // the candidates: every id but padding
    for (int32_t id = 0; id < int32_t(V); ++id)
        if (id != kPadId) order.push_back(id);
    auto larger = [&](int32_t a, int32_t b) { return logits[a] > logits[b]; };
    if (options.temperature == 0) return *std::min_element(order.begin(), order.end(), larger);
    const int64_t n = int64_t(order.size());
    const int64_t k = options.top_k > 0 ? std::min(options.top_k, n) : n;
    std::partial_sort(order.begin(), order.begin() + k, order.end(), larger);
    std::vector<double> weights(static_cast<size_t>(k));
    const double top = double(logits[order[0]]);
    double total = 0;
    for (int64_t i = 0; i < k; ++i) {
        weights[size_t(i)] =
            std::exp((double(logits[order[size_t(i)]]) - top) / options.temperature);
        total += weights[size_t(i)];
    }
    double u = rng.uniform() * total;
    for (int64_t i = 0; i < k; ++i) {
        u -= weights[size_t(i)];
        if (u < 0) return order[size_t(i)];
    }
    return order[size_t(k - 1)];
}

}  // namespace

std::vector<int32_t> sample_lm(LanguageModel& model, const std::vector<int32_t>& prompt,
                               const SamplingOptions& options, Rng& rng) {
    ATTNLAB_CHECK(!prompt.empty(), "sample_lm: the prompt is empty");
    ATTNLAB_CHECK(options.temperature >= 0 && std::isfinite(options.temperature),
                  "sample_lm: temperature ", options.temperature, " must be >= 0");
    ATTNLAB_CHECK(options.length >= 0 && options.top_k >= 0, "sample_lm: length ", options.length,
                  " and top_k ", options.top_k, " must be >= 0");
    for (int32_t id : prompt)
        ATTNLAB_CHECK(id >= 0 && id < model.config().stack.vocab, "sample_lm: prompt id ", id,
                      " outside the vocabulary [0, ", model.config().stack.vocab, ")");
    const bool was_training = model.training();
    model.set_training(false);
    NoGradGuard no_grad;
    std::vector<int32_t> tokens = prompt, generated;
    const int64_t max_len = model.config().stack.max_len, V = model.config().stack.vocab;
    ATTNLAB_CHECK(V >= 2, "sample_lm: a vocabulary of ", V, " has no token besides padding");
    for (int64_t n = 0; n < options.length; ++n) {
        const int64_t L = std::min<int64_t>(int64_t(tokens.size()), max_len);
        const IntTensor ids({1, L}, std::vector<int32_t>(tokens.end() - L, tokens.end()));
        const Tensor logits = model.forward(ids);  // [1, L, V]
        const int32_t next = draw(logits.data() + (L - 1) * V, V, options, rng);
        tokens.push_back(next);
        generated.push_back(next);
    }
    model.set_training(was_training);
    return generated;
}

}  // namespace attnlab
