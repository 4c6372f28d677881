// The fused neural-network ops: hand-computed forward values, finite-difference gradients and error
// messages for each op, plus dropout's statistics and thread independence and softmax's fully
// masked rows.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>

#include "engine/gradcheck.h"
#include "engine/kernels/nn.h"
#include "engine/kernels/parallel.h"
#include "engine/rng.h"
#include "helpers.h"

using namespace attnlab;
using namespace attnlab::testing;

namespace {

// softmax-family values carry a few ulps of rounding from exp and the row sum.
void check_nn_values(const Tensor& y, const std::vector<double>& expected) {
    check_values(y, expected, 1e-5, 1e-6);
}

constexpr real kNnInf = std::numeric_limits<real>::infinity();

// Runs f with one and then two OpenMP threads and checks the results are bitwise identical.
template <typename F>
void check_thread_independent(F f) {
    std::vector<real> one, two;
    {
        const kernels::ScopedThreads threads(1);
        one = f();
    }
    {
        const kernels::ScopedThreads threads(2);
        two = f();
    }
    CHECK(one == two);
}

#define CHECK_GRADIENTS(f, ...)             \
    do {                                    \
        auto r = gradcheck(f, __VA_ARGS__); \
        INFO(r.report);                     \
        CHECK(r.ok);                        \
    } while (0)

}  // namespace

TEST_CASE("softmax: values, broadcast masks, scale, gradients, errors", "[ops][grad][nn]") {
    check_nn_values(softmax(Tensor::zeros({2, 2})), {0.5, 0.5, 0.5, 0.5});
    const double e1 = std::exp(0.5), e2 = std::exp(1.0), e3 = std::exp(1.5);
    const double total = e1 + e2 + e3;
    check_nn_values(softmax(Tensor::from_vector({3}, {1, 2, 3}), Tensor(), 0.5),
                    {e1 / total, e2 / total, e3 / total});
    // A [2, 1, 3] mask against x [2, 2, 3]: each batch element masks its own column.
    Tensor mask = Tensor::from_vector({2, 1, 3}, {0, -kNnInf, 0, -kNnInf, 0, 0});
    check_nn_values(softmax(Tensor::zeros({2, 2, 3}), mask),
                    {0.5, 0, 0.5, 0.5, 0, 0.5, 0, 0.5, 0.5, 0, 0.5, 0.5});
    // A [3] mask of finite values is added before the exponential: softmax([0, ln 3]) = [¼, ¾].
    check_nn_values(softmax(Tensor::zeros({2}), Tensor::from_vector({2}, {0, real(std::log(3.0))})),
                    {0.25, 0.75});

    Rng rng(1);
    Tensor x = normal_leaf({2, 3, 5}, rng);
    CHECK_GRADIENTS([](const std::vector<Tensor>& in) { return softmax(in[0]); }, {x});
    Tensor broadcast_mask = Tensor::randn({2, 1, 5}, rng);
    broadcast_mask.data()[2] = -kNnInf;  // one removed position, not a whole row
    CHECK_GRADIENTS(
        [&](const std::vector<Tensor>& in) { return softmax(in[0], broadcast_mask, 0.7); }, {x});

    CHECK_THROWS_WITH(softmax(Tensor::zeros({2, 4}), Tensor::zeros({5})),
                      Catch::Contains("softmax: mask [5] does not broadcast to x [2, 4]"));
    CHECK_THROWS_WITH(softmax(Tensor::zeros({2, 4}), Tensor::zeros({3, 2, 4})),
                      Catch::Contains("mask [3, 2, 4] does not broadcast to x [2, 4]"));
    CHECK_THROWS_WITH(softmax(Tensor::scalar(1)),
                      Catch::Contains("softmax: x must be at least 1-d"));
}

TEST_CASE("log_softmax: values, masks, scale, gradients", "[ops][grad][nn]") {
    check_nn_values(log_softmax(Tensor::zeros({1, 2})), {-std::log(2.0), -std::log(2.0)});
    const double lse = std::log(std::exp(2.0) + std::exp(4.0) + std::exp(6.0));
    check_nn_values(log_softmax(Tensor::from_vector({3}, {1, 2, 3}), Tensor(), 2),
                    {2 - lse, 4 - lse, 6 - lse});
    Tensor y = log_softmax(Tensor::zeros({3}), Tensor::from_vector({3}, {0, -kNnInf, 0}));
    CHECK(y.data()[1] == -kNnInf);
    CHECK(y.data()[0] == Approx(-std::log(2.0)));

    Rng rng(2);
    Tensor x = normal_leaf({4, 6}, rng);
    Tensor mask = Tensor::randn({6}, rng);
    CHECK_GRADIENTS([](const std::vector<Tensor>& in) { return log_softmax(in[0]); }, {x});
    CHECK_GRADIENTS([&](const std::vector<Tensor>& in) { return log_softmax(in[0], mask, 1.5); },
                    {x});
    CHECK_THROWS_WITH(log_softmax(Tensor::zeros({2, 4}), Tensor::zeros({2, 3})),
                      Catch::Contains("log_softmax: mask [2, 3] does not broadcast"));
}

