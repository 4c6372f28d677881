// copy_lm.cpp — the random-string copy task of copy_lm.h.
#include "copy_lm.h"

#include "engine/rng.h"

namespace attnlab {

CopyLmDataset::CopyLmDataset(std::string name, int64_t size, int64_t symbols, int64_t length,
                             uint64_t seed, uint64_t split)
    : name_(std::move(name)),
      size_(size),
      symbols_(symbols),
      length_(length),
      stream_(mix(seed, split)) {
    ATTNLAB_CHECK(size > 0 && symbols > 0 && length > 0, "CopyLmDataset ", name_, ": size ", size,
                  ", symbols ", symbols, " and length ", length, " must be positive");
    ATTNLAB_CHECK(symbols <= kMaxVocabulary - 2 && length <= kMaxSequenceLength / 2,
                  "CopyLmDataset ", name_, ": symbols ", symbols, " and length ", length,
                  " must be at most ", kMaxVocabulary - 2, " and ", kMaxSequenceLength / 2);
}

Example CopyLmDataset::example(int64_t index) const {
    ATTNLAB_CHECK(index >= 0 && index < size_, "CopyLmDataset ", name_, ": index ", index,
                  " outside [0, ", size_, ")");
    Rng rng(mix(stream_, uint64_t(index)));
    std::vector<int32_t> sequence;
    for (int64_t i = 0; i < length_; ++i)
        sequence.push_back(int32_t(2 + rng.below(uint64_t(symbols_))));
    sequence.push_back(kSeparator);
    for (int64_t i = 0; i < length_; ++i) sequence.push_back(sequence[size_t(i)]);
    Example example;
    example.input.assign(sequence.begin(), sequence.end() - 1);
    example.target.assign(sequence.begin() + 1, sequence.end());
    for (int64_t i = 0; i < length_; ++i) example.target[size_t(i)] = kIgnoreIndex;
    return example;
}

}  // namespace attnlab
