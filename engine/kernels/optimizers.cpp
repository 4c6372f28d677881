// optimizers.cpp — the elementwise optimizer loops (optimizers.h), parallel when large.
#include "optimizers.h"

#include <cmath>

#include "parallel.h"

namespace attnlab::kernels {

void sgd_update(real* weights, const real* grads, real* momentum_buffer, int64_t count, real lr,
                real momentum, bool nesterov, real weight_decay) {
#pragma omp parallel for schedule(static) if (count > kParallelMinWork)
    for (int64_t i = 0; i < count; ++i) {
        real step = grads[i] + weight_decay * weights[i];
        if (momentum_buffer) {
            momentum_buffer[i] = momentum * momentum_buffer[i] + step;
            step = nesterov ? step + momentum * momentum_buffer[i] : momentum_buffer[i];
        }
        weights[i] -= lr * step;
    }
}

void adam_update(real* weights, const real* grads, real* m, real* v, int64_t count,
                 const AdamCoefficients& c) {
    const real step_size = c.lr / c.bias_correction1;
    const real shrink = 1 - c.lr * c.decoupled_decay;
#pragma omp parallel for schedule(static) if (count > kParallelMinWork)
    for (int64_t i = 0; i < count; ++i) {
        const real w = weights[i] * shrink;
        const real g = grads[i] + c.l2_decay * weights[i];
        m[i] = c.beta1 * m[i] + (1 - c.beta1) * g;
        v[i] = c.beta2 * v[i] + (1 - c.beta2) * g * g;
        weights[i] = w - step_size * m[i] / (std::sqrt(v[i]) / c.bias_correction2_sqrt + c.eps);
    }
}

double sum_of_squares(const real* x, int64_t count) {
    double sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int64_t i = 0; i < count; ++i) sum += double(x[i]) * double(x[i]);
    return sum;
}

void scale_in_place(real* x, int64_t count, real factor) {
#pragma omp parallel for schedule(static) if (count > kParallelMinWork)
    for (int64_t i = 0; i < count; ++i) x[i] *= factor;
}

}  // namespace attnlab::kernels
