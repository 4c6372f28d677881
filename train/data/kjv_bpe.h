// kjv_bpe.h — subword language modelling on a KJV split (TaskKind::LanguageModel): the split's
// text (kjv.h: the same chapters and verses as kjv_char) encoded with a BPE tokenizer (bpe.h)
// trained on the TRAIN split only, cut into windows like kjv_lm.h but counted in subwords.
//
// Example i starts at token offset o = i · context_length of the split's token stream, with
// input = tokens[o, o + L) and target = tokens[o + 1, o + L + 1). size() is the number of full
// windows; the tail that does not fill one is unused.
//
// The tokenizer is a function of vocab_size and the train text alone, so it is rebuilt, not
// stored, wherever a task is built from a config (a run, eval, sample, attention-map): the same
// way kjv_char rebuilds its character vocabulary. A checkpoint records its fingerprint
// (BpeTokenizer::fingerprint, through Task::checkpoint_metadata), and loading one compares it with
// the rebuilt tokenizer's (checkpoint.h check_task_metadata). We chose this over a tokenizer file
// beside the weights because a checkpoint then stays one file: copying best.safetensors elsewhere
// cannot separate it from its tokenizer, best and last cannot end up with different ones, and the
// record is written in the same atomic rename and covered by the same metadata CRC as the weights.
// Its only failure, a tokenizer that no longer rebuilds the same (another KJV package, a change to
// bpe.cpp), is then a one-line error at load, never a silent change of what the ids mean.
//
// Training and encoding read the whole text of a split, so each is done once per process (for each
// vocab_size) and shared by every dataset and task built after.
#pragma once

#include <memory>

#include "train/data/bpe.h"
#include "train/data/dataset.h"
#include "train/data/kjv.h"

namespace attnlab {

struct KjvBpeOptions {
    int64_t context_length = 256;  // L, in subwords
    int64_t vocab_size = 4000;     // padding + 256 bytes + merges
};

// The tokenizer of the KJV train split with vocab_size ids, trained on first use (cached).
std::shared_ptr<const BpeTokenizer> kjv_bpe_tokenizer(int64_t vocab_size);

class KjvBpeLanguageModel : public Dataset {
  public:
    // split: "train", "valid" or "test".
    KjvBpeLanguageModel(const std::string& split, const KjvBpeOptions& options = {});

    std::string name() const override;
    TaskKind task() const override { return TaskKind::LanguageModel; }
    int64_t size() const override;
    Example example(int64_t index) const override;
    int64_t vocab_size() const override { return tokenizer_->vocab_size(); }
    int64_t max_length() const override { return options_.context_length; }
    std::string decode(const std::vector<int32_t>& ids) const override;

    const BpeTokenizer& tokenizer() const { return *tokenizer_; }
    std::shared_ptr<const BpeTokenizer> shared_tokenizer() const { return tokenizer_; }
    const std::vector<int32_t>& tokens() const { return *tokens_; }  // the whole split

  private:
    KjvSplit split_;
    KjvBpeOptions options_;
    std::shared_ptr<const BpeTokenizer> tokenizer_;
    std::shared_ptr<const std::vector<int32_t>> tokens_;
};

}  // namespace attnlab
