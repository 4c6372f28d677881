// associative_recall.h — associative recall: key-value pairs, then a query key; answer its value.
//
// Example (keys k·, values v·):   k3 v7  k0 v2  k5 v7  ?  k0   → label 2
// The n pairs (n uniform in [min_pairs, max_pairs]) have distinct keys drawn from a key alphabet;
// values are drawn independently (they may repeat). The query is one of the n keys, uniformly.
// Label = the index of the paired value (num_classes = value_alphabet). Drawn from mix(seed, i).
//
// Why it needs token-token interaction: the answer sits right after the key that equals the
// query, and that position depends on the content. One layer of input-independent mixing (the
// Random Synthesizer's fixed softmax(R), or any fixed token-mixing matrix) gives the query's
// output as Σ_j w_j f(x_j) with weights w_j fixed in advance, the same for every example: it
// cannot weight the matching pair above the others, so the query sees a fixed blend of every
// pair, and untangling the answer is left to position-wise layers (possible only if the blend
// keeps every (position, token) apart, i.e. width growing with length × alphabet).
// Content-based attention weights w_j = softmax(q·k_j) can put all weight on the match. A deep
// enough stack of fixed mixers can emulate the lookup by routing — broadcast the query to every
// position, compare in the feed-forward layers, sum — diluting the signal by the sequence
// length; the task makes such routing the only way without content-based weights.
//
// Token ids: 0 pad, 1 the query marker "?", 2 .. 2 + K - 1 the keys, then the V values;
// vocab = 2 + K + V. Length = 2 n + 2.
#pragma once

#include <string>
#include <vector>

#include "train/data/dataset.h"

namespace attnlab {

constexpr int32_t kRecallQuery = 1;
constexpr int32_t kRecallKey0 = 2;  // key k is token k + 2; value v is token v + 2 + key_alphabet

struct AssociativeRecallOptions {
    int64_t size = 10000;
    uint64_t seed = 1;
    int64_t min_pairs = 4;  // pairs per example, inclusive bounds
    int64_t max_pairs = 12;
    int key_alphabet = 16;  // >= max_pairs, so the keys of an example can be distinct
    int value_alphabet = 10;
};

class AssociativeRecall : public Dataset {
  public:
    explicit AssociativeRecall(const AssociativeRecallOptions& options = {});

    std::string name() const override { return "associative_recall"; }
    TaskKind task() const override { return TaskKind::Classification; }
    int64_t size() const override { return options_.size; }
    Example example(int64_t index) const override;
    int64_t vocab_size() const override { return value_token(options_.value_alphabet); }
    int64_t num_classes() const override { return options_.value_alphabet; }
    int64_t max_length() const override { return 2 * options_.max_pairs + 2; }
    std::string decode(const std::vector<int32_t>& ids) const override;  // "k3 v7 k0 v2 ? k0"

    int32_t key_token(int key) const { return kRecallKey0 + key; }
    int32_t value_token(int value) const { return kRecallKey0 + options_.key_alphabet + value; }

  private:
    AssociativeRecallOptions options_;
};

}  // namespace attnlab
