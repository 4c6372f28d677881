// Sums, means and maxima: hand-computed values with and without keepdim, gradient checks (max on
// distinct values), the first-max rule for ties, errors, and the kernels on large inputs.
#include <catch2/catch.hpp>
#include <numeric>

#include "engine/gradcheck.h"
#include "engine/kernels/reduce.h"
#include "engine/rng.h"
#include "helpers.h"

using namespace attnlab;
using namespace attnlab::testing;

namespace {

// 0..23 as [2, 3, 4]
Tensor counting() {
    return reshape(Tensor::arange(0, 24), {2, 3, 4});
}

// A leaf whose values are distinct and well separated (a shuffled ramp), so max has no ties.
Tensor distinct_leaf(const Shape& shape, Rng& rng) {
    const int64_t n = numel_of(shape);
    std::vector<real> values(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) values[i] = real(i) * real(0.25) - real(n) * real(0.1);
    for (int64_t i = n - 1; i > 0; --i) std::swap(values[i], values[rng.below(uint64_t(i + 1))]);
    Tensor t = Tensor::from_vector(shape, values);
    t.set_requires_grad(true);
    return t;
}

void check_grad(const std::function<Tensor(const Tensor&)>& f, const Tensor& x) {
    auto r = gradcheck([&f](const std::vector<Tensor>& in) { return f(in[0]); }, {x});
    INFO(r.report);
    CHECK(r.ok);
}

}  // namespace

TEST_CASE("sum: all elements", "[ops][grad][reduce]") {
    Tensor s = sum(counting());
    CHECK(s.shape() == Shape{});
    CHECK(s.item() == 276);
    CHECK(sum(Tensor::zeros({0, 3})).item() == 0);
    Rng rng(1);
    Tensor x = Tensor::randn({2, 3, 2, 2, 2}, rng).set_requires_grad(true);
    check_grad([](const Tensor& t) { return sum(t); }, x);
    CHECK_THROWS_WITH(sum(Tensor()), Catch::Contains("undefined tensor"));
}

TEST_CASE("sum: along an axis, with keepdim", "[ops][grad][reduce]") {
    Tensor x = counting();
    Tensor s0 = sum(x, 0);
    CHECK(s0.shape() == Shape{3, 4});
    check_values(s0, {12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34});
    Tensor s1 = sum(x, 1, true);
    CHECK(s1.shape() == Shape{2, 1, 4});
    check_values(s1, {12, 15, 18, 21, 48, 51, 54, 57});
    check_values(sum(x, -1), {6, 22, 38, 54, 70, 86});
    Rng rng(2);
    Tensor leaf = Tensor::randn({2, 3, 4, 2}, rng).set_requires_grad(true);
    for (int axis : {0, 1, 2, 3, -1})
        for (bool keepdim : {false, true}) {
            INFO("axis " << axis << " keepdim " << keepdim);
            check_grad([=](const Tensor& t) { return sum(t, axis, keepdim); }, leaf);
        }
    CHECK_THROWS_WITH(sum(x, 3), Catch::Contains("sum: axis 3 out of range for a 3-d tensor"));
    CHECK_THROWS_WITH(sum(Tensor::scalar(1), 0), Catch::Contains("sum: axis 0 out of range"));
}

TEST_CASE("mean: all elements", "[ops][grad][reduce]") {
    CHECK(mean(counting()).item() == Approx(11.5));
    CHECK(std::isnan(mean(Tensor::zeros({0})).item()));  // 0/0, as in NumPy
    Rng rng(3);
    Tensor x = Tensor::randn({3, 5}, rng).set_requires_grad(true);
    check_grad([](const Tensor& t) { return mean(t); }, x);
    CHECK_THROWS_WITH(mean(Tensor()), Catch::Contains("undefined tensor"));
}

TEST_CASE("mean: along an axis, with keepdim", "[ops][grad][reduce]") {
    Tensor x = counting();
    check_values(mean(x, 2), {1.5, 5.5, 9.5, 13.5, 17.5, 21.5});
    Tensor m = mean(x, 0, true);
    CHECK(m.shape() == Shape{1, 3, 4});
    check_values(m, {6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17});
    Rng rng(4);
    Tensor leaf = Tensor::randn({3, 4, 5}, rng).set_requires_grad(true);
    for (int axis : {0, 1, 2})
        check_grad([=](const Tensor& t) { return mean(t, axis, axis == 1); }, leaf);
    CHECK_THROWS_WITH(mean(x, -4), Catch::Contains("mean: axis -4 out of range"));
}

