// lm.h — a causal language model: tied token embedding, learned positions, N pre-LN blocks of
// causal attention of the configured kind, a final LayerNorm and logits = h · Eᵀ.
//
// The output projection is the token embedding itself (weight tying, Press & Wolf 2017), so the
// embedding gets gradient from both its uses and there is no separate "head.weight".
//
// Parameters: "embed.weight" [V, d] (N(0, 0.02²)), "pos.weight" [max_len, d] (N(0, 0.02²)),
// "blocks.<i>.{ln1,attn,ln2,ffn}....", "ln_f.{gamma,beta}".
// Count: V·d + max_len·d + layers · block + 2d, with block = attention's + 4d + 2·d·d_ff + d_ff + d
// (block.h) and attention's from attention.h / the kind's header.
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

// A [rows, d] lookup table ("weight", N(0, 0.02²)), looked up by embedding().
class EmbeddingTable : public Module {
  public:
    EmbeddingTable(int64_t rows, int64_t d_model, Rng& rng);
    const Tensor& weight() const { return weight_; }

  private:
    Tensor weight_;
};

// The blocks, registered as children "0", "1", ...
class BlockStack : public Module {
  public:
    BlockStack(const LmConfig& config, Rng& rng);
    Tensor forward(const Tensor& x);
    TransformerBlock& operator[](size_t i) { return *blocks_[i]; }

  private:
    std::vector<std::unique_ptr<TransformerBlock>> blocks_;
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

    const LmConfig& config() const { return config_; }

  private:
    LmConfig config_;
    EmbeddingTable embed_, pos_;
    BlockStack blocks_;
    LayerNorm ln_f_;
};

}  // namespace attnlab
