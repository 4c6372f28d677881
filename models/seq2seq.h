// seq2seq.h — an encoder-decoder Transformer (Vaswani et al., 2017) for sequence-to-sequence
// tasks, with the self-attention kind of the zoo in both stacks and dot-product cross-attention
// (cross_attention.h), as in the Synthesizer paper's MT and summarization models.
//
//     memory = Encoder(source, source padding)                    encoder.h, bidirectional
//     x = E[decoder input] + P_dec[0 .. T)
//     per decoder block (pre-LN):
//         x += dropout(self-attention(LN1(x), decoder padding))   the kind, causal
//         x += dropout(cross-attention(LN_cross(x), memory, source padding))
//         x += dropout(FFN(LN2(x)))
//     logits = LN_f(x) · Eᵀ                                       [B, T, V]
//
// Incremental decoding (Seq2SeqDecoding below): each decoder block's self-attention keeps a
// DecodeState (token_mixer.h) and its cross-attention the keys and values of the memory, projected
// once; a step costs one row per layer. greedy_decode uses it, or the whole-prefix path (the
// reference) when asked.
//
// One token table E serves the source, the decoder input and the output projection (tied
// weights, Press & Wolf 2017): source and target share the vocabulary. It is the encoder's
// "encoder.embed.weight"; the decoder has no table of its own.
//
// Parameters: "encoder.*" (encoder.h), "decoder.pos.weight" [max_len, d] (N(0, 0.02²); learned
// positions only, as the encoder's),
// "decoder.blocks.<i>.{ln1,attn,ln_cross,cross,ln2,ffn}....", "decoder.ln_f.{gamma,beta}".
// Count: V·d + 2·max_len·d (learned positions; 0 sinusoidal) + layers · enc_block + decoder_layers
// · dec_block + 4d, with
//   enc_block = attention's + 4d + 2·d·d_ff + d_ff + d                   (block.h)
//   dec_block = attention's + 4(d² + d) + 6d + 2·d·d_ff + d_ff + d       (+ cross, one more LN)
// and attention's from attention.h / the kind's header (the same kind in both stacks).
#pragma once

#include <memory>
#include <vector>

#include "cross_attention.h"
#include "encoder.h"

namespace attnlab {

struct Seq2SeqConfig {
    // The sizes, dropout and self-attention kind of both stacks (stack_config.h); stack.layers is
    // the encoder's depth, stack.vocab is shared by source and target, stack.max_len bounds the
    // source and the decoder input. Cross-attention is always dot-product.
    StackConfig stack;
    int64_t decoder_layers = 2;

    // The causal self-attention config of decoder block `layer`: dropout seed
    // stack.seed + stack.layers + layer, after the encoder blocks' stack.seed + i.
    AttentionConfig decoder_attention(int64_t layer) const {
        return stack.block_attention(stack.layers + layer, true);
    }
};

// One pre-LN decoder block (see above). Parameters "ln1", "attn", "ln_cross", "cross", "ln2",
// "ffn".
class DecoderBlock : public Module {
  public:
    // Initialises, in order: the self-attention of attention.kind, cross, the FFN, from `rng`.
    DecoderBlock(const AttentionConfig& attention, int64_t d_ff, Rng& rng);

    // x [B, T, d], memory [B, S, d] → [B, T, d]; paddings [B, T] / [B, S] or undefined.
    Tensor forward(const Tensor& x, const Tensor& self_padding, const Tensor& memory,
                   const Tensor& memory_padding);

    // Incremental decoding: the self-attention's state for `batch` sequences, and the block at its
    // next position, x [B, 1, d] against a memory prepared by cross().prepare → [B, 1, d].
    std::unique_ptr<DecodeState> start_decoding(int64_t batch) const {
        return attn_->start_decoding(batch);
    }
    Tensor step(DecodeState& self_attention, const Tensor& x, const CrossAttention::Memory& memory);

    CrossAttention& cross() { return cross_; }

  private:
    // x + dropout(mixed), then the cross-attention and feed-forward halves of the block.
    Tensor around_self_attention(const Tensor& x, const Tensor& mixed,
                                 const CrossAttention::Memory& memory);

    ResidualDropout residual_dropout_;
    LayerNorm ln1_;
    std::unique_ptr<TokenMixer> attn_;
    LayerNorm ln_cross_;
    CrossAttention cross_;
    LayerNorm ln2_;
    FeedForward ffn_;
};

// The decoder stack: positions, blocks and the final LN; the token table is the caller's (tied).
// Parameters "pos.weight", "blocks.<i>....", "ln_f.{gamma,beta}".
class Decoder : public Module {
  public:
    // Initialises, in order: pos, then each block, from `rng`.
    Decoder(const Seq2SeqConfig& config, Rng& rng);

