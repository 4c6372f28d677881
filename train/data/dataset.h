// dataset.h — what every task of attnlab hands the trainer: examples, batches and a shuffled order.
//
// A Dataset is an indexable, deterministic collection: example(i) returns the same tokens on every
// call, machine and thread count (generated tasks derive example i from mix(seed, i)). Token id 0
// is always padding; each dataset documents the rest of its vocabulary.
//
// The fields an Example fills depend on the task:
//   LanguageModel       input = tokens[t .. t+L), target = tokens[t+1 .. t+L+1)  (same length)
//   Classification      input, label
//   PairClassification  input, second, label       (two-tower retrieval)
//   Seq2Seq             input = source, second = decoder input (BOS + target without its last),
//                       target = target sequence ending with EOS             (second ~ target)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/ops.h"  // kIgnoreIndex, the target at padded positions
#include "engine/tensor.h"
#include "models/attention_config.h"

namespace attnlab {

constexpr int32_t kPadId = 0;

// Plausibility limits every generator, the sampler and the config enforce, so that derived sizes
// (2 × length, vocabulary + specials, batch × length, ...) stay far from int32/int64 overflow;
// kMaxSequenceLength, the model's, is in models/attention_config.h.
constexpr int64_t kMaxVocabulary = int64_t(1) << 24;  // token ids are int32
constexpr int64_t kMaxBatchSize = int64_t(1) << 20;   // examples in one batch

enum class TaskKind { LanguageModel, Classification, PairClassification, Seq2Seq };
const char* task_kind_name(TaskKind kind);

struct Example {
    std::vector<int32_t> input;
    std::vector<int32_t> second;
    std::vector<int32_t> target;
    int32_t label = -1;
};

class Dataset {
  public:
    virtual ~Dataset() = default;
    virtual std::string name() const = 0;
    virtual TaskKind task() const = 0;
    virtual int64_t size() const = 0;
    virtual Example example(int64_t index) const = 0;  // 0 <= index < size()
    virtual int64_t vocab_size() const = 0;            // every id is in [0, vocab_size)
    virtual int64_t num_classes() const { return 0; }  // classification tasks only
    virtual int64_t max_length() const = 0;            // the longest input/second/target
    // A readable form of token ids (text tasks print characters; others ids), for samples and logs.
    virtual std::string decode(const std::vector<int32_t>& ids) const;
};

// A padded batch. Sequences are right-padded with kPadId to the longest in the batch; masks hold 1
// for a real token and 0 for padding; targets are padded with kIgnoreIndex. Unused fields stay
// empty (shape {}).
struct Batch {
    IntTensor input;    // [B, L]
    Tensor input_mask;  // [B, L]
    IntTensor second;   // [B, L2]
    Tensor second_mask;
    IntTensor target;  // [B, T]
    IntTensor labels;  // [B]
    int64_t size() const { return input.shape.empty() ? 0 : input.shape[0]; }
    // Real (non-pad) target tokens for LM/seq2seq, else the number of examples: what a loss
    // averages.
    int64_t target_count() const;
};

// Collates `examples` (all of one task) into a Batch; throws on an empty list or mixed fields.
Batch collate(const std::vector<Example>& examples);

// Visits a dataset's indices in a fresh pseudo-random order every epoch, derived from (seed,
// epoch) only, so a run resumed at (epoch, position) continues the exact same sequence.
class BatchSampler {
  public:
    BatchSampler(int64_t dataset_size, int64_t batch_size, uint64_t seed, bool shuffle = true);

    // The next batch_size indices; wraps into the next epoch (never returns a short batch).
    std::vector<int64_t> next();

    int64_t epoch() const { return epoch_; }
    int64_t position() const { return position_; }
    void seek(int64_t epoch, int64_t position);  // restores a saved (epoch, position)

  private:
    void reshuffle();

    int64_t dataset_size_, batch_size_;
    uint64_t seed_;
    bool shuffle_;
    int64_t epoch_ = 0, position_ = 0;
    std::vector<int64_t> order_;
};

// Collates dataset examples at `indices`.
Batch make_batch(const Dataset& dataset, const std::vector<int64_t>& indices);

}  // namespace attnlab
