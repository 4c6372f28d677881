// encoder.h — the bidirectional Transformer encoder shared by the classifier (classifier.h) and
// the encoder-decoder (seq2seq.h), configured by a StackConfig (stack_config.h): token embedding +
// positions (learned or sinusoidal, positions.h) → N pre-LN blocks (block.h) of the configured
// attention kind, NOT causal, with the key padding mask passed to every block → a final LayerNorm.
//
//     h = E[ids] + P[0 .. L)            [B, L, d]
//     h = block_i(h, key_padding)       i = 0 .. layers − 1
//     out = LN_f(h)                     [B, L, d]
//
// Padded positions still get outputs (their queries attend to the real keys) but, since every
// block masks them as keys, they never change a real position's output: callers pool over real
// tokens only. forward_embedded() takes ready token vectors so callers can prepend a learned
// vector (the classifier's CLS) before the positions are added.
//
// Parameters: "embed.weight" [V, d] (N(0, embedding_std²), default 0.02) and "pos.weight"
// [max_len, d] (N(0, 0.02²); learned positions only),
// "blocks.<i>.{ln1,attn,ln2,ffn}....", "ln_f.{gamma,beta}".
// Count: V·d + max_len·d (learned positions) + layers · block + 2d, with block = attention's + 4d +
// 2·d·d_ff + d_ff + d (block.h) and attention's from attention.h / the kind's header.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lm.h"

namespace attnlab {

// Owned child modules registered as "0", "1", ... in the order added.
template <class Child>
class ModuleList : public Module {
  public:
    Child& add(std::unique_ptr<Child> child) {
        items_.push_back(std::move(child));
        register_module(std::to_string(items_.size() - 1), *items_.back());
        return *items_.back();
    }
    size_t size() const { return items_.size(); }
    Child& operator[](size_t i) { return *items_[i]; }

  private:
    std::vector<std::unique_ptr<Child>> items_;
};

class Encoder : public Module {
  public:
    // Initialises, in order: embed, pos, then each block, from `rng`.
    Encoder(const StackConfig& config, Rng& rng);

    // ids [B, L] with 0 <= id < vocab → token vectors E[ids] [B, L, d] (no positions).
    Tensor embed(const IntTensor& ids) const;
    // x [B, L, d] token vectors with L <= max_len → [B, L, d]; key_padding [B, L] (1 = token,
    // 0 = pad) or undefined for none. Adds positions 0 .. L − 1 first.
    Tensor forward_embedded(const Tensor& x, const Tensor& key_padding = Tensor());
    // forward_embedded(embed(ids), key_padding).
    Tensor forward(const IntTensor& ids, const Tensor& key_padding = Tensor());

    const Tensor& embedding_weight() const { return embed_.weight(); }
    TransformerBlock& block(size_t i) { return blocks_[i]; }
    const StackConfig& config() const { return config_; }

  private:
    StackConfig config_;
    EmbeddingTable embed_;
    PositionTable pos_;
    ModuleList<TransformerBlock> blocks_;
    LayerNorm ln_f_;
};

}  // namespace attnlab
