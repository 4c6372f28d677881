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

Tensor ResidualDropout::operator()(const Tensor& x, bool training) {
    if (!training || rate_ == 0) return x;
    return batch_dropout(x, real(rate_), mix(seed_ ^ kStream, calls_++));
}

TransformerBlock::TransformerBlock(const AttentionConfig& attention, int64_t d_ff, Rng& rng)
    : residual_dropout_(attention.dropout, attention.dropout_seed),
      ln1_(attention.d_model),
      attn_(make_token_mixer(attention, rng)),
      ln2_(attention.d_model),
      ffn_(attention.d_model, d_ff, rng) {
    register_module("ln1", ln1_);
    register_module("attn", *attn_);
    register_module("ln2", ln2_);
    register_module("ffn", ffn_);
    register_counter(residual_dropout_.calls());
}

Tensor TransformerBlock::forward(const Tensor& x, const Tensor& key_padding) {
    const Tensor mixer_input = ln1_.forward(x);
    if (keep_mixer_input_) last_mixer_input_ = mixer_input.detach();
    return around_mixer(x, attn_->forward(mixer_input, key_padding));
}

Tensor TransformerBlock::step(DecodeState& mixer, const Tensor& x) {
    return around_mixer(x, mixer.step(ln1_.forward(x)));
}

Tensor TransformerBlock::around_mixer(const Tensor& x, const Tensor& mixed) {
    const Tensor h = add(x, residual_dropout_(mixed, training()));
    return add(h, residual_dropout_(ffn_.forward(ln2_.forward(h)), training()));
}

}  // namespace attnlab
