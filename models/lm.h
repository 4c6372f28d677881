// lm.h — a causal language model: tied token embedding, positions (learned or sinusoidal,
// positions.h), N pre-LN blocks of
// causal attention of the configured kind, a final LayerNorm and logits = h · Eᵀ.
//
// The output projection is the token embedding itself (weight tying, Press & Wolf 2017), so the
// embedding gets gradient from both its uses and there is no separate "head.weight".
//
// Incremental decoding (LmDecoding below): every block's token mixer keeps a DecodeState
// (token_mixer.h), so each new token costs one row per layer instead of a pass over the prefix.
// The position table has max_len rows, so a decoding stops at max_len: the step at position max_len
// throws (train/sampling.h then starts again from a shorter window), whatever the kind.
//
// Parameters: "embed.weight" [V, d] (N(0, embedding_std²), default 0.02), "pos.weight" [max_len, d]
// (N(0, 0.02²); learned positions only), "blocks.<i>.{ln1,attn,ln2,ffn}....", "ln_f.{gamma,beta}".
// Count: V·d + max_len·d (learned positions) + layers · block + 2d, with block = attention's + 4d +
// 2·d·d_ff + d_ff + d (block.h) and attention's from attention.h / the kind's header.
#pragma once

#include <memory>
#include <vector>

#include "block.h"
#include "engine/ops.h"
#include "stack_config.h"

namespace attnlab {

struct LmConfig {
    // The sizes, dropout and attention kind of the one stack (stack_config.h).
    StackConfig stack;

    // The (always causal) attention config of block `layer`.
    AttentionConfig block_attention(int64_t layer) const {
        return stack.block_attention(layer, true);
    }
};

// A [rows, d] lookup table ("weight", N(0, std²); the stacks pass StackConfig::embedding_std),
// looked up by embedding().
class EmbeddingTable : public Module {
  public:
    EmbeddingTable(int64_t rows, int64_t d_model, double std, Rng& rng);
    const Tensor& weight() const { return weight_; }

  private:
    Tensor weight_;
};

// Position ids [B, L] holding 0 .. L − 1 in every row.
IntTensor position_ids(int64_t B, int64_t L);

// The blocks, registered as children "0", "1", ...
class BlockStack : public Module {
  public:
    BlockStack(const LmConfig& config, Rng& rng);
    Tensor forward(const Tensor& x);
    TransformerBlock& operator[](size_t i) { return *blocks_[i]; }
    size_t size() const { return blocks_.size(); }

  private:
    std::vector<std::unique_ptr<TransformerBlock>> blocks_;
};

class LanguageModel;

// One incremental decoding of a batch of B sequences (LanguageModel::start_decoding): step() takes
// the token of every sequence at position() and returns that position's logits, equal to those of
// forward() on the whole prefix. The model must stay in eval mode and outlive it.
class LmDecoding {
  public:
    // ids: B tokens, one per sequence, at position() < max_len → logits [B, V].
    Tensor step(const std::vector<int32_t>& ids);
    int64_t position() const { return position_; }
    int64_t batch() const { return batch_; }

  private:
    friend class LanguageModel;
    LmDecoding(LanguageModel& model, int64_t batch);

    LanguageModel& model_;
    int64_t batch_, position_ = 0;
    std::vector<std::unique_ptr<DecodeState>> blocks_;
};

class LanguageModel : public Module {
  public:
    // Initialises, in order: embed, pos, then each block, from `rng`.
    LanguageModel(const LmConfig& config, Rng& rng);

    // ids [B, L] with 0 <= id < vocab and L <= max_len → logits [B, L, vocab].
    Tensor forward(const IntTensor& ids);
    // Mean cross-entropy of forward(ids) against targets [B, L], skipping ignore_index.
    Tensor loss(const IntTensor& ids, const IntTensor& targets,
                int32_t ignore_index = kIgnoreIndex);

    // Starts an incremental decoding of `batch` sequences. Needs eval mode (decoding applies no
    // dropout) and a kind that decodes (token_mixer.h); otherwise an Error.
    LmDecoding start_decoding(int64_t batch);

    const LmConfig& config() const { return config_; }

  private:
    friend class LmDecoding;
    // E[ids] + P[positions] for ids and positions of one shape [B, L] → [B, L, d].
    Tensor embed(const IntTensor& ids, const IntTensor& positions) const;
    // Final states [B, L, d] → logits LN_f(h) · Eᵀ [B, L, V].
    Tensor head(const Tensor& h) const;

    LmConfig config_;
    EmbeddingTable embed_;
    PositionTable pos_;
    BlockStack blocks_;
    LayerNorm ln_f_;
};

}  // namespace attnlab
