// Fused ops against independent compositions: softmax = exp(x − max) / Σ, layer_norm from mean,
// centring and scaling, cross_entropy from log_softmax and a gather. For now the compositions are
// plain double-precision loops written here (forward, and backward as the transposed Jacobian
// applied to a random upstream gradient); they will become compositions of primitive ops.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <type_traits>

#include "engine/gradcheck.h"
#include "engine/rng.h"

using namespace attnlab;

namespace {

constexpr double kTolerance = std::is_same<real, float>::value ? 2e-5 : 1e-12;

Tensor random_leaf(const Shape& shape, Rng& rng) {
    Tensor t = Tensor::randn(shape, rng);
    t.set_requires_grad(true);
    return t;
}

Tensor from_doubles(const Shape& shape, const std::vector<double>& values) {
    return Tensor::from_vector(shape, std::vector<real>(values.begin(), values.end()));
}

// softmax(scale · x + mask) of each row, in double.
std::vector<double> softmax_reference(const Tensor& x, const std::vector<double>& mask,
                                      double scale) {
    const int64_t cols = x.size(-1), rows = x.numel() / cols;
    std::vector<double> y(size_t(x.numel()));
    for (int64_t r = 0; r < rows; ++r) {
        double row_max = -std::numeric_limits<double>::infinity(), sum = 0;
        for (int64_t c = 0; c < cols; ++c)
            row_max = std::max(row_max, scale * x.data()[r * cols + c] + mask[size_t(c)]);
        for (int64_t c = 0; c < cols; ++c)
            sum += y[size_t(r * cols + c)] =
                std::exp(scale * x.data()[r * cols + c] + mask[size_t(c)] - row_max);
        for (int64_t c = 0; c < cols; ++c) y[size_t(r * cols + c)] /= sum;
    }
    return y;
}

}  // namespace

TEST_CASE("composed: softmax and log_softmax equal exp(x − max) / sum", "[ops][composed]") {
    Rng rng(21);
    const int64_t rows = 5, cols = 7;
    const double scale = 0.6;
    Tensor x = random_leaf({rows, cols}, rng);
    Tensor mask = Tensor::randn({cols}, rng);
    const std::vector<double> mask_values(mask.data(), mask.data() + cols);
    const std::vector<double> p = softmax_reference(x, mask_values, scale);
    Tensor upstream = Tensor::randn({rows, cols}, rng);
    const real* dy = upstream.data();

    // softmax: ∂y_i/∂x_j = scale · y_i (δ_ij − y_j), applied as a full Jacobian.
    Tensor y = softmax(x, mask, real(scale));
    CHECK(max_relative_difference(y, from_doubles({rows, cols}, p)) < kTolerance);
    y.backward(upstream);
    std::vector<double> dx(size_t(rows * cols), 0.0);
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t i = 0; i < cols; ++i)
            for (int64_t j = 0; j < cols; ++j) {
                const double yi = p[size_t(r * cols + i)], yj = p[size_t(r * cols + j)];
                dx[size_t(r * cols + j)] += dy[r * cols + i] * scale * yi * ((i == j) - yj);
            }
    CHECK(max_relative_difference(x.grad(), from_doubles({rows, cols}, dx)) < kTolerance);

    // log_softmax: y_i = log p_i, ∂y_i/∂x_j = scale · (δ_ij − p_j).
    x.zero_grad();
    Tensor log_y = log_softmax(x, mask, real(scale));
    std::vector<double> log_p(p.size());
    for (size_t i = 0; i < p.size(); ++i) log_p[i] = std::log(p[i]);
    CHECK(max_relative_difference(log_y, from_doubles({rows, cols}, log_p)) < kTolerance);
    log_y.backward(upstream);
    std::fill(dx.begin(), dx.end(), 0.0);
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t i = 0; i < cols; ++i)
            for (int64_t j = 0; j < cols; ++j)
                dx[size_t(r * cols + j)] +=
                    dy[r * cols + i] * scale * ((i == j) - p[size_t(r * cols + j)]);
    CHECK(max_relative_difference(x.grad(), from_doubles({rows, cols}, dx)) < kTolerance);
}

