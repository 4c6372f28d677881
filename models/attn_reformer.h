// attn_reformer.h — Reformer's LSH attention (Kitaev, Kaiser & Levskaya 2020, "Reformer: The
// Efficient Transformer", arXiv 2001.04451, §2): queries and keys share one projection, positions
// are hashed into buckets, sorted by bucket, and each query attends only to the keys of its own
// chunk of the sorted order and of the chunk before it.
//
//     q = x·W_qk + b_qk, k_j = q_j / ‖q_j‖, v = x·W_v + b_v        split into h heads
//     h_r(k) = argmax([k R_r ; −k R_r]),  R_r ~ N(0, 1) [dh, n_b/2]  (round r of n_r, per head)
//     order_r = positions sorted by (h_r(k_j), j), cut into chunks of c
//     S_ij = q_i · k_j / √dh  for j in i's chunk or the one before (the first chunk's "before" is
//            the last), minus 10⁵ if j = i (a token attends to itself only when nothing else is
//            left), removed if j > i (causal) or j is padding
//     o_r,i = softmax_j(S_ij) v_j,  ℓ_r,i = logsumexp_j S_ij            (eq. 3 within a chunk)
//     o_i = Σ_r softmax_r(ℓ_r,i) o_r,i                                  (§2, multi-round LSH)
//     Y = merge_heads(o) · W_o + b_o
// The number of buckets n_b is ⌈L / c⌉ rounded up to an even number (at least 2), so buckets hold
// about one chunk each, as the paper chooses them. Pairs met in several rounds are not counted
// down (the paper's eq. 6 correction is left out). Costs: time and memory O(n_r · L · c · d).
//
// Randomness: training draws new rotations on every forward call from the layer's counter stream
// mix(mix(dropout_seed, 2), calls) (saved in checkpoints, so a resumed run hashes the same way);
// eval uses one fixed draw, so evaluation is deterministic. The bucket choice has no gradient.
// Causal: no query attends to a later position, but which earlier keys share its chunks depends on
// where the later positions hash, so with several chunks an output can still change when a later
// input does (the sort is over the whole sequence); within one chunk it cannot. Not incrementally
// decodable, for the same reason: a new token can change every chunk.
//
// Options: "reformer_hashes" n_r (default 2, in [1, 16]), "reformer_chunk" c (default 32, in
// [1, 65536]).
// Parameters: "w_qk", "w_v", "w_o" (each "weight" [d, d] + "bias" [d]).  Count: 3·(d² + d).
// Forward FLOPs per token (kind.h): 6d² (W_qk, W_v, W_o) + n_r · 8c·d (two chunks' logits and
// mix).
#pragma once

#include <vector>

#include "kind.h"

namespace attnlab {

class ReformerAttention : public TokenMixer {
  public:
    // Initialises, in order: w_qk, w_v, w_o, all from `rng`.
    ReformerAttention(const AttentionConfig& config, Rng& rng);

    // x [B, L, d] (L ≤ max_len) → [B, L, d]; key_padding (optional) [B, L], 1 = real, 0 = pad.
    Tensor forward(const Tensor& x, const Tensor& key_padding = Tensor()) override;
    const AttentionConfig& config() const override { return config_; }

  private:
    AttentionConfig config_;
    Linear w_qk_, w_v_, w_o_;
    uint64_t hash_calls_ = 0, dropout_calls_ = 0;
};

// The bucket of every position for one hashing round: keys [B, h, L, dh] (unit rows) and
// rotations [h, dh, buckets/2] → [B·h·L] buckets in [0, buckets), argmax over [k R ; −k R].
std::vector<int32_t> lsh_buckets(const Tensor& keys, const Tensor& rotations);

const KindInfo& reformer_kind();

}  // namespace attnlab
