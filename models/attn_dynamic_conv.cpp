// attn_dynamic_conv.cpp — DynamicConv's kernel: a linear map of each position's features to h
// kernels of K taps, softmax-normalised.
#include "attn_dynamic_conv.h"

#include "engine/ops.h"

namespace attnlab {

DynamicConv::DynamicConv(const AttentionConfig& config, Rng& rng)
    : ConvolutionMixer(config, rng, "dynamic_conv"),
      w_p_(config.d_model, config.heads * config.conv_kernel, rng, false) {
    register_module("w_p", w_p_);
}

Tensor DynamicConv::kernel(const Tensor& u) {
    const int64_t B = u.size(0), L = u.size(1);
    const Shape shape = {B, L, config().heads, config().conv_kernel};
    return softmax(reshape(w_p_.forward(u), shape));  // [B, L, h, K]
}

}  // namespace attnlab
