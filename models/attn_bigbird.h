// attn_bigbird.h — BigBird's block-sparse attention (Zaheer et al. 2020, arXiv 2007.14062, §2 and
// App. D, the ITC variant), with vanilla's q and k. The sequence is cut into blocks of b; query
// block q attends to whole key blocks:
//     window  q − 1, q, q + 1
//     global  the first and the last block (which also attend to every block)
//     random  r blocks drawn per query block among the rest, once per layer from the seed
// and every other entry is removed. LRA (Tay et al. 2020, arXiv 2011.04006) runs it with b = 64
// and r = 3. Causal (an LM): the window is q − 1 and q (j ≤ i inside q), the global block the
// first only, and the random blocks are drawn among the earlier ones.
//
// The random blocks are a frozen parameter, "random_blocks" [⌈max_len / b⌉, r] (block indices),
// so checkpoints carry them and a reload attends as the model that was saved. An input shorter
// than max_len uses the rows of its blocks and skips drawn blocks past its end or inside its
// window or global blocks. The fused frame computes only the listed b × b tiles: time and memory
// grow as L · (5 + r) · b. Decoding (attention.h): vanilla's row t; the frame removes the keys
// its schedule does not keep.
//
// Options: "bigbird_block" b (default 64), in [1, 4096]; "bigbird_random" r (default 3), in
// [0, 64].
// Parameters: "w_q.{weight,bias}", "w_k.{weight,bias}", each [d, d] + [d]; "random_blocks" (not
// trained).  Count: 2·(d² + d) + ⌈max_len / b⌉·r.
// Forward FLOPs per token (kind.h): 4d² (W_q, W_k) + 2·min((5 + r)·b, L)·d.
#pragma once

#include "attn_vanilla.h"

namespace attnlab {

class BigBirdLogits : public VanillaLogits {
  public:
    BigBirdLogits(const AttentionConfig& config, Rng& rng);
    std::string name() const override { return "bigbird"; }
    kernels::TileSchedule schedule(int64_t L, bool causal) const override;

  private:
    // The key blocks query block q of an input of `blocks` blocks attends to, sorted, distinct.
    std::vector<int64_t> key_blocks(int64_t q, int64_t blocks, bool causal) const;

    int64_t block_;
    bool causal_;
    Tensor random_blocks_;  // [⌈max_len / b⌉, r]
};

const KindInfo& bigbird_kind();

}  // namespace attnlab
