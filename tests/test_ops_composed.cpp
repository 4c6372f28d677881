// Each fused op against the same function composed from the engine's primitive ops: softmax and
// log_softmax from max, sub, exp, sum, div and log; layer_norm from mean, square, sqrt and div;
// cross_entropy from the composed log_softmax, a one-hot gather (an embedding of the identity) and
// a sum; gelu-tanh from tanh, mul and the scalar ops; cumsum as a matmul with a lower-triangular
// ones matrix. The composition runs through autograd too, so comparing both forward values and the
// input gradients after backward() with the same random upstream gradient checks the fused
// backward kernels against the chain rule applied op by op.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "engine/gradcheck.h"
#include "engine/rng.h"
#include "helpers.h"

using namespace attnlab;
using namespace attnlab::testing;

namespace {

#ifdef ATTNLAB_DOUBLE
constexpr double kComposedTolerance = 1e-10;
#else
constexpr double kComposedTolerance = 1e-5;
#endif

// Runs `fused` and `composed` on the same leaves, backpropagates the same upstream gradient
// through each, and checks that the outputs and every leaf's gradient agree.
void check_same_function(const GradcheckFn& fused, const GradcheckFn& composed,
                         const std::vector<Tensor>& leaves, const Tensor& upstream) {
    Tensor y_fused = fused(leaves);
    y_fused.backward(upstream);
    std::vector<Tensor> grads_fused;
    for (const Tensor& leaf : leaves) grads_fused.push_back(leaf.grad().clone());
    for (const Tensor& leaf : leaves) leaf.zero_grad();

    Tensor y_composed = composed(leaves);
    y_composed.backward(upstream);
    CHECK(max_relative_difference(y_fused, y_composed) < kComposedTolerance);
    for (size_t i = 0; i < leaves.size(); ++i) {
        INFO("gradient of input " << i);
        CHECK(max_relative_difference(grads_fused[i], leaves[i].grad()) < kComposedTolerance);
    }
}

// scale · x + mask, with the row maximum subtracted: the shared first step of both softmaxes.
Tensor shifted_logits(const Tensor& x, const Tensor& mask, real s) {
    Tensor z = mask.defined() ? scale(x, s) + mask : scale(x, s);
    return z - max(z, -1, true);
}

Tensor composed_softmax(const Tensor& x, const Tensor& mask, real s) {
    Tensor e = exp(shifted_logits(x, mask, s));
    return e / sum(e, -1, true);
}

Tensor composed_log_softmax(const Tensor& x, const Tensor& mask, real s) {
    Tensor shifted = shifted_logits(x, mask, s);
    return shifted - log(sum(exp(shifted), -1, true));
}

// An additive padding mask [B, 1, 1, L] for scores [B, h, L, L]: random values, so a fused op
// that ignored the mask or added it at the wrong position would differ, and one −inf per batch
// (a padded key).
Tensor padding_mask(int64_t B, int64_t L, Rng& rng) {
    Tensor mask = Tensor::randn({B, 1, 1, L}, rng);
    for (int64_t b = 0; b < B; ++b)
        mask.data()[b * L + (b + 1) % L] = -std::numeric_limits<real>::infinity();
    return mask;
}

}  // namespace

TEST_CASE("composed: softmax with a broadcast mask and a scale equals exp(z − max z) / Σ",
          "[ops][composed]") {
    Rng rng(21);
    const int64_t B = 2, h = 3, L = 5;
    const real s = real(0.6);
    Tensor mask = padding_mask(B, L, rng);
    Tensor x = normal_leaf({B, h, L, L}, rng);
    check_same_function(
        [&](const std::vector<Tensor>& in) { return softmax(in[0], mask, s); },
        [&](const std::vector<Tensor>& in) { return composed_softmax(in[0], mask, s); }, {x},
        Tensor::randn({B, h, L, L}, rng));
}

TEST_CASE("composed: log_softmax with a broadcast mask and a scale equals z − max − log Σ exp",
          "[ops][composed]") {
    Rng rng(22);
    const int64_t B = 2, h = 3, L = 5;
    const real s = real(1.7);
    Tensor mask = padding_mask(B, L, rng);
    Tensor x = normal_leaf({B, h, L, L}, rng);
    // The −inf entries of log_softmax are equal in both, but their difference is NaN: compare
    // through a masked_fill that zeroes them, which also drops their (zero) gradient.
    Tensor masked = Tensor::zeros({B, 1, 1, L});
    for (int64_t i = 0; i < masked.numel(); ++i) masked.data()[i] = std::isinf(mask.data()[i]);
    check_same_function(
        [&](const std::vector<Tensor>& in) {
            return masked_fill(log_softmax(in[0], mask, s), masked, 0);
        },
        [&](const std::vector<Tensor>& in) {
            return masked_fill(composed_log_softmax(in[0], mask, s), masked, 0);
        },
        {x}, Tensor::randn({B, h, L, L}, rng));
    // Without a mask and at scale 1, the defaults.
    Tensor plain = normal_leaf({4, 7}, rng);
    check_same_function(
        [](const std::vector<Tensor>& in) { return log_softmax(in[0]); },
        [](const std::vector<Tensor>& in) { return composed_log_softmax(in[0], Tensor(), 1); },
        {plain}, Tensor::randn({4, 7}, rng));
}

