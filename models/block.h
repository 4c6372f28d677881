// block.h — a pre-LN Transformer block (Xiong et al. 2020) around any token mixer of the zoo:
//
//     x = x + dropout(attn(LN1(x), key_padding))
//     x = x + dropout(FFN(LN2(x)))          FFN = Linear(d, d_ff) → GELU (tanh) → Linear(d_ff, d)
//
// Dropout (training only, rate config.dropout) draws its mask from ResidualDropout below: a seed
// derived from the attention config's dropout_seed and a counter incremented at every dropout
// call, so a block rebuilt with the same seed replays the same masks call for call.
//
// Parameters: "ln1.{gamma,beta}", "attn....", "ln2.{gamma,beta}", "ffn.up.{weight,bias}",
// "ffn.down.{weight,bias}".
// Count: attention's + 4d (two LNs) + 2·d·d_ff + d_ff + d (the FFN).
#pragma once

#include <memory>

#include "layer_norm.h"
#include "linear.h"
#include "zoo.h"

namespace attnlab {

// FFN(x) = GELU(x · W_up + b_up) · W_down + b_down. Parameters "up.*", "down.*".
class FeedForward : public Module {
  public:
    FeedForward(int64_t d_model, int64_t d_ff, Rng& rng);
    Tensor forward(const Tensor& x) const;  // [..., d] → [..., d]

  private:
    Linear up_, down_;
};

// The dropout on a block's residual branches (this block and seq2seq.h's DecoderBlock). Its masks
// are mix(seed ^ kStream, calls++): the token mixer draws its attention-weight dropout from
// mix(seed, ·) with the same dropout_seed, and the xor with a fixed odd constant (2^64 / φ, the
// usual mixing constant) keeps the two streams apart. The owning module registers calls() as a
// random counter so that a resumed run continues the stream.
class ResidualDropout {
  public:
    static constexpr uint64_t kStream = 0x9e3779b97f4a7c15ull;

    ResidualDropout(double rate, uint64_t seed) : rate_(rate), seed_(seed) {}

    // x itself when not training or at rate 0 (no draw), else x with the stream's next mask.
    Tensor operator()(const Tensor& x, bool training);
    uint64_t& calls() { return calls_; }

  private:
    double rate_;
    uint64_t seed_;
    uint64_t calls_ = 0;
};

class TransformerBlock : public Module {
  public:
    // Initialises, in order: the token mixer of attention.kind (zoo.h), then the FFN, from `rng`.
    TransformerBlock(const AttentionConfig& attention, int64_t d_ff, Rng& rng);

    // x [B, L, d] → [B, L, d]; key_padding as in MultiHeadAttention::forward.
    Tensor forward(const Tensor& x, const Tensor& key_padding = Tensor());

    TokenMixer& attention() { return *attn_; }

    // Incremental decoding (token_mixer.h): the token mixer's state for `batch` sequences, and the
    // block at the state's next position, x [B, 1, d] → [B, 1, d] (eval mode: no dropout).
    std::unique_ptr<DecodeState> start_decoding(int64_t batch) const {
        return attn_->start_decoding(batch);
    }
    Tensor step(DecodeState& mixer, const Tensor& x);

    // When kept (off by default), forward remembers the token mixer's input LN1(x), detached, for
    // tools that need a layer's input after a whole-model forward: the Performer's implicit
    // attention (attn_performer.h) is a function of it (train/attention_maps.h draws it).
    void set_keep_mixer_input(bool keep) { keep_mixer_input_ = keep; }
    const Tensor& last_mixer_input() const { return last_mixer_input_; }

  private:
    // x + dropout(mixed), then the feed-forward half of the block.
    Tensor around_mixer(const Tensor& x, const Tensor& mixed);

    ResidualDropout residual_dropout_;
    bool keep_mixer_input_ = false;
    Tensor last_mixer_input_;
    LayerNorm ln1_;
    std::unique_ptr<TokenMixer> attn_;
    LayerNorm ln2_;
    FeedForward ffn_;
};

}  // namespace attnlab
