// kjv_classify.h — byte-level passage classification on a KJV split (TaskKind::Classification),
// in the spirit of LRA's byte-level Text task: which book (66 classes) or which testament
// (2 classes: 0 Old, 1 New) does a passage of min_length..max_length bytes come from?
//
// Example i is a pure function of (seed, split, i): an Rng seeded with mix(seed, i) picks the
// class uniformly (balanced classes, not proportional to verse counts) — for books, uniformly over
// the eligible books; for testaments, a testament with probability 1/2, then uniformly over its
// eligible books — then a passage of that book by the rule of kjv_passages.h. Eligible books are
// those whose text in the split holds at least max_length bytes (all 66 in train; valid and test
// hold fewer books, see eligible_books()). Tokens: byte + 1 (vocab.h), 0 = padding.
#pragma once

#include "train/data/dataset.h"
#include "train/data/kjv_passages.h"
#include "train/data/vocab.h"

namespace attnlab {

enum class KjvLabel { Book, Testament };

struct KjvClassificationOptions {
    KjvLabel label = KjvLabel::Book;
    int64_t min_length = 256;  // bytes; LRA Text uses up to 4,096
    int64_t max_length = 1024;
    int64_t train_examples = 10000;  // size() of the train split
    int64_t eval_examples = 1000;    // size() of the valid and test splits
    uint64_t seed = 1;
};

class KjvClassification : public Dataset {
  public:
    // split: "train", "valid" or "test".
    KjvClassification(const std::string& split, const KjvClassificationOptions& options = {});

    std::string name() const override;
    TaskKind task() const override { return TaskKind::Classification; }
    int64_t size() const override { return size_; }
    Example example(int64_t index) const override;
    int64_t vocab_size() const override { return kByteVocabSize; }
    int64_t num_classes() const override;
    int64_t max_length() const override { return options_.max_length; }
    std::string decode(const std::vector<int32_t>& ids) const override { return byte_decode(ids); }

    const std::vector<int>& eligible_books() const { return eligible_books_; }
    // The book example `index` was drawn from (its label, for KjvLabel::Book).
    int source_book(int64_t index) const;

  private:
    int draw(int64_t index, std::string* passage) const;  // returns the book

    KjvSplit split_;
    KjvClassificationOptions options_;
    int64_t size_;
    KjvPassageSampler passages_;
    std::vector<int> eligible_books_;
    std::vector<int> eligible_by_testament_[2];
};

}  // namespace attnlab