TEST_CASE("composed: layer_norm equals (x − mean) / sqrt(var + eps) · gamma + beta",
          "[ops][composed]") {
    Rng rng(23);
    const int64_t d = 9;
    const real eps = real(1e-5);
    // An offset and a spread unlike N(0, 1), so the centring and the scaling both matter.
    Tensor x = Tensor::randn({2, 3, d}, rng, 3, 2);
    x.set_requires_grad(true);
    Tensor gamma = normal_leaf({d}, rng), beta = normal_leaf({d}, rng);
    check_same_function(
        [&](const std::vector<Tensor>& in) { return layer_norm(in[0], in[1], in[2], eps); },
        [&](const std::vector<Tensor>& in) {
            Tensor centred = in[0] - mean(in[0], -1, true);
            Tensor variance = mean(square(centred), -1, true);
            return centred / sqrt(add_scalar(variance, eps)) * in[1] + in[2];
        },
        {x, gamma, beta}, Tensor::randn({2, 3, d}, rng));
}

TEST_CASE("composed: cross_entropy equals the mean of −log_softmax gathered at the targets",
          "[ops][composed]") {
    Rng rng(24);
    const int64_t N = 6, C = 5;
    const int32_t ignore = kIgnoreIndex;
    const IntTensor targets({N}, {4, 0, ignore, 2, 2, ignore});
    // One-hot rows by embedding: rows 0..C−1 of the table are the identity, row C (where ignored
    // targets point) is zero, so ignored rows gather nothing.
    Tensor table = Tensor::zeros({C + 1, C});
    for (int64_t c = 0; c < C; ++c) table.data()[c * C + c] = 1;
    IntTensor rows = targets;
    int valid = 0;
    for (int32_t& t : rows.values) {
        if (t == ignore)
            t = int32_t(C);
        else
            ++valid;
    }
    const Tensor one_hot = embedding(table, rows);

    Tensor z = normal_leaf({N, C}, rng);
    check_same_function(
        [&](const std::vector<Tensor>& in) { return cross_entropy(in[0], targets, ignore); },
        [&](const std::vector<Tensor>& in) {
            return scale(sum(composed_log_softmax(in[0], Tensor(), 1) * one_hot),
                         real(-1) / real(valid));
        },
        {z}, Tensor::scalar(real(0.75)));
}

TEST_CASE("composed: gelu (tanh) equals ½x(1 + tanh(√(2/π)(x + 0.044715x³)))", "[ops][composed]") {
    Rng rng(25);
    Tensor x = Tensor::randn({4, 6}, rng, 0, 2);  // wide enough to reach both tails of tanh
    x.set_requires_grad(true);
    const real sqrt_2_over_pi = real(std::sqrt(2 / std::acos(-1.0)));
    check_same_function([](const std::vector<Tensor>& in) { return gelu(in[0], GeluApprox::Tanh); },
                        [&](const std::vector<Tensor>& in) {
                            const Tensor& v = in[0];
                            Tensor inner =
                                scale(v + scale(v * v * v, real(0.044715)), sqrt_2_over_pi);
                            return scale(v * add_scalar(tanh(inner), 1), real(0.5));
                        },
                        {x}, Tensor::randn({4, 6}, rng));
}

TEST_CASE("composed: cumsum equals a matmul with a lower-triangular ones matrix",
          "[ops][composed]") {
    Rng rng(26);
    const int64_t n = 5;
    Tensor lower = Tensor::zeros({n, n});  // lower[k, j] = [j ≤ k], so (lower · x)_k = Σ_{j≤k} x_j
    for (int64_t k = 0; k < n; ++k)
        for (int64_t j = 0; j <= k; ++j) lower.data()[k * n + j] = 1;

    SECTION("along the last axis: y = x · lowerᵀ") {
        Tensor x = normal_leaf({2, 3, n}, rng);
        check_same_function(
            [](const std::vector<Tensor>& in) { return cumsum(in[0], -1); },
            [&](const std::vector<Tensor>& in) { return matmul(in[0], lower, false, true); }, {x},
            Tensor::randn({2, 3, n}, rng));
    }
    SECTION("along a middle axis, which has elements both before and after it") {
        Tensor x = normal_leaf({2, n, 3}, rng);
        check_same_function([](const std::vector<Tensor>& in) { return cumsum(in[0], 1); },
                            [&](const std::vector<Tensor>& in) {
                                return transpose(matmul(transpose(in[0], 1, 2), lower, false, true),
                                                 1, 2);
                            },
                            {x}, Tensor::randn({2, n, 3}, rng));
    }
}