TEST_CASE("softmax: a fully masked row gives zeros, not NaN", "[ops][nn]") {
    Rng rng(3);
    Tensor x = normal_leaf({2, 4}, rng);
    Tensor mask =
        Tensor::from_vector({2, 4}, {-kNnInf, -kNnInf, -kNnInf, -kNnInf, 0, -kNnInf, 0, 0});
    for (bool log : {false, true}) {
        INFO((log ? "log_softmax" : "softmax"));
        x.zero_grad();
        Tensor y = log ? log_softmax(x, mask) : softmax(x, mask);
        for (int c = 0; c < 4; ++c) CHECK(y.data()[c] == 0);
        for (int c = 4; c < 8; ++c) CHECK_FALSE(std::isnan(y.data()[c]));
        y.backward(Tensor::from_vector({2, 4}, {1, -2, 3, 0.5, 1, 2, -1, 0.25}));
        for (int c = 0; c < 4; ++c) CHECK(x.grad_data()[c] == 0);
        for (int c = 4; c < 8; ++c) CHECK(std::isfinite(x.grad_data()[c]));
    }
}

TEST_CASE("layer_norm: values, gradients for x, gamma and beta, errors", "[ops][grad][nn]") {
    const double rstd = 1 / std::sqrt(2.0 / 3.0 + 1e-5);
    Tensor y = layer_norm(Tensor::from_vector({2, 3}, {1, 2, 3, 5, 5, 5}),
                          Tensor::from_vector({3}, {1, 1, 2}), Tensor::from_vector({3}, {0, 0, 1}));
    // Row 2 is constant: x̂ = 0, so y = β.
    check_nn_values(y, {-rstd, 0, 2 * rstd + 1, 0, 0, 1});

    Rng rng(4);
    Tensor x = normal_leaf({2, 3, 6}, rng), gamma = normal_leaf({6}, rng),
           beta = normal_leaf({6}, rng);
    CHECK_GRADIENTS([](const std::vector<Tensor>& in) { return layer_norm(in[0], in[1], in[2]); },
                    {x, gamma, beta});

    // Big enough for the parallel paths (and several column blocks of dγ, dβ).
    Tensor big_x = normal_leaf({400, 100}, rng), big_gamma = normal_leaf({100}, rng),
           big_beta = normal_leaf({100}, rng);
    Tensor big_dy = Tensor::randn({400, 100}, rng);
    check_thread_independent([&] {
        for (const Tensor& t : {big_x, big_gamma, big_beta}) t.zero_grad();
        Tensor out = layer_norm(big_x, big_gamma, big_beta);
        out.backward(big_dy);
        std::vector<real> all = out.to_vector();
        for (const Tensor& t : {big_x, big_gamma, big_beta}) {
            const std::vector<real> g = t.grad().to_vector();
            all.insert(all.end(), g.begin(), g.end());
        }
        return all;
    });

    CHECK_THROWS_WITH(layer_norm(Tensor::zeros({2, 4}), Tensor::ones({3}), Tensor::zeros({4})),
                      Catch::Contains("layer_norm: gamma [3] and beta [4] must both be [4]"));
    CHECK_THROWS_WITH(layer_norm(Tensor::zeros({4}), Tensor::ones({4}), Tensor::zeros({4}), 0),
                      Catch::Contains("eps = 0 must be positive"));
}

