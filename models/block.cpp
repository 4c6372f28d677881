// block.cpp — the pre-LN Transformer block and its GELU feed-forward network.
#include "block.h"

#include "engine/ops.h"

namespace attnlab {

FeedForward::FeedForward(int64_t d_model, int64_t d_ff, Rng& rng)
    : up_(d_model, d_ff, rng), down_(d_ff, d_model, rng) {
    register_module("up", up_);
    register_module("down", down_);
}

Tensor FeedForward::forward(const Tensor& x) const {
    return down_.forward(gelu(up_.forward(x), GeluApprox::Tanh));
}

TransformerBlock::TransformerBlock(const AttentionConfig& attention, int64_t d_ff, Rng& rng)
    : dropout_(attention.dropout),
      dropout_seed_(attention.dropout_seed),
      ln1_(attention.d_model),
      attn_(make_token_mixer(attention, rng)),
      ln2_(attention.d_model),
      ffn_(attention.d_model, d_ff, rng) {
    register_module("ln1", ln1_);
    register_module("attn", *attn_);
    register_module("ln2", ln2_);
    register_module("ffn", ffn_);
    register_counter(dropout_calls_);
}

Tensor TransformerBlock::residual_dropout(const Tensor& x) {
    if (!training() || dropout_ == 0) return x;
    // A different stream from the attention weights' (the seed xor-ed with a constant).
    return dropout(x, real(dropout_), mix(dropout_seed_ ^ 0x9e3779b97f4a7c15ull, dropout_calls_++));
}

Tensor TransformerBlock::forward(const Tensor& x, const Tensor& key_padding) {
    const Tensor mixer_input = ln1_.forward(x);
    if (keep_mixer_input_) last_mixer_input_ = mixer_input.detach();
    Tensor h = add(x, residual_dropout(attn_->forward(mixer_input, key_padding)));
    return add(h, residual_dropout(ffn_.forward(ln2_.forward(h))));
}

}  // namespace attnlab
