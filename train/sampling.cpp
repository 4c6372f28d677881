// sampling.cpp — temperature / top-k sampling of sampling.h.
#include "sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

#include "engine/autograd.h"
#include "models/zoo.h"
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

// The logits [B, V] of one column of the batch's tokens, the newest of a window of columns
// [start, last] of every row: by one incremental step (re-encoding the window after a cut) or by a
// pass over the whole window.
class NextLogits {
  public:
    // A kind without incremental decoding (KindInfo::decodes) takes the whole-prefix path.
    NextLogits(LanguageModel& model, Decoding decoding)
        : model_(model),
          decoding_(decodes_incrementally(model.config().stack.attention.kind)
                        ? decoding
                        : Decoding::WholePrefix) {}

    // `needed` false: only advance (the whole-prefix path then does nothing).
    Tensor operator()(const std::vector<std::vector<int32_t>>& tokens, int64_t start, int64_t last,
                      bool needed) {
        const int64_t B = int64_t(tokens.size()), V = model_.config().stack.vocab;
        if (decoding_ == Decoding::WholePrefix) {
            if (!needed) return Tensor();
            std::vector<int32_t> ids;
            for (const auto& row : tokens)
                ids.insert(ids.end(), row.begin() + start, row.begin() + last + 1);
            const int64_t L = last + 1 - start;
            return reshape(slice(model_.forward(IntTensor({B, L}, ids)), 1, L - 1, L), {B, V});
        }
        if (!state_ || state_start_ != start) {  // a new window: encode it from position 0
            state_.emplace(model_.start_decoding(B));
            state_start_ = start;
        }
        Tensor logits;
        for (int64_t column = state_start_ + state_->position(); column <= last; ++column) {
            std::vector<int32_t> ids;
            for (const auto& row : tokens) ids.push_back(row[size_t(column)]);
            logits = state_->step(ids);
        }
        return logits;
    }

  private:
    LanguageModel& model_;
    Decoding decoding_;
    std::optional<LmDecoding> state_;
    int64_t state_start_ = 0;
};

void check_sampling(const LanguageModel& model, const std::vector<std::vector<int32_t>>& prompts,
                    const SamplingOptions& options) {
    const int64_t V = model.config().stack.vocab;
    ATTNLAB_CHECK(!prompts.empty(), "sample_lm: no prompts");
    ATTNLAB_CHECK(options.temperature >= 0 && std::isfinite(options.temperature),
                  "sample_lm: temperature ", options.temperature, " must be >= 0");
    ATTNLAB_CHECK(options.length >= 0 && options.top_k >= 0, "sample_lm: length ", options.length,
                  " and top_k ", options.top_k, " must be >= 0");
    ATTNLAB_CHECK(V >= 2, "sample_lm: a vocabulary of ", V, " has no token besides padding");
    for (const auto& prompt : prompts) {
        ATTNLAB_CHECK(!prompt.empty(), "sample_lm: the prompt is empty");
        for (int32_t id : prompt)
            ATTNLAB_CHECK(id >= 0 && id < V, "sample_lm: prompt id ", id,
                          " outside the vocabulary [0, ", V, ")");
    }
}

}  // namespace

std::vector<std::vector<int32_t>> sample_lm_batch(LanguageModel& model,
                                                  const std::vector<std::vector<int32_t>>& prompts,
                                                  const SamplingOptions& options, Rng& rng) {
    check_sampling(model, prompts, options);
    EvalModeGuard eval(model);
    NoGradGuard no_grad;
    const int64_t max_len = model.config().stack.max_len, V = model.config().stack.vocab;
    const int64_t keep = (max_len + 1) / 2;  // the window after a cut (see the header)
    NextLogits next_logits(model, options.decoding);
    // tokens[b] holds row b's prompt and draws, then copies of its last token once it is done, so
    // every row has a token at every position fed.
    std::vector<std::vector<int32_t>> tokens = prompts, generated(prompts.size());
    auto unfinished = [&](const std::vector<int32_t>& row) {
        return int64_t(row.size()) < options.length;
    };
    // Whether row b draws its next token from the logits of `position`.
    auto drawing = [&](size_t b, int64_t position) {
        return int64_t(tokens[b].size()) == position + 1 && unfinished(generated[b]);
    };
    int64_t start = 0;  // the window: positions start .. position
    for (int64_t position = 0; std::any_of(generated.begin(), generated.end(), unfinished);
         ++position) {
        bool needed = false;
        for (size_t b = 0; b < tokens.size(); ++b) needed = needed || drawing(b, position);
        if (position - start + 1 > max_len) start = position + 1 - keep;
        const Tensor logits = next_logits(tokens, start, position, needed);
        for (size_t b = 0; b < tokens.size(); ++b) {
            if (int64_t(tokens[b].size()) > position + 1) continue;  // still reading its prompt
            if (drawing(b, position)) {
                const int32_t next = draw(logits.data() + int64_t(b) * V, V, options, rng);
                generated[b].push_back(next);
                tokens[b].push_back(next);
            } else {
                tokens[b].push_back(tokens[b].back());
            }
        }
    }
    return generated;
}

std::vector<int32_t> sample_lm(LanguageModel& model, const std::vector<int32_t>& prompt,
                               const SamplingOptions& options, Rng& rng) {
    return sample_lm_batch(model, {prompt}, options, rng).front();
}

}  // namespace attnlab