TEST_CASE("embedding: rows of the table, scatter-add gradient, errors", "[ops][grad][nn]") {
    Tensor weight = Tensor::from_vector({3, 2}, {0, 1, 2, 3, 4, 5});
    Tensor y = embedding(weight, IntTensor({2, 2}, {2, 0, 0, 1}));
    CHECK(y.shape() == Shape{2, 2, 2});
    CHECK(y.to_vector() == std::vector<real>{4, 5, 0, 1, 0, 1, 2, 3});

    Rng rng(5);
    Tensor w = normal_leaf({4, 3}, rng);
    const IntTensor ids({5}, {1, 3, 1, 1, 0});  // repeated ids accumulate; row 2 gets nothing
    CHECK_GRADIENTS([&](const std::vector<Tensor>& in) { return embedding(in[0], ids); }, {w});
    w.zero_grad();
    embedding(w, ids).backward(Tensor::ones({5, 3}));
    CHECK(w.grad().to_vector() == std::vector<real>{1, 1, 1, 3, 3, 3, 0, 0, 0, 1, 1, 1});

    // Many repeated ids through the parallel scatter-add.
    Tensor table = normal_leaf({50, 64}, rng);
    std::vector<int32_t> many(2000);
    for (size_t i = 0; i < many.size(); ++i) many[i] = int32_t(rng.below(50));
    const IntTensor many_ids({2000}, many);
    Tensor big_dy = Tensor::randn({2000, 64}, rng);
    check_thread_independent([&] {
        table.zero_grad();
        embedding(table, many_ids).backward(big_dy);
        return table.grad().to_vector();
    });

    CHECK_THROWS_WITH(embedding(weight, IntTensor({3}, {0, 3, 1})),
                      Catch::Contains("embedding: id 3 at position 1 is out of range for a "
                                      "vocabulary of V = 3"));
    CHECK_THROWS_WITH(embedding(weight, IntTensor({1}, {-1})), Catch::Contains("id -1"));
    CHECK_THROWS_WITH(embedding(Tensor::zeros({3}), IntTensor({1}, {0})),
                      Catch::Contains("embedding: weight must be [V, d], got [3]"));
}

TEST_CASE("dropout: zeros or scaled values, gradient with a fixed seed, errors",
          "[ops][grad][nn]") {
    Tensor ones = Tensor::ones({1000});
    Tensor y = dropout(ones, 0.5, 9);
    int kept = 0;
    for (real v : y.to_vector()) {
        REQUIRE((v == 0 || v == 2));
        kept += v == 2;
    }
    CHECK(kept > 400);
    CHECK(kept < 600);
    CHECK(dropout(ones, 0, 9).impl() == ones.impl());

    Rng rng(6);
    Tensor x = normal_leaf({4, 5}, rng);
    CHECK_GRADIENTS([](const std::vector<Tensor>& in) { return dropout(in[0], 0.4, 123); }, {x});

    CHECK_THROWS_WITH(dropout(ones, 1, 0), Catch::Contains("dropout: p = 1 is outside [0, 1)"));
    CHECK_THROWS_WITH(dropout(ones, -0.25, 0), Catch::Contains("p = -0.25 is outside [0, 1)"));
}

TEST_CASE("dropout: same seed same mask, kept fraction, thread independence", "[ops][nn]") {
    const int64_t n = 100000;
    const real p = 0.3;
    Tensor x = Tensor::ones({n});
    Tensor a = dropout(x, p, 42), b = dropout(x, p, 42), c = dropout(x, p, 43);
    CHECK(std::memcmp(a.data(), b.data(), size_t(n) * sizeof(real)) == 0);
    CHECK(std::memcmp(a.data(), c.data(), size_t(n) * sizeof(real)) != 0);

    int64_t kept = 0;
    for (int64_t i = 0; i < n; ++i) kept += a.data()[i] != 0;
    const double sigma = std::sqrt(p * (1 - p) / double(n));
    CHECK(std::abs(double(kept) / double(n) - (1 - p)) < 3 * sigma);

    Tensor one_thread, two_threads;
    {
        const kernels::ScopedThreads threads(1);
        one_thread = dropout(x, p, 42);
    }
    {
        const kernels::ScopedThreads threads(2);
        two_threads = dropout(x, p, 42);
    }
    CHECK(std::memcmp(one_thread.data(), two_threads.data(), size_t(n) * sizeof(real)) == 0);
    CHECK(std::memcmp(one_thread.data(), a.data(), size_t(n) * sizeof(real)) == 0);
}

