// Broadcasting binary ops, sum_to, and the scalar ops: hand-computed values, gradient checks over
// the broadcasting patterns that matter (bias, outer product, scalar, operand used twice), errors,
// and the kernels against a naive N-d loop on shapes large enough to run in parallel.
#include <catch2/catch.hpp>
#include <cmath>

#include "engine/gradcheck.h"
#include "engine/kernels/elementwise.h"
#include "engine/rng.h"
#include "helpers.h"

using namespace attnlab;
using namespace attnlab::testing;

namespace {

using BinaryFn = Tensor (*)(const Tensor&, const Tensor&);

// Gradchecks `op` on each broadcasting pattern; b's values come from [b_low, b_high].
void check_broadcast_grads(BinaryFn op, real b_low = -1, real b_high = 1) {
    const std::vector<std::pair<Shape, Shape>> cases = {
        {{2, 3}, {3}},          {{2, 1, 4}, {3, 1}},
        {{2, 3}, {}},           {{1}, {2, 3}},
        {{2, 3}, {2, 3}},       {{3}, {2, 4, 3}},
        {{2, 3, 1}, {2, 1, 4}}, {{2, 1, 3, 1, 2}, {4, 1, 1, 2}},
    };
    Rng rng(7);
    for (const auto& [a_shape, b_shape] : cases) {
        INFO("a " << shape_str(a_shape) << " b " << shape_str(b_shape));
        Tensor a = uniform_leaf(a_shape, rng), b = uniform_leaf(b_shape, rng, b_low, b_high);
        auto r =
            gradcheck([op](const std::vector<Tensor>& in) { return op(in[0], in[1]); }, {a, b});
        INFO(r.report);
        CHECK(r.ok);
    }
    Tensor x = uniform_leaf({2, 3}, rng, b_low, b_high);  // the same tensor as both operands
    auto r = gradcheck([op](const std::vector<Tensor>& in) { return op(in[0], in[0]); }, {x});
    INFO("x op x: " << r.report);
    CHECK(r.ok);
}

// Element `i` of `out_shape` read from `shape` with NumPy broadcasting: the reference semantics.
int64_t broadcast_source(int64_t i, const Shape& out_shape, const Shape& shape) {
    int64_t source = 0, step = 1;
    for (size_t back = 1; back <= out_shape.size(); ++back) {
        const int64_t extent = out_shape[out_shape.size() - back];
        const int64_t index = i % extent;
        i /= extent;
        if (back <= shape.size()) {
            const int64_t own = shape[shape.size() - back];
            if (own != 1) source += index * step;
            step *= own;
        }
    }
    return source;
}

}  // namespace

TEST_CASE("broadcast_shapes aligns trailing dims and stretches ones", "[ops][broadcast]") {
    CHECK(broadcast_shapes("add", {2, 3}, {3}) == Shape{2, 3});
    CHECK(broadcast_shapes("add", {2, 1, 4}, {3, 1}) == Shape{2, 3, 4});
    CHECK(broadcast_shapes("add", {}, {2, 3}) == Shape{2, 3});
    CHECK(broadcast_shapes("add", {1}, {}) == Shape{1});
    CHECK(broadcast_shapes("add", {5, 1, 1, 2, 1}, {4, 1, 3}) == Shape{5, 1, 4, 2, 3});
    CHECK_THROWS_WITH(broadcast_shapes("add", {2, 3}, {4}),
                      "add: shapes [2, 3] and [4] cannot broadcast (dimension -1: 3 vs 4)");
    CHECK_THROWS_WITH(broadcast_shapes("mul", {2, 3, 4}, {5, 4}),
                      Catch::Contains("dimension -2: 3 vs 5"));
}

TEST_CASE("add: values, broadcasting gradients, errors", "[ops][grad]") {
    Tensor a = Tensor::from_vector({2, 3}, {1, 2, 3, 4, 5, 6});
    check_values(add(a, Tensor::from_vector({3}, {10, 20, 30})), {11, 22, 33, 14, 25, 36});
    check_values(a + Tensor::scalar(0.5), {1.5, 2.5, 3.5, 4.5, 5.5, 6.5});
    Tensor column = Tensor::from_vector({2, 1}, {100, 200});
    Tensor sum = add(column, Tensor::from_vector({3}, {1, 2, 3}));
    CHECK(sum.shape() == Shape{2, 3});
    check_values(sum, {101, 102, 103, 201, 202, 203});
    check_broadcast_grads(add);
    CHECK_THROWS_WITH(add(a, Tensor::ones({4})),
                      "add: shapes [2, 3] and [4] cannot broadcast (dimension -1: 3 vs 4)");
}

