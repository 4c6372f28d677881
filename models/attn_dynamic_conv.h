// attn_dynamic_conv.h — the dynamic convolution (DynamicConv) token mixer of Wu, Fan, Baevski,
// Dauphin & Auli, "Pay Less Attention with Lightweight and Dynamic Convolutions" (ICLR 2019, §4,
// Fig. 2c): LightConv with a kernel predicted at every position from that position alone,
//     DynamicConv(X, i, c) = LightConv(X, f(X_i)_{h,:}, i, c),   f(X_i) = X_i · W_P,
// W_P [d, h·K] a bias-free linear map (the paper's W^Q ∈ R^{H×k×d}), its output reshaped to
// [h, K] and softmax-normalised over K. X is the convolution's input, i.e. the GLU output u of the
// frame in attn_lightweight_conv.h (as in the authors' fairseq module), so the kernel [B, L, h, K]
// costs O(L·d·h·K): linear in L. Causal layers look K − 1 tokens back; bidirectional ones centre
// an odd K. Everything else (GLU, key padding, DropConnect, W_o) is the shared frame.
//
// Parameters: "glu_in.weight" [d, 2d], "glu_in.bias" [2d], "w_o.weight" [d, d], "w_o.bias" [d],
// "w_p.weight" [d, h·K] (Xavier-uniform).
// Count: 3d² + 3d + d·h·K.
// Option: "conv_kernel" = K, as LightConv's.
// Forward FLOPs per token (kind.h): LightConv's 6d² + 2Kd, + 2d·hK for the kernel predictor W_P.
#pragma once

#include "attn_lightweight_conv.h"

namespace attnlab {

class DynamicConv : public ConvolutionMixer {
  public:
    // Initialises glu_in, w_o, then w_p, from `rng`.
    DynamicConv(const AttentionConfig& config, Rng& rng);

  private:
    Tensor kernel(const Tensor& u) const override;  // u [B, L, d] → [B, L, h, K]
    bool kernel_per_example() const override { return true; }

    Linear w_p_;
};

const KindInfo& dynamic_conv_kind();

}  // namespace attnlab