TEST_CASE("cross_entropy: values, ignored targets, gradients, errors", "[ops][grad][nn]") {
    Tensor logits = Tensor::from_vector({3, 3}, {0, 0, 0, 1, 2, 3, 5, 5, 5});
    const double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
    CHECK(cross_entropy(logits, IntTensor({3}, {0, 2, 1})).item() ==
          Approx((std::log(3.0) + lse - 3 + std::log(3.0)) / 3));
    CHECK(cross_entropy(logits, IntTensor({3}, {0, -100, 1})).item() == Approx(std::log(3.0)));
    CHECK(cross_entropy(logits, IntTensor({3}, {7, 0, 7}), 7).item() == Approx(lse - 1));

    Rng rng(7);
    Tensor z = normal_leaf({6, 4}, rng);
    const IntTensor targets({6}, {3, -100, 0, 2, -100, 1});
    CHECK_GRADIENTS([&](const std::vector<Tensor>& in) { return cross_entropy(in[0], targets); },
                    {z});

    // Every target ignored: loss 0 and a zero gradient, not 0/0.
    z.zero_grad();
    Tensor loss = cross_entropy(z, IntTensor({6}, std::vector<int32_t>(6, -100)));
    CHECK(loss.item() == 0);
    loss.backward();
    for (real g : z.grad().to_vector()) CHECK(g == 0);

    CHECK_THROWS_WITH(
        cross_entropy(logits, IntTensor({3}, {0, 3, 1})),
        Catch::Contains("cross_entropy: target 3 at row 1 is out of range for C = 3"));
    CHECK_THROWS_WITH(cross_entropy(logits, IntTensor({3}, {0, -1, 1})),
                      Catch::Contains("target -1 at row 1"));
    CHECK_THROWS_WITH(cross_entropy(logits, IntTensor({2}, {0, 1})),
                      Catch::Contains("cross_entropy: targets [2] must be [3]"));
    CHECK_THROWS_WITH(cross_entropy(Tensor::zeros({3}), IntTensor({3}, {0, 1, 2})),
                      Catch::Contains("logits must be [N, C]"));
}

TEST_CASE("cumsum: values along each axis, gradient on a middle axis, errors", "[ops][grad][nn]") {
    Tensor x = Tensor::from_vector({2, 3}, {1, 2, 3, 4, 5, 6});
    CHECK(cumsum(x, 1).to_vector() == std::vector<real>{1, 3, 6, 4, 9, 15});
    CHECK(cumsum(x, -1).to_vector() == std::vector<real>{1, 3, 6, 4, 9, 15});
    CHECK(cumsum(x, 0).to_vector() == std::vector<real>{1, 2, 3, 5, 7, 9});

    Rng rng(8);
    Tensor t = normal_leaf({2, 4, 3}, rng);
    CHECK_GRADIENTS([](const std::vector<Tensor>& in) { return cumsum(in[0], 1); }, {t});
    // The reverse cumulative sum: with dy = 1, dx_k counts the outputs at or after k.
    t.zero_grad();
    cumsum(t, 1).backward(Tensor::ones({2, 4, 3}));
    CHECK(t.grad().to_vector()[0] == 4);
    CHECK(t.grad().to_vector()[9] == 1);

    CHECK_THROWS_WITH(cumsum(x, 2), Catch::Contains("cumsum: axis 2 out of range for a 2-d"));
}

TEST_CASE("masked_fill: broadcast masks, gradient, errors", "[ops][grad][nn]") {
    Tensor x = Tensor::from_vector({2, 3}, {1, 2, 3, 4, 5, 6});
    CHECK(masked_fill(x, Tensor::from_vector({3}, {0, 1, 0}), -9).to_vector() ==
          std::vector<real>{1, -9, 3, 4, -9, 6});
    CHECK(masked_fill(x, Tensor::from_vector({2, 1}, {1, 0}), -9).to_vector() ==
          std::vector<real>{-9, -9, -9, 4, 5, 6});
    CHECK(masked_fill(x, Tensor::scalar(1), 0).to_vector() == std::vector<real>(6, 0));

    Rng rng(9);
    Tensor t = normal_leaf({2, 3, 4}, rng);
    Tensor mask = Tensor::from_vector({3, 1}, {1, 0, 1});
    CHECK_GRADIENTS([&](const std::vector<Tensor>& in) { return masked_fill(in[0], mask, 2.5); },
                    {t});
    t.zero_grad();
    masked_fill(t, mask, 2.5).backward(Tensor::ones({2, 3, 4}));
    CHECK(t.grad().to_vector()[0] == 0);  // filled: no gradient
    CHECK(t.grad().to_vector()[4] == 1);  // kept

    CHECK_THROWS_WITH(masked_fill(x, Tensor::zeros({2}), 0),
                      Catch::Contains("masked_fill: mask [2] does not broadcast to x [2, 3]"));
    CHECK_THROWS_WITH(masked_fill(x, Tensor::zeros({4, 2, 3}), 0),
                      Catch::Contains("x's shape is the output's"));
}

