// attn_local.h — local attention (LRA's "Local Attention" row: Tay et al. 2020, arXiv
// 2011.04006, §4; the 1D block-local attention of the Image Transformer, Parmar et al. 2018,
// arXiv 1802.05751, §3.2): the sequence is cut into non-overlapping blocks of `local_block`
// positions and each query attends only to the keys of its own block,
//     S_ij = q_i · k_j / √(d/h)  if ⌊i / b⌋ = ⌊j / b⌋ (and j ≤ i when causal), else removed,
// with vanilla's q and k. A ragged last block is shorter.
//
// The fused frame computes only the diagonal b × b tiles (a TileSchedule with one key span per
// query block), so time and memory grow as L · b, not L². Decoding (attention.h): vanilla's row
// t; the frame removes the keys its schedule does not list.
//
// Option: "local_block" b (default 50, LRA's block size), in [1, 65536].
// Parameters: "w_q.{weight,bias}", "w_k.{weight,bias}", each [d, d] + [d].  Count: 2·(d² + d).
// Forward FLOPs per token (kind.h): 4d² (W_q, W_k) + 2·min(b, L)·d (its block's logits).
#pragma once

#include "attn_vanilla.h"

namespace attnlab {

class LocalLogits : public VanillaLogits {
  public:
    LocalLogits(const AttentionConfig& config, Rng& rng);
    std::string name() const override { return "local"; }
    kernels::TileSchedule schedule(int64_t L, bool causal) const override;

  private:
    int64_t block_;
};

const KindInfo& local_kind();

}  // namespace attnlab
