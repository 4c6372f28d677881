// The multi-head depthwise convolution op (dynamic_depthwise_conv): hand-computed values for shared
// and per-position kernels, causal and centred offsets; finite-difference gradients for every
// weight broadcast and offset, also at a size that runs the OpenMP loops; thread independence; and
// the shape errors.

#include <catch2/catch.hpp>

#include "engine/gradcheck.h"
#include "engine/kernels/parallel.h"
#include "engine/rng.h"
#include "helpers.h"

using namespace attnlab;
using namespace attnlab::testing;

namespace {

// x [1, 3, 2]: channel 0 holds 1, 2, 3 and channel 1 holds 10, 20, 30 along the sequence.
Tensor tiny_x() {
    return Tensor::from_vector({1, 3, 2}, {1, 10, 2, 20, 3, 30});
}

// Copies w [1, 1, h, K] to every (b, t): the per-position form of a shared kernel.
Tensor repeat_kernel(const Tensor& w, int64_t B, int64_t L) {
    return add(w, Tensor::zeros({B, L, w.size(2), w.size(3)}));
}

}  // namespace

TEST_CASE(
    "dynamic_depthwise_conv: hand-computed values, causal and centred, shared and "
    "per-position kernels",
    "[ops][conv]") {
    // Two heads of one channel: head 0 averages with taps [0.2, 0.3, 0.5], head 1 differences
    // with [1, 0, −1].
    const Tensor shared = Tensor::from_vector({1, 1, 2, 3}, {0.2, 0.3, 0.5, 1, 0, -1});
    // Centred (offset 1): y_t = w0·x_{t−1} + w1·x_t + w2·x_{t+1}, zero outside the sequence.
    check_values(dynamic_depthwise_conv(tiny_x(), shared, 1), {1.3, -20, 2.3, -20, 1.3, 20});
    // Causal (offset 2): y_t = w0·x_{t−2} + w1·x_{t−1} + w2·x_t.
    check_values(dynamic_depthwise_conv(tiny_x(), shared, 2), {0.5, -10, 1.3, -20, 2.3, -20});
    // offset 0 looks only ahead: y_t = w0·x_t + w1·x_{t+1} + w2·x_{t+2}.
    check_values(dynamic_depthwise_conv(tiny_x(), shared, 0), {2.3, -20, 1.3, 20, 0.6, 30});

    // One head over both channels, a different K = 2 kernel per position, causal (offset 1):
    // y_t = a_t·x_{t−1} + b_t·x_t.
    const Tensor per_position = Tensor::from_vector({1, 3, 1, 2}, {0.5, 0.5, 0.25, 0.75, 1, 0});
    check_values(dynamic_depthwise_conv(tiny_x(), per_position, 1), {0.5, 5, 1.75, 17.5, 2, 20});

    // A shared kernel gives exactly what the same kernel repeated at every position gives.
    Rng rng(4);
    const Tensor x = Tensor::randn({2, 5, 6}, rng);
    const Tensor w = softmax(Tensor::randn({1, 1, 3, 3}, rng));
    CHECK(dynamic_depthwise_conv(x, w, 1).to_vector() ==
          dynamic_depthwise_conv(x, repeat_kernel(w, 2, 5), 1).to_vector());
}

TEST_CASE("dynamic_depthwise_conv: gradients for every weight broadcast and offset",
          "[ops][grad][conv]") {
    const std::vector<Shape> weight_shapes = {
        {1, 1, 3, 3}, {2, 5, 3, 3}, {2, 1, 3, 3}, {1, 5, 3, 3}};
    for (const Shape& weight_shape : weight_shapes)
        for (int64_t offset : {0, 1, 2}) {
            INFO("weights " << shape_str(weight_shape) << ", offset " << offset);
            Rng rng(11);
            const Tensor x = uniform_leaf({2, 5, 6}, rng);
            const Tensor w = uniform_leaf(weight_shape, rng, 0, 1);
            auto r = gradcheck(
                [&](const std::vector<Tensor>& in) {
                    return dynamic_depthwise_conv(in[0], in[1], offset);
                },
                {x, w});
            INFO(r.report);
            CHECK(r.ok);
        }
}

TEST_CASE("dynamic_depthwise_conv: gradients and thread independence at an OpenMP-sized shape",
          "[ops][grad][conv]") {
    // B·L·d·K = 3·40·32·9 = 34 560 exceeds the kernels' 32k threshold: both loops run parallel.
    for (bool shared : {true, false}) {
        INFO((shared ? "shared kernel" : "per-position kernels"));
        Rng rng(3);
        const Tensor x = uniform_leaf({3, 40, 32}, rng);
        const Tensor w = uniform_leaf(shared ? Shape{1, 1, 4, 9} : Shape{3, 40, 4, 9}, rng, 0, 1);
        auto f = [](const std::vector<Tensor>& in) {
            return dynamic_depthwise_conv(in[0], in[1], 4);
        };
        auto r = gradcheck(f, {x, w});
        INFO(r.report);
        CHECK(r.ok);

        // Forward and both gradients, with one thread and with two: the same bits.
        auto run = [&] {
            x.zero_grad();
            w.zero_grad();
            const Tensor y = f({x, w});
            y.backward(Tensor::full(y.shape(), 0.5));
            std::vector<real> out = y.to_vector(), dx = x.grad().to_vector(),
                              dw = w.grad().to_vector();
            out.insert(out.end(), dx.begin(), dx.end());
            out.insert(out.end(), dw.begin(), dw.end());
            return out;
        };
        std::vector<real> one, two;
        {
            const kernels::ScopedThreads threads(1);
            one = run();
        }
        {
            const kernels::ScopedThreads threads(2);
            two = run();
        }
        CHECK(one == two);
    }
}

TEST_CASE("dynamic_depthwise_conv: shape and offset errors", "[ops][conv]") {
    const Tensor x = Tensor::zeros({2, 5, 6});
    CHECK_THROWS_WITH(
        dynamic_depthwise_conv(Tensor::zeros({5, 6}), Tensor::zeros({1, 1, 3, 3}), 1),
        Catch::Contains("expected x [B, L, d] and weights") && Catch::Contains("got x [5, 6]"));
    CHECK_THROWS_WITH(dynamic_depthwise_conv(x, Tensor::zeros({3, 3}), 1),
                      Catch::Contains("weights [3, 3]"));
    CHECK_THROWS_WITH(dynamic_depthwise_conv(x, Tensor::zeros({2, 4, 3, 3}), 1),
                      Catch::Contains("weights [2, 4, 3, 3] do not fit x [2, 5, 6]") &&
                          Catch::Contains("expected [2 or 1, 5 or 1, h, K]"));
    CHECK_THROWS_WITH(dynamic_depthwise_conv(x, Tensor::zeros({1, 1, 4, 3}), 1),
                      Catch::Contains("d = 6 of x must be a multiple of the h = 4 heads"));
    CHECK_THROWS_WITH(dynamic_depthwise_conv(x, Tensor::zeros({1, 1, 3, 3}), 3),
                      Catch::Contains("offset 3 outside [0, K − 1] = [0, 2]"));
    CHECK_THROWS_WITH(dynamic_depthwise_conv(x, Tensor::zeros({1, 1, 3, 3}), -1),
                      Catch::Contains("offset -1 outside"));
}
