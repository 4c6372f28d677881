// init.h — weight initialisers: fill a tensor in place from an Rng, element by element in
// row-major order (so a seed always gives the same weights).
//
// Fan convention: attnlab stores Linear weights as [in, out] (y = x · W), so for a tensor of shape
// [..., a, b] fan_in = a and fan_out = b. Leading dimensions index independent matrices (e.g. one
// per head) and do not enter the fans. Xavier/Glorot (Glorot & Bengio, 2010) keeps the variance of
// activations and gradients roughly constant across layers: Var(w) = gain² · 2 / (fan_in + fan_out)
//   xavier_uniform: U(−a, a) with a = gain · √(6 / (fan_in + fan_out))
//   xavier_normal:  N(0, σ²) with σ = gain · √(2 / (fan_in + fan_out))
#pragma once

#include "rng.h"
#include "tensor.h"

namespace attnlab::init {

void normal(const Tensor& tensor, Rng& rng, double mean = 0, double stddev = 1);
void uniform(const Tensor& tensor, Rng& rng, double low, double high);  // [low, high)
void xavier_uniform(const Tensor& tensor, Rng& rng, double gain = 1);   // needs >= 2 dimensions
void xavier_normal(const Tensor& tensor, Rng& rng, double gain = 1);    // needs >= 2 dimensions
void zeros(const Tensor& tensor);
void ones(const Tensor& tensor);

// The fans of [..., fan_in, fan_out] (throws for fewer than 2 dimensions).
struct Fans {
    int64_t fan_in, fan_out;
};
Fans fans_of(const Tensor& tensor, const char* initialiser);

}  // namespace attnlab::init
