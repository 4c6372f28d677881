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
// Two paths compute it. The fused one (option "fused", the default; engine/fused_attention.h)
// asks the source for its logits as tiles (LogitSource::tiles) and never holds an L × L matrix:
// the softmax is online and the backward recomputes each tile. The unfused one ("fused": false)
// materialises S and P with ordinary ops: the reference the fused path is tested against. Both
// drop the same entries: dropout_keeps(mix(dropout_seed, call), index of (b, head, i, j)).
//
// Masks are additive (−∞ removes a key); the fused softmax turns a fully masked row into zeros.
// A kind whose logits do not depend on the batch returns [1, h, L, L]; the frame broadcasts it.
// Key padding: mask [B, L] of 1 = real token, 0 = pad, masks padded KEYS. Synthetic kinds use the
// top-left L × L block of their max_len × max_len pattern for inputs shorter than max_len.
//
// Incremental decoding (token_mixer.h's DecodeState): the frame keeps the values G(x_j) of the
// positions so far and does the softmax and the mix; each logit source supplies row t of S for the
// new position t (LogitRows), from the new input alone or from what it keeps (vanilla: its keys).
// Positions stop at max_len, as in forward.
//
// Parameter names: "w_v.{weight,bias}", "w_o.{weight,bias}", then the kind's own under its name
// ("vanilla.w_q.weight", "random.r", "mixture.alpha", "mixture.dense.w1", ...).
// Frame count: 2·(d² + d). Each kind's header gives its own count.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "attention_config.h"
#include "engine/fused_attention.h"
#include "engine/rng.h"
#include "linear.h"
#include "token_mixer.h"

namespace attnlab {

// Row t of a source's logits during incremental decoding: x [B, 1, d], the input at position t
// (positions 0 .. t − 1 were given before, in order) → [B or 1, h, 1, t + 1], row t of logits() on
// the whole prefix.
using LogitRows = std::function<Tensor(const Tensor& x, int64_t t)>;

// Produces attention logits S for one attention layer. Implementations are Modules so their
// parameters join the layer's under the kind's name().
class LogitSource : public Module {
  public:
    // x [B, L, d] → S [B, h, L, L], or [1, h, L, L] when S does not depend on x (Random kinds).
    virtual Tensor logits(const Tensor& x) = 0;
    virtual std::string name() const = 0;  // the kind name, also the parameter prefix
    // Whether `attnlab attention-map` draws this source's own alignment by default (the
    // Synthesizer kinds) rather than the layer's weights (vanilla).
    virtual bool alignment_by_default() const { return true; }
    // The sources whose logits this one sums: itself, or a mixture's components.
    virtual std::vector<LogitSource*> parts() { return {this}; }
    // The rows of one decoding batch. A source that cannot produce them throws an Error naming
    // itself: this default does.
    virtual LogitRows start_rows() const;
    // logits(x) as tiles for the fused frame (engine/fused_attention.h). This default tiles the
    // whole matrix of logits(x), which is correct for any source but not O(L) in memory; every
    // registered kind overrides it.
    virtual TiledLogits tiles(const Tensor& x);
    // Which entries of the L × L logits exist: the fused kernel computes only the schedule's
    // tiles, and the unfused path and decoding remove every other entry. This default keeps all
    // of them (those on or below the diagonal when causal); a block-sparse kind overrides it.
    virtual kernels::TileSchedule schedule(int64_t L, bool causal) const;
};

// softmax(S + causal mask) of one logit source on its own, for x [B, L, d] → [B or 1, h, L, L]:
// the Synthesizer paper's picture of what a kind has learned.
Tensor synthetic_alignment(LogitSource& source, const Tensor& x, bool causal);

// [1, h, rows, cols] → [h, rows, cols]: one example's per-head matrices, for AttentionPicture.
Tensor first_example(const Tensor& t);

// [B, L, h·dh] → [B, h, L, dh] and back.
Tensor split_heads(const Tensor& x, int64_t heads);
Tensor merge_heads(const Tensor& x);

class FrameDecodeState;

class MultiHeadAttention : public TokenMixer {
  public:
    // Initialises, in order: w_v, w_o, then the kind's parameters, all from `rng`.
    MultiHeadAttention(const AttentionConfig& config, Rng& rng);

    // x [B, L, d] → [B, L, d]; key_padding (optional) [B, L] with 1 = real token, 0 = pad.
    Tensor forward(const Tensor& x, const Tensor& key_padding = Tensor()) override;

    // The attention weights P = softmax(S + mask) [B, h, L, L] for x (no dropout, no graph):
    // what the forward uses, computed on demand; neither path keeps them.
    Tensor weights(const Tensor& x, const Tensor& key_padding = Tensor());
    const AttentionConfig& config() const override { return config_; }
    LogitSource& source() { return *source_; }

    // The weights and/or each logit source's alignment (MapChoice).
    std::vector<AttentionPicture> attention_pictures(const Tensor& x, MapChoice choice) override;

    // The frame's state: the source's rows and the cached values (see above).
    std::unique_ptr<DecodeState> start_decoding(int64_t batch) const override;

  private:
    friend class FrameDecodeState;

    Tensor additive_mask(int64_t B, int64_t L, const Tensor& key_padding) const;
    // The two paths (see above) from the values [B, h, L, dh] to the mix [B, h, L, dh].
    Tensor fused_mix(const Tensor& x, const Tensor& values, const Tensor& key_padding,
                     AttentionDropout dropout);
    Tensor unfused_mix(const Tensor& x, const Tensor& values, const Tensor& key_padding,
                       AttentionDropout dropout);

    AttentionConfig config_;
    Linear w_v_, w_o_;
    std::unique_ptr<LogitSource> source_;
    bool fused_;
    uint64_t dropout_calls_ = 0;
};

}  // namespace attnlab