TEST_CASE("max: all elements, first max gets the gradient", "[ops][grad][reduce]") {
    CHECK(max(counting()).item() == 23);
    CHECK(max(Tensor::from_vector({3}, {-5, -2, -7})).item() == -2);
    Tensor ties = Tensor::from_vector({4}, {1, 3, 3, 2});
    ties.set_requires_grad(true);
    max(ties).backward();
    check_values(ties.grad(), {0, 1, 0, 0});  // documented: the FIRST maximum wins
    Rng rng(5);
    check_grad([](const Tensor& t) { return max(t); }, distinct_leaf({3, 4, 2}, rng));
    CHECK_THROWS_WITH(max(Tensor::zeros({0})), Catch::Contains("max: cannot take the maximum"));
}

TEST_CASE("max: along an axis, with keepdim", "[ops][grad][reduce]") {
    Tensor x = Tensor::from_vector({2, 3}, {1, 5, 2, 7, 0, 7});
    check_values(max(x, 1), {5, 7});
    Tensor m = max(x, 0, true);
    CHECK(m.shape() == Shape{1, 3});
    check_values(m, {7, 5, 7});
    Tensor leaf = Tensor::from_vector({2, 3}, {1, 5, 2, 7, 0, 7});
    leaf.set_requires_grad(true);
    max(leaf, 1).backward(Tensor::from_vector({2}, {10, 20}));
    check_values(leaf.grad(), {0, 10, 0, 20, 0, 0});  // the tie in row 1 goes to index 0
    Rng rng(6);
    Tensor distinct = distinct_leaf({2, 3, 4, 5}, rng);
    for (int axis : {0, 1, 2, 3})
        check_grad([=](const Tensor& t) { return max(t, axis, axis == 2); }, distinct);
    CHECK_THROWS_WITH(max(x, 2), Catch::Contains("max: axis 2 out of range for a 2-d tensor"));
    CHECK_THROWS_WITH(max(Tensor::zeros({2, 0}), 1),
                      Catch::Contains("cannot take the maximum of an empty axis in [2, 0]"));
}

TEST_CASE("reduce kernels match a double reference on large inputs", "[kernel][reduce]") {
    Rng rng(7);
    struct Case {
        int64_t outer, n, inner;
    };
    for (const Case& c : {Case{1, 100000, 1}, Case{500, 300, 1}, Case{4, 200, 600},
                          Case{1, 300, 700}, Case{3, 1, 5}}) {
        INFO("[" << c.outer << ", " << c.n << ", " << c.inner << "]");
        Tensor x = Tensor::randn({c.outer, c.n, c.inner}, rng);
        std::vector<real> sums(size_t(c.outer * c.inner), real(1)), maxima(sums.size());
        std::vector<int64_t> argmax(sums.size());
        kernels::sum_axis(x.data(), c.outer, c.n, c.inner, 2, sums.data());
        kernels::max_axis(x.data(), c.outer, c.n, c.inner, maxima.data(), argmax.data());
        double worst = 0;
        int64_t wrong = 0;
        for (int64_t o = 0; o < c.outer; ++o)
            for (int64_t i = 0; i < c.inner; ++i) {
                double total = 0;
                int64_t best = 0;
                for (int64_t k = 0; k < c.n; ++k) {
                    const real v = x.data()[(o * c.n + k) * c.inner + i];
                    total += v;
                    if (v > x.data()[(o * c.n + best) * c.inner + i]) best = k;
                }
                const size_t at = size_t(o * c.inner + i);
                worst = worst_error(
                    worst, std::abs(sums[at] - (1 + 2 * total)) / std::max(1.0, std::abs(total)));
                wrong +=
                    argmax[at] != best || maxima[at] != x.data()[(o * c.n + best) * c.inner + i];
            }
        CHECK(worst < 1e-4);
        CHECK(wrong == 0);
    }
}
