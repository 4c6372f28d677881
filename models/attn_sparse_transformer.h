// attn_sparse_transformer.h — the Sparse Transformer's factorized patterns (Child et al. 2019,
// arXiv 1904.10509, §4.2, merged into one head as LRA does), with vanilla's q and k. Entry (i, j)
// is kept when
//     fixed    ⌊j / l⌋ = ⌊i / l⌋ (its own block), or j mod l = 0 or j mod l ≥ l − c (the block
//              starts and the c "summary" columns ending every block)
//     strided  i − j < l and j − i < l (the last and next l positions), or (i − j) mod l = 0
// and, when causal, j ≤ i; every other entry is removed. LRA (Tay et al. 2020, arXiv 2011.04006)
// runs the fixed pattern with l = 128, c = 32, and applies the causal mask in its encoders too;
// here the layer's causal flag decides.
//
// The fused frame computes, per block of l queries, its own block and the 1 + c kept columns of
// every other block: a row keeps l + (1 + c)·L/l keys, so time grows as L·l + (1 + c)·L²/l — a
// quarter of vanilla's L² at LRA's l = 128, c = 32, linear only while L ≪ l²/(1 + c). The strided
// pattern keeps every l-th key, which no block of tiles isolates: every tile at or below the
// diagonal is computed and masked by the schedule's band, so its time stays O(L²). Memory is O(L)
// for both. Decoding (attention.h): vanilla's row t; the frame removes the keys its schedule does
// not keep.
//
// Options: "sparse_pattern" fixed (default) or strided; "sparse_block" l (default 128), in
// [1, 65536]; "sparse_summary" c (default 32), in [0, 65536], at most l − 1.
// Parameters: "w_q.{weight,bias}", "w_k.{weight,bias}", each [d, d] + [d].  Count: 2·(d² + d).
// Forward FLOPs per token (kind.h): 4d² (W_q, W_k) + 2·kept·d, kept = min(l + (1 + c)·L/l, L)
// (fixed) or L (strided, every tile computed).
#pragma once

#include "attn_vanilla.h"

namespace attnlab {

class SparseTransformerLogits : public VanillaLogits {
  public:
    SparseTransformerLogits(const AttentionConfig& config, Rng& rng);
    std::string name() const override { return "sparse_transformer"; }
    kernels::TileSchedule schedule(int64_t L, bool causal) const override;

  private:
    kernels::TileSchedule fixed_schedule(int64_t L, bool causal) const;

    bool strided_;
    int64_t block_, summary_;
};

const KindInfo& sparse_transformer_kind();

}  // namespace attnlab
