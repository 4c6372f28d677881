// synthetic_seq2seq.h — copy, reverse and sort: seq2seq tasks whose answer is a fixed function of
// the source string, for checking encoder-decoder models and their decoders quickly.
//
// Each example is a random string over `alphabet_size` symbols (printed as 0-9, a-z, A-Z) with a
// length uniform in [min_length, max_length], drawn from the stream mix(seed, index). The target
// is the string copied, reversed, or sorted ascending. Following dataset.h's Seq2Seq convention:
//   input  = source                         (no BOS/EOS)
//   second = BOS + output                   (the decoder input: the target shifted right)
//   target = output + EOS
// Token ids: 0 pad, 1 BOS, 2 EOS, 3 .. 3 + alphabet_size - 1 the symbols; vocab = alphabet + 3.
#pragma once

#include <string>
#include <vector>

#include "train/data/dataset.h"

namespace attnlab {

constexpr int32_t kSeq2SeqBos = 1;
constexpr int32_t kSeq2SeqEos = 2;
constexpr int32_t kSeq2SeqSymbol0 = 3;  // symbol s is token s + 3

enum class SyntheticTask { Copy, Reverse, Sort };
const char* synthetic_task_name(SyntheticTask task);          // "copy", "reverse", "sort"
SyntheticTask parse_synthetic_task(const std::string& name);  // throws listing the names

struct SyntheticSeq2SeqOptions {
    SyntheticTask task = SyntheticTask::Copy;
    int64_t size = 10000;
    uint64_t seed = 1;
    int64_t min_length = 4;  // source length, inclusive bounds
    int64_t max_length = 16;
    int alphabet_size = 10;  // 1 .. 62 (one printable character each)
};

class SyntheticSeq2Seq : public Dataset {
  public:
    explicit SyntheticSeq2Seq(const SyntheticSeq2SeqOptions& options = {});

    std::string name() const override;  // "synthetic_copy", ...
    TaskKind task() const override { return TaskKind::Seq2Seq; }
    int64_t size() const override { return options_.size; }
    Example example(int64_t index) const override;
    int64_t vocab_size() const override { return kSeq2SeqSymbol0 + options_.alphabet_size; }
    int64_t max_length() const override { return options_.max_length + 1; }  // with BOS or EOS
    std::string decode(const std::vector<int32_t>& ids) const override;      // "<s>3141</s>"

  private:
    SyntheticSeq2SeqOptions options_;
};

}  // namespace attnlab
