// flops.h — model FLOPs of one training step of the causal LM (models/lm.h): the numerator of
// bench's GFLOP/s and MFU.
//
// The convention is the PyTorch reference's (torch_ref.py's docstring), so both benchmarks count
// alike: matmuls only, 2 flops per multiply-add, full L × L blocks counted even where the causal
// mask zeroes them, softmax / LayerNorm / GELU / masks / the loss / AdamW not counted, and a
// training step = 3 × forward (the backward does two products per forward product: one for the
// input's gradient, one for the weight's). Frozen parameters (fixed_random, the Performer's ω)
// skip their weight gradient, but the convention still counts 3 × forward.
//
// attnlab itself skips the causal blocks (engine/ops/causal_matmul.cpp: 64-row tiles, so 10 of 16
// blocks of each L × L product run at L = 256 and 36 of 64 at L = 512). The FLOPs it executes are
// therefore fewer than counted here: 5.4% fewer for LM-S vanilla, 6.2% for LM-M vanilla. The
// convention is kept so that GFLOP/s compares with torch_ref.py's, which computes every block.
//
// Forward FLOPs per token and layer (d = d_model, L = length, h = heads, n = dense hidden width per
// head, hn = h·n (= d by default), d_ff, K = conv_kernel, m = performer_features):
//   every block            4·d·d_ff                 the FFN
//   softmax-frame kinds    4d² + 2Ld                W_v, W_o, P·V (attention.h), plus the logits:
//     vanilla              4d² + 2Ld                W_q, W_k, Q·Kᵀ
//     dense                2d·hn + 2·hn·L           W1, W2 sliced to L columns
//     factorized_dense     2d·hn + 2·hn·(a + b)     W1, W_A, W_B (A ⊗ B is elementwise), a·b =
//     max_len random, fixed_random 0                        R is a parameter factorized_random    0
//     per token, but 2·h·L²·k per STEP: R1·R2ᵀ is computed once, shared
//                          by the batch
//     a mixture "x+y"      the sum of its components' logit costs (one shared V, W_o and P·V)
//   performer              8d² + 4md + 4m'd         W_q,k,v,o; q and k feature projections 2md
//                                                   each; φk ⊗ v prefix sums 2m'd, φq·S 2m'd
//                                                   (m' = m, or 2m for hyperbolic/trig features)
//   linformer              8d² + 8kd                W_q,k,v,o; E·K, E·V, Q·K̄ᵀ, P·V̄ 2kd each
//   lightweight_conv       6d² + 2Kd                GLU input 4d², W_o 2d², and the depthwise
//                                                   convolution 2Kd, counted as the mixing product
//                                                   in the place of P·V
//   dynamic_conv           6d² + 2Kd + 2d·hK        + the kernel predictor W_P [d, h·K]
// With hn = d and m' = m these give torch_ref.py's vanilla 8d² + 4Ld, dense 6d² + 4Ld, random
// 4d² + 2Ld and performer 8d² + 8md exactly.
//
// Step FLOPs = 3 · (B·L·(layers · per_token + 2dV) + layers · per_step), 2dV the tied output
// projection (V = vocabulary size).
#pragma once

#include <cstdint>

#include "models/lm.h"

namespace attnlab::experiments {

// Forward FLOPs of one token-mixer layer on inputs of `length` tokens.
struct MixerFlops {
    int64_t per_token = 0;  // scales with the number of tokens
    int64_t per_step = 0;   // computed once per forward, shared by the batch (factorized_random)
};

// `attention` must be complete (d_model, heads, max_len set, as LmConfig::block_attention gives).
// Throws an Error for an unknown kind.
MixerFlops mixer_forward_flops(const AttentionConfig& attention, int64_t length);

// Model FLOPs of one training step (forward + backward) of LanguageModel(config) on a batch of
// `batch` sequences of `length` tokens. The optimizer step is not counted.
int64_t lm_training_step_flops(const LmConfig& config, int64_t batch, int64_t length);

}  // namespace attnlab::experiments