    // ids [B, T] (T <= max_len) looked up in `embedding` [V, d] → final states [B, T, d].
    Tensor forward(const Tensor& embedding, const IntTensor& ids, const Tensor& self_padding,
                   const Tensor& memory, const Tensor& memory_padding);

    DecoderBlock& block(size_t i) { return blocks_[i]; }

  private:
    friend class Seq2SeqDecoding;
    // E[ids] + P[positions], both [B, T] → [B, T, d].
    Tensor embed(const Tensor& embedding, const IntTensor& ids, const IntTensor& positions) const;

    int64_t max_len_;
    PositionTable pos_;
    ModuleList<DecoderBlock> blocks_;
    LayerNorm ln_f_;
};

class Seq2Seq;

// One incremental decoding of a batch of B sequences against their encoded sources
// (Seq2Seq::start_decoding): step() takes every sequence's decoder token at position() and returns
// that position's logits, equal to those of decode() on the whole prefix. Positions stop at
// max_len. The model must stay in eval mode and outlive it.
class Seq2SeqDecoding {
  public:
    // ids: B tokens, one per sequence, at position() < max_len → logits [B, V].
    Tensor step(const std::vector<int32_t>& ids);
    int64_t position() const { return position_; }

  private:
    friend class Seq2Seq;
    Seq2SeqDecoding(Seq2Seq& model, const Tensor& memory, const Tensor& source_mask);

    Seq2Seq& model_;
    int64_t batch_, position_ = 0;
    std::vector<std::unique_ptr<DecodeState>> blocks_;
    std::vector<CrossAttention::Memory> memories_;  // one per block
};

class Seq2Seq : public Module {
  public:
    // Initialises, in order: the encoder (embed, pos, blocks), then the decoder (pos, blocks),
    // from `rng`.
    Seq2Seq(const Seq2SeqConfig& config, Rng& rng);

    // source [B, S] → memory [B, S, d]; source_mask [B, S] (1 = token, 0 = pad) or undefined.
    Tensor encode(const IntTensor& source, const Tensor& source_mask);
    // decoder_input [B, T] (T <= max_len), its mask or undefined, memory and source_mask as given
    // to encode → logits [B, T, V]. Position t sees decoder_input[0 .. t] only.
    Tensor decode(const IntTensor& decoder_input, const Tensor& decoder_mask, const Tensor& memory,
                  const Tensor& source_mask);

    // Logits [B, T, V]: encode(source, source_mask), then decode(decoder_input, decoder_mask, ...).
    Tensor forward(const IntTensor& source, const Tensor& source_mask,
                   const IntTensor& decoder_input, const Tensor& decoder_mask);
    // Mean cross-entropy of forward(...) against target [B, T] (shaped as decoder_input),
    // skipping kIgnoreIndex (engine/ops.h).
    Tensor loss(const IntTensor& source, const Tensor& source_mask, const IntTensor& decoder_input,
                const Tensor& decoder_mask, const IntTensor& target);

    // Starts an incremental decoding against memory = encode(source, source_mask) [B, S, d].
    // Needs eval mode (decoding applies no dropout) and a self-attention kind that decodes
    // (token_mixer.h); otherwise an Error.
    Seq2SeqDecoding start_decoding(const Tensor& memory, const Tensor& source_mask);

    // Greedy decoding from BOS: at each step appends the arg max (first on ties) of the last
    // position's logits, from one incremental step (Seq2SeqDecoding) or, with
    // Decoding::WholePrefix, by rerunning the decoder over the whole prefix (the reference:
    // O(steps²) rows per layer; also what a kind without incremental decoding always takes). The memory is encoded once. Runs without a graph and in eval mode
    // (dropout off), restoring the previous mode. Returns, per source row, the tokens after BOS up
    // to but excluding the first EOS, or max_steps tokens if EOS never comes. Rows that finished
    // keep decoding until every row has (their tokens are dropped). Needs 1 <= max_steps <=
    // max_len.
    std::vector<std::vector<int32_t>> greedy_decode(const IntTensor& source,
                                                    const Tensor& source_mask, int32_t bos,
                                                    int32_t eos, int64_t max_steps,
                                                    Decoding decoding = Decoding::Incremental);

    const Seq2SeqConfig& config() const { return config_; }
    Encoder& encoder() { return encoder_; }
    Decoder& decoder() { return decoder_; }

  private:
    friend class Seq2SeqDecoding;

    Seq2SeqConfig config_;
    Encoder encoder_;
    Decoder decoder_;
};

}  // namespace attnlab
