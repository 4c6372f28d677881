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
// attnlab itself skips the causal blocks above the diagonal, so the FLOPs it executes are fewer
// than counted here; the convention is kept so that GFLOP/s compares with torch_ref.py's, which
// computes every block.
//
// Forward FLOPs per token and layer (d = d_model, L = length, V = vocabulary size):
// clang-format off
//   every block            4·d·d_ff                 the FFN
//   softmax-frame kinds    4d² + 2Ld                W_v, W_o, P·V (attention.h), plus the logits
//   each kind's own term   its header's "Forward FLOPs" line, computed by its KindInfo::flops
//   a mixture "x+y"        the frame once plus the sum of its components' logit terms
// clang-format on
// With the default widths these give torch_ref.py's vanilla 8d² + 4Ld, dense 6d² + 4Ld, random
// 4d² + 2Ld and performer 8d² + 8md exactly (tests/test_bench_flops.cpp).
//
// Step FLOPs = 3 · (B·L·(layers · per_token + 2dV) + layers · per_step), 2dV the tied output
// projection.
#pragma once

#include <cstdint>

#include "models/lm.h"

namespace attnlab::experiments {

// Model FLOPs of one training step (forward + backward) of LanguageModel(config) on a batch of
// `batch` sequences of `length` tokens. The optimizer step is not counted.
int64_t lm_training_step_flops(const LmConfig& config, int64_t batch, int64_t length);

}  // namespace attnlab::experiments
