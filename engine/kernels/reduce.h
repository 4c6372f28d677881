// reduce.h — raw kernels for sums and maxima over one axis or over everything, and their adjoints.
//
// An axis reduction views x as [outer, n, inner]: `n` is the reduced axis, `outer` the product of
// the extents before it, `inner` the product after it; the result is [outer, inner]. Every output
// element is summed in a fixed order, so results do not depend on the thread count.
#pragma once

#include <cstdint>

#include "../common.h"

namespace attnlab::kernels {

// y[o, i] += alpha · Σ_k x[o, k, i]
void sum_axis(const real* x, int64_t outer, int64_t n, int64_t inner, real alpha, real* y);

// Σ x over n elements, in fixed chunks whose partial sums are added in double.
real sum_all(const real* x, int64_t n);

// y[o, i] = max_k x[o, k, i] and argmax[o, i] = the FIRST k attaining it (n >= 1). The comparison
// is a plain `>`, so a NaN is not propagated unless it comes first.
void max_axis(const real* x, int64_t outer, int64_t n, int64_t inner, real* y, int64_t* argmax);

// dx[o, k, i] += alpha · dy[o, i]: the adjoint of sum_axis.
void broadcast_axis(const real* dy, int64_t outer, int64_t n, int64_t inner, real alpha, real* dx);

// dx[o, argmax[o, i], i] += dy[o, i]: the adjoint of max_axis.
void scatter_axis(const real* dy, const int64_t* argmax, int64_t outer, int64_t n, int64_t inner,
                  real* dx);

}  // namespace attnlab::kernels
