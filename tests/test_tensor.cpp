// Tensors, the buffer pool, the RNG, and the autograd engine's own rules (with a hand-made op, so
// these tests depend on nothing in ops/).
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <map>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/rng.h"

using namespace attnlab;

namespace {

// y = c · x for a constant c, recorded by hand: the smallest possible differentiable op.
Tensor times(const Tensor& x, real c) {
    Tensor y = Tensor::empty(x.shape());
    for (int64_t i = 0; i < x.numel(); ++i) y.data()[i] = c * x.data()[i];
    const int64_t n = x.numel();
    return record("times", y, {x}, [c, n](const real* dy, const std::vector<real*>& dx) {
        for (int64_t i = 0; i < n; ++i) dx[0][i] += c * dy[i];
    });
}

}  // namespace

TEST_CASE("tensor factories fill shapes and values", "[tensor]") {
    Tensor z = Tensor::zeros({2, 3, 4, 5});
    CHECK(z.ndim() == 4);
    CHECK(z.numel() == 120);
    CHECK(z.size(-1) == 5);
    CHECK(z.data()[119] == 0);
    CHECK(Tensor::full({3}, 2.5).to_vector() == std::vector<real>{2.5, 2.5, 2.5});
    CHECK(Tensor::arange(0, 5).to_vector() == std::vector<real>{0, 1, 2, 3, 4});
    CHECK(Tensor::arange(1, 2, 0.25).numel() == 4);
    CHECK(Tensor::scalar(3).item() == 3);
    CHECK_THROWS_WITH(Tensor::from_vector({2, 2}, {1, 2, 3}),
                      Catch::Contains("3 values cannot fill shape [2, 2]"));
    CHECK_THROWS_WITH(z.item(), Catch::Contains("has 120 elements"));
    CHECK_THROWS_WITH(z.size(4), Catch::Contains("axis 4 out of range for a 4-d tensor"));
}

TEST_CASE("rng: same seed same bits, different seed different bits", "[tensor][rng]") {
    Rng a(42), b(42), c(43);
    Tensor x = Tensor::randn({1000}, a), y = Tensor::randn({1000}, b), z = Tensor::randn({1000}, c);
    CHECK(std::memcmp(x.data(), y.data(), 1000 * sizeof(real)) == 0);
    CHECK(std::memcmp(x.data(), z.data(), 1000 * sizeof(real)) != 0);
    double mean = 0, var = 0;
    for (real v : x.to_vector()) mean += v / 1000.0;
    for (real v : x.to_vector()) var += (v - mean) * (v - mean) / 1000.0;
    CHECK(std::abs(mean) < 0.1);
    CHECK(std::abs(var - 1) < 0.1);
    Tensor u = Tensor::rand({1000}, a, -2, 3);
    for (real v : u.to_vector()) REQUIRE((v >= -2 && v < 3));
    CHECK(mix(7, 100) == mix(7, 100));
    CHECK(mix(7, 100) != mix(7, 101));
}

TEST_CASE("buffer pool reuses freed buffers of the same size", "[tensor][pool]") {
    const size_t count = 1 << 20;  // 4 MiB in f32: above the pooling threshold
    { auto warm = Buffer::allocate(count); }
    const PoolStats before = pool_stats();
    for (int step = 0; step < 5; ++step) {
        auto buffer = Buffer::allocate(count);
        buffer->data()[0] = real(step);
    }
    const PoolStats after = pool_stats();
    CHECK(after.reused - before.reused == 5);
    CHECK(after.fresh == before.fresh);
}

TEST_CASE("buffer pool serves a smaller request from the best-fitting larger block",
          "[tensor][pool]") {
    pool_release_cached();
    const size_t count = 1 << 20;  // 4 MiB
    {
        auto small = Buffer::allocate(count / 4);
        auto large = Buffer::allocate(count);
        auto fitting = Buffer::allocate(count * 3 / 4);
    }
    const PoolStats before = pool_stats();
    {
        // 0.7 of the large block: the 0.75 block fits best; the 0.25 one is too small.
        auto buffer = Buffer::allocate(count * 7 / 10);
        CHECK(pool_stats().cached_bytes == before.cached_bytes - count * 3 / 4 * sizeof(real));
        buffer->data()[count * 7 / 10 - 1] = 1;
    }
    // A third of a block is below half of every cached one that could hold it: a fresh block.
    { auto tiny = Buffer::allocate(count / 3); }
    const PoolStats after = pool_stats();
    CHECK(after.reused - before.reused == 1);
    CHECK(after.fresh - before.fresh == 1);
    CHECK(after.live_bytes == before.live_bytes);
}

