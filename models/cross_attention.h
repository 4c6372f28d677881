// cross_attention.h — encoder-decoder attention (Vaswani et al., 2017, §3.2.3): queries from the
// decoder, keys and values from the encoder output ("memory"), ALWAYS scaled dot-product:
//
//     q = x · W_q + b_q [B, T, d],  k = m · W_k + b_k,  v = m · W_v + b_v  [B, S, d]  (h heads)
//     P = softmax(q kᵀ / √(d/h) + padding)   [B, h, T, S]  (padded source keys removed)
//     Y = merge_heads(dropout(P) · v) · W_o + b_o          [B, T, d]
//
// As in the Synthesizer paper, only self-attention is synthesized: its encoder-decoder models keep
// this dot-product cross-attention whatever the self-attention kind (docs/papers.md §1.5, from a
// secondary source). So this layer is not a zoo kind and has no max_len.
//
// Parameters: "w_q", "w_k", "w_v", "w_o", each "weight" [d, d] + "bias" [d].
// Count: 4·(d² + d).
#pragma once

#include "attention.h"

namespace attnlab {

class CrossAttention : public Module {
  public:
    // Uses config's d_model, heads, dropout and dropout_seed (the rest is ignored). Initialises,
    // in order: w_q, w_k, w_v, w_o, from `rng`.
    CrossAttention(const AttentionConfig& config, Rng& rng);

    // What the layer reads from the encoder output, computed once per memory so that incremental
    // decoding does not project it again at every step: keys and values [B, h, S, dh] and the
    // additive padding mask [B, 1, 1, S] (undefined: no padding).
    struct Memory {
        Tensor keys, values, mask;
    };
    // memory [B, S, d] (encoder output), memory_padding [B, S] (1 = source token, 0 = pad;
    // undefined = none) → its Memory.
    Memory prepare(const Tensor& memory, const Tensor& memory_padding = Tensor()) const;
    // x [B, T, d] (decoder states) attending to a prepared memory → [B, T, d].
    Tensor attend(const Tensor& x, const Memory& memory);
    // attend(x, prepare(memory, memory_padding)).
    Tensor forward(const Tensor& x, const Tensor& memory, const Tensor& memory_padding = Tensor());

    // The attention weights P = softmax(q kᵀ / √dh + mask) [B, h, T, S] of x against a prepared
    // memory (no dropout), computed on demand: the forward keeps none.
    Tensor weights(const Tensor& x, const Memory& memory);

  private:
    int64_t d_model_, heads_;
    double dropout_;
    uint64_t dropout_seed_;
    uint64_t dropout_calls_ = 0;
    Linear w_q_, w_k_, w_v_, w_o_;
};

}  // namespace attnlab
