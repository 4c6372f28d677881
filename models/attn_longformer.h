// attn_longformer.h — Longformer attention (Beltagy et al. 2020, arXiv 2004.05150, §3.1): a
// sliding window plus global positions. With vanilla's q and k,
//     S_ij = q_i · k_j / √(d/h)  if |i − j| ≤ w/2, or i < g, or j < g (and j ≤ i when causal),
// every other entry removed: each token sees the w/2 tokens on each side of it, the first g
// positions (the CLS position by default) see and are seen by every token. LRA (Tay et al. 2020,
// arXiv 2011.04006) runs it with w = 512 and the CLS position global.
//
// The fused frame computes, per 64-query block, one key span around the block's diagonal (w/2 to
// each side) and the global columns, and for a block holding a global query every key; the
// schedule's band removes the entries of those tiles outside the window. Time and memory grow as
// L · (w + 64 + g) for g ≪ L. Decoding (attention.h): vanilla's row t; the frame removes the keys
// its schedule does not keep.
//
// Options: "longformer_window" w (default 512, LRA's), in [2, 65536]; "longformer_global" g
// (default 1), in [0, 65536].
// Parameters: "w_q.{weight,bias}", "w_k.{weight,bias}", each [d, d] + [d].  Count: 2·(d² + d).
// Forward FLOPs per token (kind.h): 4d² (W_q, W_k) + 2·min(w + 1 + g, L)·d (its row's logits).
#pragma once

#include "attn_vanilla.h"

namespace attnlab {

class LongformerLogits : public VanillaLogits {
  public:
    LongformerLogits(const AttentionConfig& config, Rng& rng);
    std::string name() const override { return "longformer"; }
    kernels::TileSchedule schedule(int64_t L, bool causal) const override;

  private:
    int64_t half_window_, global_;
};

const KindInfo& longformer_kind();

}  // namespace attnlab
