// The fused FAVOR op linear_attention: finite-difference gradients of all three inputs, agreement
// with the quadratic masked form built from primitive ops (forward and gradients), causality, and
// error messages.

#include <catch2/catch.hpp>
#include <cstring>
#include <limits>

#include "engine/gradcheck.h"
#include "engine/kernels/linear_attention.h"
#include "engine/kernels/parallel.h"
#include "engine/linear_attention.h"
#include "engine/rng.h"
#include "helpers.h"

using namespace attnlab;
using namespace attnlab::testing;

namespace {

#ifdef ATTNLAB_DOUBLE
constexpr double kMatchTolerance = 1e-12;
#else
constexpr double kMatchTolerance = 1e-5;
#endif

// Positive features exp(0.5 · N(0, 1)), as a leaf requiring grad.
Tensor positive_leaf(const Shape& shape, Rng& rng) {
    Tensor t;
    {
        NoGradGuard no_grad;
        t = exp(Tensor::randn(shape, rng, 0, real(0.5)));
    }
    t.set_requires_grad(true);
    return t;
}

// The quadratic form: A = φq φkᵀ (⊙ tril when causal), out = A v / A 1.
Tensor quadratic_attention(const Tensor& q, const Tensor& k, const Tensor& v, bool causal) {
    Tensor scores = matmul(q, k, false, true);
    if (causal) {
        const int64_t L = q.size(2);
        Tensor tril = Tensor::zeros({L, L});
        for (int64_t i = 0; i < L; ++i)
            for (int64_t j = 0; j <= i; ++j) tril.data()[i * L + j] = 1;
        scores = mul(scores, tril);
    }
    return div(matmul(scores, v), sum(scores, -1, true));
}

struct Inputs {
    Tensor q, k, v;
};

Inputs make_inputs(uint64_t seed, int64_t B = 2, int64_t h = 2, int64_t L = 5, int64_t m = 4,
                   int64_t dv = 3) {
    Rng rng(seed);
    Inputs in;
    in.q = positive_leaf({B, h, L, m}, rng);
    in.k = positive_leaf({B, h, L, m}, rng);
    in.v = normal_leaf({B, h, L, dv}, rng);
    return in;
}

}  // namespace

TEST_CASE("linear_attention: gradients of features and values", "[ops][grad][performer]") {
    for (bool causal : {false, true}) {
        INFO("causal " << causal);
        Inputs in = make_inputs(7);
        auto f = [causal](const std::vector<Tensor>& x) {
            return linear_attention(x[0], x[1], x[2], causal);
        };
        auto r = gradcheck(f, {in.q, in.k, in.v});
        INFO(r.report);
        CHECK(r.ok);
    }
}

TEST_CASE("linear_attention: equals the quadratic masked form, forward and gradients",
          "[ops][grad][performer]") {
    // The second shape is large enough for the OpenMP path of the causal kernels.
    for (int64_t L : {9, 64})
        for (bool causal : {false, true}) {
            INFO("causal " << causal << ", L " << L);
            Inputs fused = make_inputs(11, 2, 4, L, 16, 8);
            Inputs reference = {fused.q.clone().set_requires_grad(true),
                                fused.k.clone().set_requires_grad(true),
                                fused.v.clone().set_requires_grad(true)};
            Tensor y_fused = linear_attention(fused.q, fused.k, fused.v, causal);
            Tensor y_reference = quadratic_attention(reference.q, reference.k, reference.v, causal);
            CHECK(max_relative_difference(y_fused, y_reference) <= kMatchTolerance);

            Rng rng(3);
            Tensor weights = Tensor::randn(y_fused.shape(), rng);
            sum(mul(y_fused, weights)).backward();
            sum(mul(y_reference, weights)).backward();
            CHECK(max_relative_difference(fused.q.grad(), reference.q.grad()) <= kMatchTolerance);
            CHECK(max_relative_difference(fused.k.grad(), reference.k.grad()) <= kMatchTolerance);
            CHECK(max_relative_difference(fused.v.grad(), reference.v.grad()) <= kMatchTolerance);
        }
}

TEST_CASE("linear_attention: causal outputs ignore later tokens, bitwise", "[ops][performer]") {
    const int64_t B = 2, h = 2, L = 7, m = 5, dv = 3, t = 3;
    Inputs in = make_inputs(21, B, h, L, m, dv);
    Tensor before = linear_attention(in.q, in.k, in.v, true);

    Rng rng(99);
    Tensor q = in.q.detach().clone(), k = in.k.detach().clone(), v = in.v.detach().clone();
    for (int64_t s = 0; s < B * h; ++s)
        for (int64_t i = t + 1; i < L; ++i) {
            for (int64_t a = 0; a < m; ++a) {
                q.data()[(s * L + i) * m + a] += real(rng.uniform(0.5, 2));
                k.data()[(s * L + i) * m + a] *= real(rng.uniform(2, 50));
            }
            for (int64_t e = 0; e < dv; ++e) v.data()[(s * L + i) * dv + e] += real(rng.normal());
        }
    Tensor after = linear_attention(q, k, v, true);
    bool prefix_same = true, suffix_changed = false;
    for (int64_t s = 0; s < B * h; ++s)
        for (int64_t i = 0; i < L; ++i) {
            const real* x = before.data() + (s * L + i) * dv;
            const real* y = after.data() + (s * L + i) * dv;
            const bool same = std::memcmp(x, y, sizeof(real) * size_t(dv)) == 0;
            if (i <= t) prefix_same = prefix_same && same;
            if (i > t) suffix_changed = suffix_changed || !same;
        }
    CHECK(prefix_same);
    CHECK(suffix_changed);  // the perturbation was real: later outputs did move
}

