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
// One token table E serves the source, the decoder input and the output projection (tied
// weights, Press & Wolf 2017): source and target share the vocabulary. It is the encoder's
// "encoder.embed.weight"; the decoder has no table of its own.
//
// Parameters: "encoder.*" (encoder.h), "decoder.pos.weight" [max_len, d] (N(0, 0.02²)),
// "decoder.blocks.<i>.{ln1,attn,ln_cross,cross,ln2,ffn}....", "decoder.ln_f.{gamma,beta}".
// Count: V·d + 2·max_len·d + layers · enc_block + decoder_layers · dec_block + 4d, with
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

    CrossAttention& cross() { return cross_; }

  private:
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
    int64_t max_len_;
    EmbeddingTable pos_;
    ModuleList<DecoderBlock> blocks_;
    LayerNorm ln_f_;
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

    // Greedy decoding from BOS: at each step appends the arg max (first on ties) of the last
    // position's logits. There is no key/value cache: every step reruns the decoder over the
    // whole prefix (O(steps²) work; the memory is encoded once). Runs without a graph and in
    // eval mode (dropout off), restoring the previous mode. Returns, per source row, the tokens
    // after BOS up to but excluding the first EOS, or max_steps tokens if EOS never comes.
    // Needs 1 <= max_steps <= max_len.
    std::vector<std::vector<int32_t>> greedy_decode(const IntTensor& source,
                                                    const Tensor& source_mask, int32_t bos,
                                                    int32_t eos, int64_t max_steps);

    const Seq2SeqConfig& config() const { return config_; }
    Encoder& encoder() { return encoder_; }
    Decoder& decoder() { return decoder_; }

  private:
    Seq2SeqConfig config_;
    Encoder encoder_;
    Decoder decoder_;
};

}  // namespace attnlab