TEST_CASE("composed: layer_norm equals (x − mean) / sqrt(var + eps) · gamma + beta",
          "[ops][composed]") {
    Rng rng(22);
    const int64_t rows = 4, d = 9;
    const double eps = 1e-5;
    Tensor x = random_leaf({rows, d}, rng), gamma = random_leaf({d}, rng),
           beta = random_leaf({d}, rng);
    Tensor upstream = Tensor::randn({rows, d}, rng);
    const real *xv = x.data(), *g = gamma.data(), *dy = upstream.data();

    std::vector<double> y(size_t(rows * d)), x_hat(size_t(rows * d)),
        rstd(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) {
        double mean = 0, var = 0;
        for (int64_t j = 0; j < d; ++j) mean += xv[r * d + j] / double(d);
        for (int64_t j = 0; j < d; ++j) var += std::pow(xv[r * d + j] - mean, 2) / double(d);
        rstd[size_t(r)] = 1 / std::sqrt(var + eps);
        for (int64_t j = 0; j < d; ++j) {
            x_hat[size_t(r * d + j)] = (xv[r * d + j] - mean) * rstd[size_t(r)];
            y[size_t(r * d + j)] = x_hat[size_t(r * d + j)] * g[j] + beta.data()[j];
        }
    }
    Tensor out = layer_norm(x, gamma, beta, real(eps));
    CHECK(max_relative_difference(out, from_doubles({rows, d}, y)) < kTolerance);

    // ∂x̂_i/∂x_j = rstd · (δ_ij − 1/d − x̂_i x̂_j / d), applied as a full Jacobian.
    out.backward(upstream);
    std::vector<double> dx(size_t(rows * d), 0.0), dgamma(size_t(d), 0.0), dbeta(size_t(d), 0.0);
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t i = 0; i < d; ++i) {
            const double dx_hat = double(dy[r * d + i]) * g[i], xi = x_hat[size_t(r * d + i)];
            for (int64_t j = 0; j < d; ++j)
                dx[size_t(r * d + j)] +=
                    dx_hat * rstd[size_t(r)] *
                    ((i == j) - 1.0 / double(d) - xi * x_hat[size_t(r * d + j)] / double(d));
            dgamma[size_t(i)] += dy[r * d + i] * xi;
            dbeta[size_t(i)] += dy[r * d + i];
        }
    CHECK(max_relative_difference(x.grad(), from_doubles({rows, d}, dx)) < kTolerance);
    CHECK(max_relative_difference(gamma.grad(), from_doubles({d}, dgamma)) < kTolerance);
    CHECK(max_relative_difference(beta.grad(), from_doubles({d}, dbeta)) < kTolerance);
}

TEST_CASE("composed: cross_entropy equals the mean of −log_softmax gathered at the targets",
          "[ops][composed]") {
    Rng rng(23);
    const int64_t N = 6, C = 5;
    Tensor z = random_leaf({N, C}, rng);
    const IntTensor targets({N}, {4, 0, -100, 2, 2, -100});
    const std::vector<double> p = softmax_reference(z, std::vector<double>(size_t(C), 0.0), 1);

    double loss = 0;
    int valid = 0;
    for (int64_t r = 0; r < N; ++r) {
        const int32_t t = targets.values[size_t(r)];
        if (t == -100) continue;
        loss -= std::log(p[size_t(r * C + t)]);
        ++valid;
    }
    loss /= valid;
    Tensor out = cross_entropy(z, targets);
    CHECK(max_relative_difference(out, from_doubles({}, {loss})) < kTolerance);

    // dz = (softmax(z) − onehot(t)) · dloss / n_valid on rows that count, zero elsewhere.
    const double dloss = 0.75;
    out.backward(Tensor::scalar(real(dloss)));
    std::vector<double> dz(size_t(N * C), 0.0);
    for (int64_t r = 0; r < N; ++r) {
        const int32_t t = targets.values[size_t(r)];
        if (t == -100) continue;
        for (int64_t c = 0; c < C; ++c)
            dz[size_t(r * C + c)] = (p[size_t(r * C + c)] - (c == t)) * dloss / valid;
    }
    CHECK(max_relative_difference(z.grad(), from_doubles({N, C}, dz)) < kTolerance);
}