TEST_CASE("linear_attention: hand-computed values and errors", "[ops][performer]") {
    // One head, m = 1, φ = 1 everywhere: the causal output is the running mean of v, the
    // bidirectional output the full mean.
    Tensor ones = Tensor::ones({1, 1, 3, 1});
    Tensor v = Tensor::from_vector({1, 1, 3, 1}, {3, 6, 9});
    check_values(linear_attention(ones, ones, v, true), {3, 4.5, 6});
    check_values(linear_attention(ones, ones, v, false), {6, 6, 6});

    CHECK_THROWS_WITH(linear_attention(Tensor::ones({1, 3, 1}), ones, v, false),
                      Catch::Contains("expected 4-d"));
    CHECK_THROWS_WITH(linear_attention(ones, Tensor::ones({1, 1, 3, 2}), v, false),
                      Catch::Contains("must have the same shape"));
    CHECK_THROWS_WITH(linear_attention(ones, ones, Tensor::ones({1, 1, 4, 1}), false),
                      Catch::Contains("must match the features"));
}

TEST_CASE("linear_attention: causal kernels give the same bits on 1 and 2 threads",
          "[ops][performer]") {
    // Large enough for the OpenMP path: slices · L · m · dv > 2^15.
    Inputs in = make_inputs(5, 2, 4, 64, 16, 8);
    auto run = [&] {
        in.q.zero_grad();
        in.k.zero_grad();
        in.v.zero_grad();
        Tensor y = linear_attention(in.q, in.k, in.v, true);
        sum(mul(y, y)).backward();
        std::vector<real> bits = y.to_vector();
        for (const Tensor& x : {in.q, in.k, in.v})
            for (real g : x.grad().to_vector()) bits.push_back(g);
        return bits;
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

TEST_CASE("linear_attention: chunked causal kernels equal the plain scan across chunks",
          "[kernel][performer]") {
    // L = 150 spans three chunks of 64, the last one partial; the scan is the reference.
    const int64_t L = 150, m = 20, dv = 7;
    Rng rng(17);
    const Tensor q = exp(Tensor::randn({L, m}, rng, 0, real(0.5)));
    const Tensor k = exp(Tensor::randn({L, m}, rng, 0, real(0.5)));
    const Tensor v = Tensor::randn({L, dv}, rng);
    const Tensor dout = Tensor::randn({L, dv}, rng);
    auto compare = [](const Tensor& got, const Tensor& want, const char* what) {
        const double worst = max_relative_difference(got, want);  // +Inf on any NaN left unwritten
        INFO(what << ": worst relative difference " << worst);
        CHECK(worst < kMatchTolerance);
    };
    Tensor out = Tensor::zeros({L, dv}), denom = Tensor::zeros({L});
    Tensor out_ref = Tensor::zeros({L, dv}), denom_ref = Tensor::zeros({L});
    // Scratch full of NaN: the kernels must write every scratch value before reading it.
    Tensor workspace = Tensor::full({kernels::linear_attention_workspace(L, m, dv)},
                                    std::numeric_limits<real>::quiet_NaN());
    kernels::linear_attention_forward(q.data(), k.data(), v.data(), 1, L, m, dv, true, out.data(),
                                      denom.data(), workspace.data());
    kernels::linear_attention_causal_reference_forward(q.data(), k.data(), v.data(), L, m, dv,
                                                       out_ref.data(), denom_ref.data());
    compare(out, out_ref, "out");
    compare(denom, denom_ref, "denominator");

    Tensor dq = Tensor::zeros({L, m}), dk = Tensor::zeros({L, m}), dv_grad = Tensor::zeros({L, dv});
    Tensor dq_ref = Tensor::zeros({L, m}), dk_ref = Tensor::zeros({L, m}),
           dv_ref = Tensor::zeros({L, dv});
    kernels::linear_attention_backward(q.data(), k.data(), v.data(), out_ref.data(),
                                       denom_ref.data(), dout.data(), 1, L, m, dv, true, dq.data(),
                                       dk.data(), dv_grad.data(), workspace.data());
    kernels::linear_attention_causal_reference_backward(
        q.data(), k.data(), v.data(), out_ref.data(), denom_ref.data(), dout.data(), L, m, dv,
        dq_ref.data(), dk_ref.data(), dv_ref.data());
    compare(dq, dq_ref, "dq");
    compare(dk, dk_ref, "dk");
    compare(dv_grad, dv_ref, "dv");
}

TEST_CASE("linear_attention: only a normaliser that underflowed is guarded", "[ops][performer]") {
    // Features far below the normal range: φq·φk is 0 in float (and below 1e-300 in double), so
    // the guard replaces D by the smallest normal number; the output and every gradient stay
    // finite, and the guarded D passes no gradient.
    const real tiny = std::numeric_limits<real>::denorm_min();
    Tensor q = Tensor::full({1, 1, 2, 1}, tiny), k = Tensor::full({1, 1, 2, 1}, tiny);
    Tensor v = Tensor::from_vector({1, 1, 2, 1}, {1, 2});
    for (Tensor* x : {&q, &k, &v}) x->set_requires_grad(true);
    for (const bool causal : {true, false}) {
        INFO("causal " << causal);
        for (Tensor* x : {&q, &k, &v}) x->zero_grad();
        Tensor out = linear_attention(q, k, v, causal);
        sum(out).backward();
        for (const Tensor& t : {out, q.grad(), k.grad(), v.grad()})
            for (const real x : t.to_vector()) CHECK(std::isfinite(double(x)));
    }
    // A small but normal D is left exactly as computed: one key returns its value.
    Tensor small = Tensor::full({1, 1, 1, 1}, real(1e-18));
    check_values(linear_attention(small, small, Tensor::full({1, 1, 1, 1}, 7), true), {7});
}