TEST_CASE("autograd accumulates into leaves and frees the graph", "[autograd]") {
    Tensor x = Tensor::from_vector({3}, {1, 2, 3});
    x.set_requires_grad(true);
    Tensor y = times(times(x, 2), 3);  // y = 6x
    CHECK(y.requires_grad());
    CHECK_FALSE(y.is_leaf());
    y.backward(Tensor::from_vector({3}, {1, 0.5, -1}), /*retain_graph=*/true);
    CHECK(x.grad().to_vector() == std::vector<real>{6, 3, -6});

    // With the graph retained, a second backward adds the same gradient again.
    y.backward(Tensor::from_vector({3}, {1, 0.5, -1}));
    CHECK(x.grad().to_vector() == std::vector<real>{12, 6, -12});

    // That second call did not retain the graph: a third one must say so.
    CHECK_THROWS_WITH(y.backward(Tensor::ones({3})),
                      Catch::Contains("already freed") && Catch::Contains("'times'"));
    x.zero_grad();
    CHECK(x.grad().to_vector() == std::vector<real>{0, 0, 0});
}

TEST_CASE("autograd: one tensor used twice gets both contributions", "[autograd]") {
    Tensor x = Tensor::from_vector({2}, {1, 2});
    x.set_requires_grad(true);
    Tensor a = times(x, 2);
    Tensor y = times(a, 1);
    // z = a + a through a two-input op built by hand.
    Tensor z = Tensor::empty({2});
    for (int i = 0; i < 2; ++i) z.data()[i] = a.data()[i] + y.data()[i];
    z = record("add2", z, {a, y}, [](const real* dz, const std::vector<real*>& d) {
        for (int i = 0; i < 2; ++i) d[0][i] += dz[i], d[1][i] += dz[i];
    });
    z.backward(Tensor::ones({2}));
    CHECK(x.grad().to_vector() == std::vector<real>{4, 4});
}

TEST_CASE("autograd: a leaf is reported done only once its gradient is final", "[autograd]") {
    // loss = Σ (3 w1 + w2) · w1: w1 feeds the first op and the last, w2 one in between.
    Tensor w1 = Tensor::from_vector({2}, {1, 2}), w2 = Tensor::from_vector({2}, {5, -1});
    w1.set_requires_grad(true);
    w2.set_requires_grad(true);
    const Tensor loss = sum(mul(add(times(w1, 3), w2), w1));
    std::map<const TensorImpl*, std::vector<real>> seen;  // the gradient when reported
    run_backward(loss, Tensor::ones(loss.shape()), false, [&](const TensorImpl* leaf) {
        CHECK(seen.count(leaf) == 0);  // once each
        seen[leaf] = std::vector<real>(leaf->grad->data(), leaf->grad->data() + 2);
    });
    REQUIRE(seen.size() == 2);
    // d/dw1 = 6 w1 + w2, d/dw2 = w1: the final values, already there when reported.
    CHECK(seen[w1.impl()] == std::vector<real>{11, 11});
    CHECK(seen[w2.impl()] == std::vector<real>{1, 2});
    CHECK(w1.grad().to_vector() == seen[w1.impl()]);
}

TEST_CASE("autograd: misuse gets clear errors", "[autograd]") {
    Tensor x = Tensor::ones({2, 3});
    x.set_requires_grad(true);
    Tensor y = times(x, 2);
    CHECK_THROWS_WITH(y.backward(),
                      Catch::Contains("shape [2, 3]") && Catch::Contains("one-element output"));
    CHECK_THROWS_WITH(y.backward(Tensor::ones({3})), Catch::Contains("grad_output has shape [3]"));
    CHECK_THROWS_WITH(y.set_requires_grad(false), Catch::Contains("only leaf tensors"));
    Tensor constant = Tensor::ones({1});
    CHECK_THROWS_WITH(constant.backward(), Catch::Contains("does not require grad"));
}

