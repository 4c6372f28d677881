// attn_dynamic_conv.cpp — DynamicConv's kernel: a linear map of each position's features to h
// kernels of K taps, softmax-normalised.
#include "attn_dynamic_conv.h"

#include "engine/ops.h"

namespace attnlab {

const KindInfo& dynamic_conv_kind() {
    static const KindInfo kind = layer_kind<DynamicConv>(
        "dynamic_conv", {conv_kernel_option()}, [](const AttentionConfig& config, int64_t) {
            const int64_t d = config.d_model, K = config.integer("conv_kernel");
            return MixerFlops{6 * d * d + 2 * K * d + 2 * d * config.heads * K, 0};
        });
    return kind;
}

DynamicConv::DynamicConv(const AttentionConfig& config, Rng& rng)
    : ConvolutionMixer(config, rng, "dynamic_conv"),
      w_p_(config.d_model, config.heads * kernel_width(), rng, false) {
    register_module("w_p", w_p_);
}

Tensor DynamicConv::kernel(const Tensor& u) const {
    const int64_t B = u.size(0), L = u.size(1);
    const Shape shape = {B, L, config().heads, kernel_width()};
    return softmax(reshape(w_p_.forward(u), shape));  // [B, L, h, K]
}

}  // namespace attnlab
