// copy_lm.h — a synthetic language-modelling task for tests and smoke runs: copy a random string.
//
// Each sequence is  x₁ … xₙ SEP x₁ … xₙ  with n = length symbols drawn uniformly from `symbols`
// values. The LM sees input = the first 2n tokens and target = the last 2n (the next token), and
// only the copy is scored: the targets of the first n positions are kIgnoreIndex (the random part
// is unpredictable, the separator trivial). A model that attends back n + 1 positions drives the
// loss to zero. Vocabulary: 0 padding, 1 SEP, 2 … symbols + 1 the symbols.
//
// Example i of a split is drawn from Rng(mix(mix(seed, split), i)) (split 0 train, 1 valid,
// 2 test), so splits differ and any example is reproducible on its own.
#pragma once

#include "train/data/dataset.h"

namespace attnlab {

class CopyLmDataset : public Dataset {
  public:
    static constexpr int32_t kSeparator = 1;

    CopyLmDataset(std::string name, int64_t size, int64_t symbols, int64_t length, uint64_t seed,
                  uint64_t split);

    std::string name() const override { return name_; }
    TaskKind task() const override { return TaskKind::LanguageModel; }
    int64_t size() const override { return size_; }
    Example example(int64_t index) const override;
    int64_t vocab_size() const override { return symbols_ + 2; }
    int64_t max_length() const override { return 2 * length_; }

  private:
    std::string name_;
    int64_t size_, symbols_, length_;
    uint64_t stream_;
};

}  // namespace attnlab
