// attn_lightweight_conv.h — the lightweight convolution (LightConv) token mixer of Wu, Fan,
// Baevski, Dauphin & Auli, "Pay Less Attention with Lightweight and Dynamic Convolutions" (ICLR
// 2019, §3), and the module frame it shares with DynamicConv (attn_dynamic_conv.h, §4).
//
// LightConv (§3): a depthwise convolution whose d channels are tied into H = h heads of d/h
// channels ("weight sharing") and whose K taps are softmax-normalised over the kernel width:
//     LightConv(X, W_{⌈cH/d⌉,:}, i, c) = DepthwiseConv(X, softmax(W_{⌈cH/d⌉,:}), i, c),
//     DepthwiseConv(X, W, i, c) = Σ_j W_{c,j} · X_{i+j−offset, c},  X = 0 outside [0, L),
// with W [h, K], the same kernel at every position. The LightConv line is the paper's as
// reproduced on Papers-with-Code; DepthwiseConv is written with 0-based taps and an explicit
// offset (the paper centres it), and the paper's equation numbers were not checked against the
// PDF. Causal layers use offset = K − 1 and look only back, like the authors' decoders (fairseq
// padding_l = K − 1); bidirectional layers centre the kernel, offset = (K − 1) / 2, and need an
// odd K.
//
// The module around the convolution (§3 "Module", Fig. 2b; DynamicConv's is the same, Fig. 2c):
//     u = GLU(x · W_in + b_in)      W_in [d, 2d]; GLU([a | g]) = a ⊙ σ(g) (Dauphin et al. 2017)
//     u ← u ⊙ key_padding           padded positions enter the convolution as zeros
//     w = kernel(u)                 softmax over K: [1, 1, h, K] (light) or [B, L, h, K] (dynamic)
//     w ← dropout(w)                training only, p = config.dropout: the paper's DropConnect on
//                                   the normalised taps, seeded mix(dropout_seed, call counter)
//     y = dynamic_depthwise_conv(u, w, offset) · W_o + b_o          W_o [d, d]
// Padded positions still get outputs (from real neighbours) but never influence real ones. Any L
// works: there is no max_len.
//
// Decoding (token_mixer.h, causal layers): a state keeps the last K GLU outputs u (zeros before
// the first token, as the convolution pads), and each step mixes that window with the new
// position's kernel.
//
// Parameters: the frame's "glu_in.weight" [d, 2d], "glu_in.bias" [2d], "w_o.weight" [d, d],
// "w_o.bias" [d] (3d² + 3d) and the kind's own; here "kernel" [h, K] (Xavier-uniform, fans h and
// K), listed first as a module's own parameter. LightweightConv count: 3d² + 3d + h·K.
// Option (both convolution kinds): "conv_kernel" = K (default 7).
// Forward FLOPs per token (kind.h): 6d² (GLU input 4d², W_o 2d²) + 2Kd (the depthwise convolution,
// counted as the mixing product in the place of P·V). There is no attention matrix to draw.
#pragma once

#include "kind.h"

namespace attnlab {

class ConvolutionDecodeState;

// The GLU → convolution → output-projection frame of both convolution kinds; a kind supplies the
// normalised kernel.
class ConvolutionMixer : public TokenMixer {
  public:
    // x [B, L, d] → [B, L, d]; key_padding (optional) [B, L] with 1 = real token, 0 = pad.
    Tensor forward(const Tensor& x, const Tensor& key_padding = Tensor()) override;

    const AttentionConfig& config() const override { return config_; }
    int64_t kernel_width() const { return kernel_width_; }  // K
    // K − 1 when causal, else (K − 1) / 2.
    int64_t offset() const;

    // The window of the last K inputs of `batch` sequences (see above).
    std::unique_ptr<DecodeState> start_decoding(int64_t batch) const override;

  protected:
    // Checks the config (messages start with `name`), then initialises glu_in, w_o from `rng`.
    ConvolutionMixer(const AttentionConfig& config, Rng& rng, const char* name);

    // u [B, L, d] (the convolution's input) → the softmax-normalised kernel [1 or B, 1 or L, h, K].
    virtual Tensor kernel(const Tensor& u) const = 0;
    // Whether kernel() has a row per example ([B, L, h, K]): its dropout masks are then drawn by
    // the examples' global indices (ops.h batch_dropout); a shared kernel draws one mask.
    virtual bool kernel_per_example() const { return false; }

  private:
    friend class ConvolutionDecodeState;

    Tensor glu(const Tensor& x) const;  // GLU(x · W_in + b_in): [B, L, d] → [B, L, d]

    const char* name_;
    AttentionConfig config_;
    int64_t kernel_width_;
    Linear glu_in_, w_o_;
    uint64_t dropout_calls_ = 0;
};

class LightweightConv : public ConvolutionMixer {
  public:
    // Initialises glu_in, w_o, then kernel, from `rng`.
    LightweightConv(const AttentionConfig& config, Rng& rng);

    const Tensor& raw_kernel() const { return kernel_; }  // W [h, K], before the softmax

  private:
    Tensor kernel(const Tensor& u) const override;  // → [1, 1, h, K]

    Tensor kernel_;
};

// The option "conv_kernel" both convolution kinds share.
OptionSpec conv_kernel_option();

const KindInfo& lightweight_conv_kind();

}  // namespace attnlab
