// attention.h — the shared multi-head attention frame and the interface every attention kind
// implements (Synthesizer, Tay et al. 2020/2021, §3: all variants are Y = Softmax(S(X)) G(X)).
//
// Following the authors' code (LRA synthesizer_attention.py, Mesh-TF synthetic_attention), a kind
// only PRODUCES LOGITS; one path does the rest, so ablations differ in nothing but the logits:
//
//     x [B, L, d] → LogitSource::logits(x) = S [B or 1, h, L, L]
//     P = softmax(S + mask)                 [B, h, L, L]  (mask: causal [L, L] and/or padding)
//     P = dropout(P)                        (training only)
//     Y = merge_heads(P · split_heads(G(X))) · W_o + b_o      G(X) = X · W_v + b_v
//
// Masks are additive (−∞ removes a key); the fused softmax turns a fully masked row into zeros.
// A kind whose logits do not depend on the batch returns [1, h, L, L]; the frame broadcasts it.
// Key padding: mask [B, L] of 1 = real token, 0 = pad, masks padded KEYS. Synthetic kinds use the
// top-left L × L block of their max_len × max_len pattern for inputs shorter than max_len.
//
// Parameter names: "w_v.{weight,bias}", "w_o.{weight,bias}", then the kind's own under its name
// ("vanilla.w_q.weight", "random.r", "mixture.alpha", "mixture.dense.w1", ...).
// Frame count: 2·(d² + d). Each kind's header gives its own count.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/rng.h"
#include "linear.h"
#include "token_mixer.h"

namespace attnlab {

struct AttentionConfig {
    int64_t d_model = 64;
    int64_t heads = 4;
    int64_t max_len = 128;  // the synthetic kinds' pattern size; longer inputs are an error
    double dropout = 0;     // on the attention weights, training only
    bool causal = false;
    // Any name of zoo.h: "vanilla", "dense", "factorized_dense", "random", "fixed_random",
    // "factorized_random", a "+"-joined mixture of distinct ones of those (e.g. "random+vanilla"),
    // "performer", "linformer", "lightweight_conv" or "dynamic_conv".
    std::string kind = "vanilla";
    // Dense / Factorized Dense hidden width per head; 0 → d_model / heads.
    int64_t dense_hidden = 0;
    // Factorized Dense: a · b = max_len; both 0 → a = largest divisor of max_len ≤ √max_len.
    int64_t factorized_a = 0, factorized_b = 0;
    int64_t factorized_k = 8;  // Factorized Random rank (the paper's k = 8)
    uint64_t dropout_seed = 0;
    // Performer (attn_performer.h):
    int64_t performer_features = 256;                // m, the number of random projections
    std::string performer_feature_kind = "softmax";  // "softmax", "hyperbolic", "trig", "relu"
    bool performer_orthogonal = true;                // orthogonal (ORF) vs iid projections
    std::string performer_key_stabilizer = "none";   // "none", "per_token", "per_sequence"
    // Linformer (attn_linformer.h): the projected length k of keys and values (L → k).
    int64_t linformer_k = 32;
    // Lightweight / dynamic convolution (attn_lightweight_conv.h, attn_dynamic_conv.h): kernel
    // width K per head; causal layers look K − 1 tokens back, bidirectional ones (K − 1) / 2 each
    // way.
    int64_t conv_kernel = 7;
};

// Produces attention logits S for one attention layer. Implementations are Modules so their
// parameters join the layer's under the kind's name().
class LogitSource : public Module {
  public:
    // x [B, L, d] → S [B, h, L, L], or [1, h, L, L] when S does not depend on x (Random kinds).
    virtual Tensor logits(const Tensor& x) = 0;
    virtual std::string name() const = 0;  // the kind name, also the parameter prefix
};

// The logit kinds make_logit_source accepts (mixtures join them with "+").
const std::vector<std::string>& logit_kind_names();
// Builds the LogitSource for config.kind; unknown names throw an Error listing the valid ones.
std::unique_ptr<LogitSource> make_logit_source(const AttentionConfig& config, Rng& rng);

// [B, L, h·dh] → [B, h, L, dh] and back.
Tensor split_heads(const Tensor& x, int64_t heads);
Tensor merge_heads(const Tensor& x);

class MultiHeadAttention : public TokenMixer {
  public:
    // Initialises, in order: w_v, w_o, then the kind's parameters, all from `rng`.
    MultiHeadAttention(const AttentionConfig& config, Rng& rng);

    // x [B, L, d] → [B, L, d]; key_padding (optional) [B, L] with 1 = real token, 0 = pad.
    Tensor forward(const Tensor& x, const Tensor& key_padding = Tensor()) override;

    // The attention weights P [B, h, L, L] of the last forward (after dropout), detached.
    const Tensor& last_weights() const { return last_weights_; }
    const AttentionConfig& config() const { return config_; }
    LogitSource& source() { return *source_; }

  private:
    Tensor additive_mask(int64_t B, int64_t L, const Tensor& key_padding) const;

    AttentionConfig config_;
    Linear w_v_, w_o_;
    std::unique_ptr<LogitSource> source_;
    Tensor last_weights_;
    uint64_t dropout_calls_ = 0;
};

}  // namespace attnlab
