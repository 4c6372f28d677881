// kjv_retrieval.h — byte-level passage matching on a KJV split (TaskKind::PairClassification), in
// the spirit of LRA's Retrieval task: do two passages (input, second) come from the same book?
// label 1 = same book, 0 = different books; num_classes() = 2.
//
// Example i is a pure function of (seed, split, i): an Rng seeded with mix(seed, i) draws the label
// (a fair coin, so the labels are balanced in expectation), then
//   same book:       one eligible book uniformly; one passage from each half of its text (halves
//                    split at the first verse starting at or after the middle byte, so the two
//                    passages never overlap), in random order;
//   different books: two distinct eligible books uniformly, one passage from anywhere in each.
// Passages follow kjv_passages.h. Eligible books are those whose two halves in the split each hold
// at least max_length bytes. Tokens: byte + 1 (vocab.h), 0 = padding.
#pragma once

#include <utility>

#include "train/data/dataset.h"
#include "train/data/kjv_passages.h"
#include "train/data/vocab.h"

namespace attnlab {

struct KjvRetrievalOptions {
    int64_t min_length = 256;  // bytes, each passage; LRA Retrieval uses up to 4,096
    int64_t max_length = 1024;
    int64_t train_examples = 10000;  // size() of the train split
    int64_t eval_examples = 1000;    // size() of the valid and test splits
    uint64_t seed = 1;
};

class KjvRetrieval : public Dataset {
  public:
    // split: "train", "valid" or "test".
    KjvRetrieval(const std::string& split, const KjvRetrievalOptions& options = {});

    std::string name() const override;
    TaskKind task() const override { return TaskKind::PairClassification; }
    int64_t size() const override { return size_; }
    Example example(int64_t index) const override;
    int64_t vocab_size() const override { return kByteVocabSize; }
    int64_t num_classes() const override { return 2; }
    int64_t max_length() const override { return options_.max_length; }
    std::string decode(const std::vector<int32_t>& ids) const override { return byte_decode(ids); }

    const std::vector<int>& eligible_books() const { return eligible_books_; }
    // The books of example `index`'s input and second passages.
    std::pair<int, int> source_books(int64_t index) const;

  private:
    std::pair<int, int> draw(int64_t index, std::string* input, std::string* second) const;

    KjvSplit split_;
    KjvRetrievalOptions options_;
    int64_t size_;
    KjvPassageSampler passages_;
    std::vector<int> eligible_books_;
    std::vector<int64_t> middle_verse_;  // by book: the first verse of the second half
};

}  // namespace attnlab