TEST_CASE("sub: values, broadcasting gradients, errors", "[ops][grad]") {
    Tensor a = Tensor::from_vector({2, 2}, {5, 6, 7, 8});
    check_values(sub(a, Tensor::from_vector({2}, {1, 2})), {4, 4, 6, 6});
    check_values(Tensor::from_vector({2, 1}, {1, 2}) - a, {-4, -5, -5, -6});
    check_broadcast_grads(sub);
    CHECK_THROWS_WITH(sub(a, Tensor::ones({3, 1, 3})),
                      Catch::Contains("sub: shapes [2, 2] and [3, 1, 3]"));
}

TEST_CASE("mul: values, broadcasting gradients, errors", "[ops][grad]") {
    Tensor a = Tensor::from_vector({2, 3}, {1, 2, 3, 4, 5, 6});
    check_values(mul(a, Tensor::from_vector({3}, {2, 0, -1})), {2, 0, -3, 8, 0, -6});
    check_values(a * a, {1, 4, 9, 16, 25, 36});
    // x * x: both contributions reach x, d(x²)/dx = 2x.
    Tensor x = Tensor::from_vector({2}, {3, -1});
    x.set_requires_grad(true);
    mul(x, x).backward(Tensor::ones({2}));
    check_values(x.grad(), {6, -2});
    check_broadcast_grads(mul);
    CHECK_THROWS_WITH(mul(a, Tensor::ones({2})), Catch::Contains("mul: shapes [2, 3] and [2]"));
}

TEST_CASE("div: values, broadcasting gradients, errors", "[ops][grad]") {
    Tensor a = Tensor::from_vector({2, 2}, {1, 2, 3, 4});
    check_values(div(a, Tensor::from_vector({2}, {2, 4})), {0.5, 0.5, 1.5, 1});
    check_values(Tensor::scalar(1) / a, {1, 0.5, 1.0 / 3, 0.25});
    check_broadcast_grads(div, 0.5, 2);  // keep the divisor away from 0
    CHECK_THROWS_WITH(div(a, Tensor::ones({3})), Catch::Contains("div: shapes [2, 2] and [3]"));
}

TEST_CASE("sum_to: reduces broadcast dims, broadcasts back in backward", "[ops][grad]") {
    Tensor x = Tensor::from_vector({2, 3}, {1, 2, 3, 4, 5, 6});
    check_values(sum_to(x, {3}), {5, 7, 9});
    check_values(sum_to(x, {2, 1}), {6, 15});
    check_values(sum_to(x, {}), {21});
    check_values(sum_to(x, {1, 1}), {21});
    check_values(sum_to(x, {2, 3}), {1, 2, 3, 4, 5, 6});
    // [2, 3, 4] → [3, 1]: two separate reduced groups, [reduced, kept, reduced].
    Tensor y = Tensor::arange(0, 24).detach();
    Tensor z = sum_to(reshape(y, {2, 3, 4}), {3, 1});
    check_values(z, {0 + 1 + 2 + 3 + 12 + 13 + 14 + 15, 4 + 5 + 6 + 7 + 16 + 17 + 18 + 19,
                     8 + 9 + 10 + 11 + 20 + 21 + 22 + 23});

    Rng rng(3);
    for (const auto& [from, to] : std::vector<std::pair<Shape, Shape>>{
             {{2, 3}, {3}}, {{2, 3, 4}, {3, 1}}, {{2, 3}, {}}, {{4, 2, 3, 2}, {2, 1, 2}}}) {
        Tensor input = uniform_leaf(from, rng);
        Shape target = to;
        auto r = gradcheck(
            [target](const std::vector<Tensor>& in) { return sum_to(in[0], target); }, {input});
        INFO(shape_str(from) << " → " << shape_str(to) << ": " << r.report);
        CHECK(r.ok);
    }
    CHECK_THROWS_WITH(sum_to(x, {4}), Catch::Contains("sum_to: cannot sum [2, 3] down to [4]"));
    CHECK_THROWS_WITH(sum_to(x, {1, 2, 3}), Catch::Contains("sum_to: cannot sum [2, 3]"));
}

