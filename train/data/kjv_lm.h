// kjv_lm.h — character-level language modelling on a KJV split (TaskKind::LanguageModel).
//
// The split's text (kjv.h: verses joined with '\n') is cut into consecutive non-overlapping windows
// of context_length characters: example i starts at offset o = i · context_length, with
// input = text[o, o + L) and target = text[o + 1, o + L + 1), both encoded with the character
// vocabulary of the TRAIN split (vocab.h: 0 pad, 1 unknown, then characters). size() is the
// number of full windows; the tail that does not fill one is unused.
#pragma once

#include "train/data/dataset.h"
#include "train/data/kjv.h"
#include "train/data/vocab.h"

namespace attnlab {

struct KjvLanguageModelOptions {
    int64_t context_length = 256;  // L
};

class KjvLanguageModel : public Dataset {
  public:
    // split: "train", "valid" or "test".
    KjvLanguageModel(const std::string& split, const KjvLanguageModelOptions& options = {});

    std::string name() const override;
    TaskKind task() const override { return TaskKind::LanguageModel; }
    int64_t size() const override;
    Example example(int64_t index) const override;
    int64_t vocab_size() const override { return vocabulary_.size(); }
    int64_t max_length() const override { return options_.context_length; }
    std::string decode(const std::vector<int32_t>& ids) const override;

    const CharVocabulary& vocabulary() const { return vocabulary_; }

  private:
    KjvSplit split_;
    KjvLanguageModelOptions options_;
    const std::string& text_;
    CharVocabulary vocabulary_;
};

}  // namespace attnlab
