// fused_attention.h — exact softmax attention in O(L) memory (FlashAttention-2, Dao 2023,
// arXiv 2307.08691): logits come one tile at a time from a LogitTiles, are masked, folded into a
// running row maximum m and sum ℓ (online softmax), dropped out and multiplied into V. Only the
// output O and one log-sum-exp per row, lse = m + log ℓ, are kept; the backward recomputes each
// tile from them.
//
// Per (b, head), with the tiles of a TileSchedule and masks removing key j when causal and j > i
// or key_padding[b, j] = 0 (entries outside the schedule are removed too):
//     P = softmax(S + mask) [L, L]     O = (P ∘ Z) V     Z_ij = keep_ij / (1 − p)  (dropout)
// A fully removed row has no weights: its output is 0 and its lse −∞, as softmax gives.
// Backward, from dO (derivation in fused_attention.cpp):
//     dV += (P ∘ Z)ᵀ dO     dS = P ∘ ((dO Vᵀ) ∘ Z − D),   D_i = dO_i · O_i
// and dS goes to the LogitTiles' accumulate().
//
// Dropout: keep_ij = dropout_keeps(seed, ((b·h + head)·L + i)·L + j, p) (kernels/nn.h), the index
// of (b, head, i, j) in [B, h, L, L]: exactly the entries the unfused dropout op drops.
#pragma once

#include <cstdint>

#include "../common.h"
#include "logit_tiles.h"
#include "tile_schedule.h"

namespace attnlab::kernels {

struct FusedAttentionShape {
    int64_t batch, heads, length, dv;  // V, O: [batch, heads, length, dv]
};

struct FusedAttentionMasks {
    const real* key_padding = nullptr;  // [batch, length], 1 = token, 0 = pad; null: none
    real dropout = 0;
    uint64_t seed = 0;
    int64_t first_batch = 0;  // batch b's masks are those of b + first_batch (ops.h batch_dropout)
};

// out [B, h, L, dv], lse [B, h, L].
void fused_attention_forward(const LogitTiles& logits, const TileSchedule& schedule, const real* v,
                             const FusedAttentionShape& shape, const FusedAttentionMasks& masks,
                             real* out, real* lse);

// Adds into dv [B, h, L, dv] and, through logits.accumulate(), into logit_grads.
void fused_attention_backward(const LogitTiles& logits, const TileSchedule& schedule, const real* v,
                              const real* out, const real* lse, const real* dout,
                              const FusedAttentionShape& shape, const FusedAttentionMasks& masks,
                              real* dv, real* const* logit_grads);

}  // namespace attnlab::kernels
