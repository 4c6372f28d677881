// optimizers.h — the raw update loops behind engine/optim.h: SGD, Adam/AdamW, and the two halves
// of global-norm clipping. Elementwise, so the OpenMP split never changes a bit of the result.
#pragma once

#include <cstdint>

#include "../common.h"

namespace attnlab::kernels {

// g' = g + weight_decay · w;  with momentum μ: buf = μ · buf + g', step = nesterov ? g' + μ · buf
// : buf; without (momentum_buffer null): step = g'.  Then w −= lr · step.
void sgd_update(real* weights, const real* grads, real* momentum_buffer, int64_t count, real lr,
                real momentum, bool nesterov, real weight_decay);

struct AdamCoefficients {
    real lr, beta1, beta2, eps;
    real l2_decay;          // Adam: added to the gradient, g' = g + l2_decay · w
    real decoupled_decay;   // AdamW: w ← w · (1 − lr · decoupled_decay) before the Adam step
    real bias_correction1;  // 1 − β1^t
    real bias_correction2_sqrt;  // √(1 − β2^t)
};

// m = β1 m + (1 − β1) g';  v = β2 v + (1 − β2) g'²;
// w −= (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + eps)   (the form PyTorch uses).
void adam_update(real* weights, const real* grads, real* m, real* v, int64_t count,
                 const AdamCoefficients& c);

// Σ x² in double, a plain vectorised loop (deterministic).
double sum_of_squares(const real* x, int64_t count);

// x ← factor · x
void scale_in_place(real* x, int64_t count, real factor);

}  // namespace attnlab::kernels
