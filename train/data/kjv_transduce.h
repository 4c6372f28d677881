// kjv_transduce.h — a character-level translation stand-in on a KJV split (TaskKind::Seq2Seq):
// copy a short passage with every word's letters reversed.
//
// Reordering rule (word reversal): words are the maximal runs of characters other than ' ' and
// '\n'; each word is written backwards and every separator stays where it is, e.g.
//     "In the beginning God" → "nI eht gninnigeb doG"
// Output position j copies input position (word start + word end − 1 − j): a local, content-
// dependent reordering within a window of one word (up to ~17 characters in the KJV), which a
// model can only learn by attending to the right source positions, unlike a plain copy.
//
// Example i is a pure function of (seed, split, i): an Rng seeded with mix(seed, i) picks a word
// start in the split's text (kjv.h) uniformly and a length L uniform in [min_length, max_length];
// the source is the next L characters (the last word may be cut; it is reversed as cut).
// Vocabulary: characters of the TRAIN split with BOS/EOS (vocab.h): 0 pad, 1 unknown, 2 BOS, 3 EOS,
// then characters. Following dataset.h: input = source (L ids), second = BOS + reversed (L + 1),
// target = reversed + EOS (L + 1).
#pragma once

#include "train/data/dataset.h"
#include "train/data/kjv.h"
#include "train/data/vocab.h"

namespace attnlab {

struct KjvTransductionOptions {
    int64_t min_length = 16;  // source characters
    int64_t max_length = 48;
    int64_t train_examples = 10000;  // size() of the train split
    int64_t eval_examples = 1000;    // size() of the valid and test splits
    uint64_t seed = 1;
};

// The reordering above.
std::string reverse_words(const std::string& text);

class KjvTransduction : public Dataset {
  public:
    // split: "train", "valid" or "test".
    KjvTransduction(const std::string& split, const KjvTransductionOptions& options = {});

    std::string name() const override;
    TaskKind task() const override { return TaskKind::Seq2Seq; }
    int64_t size() const override { return size_; }
    Example example(int64_t index) const override;
    int64_t vocab_size() const override { return vocabulary_.size(); }
    int64_t max_length() const override { return options_.max_length + 1; }  // target with EOS
    std::string decode(const std::vector<int32_t>& ids) const override;

    const CharVocabulary& vocabulary() const { return vocabulary_; }
    std::string source_text(int64_t index) const;  // example `index`'s source, as text

  private:
    KjvSplit split_;
    KjvTransductionOptions options_;
    int64_t size_;
    const std::string& text_;
    CharVocabulary vocabulary_;
    std::vector<int32_t> word_starts_;  // offsets with max_length characters after them
};

}  // namespace attnlab
