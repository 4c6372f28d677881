// text_lm.h — character-level language modelling over any text: a byte vocabulary built from the
// text itself, and LM windows over its token stream.
//
// CharVocab gives id 0 to padding and ids 1..n to the distinct bytes of the text in byte order, so
// the same text always gives the same ids. (A UTF-8 character outside ASCII becomes several byte
// tokens; decode() reassembles it.)
//
// TextLmDataset cuts a token stream into windows: example i covers tokens
// [i·stride, i·stride + seq_len + 1), input its first seq_len, target its last seq_len (the next
// token at every position). make_text_lm_splits cuts one text into contiguous train / valid / test
// parts (the tail of the text is the test part), all sharing the vocabulary of the whole text.
#pragma once

#include <array>
#include <memory>
#include <string>

#include "train/data/dataset.h"

namespace attnlab {

class CharVocab {
  public:
    explicit CharVocab(const std::string& text);
    int64_t size() const { return int64_t(chars_.size()) + 1; }  // padding included
    // Throws an Error naming the first byte of `text` that is not in the vocabulary.
    std::vector<int32_t> encode(const std::string& text) const;
    std::string decode(const std::vector<int32_t>& ids) const;  // padding and unknown ids skipped

  private:
    std::string chars_;               // id i + 1 ↔ chars_[i]
    std::array<int32_t, 256> ids_{};  // byte → id, 0 when absent
};

class TextLmDataset : public Dataset {
  public:
    // Needs seq_len >= 1, stride >= 1 and at least seq_len + 1 tokens.
    TextLmDataset(std::string name, std::shared_ptr<const CharVocab> vocab,
                  std::vector<int32_t> tokens, int64_t seq_len, int64_t stride);

    std::string name() const override { return name_; }
    TaskKind task() const override { return TaskKind::LanguageModel; }
    int64_t size() const override;
    Example example(int64_t index) const override;
    int64_t vocab_size() const override { return vocab_->size(); }
    int64_t max_length() const override { return seq_len_; }
    std::string decode(const std::vector<int32_t>& ids) const override;
    const CharVocab& vocab() const { return *vocab_; }

  private:
    std::string name_;
    std::shared_ptr<const CharVocab> vocab_;
    std::vector<int32_t> tokens_;
    int64_t seq_len_, stride_;
};

struct TextLmSplits {
    std::shared_ptr<const CharVocab> vocab;
    std::unique_ptr<TextLmDataset> train, valid, test;
};

// Splits `text` by the fractions (each in [0, 0.5)); every part needs seq_len + 1 characters.
// Training windows use stride `train_stride`; valid and test windows do not overlap.
TextLmSplits make_text_lm_splits(const std::string& name, const std::string& text, int64_t seq_len,
                                 int64_t train_stride, double valid_fraction, double test_fraction);

}  // namespace attnlab
