// performer_features.cpp — random projections (iid or block-orthogonal by modified Gram–Schmidt,
// computed in double whatever `real` is) and the Performer feature maps as compositions of engine
// ops, so autograd differentiates them w.r.t. their input.
#include "performer_features.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/ops.h"
#include "engine/rng.h"

namespace attnlab {
namespace {

double dot(const double* a, const double* b, int64_t d) {
    double s = 0;
    for (int64_t i = 0; i < d; ++i) s += a[i] * b[i];
    return s;
}

// The `rows` (≤ d) rows of a d × d Gaussian block, orthonormalised by modified Gram–Schmidt, with
// a second pass ("twice is enough", Giraud et al. 2005) to restore orthogonality lost to rounding.
void orthonormal_block(Rng& rng, int64_t rows, int64_t d, double* out) {
    for (int64_t r = 0; r < rows; ++r) {
        double* row = out + r * d;
        double norm = 0;
        while (norm < 1e-8) {  // a Gaussian vector inside the span of the previous rows: redraw
            for (int64_t i = 0; i < d; ++i) row[i] = rng.normal();
            for (int pass = 0; pass < 2; ++pass)
                for (int64_t p = 0; p < r; ++p) {
                    const double* prev = out + p * d;
                    const double projection = dot(row, prev, d);
                    for (int64_t i = 0; i < d; ++i) row[i] -= projection * prev[i];
                }
            norm = std::sqrt(dot(row, row, d));
        }
        for (int64_t i = 0; i < d; ++i) row[i] /= norm;
    }
}

// The norm of a fresh standard Gaussian d-vector: a χ(d) sample.
double chi_sample(Rng& rng, int64_t d) {
    double s = 0;
    for (int64_t i = 0; i < d; ++i) {
        const double g = rng.normal();
        s += g * g;
    }
    return std::sqrt(s);
}

void check_features_args(const char* op, const Tensor& x, const Tensor& omega) {
    ATTNLAB_CHECK(omega.ndim() == 2, op, ": omega must be [m, d], got ", shape_str(omega.shape()));
    ATTNLAB_CHECK(x.ndim() >= 1 && x.size(-1) == omega.size(1), op, ": x ", shape_str(x.shape()),
                  " must end in d = ", omega.size(1), " to match omega ", shape_str(omega.shape()));
}

// (d^(−1/4) x) ωᵀ [..., m] and ‖d^(−1/4) x‖² / 2 [..., 1].
struct Projected {
    Tensor projection, half_sq_norm;
};
Projected project(const Tensor& x, const Tensor& omega) {
    const Tensor scaled = scale(x, real(std::pow(double(omega.size(1)), -0.25)));
    return {matmul(scaled, omega, false, true), scale(sum(square(scaled), -1, true), real(0.5))};
}

// exponent − c with c chosen by `stabilizer` (see the header). The max op is differentiable, so
// the gradient is that of the function computed; where c cancels downstream, its term cancels too.
Tensor stabilize(const char* op, const Tensor& exponent, Stabilizer stabilizer) {
    switch (stabilizer) {
        case Stabilizer::PerToken:
            return sub(exponent, max(exponent, -1, true));
        case Stabilizer::PerSequence:
            ATTNLAB_CHECK(exponent.ndim() >= 2, op,
                          ": the PerSequence stabiliser needs x [..., L, d], got ",
                          shape_str(exponent.shape()), " after the projection");
            return sub(exponent, max(max(exponent, -1, true), -2, true));
        case Stabilizer::None:
            break;
    }
    return exponent;
}

}  // namespace

Tensor random_projection(int64_t m, int64_t d, ProjectionKind kind, RowNorm norm, uint64_t seed) {
    ATTNLAB_CHECK(m >= 1 && d >= 1, "random_projection: m and d must be >= 1, got m = ", m,
                  ", d = ", d);
    Rng rng(seed);
    std::vector<double> omega(static_cast<size_t>(m * d));
    if (kind == ProjectionKind::Iid) {
        for (double& w : omega) w = rng.normal();
    } else {
        for (int64_t start = 0; start < m; start += d)
            orthonormal_block(rng, std::min(d, m - start), d, omega.data() + start * d);
    }
    // Orthonormal rows get their length now; iid rows keep theirs unless SMREG asks for √d.
    for (int64_t r = 0; r < m; ++r) {
        double* row = omega.data() + r * d;
        double length = 1;
        if (norm == RowNorm::Sqrt_d)
            length = std::sqrt(double(d)) / std::sqrt(dot(row, row, d));
        else if (kind == ProjectionKind::Orthogonal)
            length = chi_sample(rng, d);
        for (int64_t i = 0; i < d; ++i) row[i] *= length;
    }
    Tensor out = Tensor::empty({m, d});
    for (int64_t i = 0; i < m * d; ++i) out.data()[i] = real(omega[static_cast<size_t>(i)]);
    return out;
}

Tensor softmax_features(const Tensor& x, const Tensor& omega, Stabilizer stabilizer) {
    check_features_args("softmax_features", x, omega);
    // None and PerToken are one fused op (engine/kernels/features.h); PerSequence is composed.
    if (stabilizer != Stabilizer::PerSequence)
        return positive_features(x, omega, stabilizer == Stabilizer::PerToken);
    const Projected p = project(x, omega);
    const Tensor exponent =
        stabilize("softmax_features", sub(p.projection, p.half_sq_norm), stabilizer);
    return scale(exp(exponent), real(1 / std::sqrt(double(omega.size(0)))));
}

Tensor hyperbolic_features(const Tensor& x, const Tensor& omega, Stabilizer stabilizer) {
    check_features_args("hyperbolic_features", x, omega);
    const Projected p = project(x, omega);
    const Tensor both = concat({p.projection, scale(p.projection, -1)}, -1);
    const Tensor exponent = stabilize("hyperbolic_features", sub(both, p.half_sq_norm), stabilizer);
    return scale(exp(exponent), real(1 / std::sqrt(2.0 * double(omega.size(0)))));
}

Tensor trig_features(const Tensor& x, const Tensor& omega) {
    check_features_args("trig_features", x, omega);
    const Projected p = project(x, omega);
    const Tensor h = scale(exp(p.half_sq_norm), real(1 / std::sqrt(double(omega.size(0)))));
    return mul(concat({sin(p.projection), cos(p.projection)}, -1), h);
}

Tensor generalized_features(const Tensor& x, const Tensor& omega, KernelFunction f, real epsilon) {
    check_features_args("generalized_features", x, omega);
    return deterministic_features(project(x, omega).projection, f, epsilon);
}

Tensor deterministic_features(const Tensor& x, KernelFunction f, real epsilon) {
    ATTNLAB_CHECK(x.ndim() >= 1, "deterministic_features: x must have at least one dimension");
    switch (f) {
        case KernelFunction::Relu:
            return add_scalar(relu(x), epsilon);
        case KernelFunction::EluPlusOne:
            return add_scalar(elu(x), 1 + epsilon);
        case KernelFunction::Exp:
            break;
    }
    return add_scalar(exp(x), epsilon);
}

}  // namespace attnlab