TEST_CASE("no_grad and detach record no history", "[autograd]") {
    Tensor x = Tensor::ones({2});
    x.set_requires_grad(true);
    {
        NoGradGuard guard;
        CHECK_FALSE(grad_enabled());
        CHECK_FALSE(times(x, 2).requires_grad());
    }
    CHECK(grad_enabled());
    Tensor d = times(x, 2).detach();
    CHECK_FALSE(d.requires_grad());
    CHECK(d.is_leaf());
    CHECK(d.to_vector() == std::vector<real>{2, 2});
}

TEST_CASE("autograd releases saved tensors after backward", "[autograd][pool]") {
    const int64_t n = 1 << 18;  // 1 MiB in f32: pooled, so live_bytes sees it
    Tensor x = Tensor::ones({n});
    x.set_requires_grad(true);
    const size_t baseline = pool_stats().live_bytes;
    Tensor y;
    {
        // x → h → y, where y's backward holds h's data until it runs.
        Tensor h = times(x, 2);
        Tensor saved = h.detach();
        y = record("keep", times(h, 1).detach(), {h},
                   [saved, n](const real* dy, const std::vector<real*>& dx) {
                       for (int64_t i = 0; i < n; ++i) dx[0][i] += dy[i] * (saved.data()[i] > 0);
                   });
    }
    const size_t before = pool_stats().live_bytes;
    CHECK(before > baseline);  // h is alive through the graph
    y.backward(Tensor::ones({n}));
    // Left alive: y itself and x's new gradient. h and every temporary gradient are gone.
    const size_t tensor_bytes = size_t(n) * sizeof(real);
    CHECK(pool_stats().live_bytes <= baseline + 2 * tensor_bytes + 128);
    CHECK(x.grad().data()[0] == 2);
}

TEST_CASE("autograd frees each activation during backward once the walk has passed it",
          "[autograd][pool]") {
    const int64_t n = 1 << 18;  // 1 MiB in f32: pooled, so live_bytes sees it
    constexpr int kChain = 8;
    const size_t tensor_bytes = size_t(n) * sizeof(real);
    Tensor x = Tensor::ones({n});
    x.set_requires_grad(true);
    const size_t baseline = pool_stats().live_bytes;
    size_t live_at_bottom = 0;  // live bytes when the walk reaches the op nearest x
    Tensor y = record("probe", times(x, 1).detach(), {x},
                      [&live_at_bottom, n](const real* dy, const std::vector<real*>& dx) {
                          live_at_bottom = pool_stats().live_bytes;
                          for (int64_t i = 0; i < n; ++i) dx[0][i] += dy[i];
                      });
    for (int i = 0; i < kChain; ++i) y = times(y, 0.5);  // kChain activations, none held by us
    CHECK(pool_stats().live_bytes >= baseline + kChain * tensor_bytes);
    y.backward(Tensor::ones({n}));
    // At the bottom: y and its seed, the probe's output and its gradient, x's gradient. Holding
    // the chain until the end of backward would add kChain more tensors.
    CHECK(live_at_bottom <= baseline + 5 * tensor_bytes + 256);
    CHECK(x.grad().data()[0] == Approx(std::pow(0.5, kChain)));
}

TEST_CASE("tensor: shapes too large for 64 bits are rejected", "[tensor]") {
    const int64_t huge = int64_t(1) << 40;
    CHECK_THROWS_WITH(Tensor::empty({huge, huge}), Catch::Contains("more elements than fit"));
    CHECK_THROWS_WITH(Tensor::empty({2, -1}), Catch::Contains("negative extent"));
}

// GCC 12.2 with -march=native on AVX-512 Zen CPUs stored this list as eight 1.0s (the Makefile
// turns off SLP vectorisation to avoid it). The list must survive, in double and in float.
TEST_CASE("compiler: braced lists ending in zero are stored as written", "[tensor][compiler]") {
    const std::vector<double> doubles{1, 1, 1, 1, 1, 1, 1, 0};
    CHECK(doubles.back() == 0);
    Tensor mask = Tensor::from_vector({2, 4}, {1, 1, 1, 1, 1, 1, 1, 0});
    CHECK(mask.data()[7] == 0);
    CHECK(mask.data()[6] == 1);
}
