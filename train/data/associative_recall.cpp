// associative_recall.cpp — the key-value recall task of associative_recall.h.
#include "associative_recall.h"

#include <numeric>

#include "engine/rng.h"

namespace attnlab {

AssociativeRecall::AssociativeRecall(const AssociativeRecallOptions& options) : options_(options) {
    const AssociativeRecallOptions& o = options;
    ATTNLAB_CHECK(o.size > 0, "AssociativeRecall: size ", o.size, " must be positive");
    ATTNLAB_CHECK(o.min_pairs >= 1 && o.min_pairs <= o.max_pairs,
                  "AssociativeRecall: pair bounds [", o.min_pairs, ", ", o.max_pairs,
                  "] need 1 <= min_pairs <= max_pairs");
    ATTNLAB_CHECK(o.key_alphabet >= o.max_pairs, "AssociativeRecall: key_alphabet ", o.key_alphabet,
                  " is smaller than max_pairs ", o.max_pairs,
                  " (the keys of an example are distinct)");
    ATTNLAB_CHECK(o.value_alphabet >= 2, "AssociativeRecall: value_alphabet ", o.value_alphabet,
                  " must be at least 2");
    ATTNLAB_CHECK(int64_t(o.key_alphabet) + o.value_alphabet <= 1000000,
                  "AssociativeRecall: key_alphabet + value_alphabet ",
                  int64_t(o.key_alphabet) + o.value_alphabet, " exceeds 1000000");
}

Example AssociativeRecall::example(int64_t index) const {
    ATTNLAB_CHECK(index >= 0 && index < options_.size, "AssociativeRecall: index ", index,
                  " outside [0, ", options_.size, ")");
    Rng rng(mix(options_.seed, uint64_t(index)));
    const int64_t span = options_.max_pairs - options_.min_pairs + 1;
    const int64_t pairs = options_.min_pairs + int64_t(rng.below(uint64_t(span)));
    // Distinct keys: the first `pairs` entries of a partial Fisher–Yates shuffle.
    std::vector<int> keys(size_t(options_.key_alphabet));
    std::iota(keys.begin(), keys.end(), 0);
    std::vector<int> values;
    Example example;
    for (int64_t p = 0; p < pairs; ++p) {
        std::swap(keys[size_t(p)], keys[size_t(p) + rng.below(keys.size() - size_t(p))]);
        values.push_back(int(rng.below(uint64_t(options_.value_alphabet))));
        example.input.push_back(key_token(keys[size_t(p)]));
        example.input.push_back(value_token(values.back()));
    }
    const size_t query = size_t(rng.below(uint64_t(pairs)));
    example.input.push_back(kRecallQuery);
    example.input.push_back(key_token(keys[query]));
    example.label = values[query];
    return example;
}

std::string AssociativeRecall::decode(const std::vector<int32_t>& ids) const {
    std::string out;
    for (int32_t id : ids) {
        if (!out.empty()) out += ' ';
        if (id == kPadId)
            out += "_";
        else if (id == kRecallQuery)
            out += "?";
        else if (id >= kRecallKey0 && id < value_token(0))
            out += cat("k", id - kRecallKey0);
        else if (id >= value_token(0) && id < vocab_size())
            out += cat("v", id - value_token(0));
        else
            out += cat("<", id, ">");
    }
    return out;
}

}  // namespace attnlab
