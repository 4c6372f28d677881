// mqar.h — multi-query associative recall (MQAR; Arora et al. 2023, "Zoology: Measuring and
// Improving Recall in Efficient Language Models", arXiv 2312.04927) as a causal LM whose loss is
// only where an answer is due.
//
// One sequence of exactly `length` tokens, D = pairs, Q = queries (0 means D: every key once):
//
//   positions 0 .. 2D-1        k₁ v₁ k₂ v₂ … k_D v_D   D distinct keys, each followed by its value
//                              (values distinct too), keys and values from disjoint vocabularies
//   positions 2D .. length-1   the query region, cut into S = ⌊(length − 2D) / 2⌋ slots of two
//                              positions (slot g starts at 2D + 2g). Q slots each hold one queried
//                              key at their first position; every other position is a filler: the
//                              filler token, or with random_fillers a random key or value.
//
//   e.g. D = 2, Q = 2, length 12:  k5 v1 k2 v6 | k2 f  f  f  k5 f  f  f
//                       target:     ·  ·  ·  ·  | v6 ·  ·  ·  v1 ·  ·  ·     (· = kIgnoreIndex)
//
// The target at a query position is the value paired with its key; every other target is
// kIgnoreIndex. Reading the key, the LM must predict its value as the next token, which is never
// shown: the input after a query is a filler, as in Zoology, where the answer is a label only.
//
// This follows Zoology's generator (HazyResearch/zoology, zoology/data/associative_recall.py,
// `_mqar` / `multiquery_ar`; the same layout in zoology/data/multiquery_ar.py): pairs first, keys
// and values each drawn without replacement from their own part of the vocabulary (Zoology: its
// two halves), queries at the first position of two-position slots after the pairs, slot g
// (0-based) drawn without replacement with weight (g + 1)^(gap_power − 1) (its power_a, default
// 0.01: queries crowd towards the pairs, like the power-law distance between repeated bigrams in
// text; 1 is uniform), every key queried once, every other position a filler: one fixed token as
// in the paper's Figure 2 configs (zoology/experiments/paper_configs/iclr24_zoology_figure2/
// configs.py: random_non_queries=False), or random tokens (random_fillers, the generator's
// default there). Here the queried keys come in uniformly random order. Differences:
//   - random fillers never repeat one of the sequence's keys (Zoology draws them from the whole
//     vocabulary): a key seen again before its query, followed by a random token, would be a
//     second, wrong pair — rare among Zoology's 8,192 tokens, common among a few hundred;
//   - `queries` may be fewer than `pairs` (as in Zoology's single-query `_ar`);
//   - the sizes need only 2 × pairs + 2 × queries <= length (with every key queried, Zoology's
//     4 × pairs <= length); Zoology also asserts an even length and a vocabulary above it.
//
// Token ids: 0 padding (never in a sequence: all have the same length), 1 the filler, key k is
// 2 + k, value v is 2 + key_alphabet + v; vocab = 2 + key_alphabet + value_alphabet. Example i is
// drawn from Rng(mix(seed, i)).
//
// Metrics (LmTask): "loss" is the mean cross-entropy over the query positions, "accuracy" the
// fraction of query positions whose argmax over the whole vocabulary is the paired value. Chance
// is 1 / value_alphabet; a model that has only learnt to answer with one of the sequence's own
// values, without matching its key, scores about 1 / pairs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "train/data/dataset.h"

namespace attnlab {

constexpr int32_t kMqarFiller = 1;

struct MqarOptions {
    int64_t size = 10000;
    uint64_t seed = 1;
    int64_t pairs = 4;
    int64_t length = 64;
    int64_t key_alphabet = 64;    // >= pairs: the keys of a sequence are distinct
    int64_t value_alphabet = 64;  // >= pairs: so are its values
    int64_t queries = 0;          // 0: every key once
    double gap_power = 0.01;      // in (0, 10]; 1: query slots uniform
    bool random_fillers = true;   // fillers: random keys and values, else kMqarFiller
};

// An option that does not fit the others: its name (as in the config's "data.*"), what it must
// be, and its value.
struct MqarOptionProblem {
    std::string option, expectation, value;
};
std::optional<MqarOptionProblem> mqar_option_problem(const MqarOptions& options);

class Mqar : public Dataset {
  public:
    // Throws an Error naming the first option mqar_option_problem reports.
    explicit Mqar(const MqarOptions& options = {});

    std::string name() const override { return "mqar"; }
    TaskKind task() const override { return TaskKind::LanguageModel; }
    int64_t size() const override { return options_.size; }
    Example example(int64_t index) const override;
    int64_t vocab_size() const override { return value_token(options_.value_alphabet); }
    int64_t max_length() const override { return options_.length; }
    std::string decode(const std::vector<int32_t>& ids) const override;  // "k3 v7 k3 f _"

    int64_t query_count() const {
        return options_.queries == 0 ? options_.pairs : options_.queries;
    }
    int32_t key_token(int64_t key) const { return int32_t(2 + key); }
    int32_t value_token(int64_t value) const { return int32_t(2 + options_.key_alphabet + value); }

  private:
    MqarOptions options_;
};

}  // namespace attnlab