TEST_CASE("where: condition, a and b broadcast together; gradients summed back; errors",
          "[ops][grad][nn]") {
    Tensor a = Tensor::from_vector({2, 3}, {1, 2, 3, 4, 5, 6});
    Tensor b = Tensor::from_vector({2, 3}, {10, 20, 30, 40, 50, 60});
    CHECK(where(Tensor::from_vector({2, 1}, {1, 0}), a, b).to_vector() ==
          std::vector<real>{1, 2, 3, 40, 50, 60});
    CHECK(where(Tensor::from_vector({3}, {0, 2, 0}), a, b).to_vector() ==
          std::vector<real>{10, 2, 30, 40, 5, 60});
    // All three broadcast: condition [2, 1, 2], a [3, 1], b [] → [2, 3, 2].
    Tensor small_cond = Tensor::from_vector({2, 1, 2}, {1, 0, 0, 1});
    Tensor column = Tensor::from_vector({3, 1}, {1, 2, 3});
    Tensor y = where(small_cond, column, Tensor::scalar(-1));
    CHECK(y.shape() == Shape{2, 3, 2});
    CHECK(y.to_vector() == std::vector<real>{1, -1, 2, -1, 3, -1, -1, 1, -1, 2, -1, 3});
    // A condition of lower rank than a and b leaves their shape as the output's.
    CHECK(where(Tensor::scalar(0), column, Tensor::ones({3, 4})).shape() == Shape{3, 4});

    Rng rng(10);
    Tensor ta = normal_leaf({3, 4}, rng), tb = normal_leaf({3, 4}, rng);
    Tensor cond = Tensor::from_vector({4}, {1, 0, 0, 1});
    CHECK_GRADIENTS([&](const std::vector<Tensor>& in) { return where(cond, in[0], in[1]); },
                    {ta, tb});
    // Broadcast a and b: each gradient is dy summed over the positions its operand was copied to.
    Tensor cond3 = Tensor::from_vector({2, 1, 4}, {1, 0, 1, 1, 0, 0, 1, 0});
    Tensor column_leaf = normal_leaf({3, 1}, rng), scalar_leaf = normal_leaf({}, rng);
    CHECK_GRADIENTS([&](const std::vector<Tensor>& in) { return where(cond3, in[0], in[1]); },
                    {column_leaf, scalar_leaf});
    CHECK_GRADIENTS([&](const std::vector<Tensor>& in) { return where(cond3, in[1], in[0]); },
                    {column_leaf, scalar_leaf});

    CHECK_THROWS_WITH(where(Tensor::ones({3}), a, Tensor::zeros({4})),
                      Catch::Contains("where (a, b): shapes [2, 3] and [4] cannot broadcast"));
    CHECK_THROWS_WITH(
        where(Tensor::ones({2}), a, b),
        Catch::Contains(
            "where (condition, a and b broadcast): shapes [2] and [2, 3] cannot broadcast"));
}

TEST_CASE("dropout: the integer threshold keeps exactly what to_unit(mix) >= p keeps",
          "[ops][nn]") {
    // The definition the masks were drawn by (rng.h): kept when the 53-bit draw as a double in
    // [0, 1) is at least p. Random draws, and draws on either side of each p's boundary.
    for (real p : {real(0), real(0.1), real(1) / 3, real(0.5), real(0.9), real(0.999)}) {
        INFO("p = " << p);
        const uint64_t threshold = kernels::dropout_threshold(p);
        for (uint64_t index = 0; index < 20000; ++index) {
            const uint64_t bits = mix(7, index);
            CHECK(kernels::dropout_keeps(7, index, p) == (to_unit(bits) >= double(p)));
        }
        for (uint64_t draw : {threshold, threshold > 0 ? threshold - 1 : 0, threshold + 1}) {
            const bool kept = to_unit(draw << 11) >= double(p);
            CHECK(kept == (draw >= threshold));
        }
    }
    std::vector<real> factors(5);
    kernels::dropout_factors(3, 100, 5, real(0.5), factors.data());
    for (int64_t c = 0; c < 5; ++c)
        CHECK(factors[size_t(c)] ==
              (kernels::dropout_keeps(3, uint64_t(100 + c), real(0.5)) ? 2 : 0));
}
