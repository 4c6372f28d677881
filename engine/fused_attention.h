// fused_attention.h — the shared softmax-attention frame's ·V as one fused differentiable op that
// never holds an L × L matrix (kernels/fused_attention.h has the algorithm and its derivation).
//
// clang-format off
//   op                                     forward                           backward
//   fused_attention(S tiles, v, schedule,  O = (softmax(S + mask) ∘ Z) · v   dv += (P ∘ Z)ᵀ dO; dS by tiles
//                   key_padding, dropout)  (saves O and lse [B, h, L])       into the tiles' inputs
// clang-format on
//
// Shapes: S [B, h, L, L] as tiles; v [B, h, L, dv] → O [B, h, L, dv]; key_padding [B, L] (1 =
// token, 0 = pad) or undefined. Memory beyond the output: lse, one value per row.
#pragma once

#include <memory>
#include <vector>

#include "kernels/logit_tiles.h"
#include "kernels/tile_schedule.h"
#include "tensor.h"

namespace attnlab {

// A logit source's logits, as tiles: the tensors the tiles read (computed with ordinary ops, so
// their gradients flow on through the graph) and the raw tile producer over their data.
struct TiledLogits {
    std::vector<Tensor> inputs;
    std::shared_ptr<const kernels::LogitTiles> tiles;
};

struct AttentionDropout {
    real p = 0;  // 0: none
    uint64_t seed = 0;
};

Tensor fused_attention(const TiledLogits& logits, const Tensor& v,
                       const kernels::TileSchedule& schedule, const Tensor& key_padding,
                       AttentionDropout dropout);

}  // namespace attnlab
