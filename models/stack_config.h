// stack_config.h — the settings every Transformer stack of the project shares: the language model
// (lm.h), the encoder of the classifier and of the encoder-decoder (encoder.h, classifier.h,
// seq2seq.h), which nest one StackConfig each (as they nest the AttentionConfig inside it) rather
// than repeat its fields.
//
// A stack is: token embedding [vocab, d_model] + positions [max_len, d_model] (learned or
// sinusoidal, positions.h) → `layers`
// pre-LN blocks (block.h) of width d_model with `heads` heads and an FFN of width d_ff → a final
// LayerNorm. The blocks' attention is `attention` with its sizes, dropout, causality and seed set
// by block_attention().
#pragma once

#include "attention.h"
#include "positions.h"

namespace attnlab {

struct StackConfig {
    int64_t vocab = 256;
    int64_t d_model = 64;
    int64_t heads = 4;
    int64_t layers = 2;
    int64_t d_ff = 256;
    int64_t max_len = 128;
    double dropout = 0;  // attention weights and both residual branches, training only
    std::string positions = "learned";  // or "sinusoidal" (positions.h)
    // The token embedding's initial N(0, std²). LRA draws N(0, 1), the scale of its sinusoids.
    double embedding_std = 0.02;
    uint64_t seed = 0;  // dropout seed; block i uses seed + i
    // The attention kind and its options (attention.h). Its d_model, heads, max_len, dropout,
    // causal and dropout_seed are ignored: block_attention() sets them from the fields above.
    AttentionConfig attention;

    // The attention config of block `layer`: `attention` with the sizes and dropout above, the
    // given causality and dropout seed `seed + layer`.
    AttentionConfig block_attention(int64_t layer, bool causal) const;

    // Throws unless vocab, layers, max_len, d_ff and embedding_std are positive and positions is
    // a kind of position_kinds(), naming `who` (the model being
    // built) in the message. The models call it before building their members, which would
    // otherwise fail with less helpful messages.
    void check(const char* who) const;
};

}  // namespace attnlab