TEST_CASE("scale: values and gradient", "[ops][grad]") {
    check_values(scale(Tensor::from_vector({3}, {1, -2, 0.5}), 4), {4, -8, 2});
    check_values(2 * Tensor::ones({2}), {2, 2});
    Rng rng(5);
    Tensor x = uniform_leaf({3, 4}, rng);
    auto r = gradcheck([](const std::vector<Tensor>& in) { return scale(in[0], -1.5); }, {x});
    INFO(r.report);
    CHECK(r.ok);
    CHECK_THROWS_WITH(scale(Tensor(), 2), Catch::Contains("undefined tensor"));
}

TEST_CASE("add_scalar: values and gradient", "[ops][grad]") {
    check_values(add_scalar(Tensor::from_vector({3}, {1, -2, 0.5}), 1), {2, -1, 1.5});
    Rng rng(6);
    Tensor x = uniform_leaf({2, 2, 2, 2}, rng);
    auto r = gradcheck([](const std::vector<Tensor>& in) { return add_scalar(in[0], 3); }, {x});
    INFO(r.report);
    CHECK(r.ok);
    CHECK_THROWS_WITH(add_scalar(Tensor(), 2), Catch::Contains("undefined tensor"));
}

TEST_CASE("broadcast kernels match a naive loop, also in parallel", "[kernel][broadcast]") {
    const std::vector<std::pair<Shape, Shape>> cases = {
        {{64, 128, 16}, {16}},            // bias: b along a's leading dims
        {{64, 128, 16}, {64, 128, 16}},   // same shape
        {{64, 128, 16}, {}},              // scalar
        {{16}, {64, 128, 16}},            // a broadcast along b's leading dims
        {{64, 1, 16}, {128, 1}},          // outer-product-like
        {{3, 1, 5, 1, 7}, {4, 1, 6, 1}},  // 5-d general path
        {{40, 40, 1}, {40, 1, 30}},
        {{300, 1}, {200}},  // column against row
    };
    Rng rng(11);
    for (const auto& [a_shape, b_shape] : cases) {
        INFO("a " << shape_str(a_shape) << " b " << shape_str(b_shape));
        const Shape out = broadcast_shapes("test", a_shape, b_shape);
        Tensor a = Tensor::randn(a_shape, rng), b = Tensor::rand(b_shape, rng, 0.5, 2);
        for (auto op : {kernels::BinaryOp::Sub, kernels::BinaryOp::Div}) {
            Tensor y = Tensor::empty(out);
            kernels::broadcast_binary(op, a.data(), a_shape, b.data(), b_shape, y.data(), out);
            int64_t wrong = 0;
            for (int64_t i = 0; i < y.numel(); ++i) {
                const real u = a.data()[broadcast_source(i, out, a_shape)];
                const real v = b.data()[broadcast_source(i, out, b_shape)];
                wrong += y.data()[i] != (op == kernels::BinaryOp::Sub ? u - v : u / v);
            }
            CHECK(wrong == 0);
        }
        // sum_to back to each operand's shape, against a double-precision scatter.
        Tensor y = Tensor::randn(out, rng);
        for (const Shape& target : {a_shape, b_shape}) {
            std::vector<double> expected(size_t(numel_of(target)), 0.0);
            for (int64_t i = 0; i < y.numel(); ++i)
                expected[size_t(broadcast_source(i, out, target))] += y.data()[i];
            Tensor reduced = Tensor::full(target, 1);
            kernels::sum_to(y.data(), out, reduced.data(), target, 2);
            double worst = 0;
            for (size_t i = 0; i < expected.size(); ++i)
                worst = worst_error(worst, std::abs(reduced.data()[i] - (1 + 2 * expected[i])) /
                                               std::max(1.0, std::abs(expected[i])));
            CHECK(worst < 1e-4);
        }
    }
}
