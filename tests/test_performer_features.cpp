// Performer random features: orthogonality and determinism of the projections, the positive
// features' approximation of exact softmax attention (unbiased kernel, the mean over redraws
// converging to exact attention, MSE falling with m, orthogonal beating iid), and
// finite-difference gradients of every feature map.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

#include "engine/gradcheck.h"
#include "engine/linear_attention.h"
#include "engine/rng.h"
#include "helpers.h"
#include "models/performer_features.h"

using namespace attnlab;
using namespace attnlab::testing;

namespace {

#ifdef ATTNLAB_DOUBLE
constexpr double kOrthogonalTolerance = 1e-12;
#else
constexpr double kOrthogonalTolerance = 1e-5;
#endif

double row_dot(const Tensor& omega, int64_t a, int64_t b) {
    const int64_t d = omega.size(1);
    double s = 0;
    for (int64_t i = 0; i < d; ++i) s += double(omega.data()[a * d + i]) * omega.data()[b * d + i];
    return s;
}

double mean_squared_difference(const Tensor& a, const Tensor& b) {
    double s = 0;
    for (int64_t i = 0; i < a.numel(); ++i) {
        const double diff = double(a.data()[i]) - b.data()[i];
        s += diff * diff;
    }
    return s / double(a.numel());
}

// q, k ~ N(0, 0.6²), v ~ N(0, 1), each [1, 1, L, d]. FAVOR+'s error grows like exp(‖x + y‖²)
// (Lemma 2), so at unit scale m = 256 is still noise-dominated; at 0.6 the logits qᵀk/√d spread
// by ≈ 0.36 and attention rows are clearly not uniform (checked below), while m ≤ 256 converges.
constexpr double kInputScale = 0.6;

struct Problem {
    Tensor q, k, v, exact;
};
Problem make_problem(uint64_t seed, int64_t L = 64, int64_t d = 16) {
    Rng rng(seed);
    Problem p;
    p.q = Tensor::randn({1, 1, L, d}, rng, 0, real(kInputScale));
    p.k = Tensor::randn({1, 1, L, d}, rng, 0, real(kInputScale));
    p.v = Tensor::randn({1, 1, L, d}, rng);
    p.exact = matmul(softmax(matmul(p.q, p.k, false, true), Tensor(), real(1 / std::sqrt(d))), p.v);
    return p;
}

Tensor favor(const Problem& p, const Tensor& omega) {
    return linear_attention(softmax_features(p.q, omega, Stabilizer::PerToken),
                            softmax_features(p.k, omega, Stabilizer::PerSequence), p.v, false);
}

// Mean over `seeds` problems and draws of the MSE between FAVOR+ and exact attention.
double favor_mse(int64_t m, ProjectionKind kind, int seeds) {
    double total = 0;
    for (int s = 0; s < seeds; ++s) {
        const Problem p = make_problem(100 + s);
        total += mean_squared_difference(
            favor(p, random_projection(m, 16, kind, RowNorm::Gaussian, 500 + s)), p.exact);
    }
    return total / seeds;
}

}  // namespace

TEST_CASE("random_projection: orthogonal blocks, row norms, determinism", "[performer]") {
    const int64_t d = 8, m = 2 * d + 3;  // two full blocks and a partial third
    for (RowNorm norm : {RowNorm::Gaussian, RowNorm::Sqrt_d}) {
        const Tensor omega = random_projection(m, d, ProjectionKind::Orthogonal, norm, 42);
        REQUIRE(omega.shape() == Shape{m, d});
        double worst_cosine = 0;
        for (int64_t block = 0; block < m; block += d)
            for (int64_t a = block; a < std::min(m, block + d); ++a)
                for (int64_t b = block; b < a; ++b)
                    worst_cosine = worst_error(
                        worst_cosine, std::abs(row_dot(omega, a, b)) /
                                          std::sqrt(row_dot(omega, a, a) * row_dot(omega, b, b)));
        CHECK(worst_cosine < kOrthogonalTolerance);
        if (norm == RowNorm::Sqrt_d)
            for (int64_t r = 0; r < m; ++r)
                CHECK(row_dot(omega, r, r) == Approx(double(d)).epsilon(1e-5));
    }
    // χ(d) norms differ from row to row (rows of an orthonormal block would all be 1).
    const Tensor chi = random_projection(m, d, ProjectionKind::Orthogonal, RowNorm::Gaussian, 42);
    CHECK(std::abs(row_dot(chi, 0, 0) - row_dot(chi, 1, 1)) > 1e-3);
    // Across blocks rows are independent, not orthogonal.
    CHECK(std::abs(row_dot(chi, 0, d)) > 1e-6);

    const Tensor a = random_projection(m, d, ProjectionKind::Iid, RowNorm::Gaussian, 7);
    CHECK(a.to_vector() ==
          random_projection(m, d, ProjectionKind::Iid, RowNorm::Gaussian, 7).to_vector());
    CHECK(a.to_vector() !=
          random_projection(m, d, ProjectionKind::Iid, RowNorm::Gaussian, 8).to_vector());
    CHECK_THROWS_WITH(random_projection(0, d, ProjectionKind::Iid, RowNorm::Gaussian, 1),
                      Catch::Contains("m and d must be >= 1"));
}

TEST_CASE("performer feature maps: unbiased kernel estimates, redraws average to exact",
          "[performer]") {
    // Without a stabiliser φ(q)·φ(k) is an unbiased estimate of exp(qᵀk/√d) for the positive,
    // hyperbolic and trig maps: the mean over 40 redraws (MSE ≈ single / 40 if unbiased) is much
    // closer to it than a single draw. A wrong constant or sign would leave a bias floor.
    const int64_t d = 16, m = 64, draws = 40;
    const Problem p = make_problem(1, 16, d);
    const Tensor exact = exp(scale(matmul(p.q, p.k, false, true), real(1 / std::sqrt(double(d)))));
    using FeatureMap = Tensor (*)(const Tensor&, const Tensor&);
    const std::vector<std::pair<const char*, FeatureMap>> maps = {
        {"positive",
         [](const Tensor& x, const Tensor& w) { return softmax_features(x, w, Stabilizer::None); }},
        {"hyperbolic", [](const Tensor& x,
                          const Tensor& w) { return hyperbolic_features(x, w, Stabilizer::None); }},
        {"trig", [](const Tensor& x, const Tensor& w) { return trig_features(x, w); }},
    };
    for (const auto& [name, phi] : maps) {
        INFO("map " << name);
        Tensor mean_estimate = Tensor::zeros(exact.shape());
        double single_draw_error = 0;
        for (int64_t s = 0; s < draws; ++s) {
            const Tensor omega =
                random_projection(m, d, ProjectionKind::Orthogonal, RowNorm::Gaussian, s);
            const Tensor estimate = matmul(phi(p.q, omega), phi(p.k, omega), false, true);
            single_draw_error += mean_squared_difference(estimate, exact) / draws;
            mean_estimate = add(mean_estimate, scale(estimate, real(1.0 / draws)));
        }
        CHECK(mean_squared_difference(mean_estimate, exact) < 0.1 * single_draw_error);
    }
}

TEST_CASE("FAVOR+: the mean over feature redraws approaches exact softmax attention",
          "[performer]") {
    // FAVOR+ attention is D̂⁻¹ Â V with Â = φ(Q) φ(K)ᵀ. Its numerator Â V = φ(Q) (φ(K)ᵀ V) and
    // denominator Â 1 = φ(Q) (φ(K)ᵀ 1) are each unbiased for exp(QKᵀ/√d) V and exp(QKᵀ/√d) 1
    // (Lemma 1, no stabiliser), so their means over N independent redraws approach the exact
    // values with error ∝ 1/√N (N = 400: ≈ 20× below a single draw); a biased map would stall at
    // its bias. The ratio of the means then approaches exact softmax attention. Measured (f32,
    // relative Frobenius errors, single draw → mean of 400): numerator 0.42 → 0.024, denominator
    // 0.24 → 0.018, output 0.28 → 0.019.
    const int64_t L = 8, d = 8, m = 64, draws = 400;
    const Problem p = make_problem(3, L, d);
    const Tensor kernel = exp(scale(matmul(p.q, p.k, false, true), real(1 / std::sqrt(double(d)))));
    const Tensor exact_numerator = matmul(kernel, p.v);      // [1, 1, L, d]
    const Tensor exact_denominator = sum(kernel, -1, true);  // [1, 1, L, 1]
    auto relative_error = [](const Tensor& estimate, const Tensor& exact) {
        double norm = 0;
        for (real value : exact.to_vector()) norm += double(value) * value;
        return std::sqrt(mean_squared_difference(estimate, exact) * double(exact.numel()) / norm);
    };
    Tensor numerator_sum = Tensor::zeros(exact_numerator.shape());
    Tensor denominator_sum = Tensor::zeros(exact_denominator.shape());
    double single_numerator = 0, single_denominator = 0, single_output = 0;
    for (int64_t s = 0; s < draws; ++s) {
        const Tensor omega =
            random_projection(m, d, ProjectionKind::Orthogonal, RowNorm::Gaussian, 1000 + s);
        const Tensor phi_q = softmax_features(p.q, omega, Stabilizer::None);
        const Tensor phi_k = softmax_features(p.k, omega, Stabilizer::None);
        const Tensor numerator = matmul(phi_q, matmul(phi_k, p.v, true, false));     // [1, 1, L, d]
        const Tensor denominator = matmul(phi_q, sum(phi_k, 2, true), false, true);  // [1, 1, L, 1]
        const Tensor output = linear_attention(phi_q, phi_k, p.v, false);
        if (s == 0)  // the fused op computes exactly this ratio
            CHECK(max_relative_difference(output, div(numerator, denominator)) < 1e-5);
        single_output += relative_error(output, p.exact) / double(draws);
        single_numerator += relative_error(numerator, exact_numerator) / double(draws);
        single_denominator += relative_error(denominator, exact_denominator) / double(draws);
        numerator_sum = add(numerator_sum, numerator);
        denominator_sum = add(denominator_sum, denominator);
    }
    const Tensor mean_numerator = scale(numerator_sum, real(1.0 / draws));
    const Tensor mean_denominator = scale(denominator_sum, real(1.0 / draws));
    const double numerator_error = relative_error(mean_numerator, exact_numerator);
    const double denominator_error = relative_error(mean_denominator, exact_denominator);
    const double output_error = relative_error(div(mean_numerator, mean_denominator), p.exact);
    INFO("numerator: single draw " << single_numerator << ", mean of " << draws << " "
                                   << numerator_error);
    INFO("denominator: single draw " << single_denominator << ", mean " << denominator_error);
    INFO("attention output: single draw " << single_output << ", from the means " << output_error);
    CHECK(numerator_error < single_numerator / 5);
    CHECK(denominator_error < single_denominator / 5);
    CHECK(output_error < single_output / 5);
    CHECK(output_error < 0.05);
}

TEST_CASE("softmax_features: FAVOR+ error falls with m, orthogonal beats iid", "[performer]") {
    // Attention is not uniform: the largest weight of a row is well above 1/L on average.
    const Problem p = make_problem(100);
    const int64_t L = p.q.size(2);
    const Tensor weights = softmax(matmul(p.q, p.k, false, true), Tensor(), real(0.25));
    CHECK(mean(max(weights, -1)).item() > 2.0 / double(L));

    const int seeds = 10;
    const double m16 = favor_mse(16, ProjectionKind::Orthogonal, seeds);
    const double m64 = favor_mse(64, ProjectionKind::Orthogonal, seeds);
    const double m256 = favor_mse(256, ProjectionKind::Orthogonal, seeds);
    INFO("orthogonal MSE m=16 " << m16 << ", m=64 " << m64 << ", m=256 " << m256);
    CHECK(m64 < m16);
    CHECK(m256 < m64);
    CHECK(m256 < 0.5 * m16);
    // Theorem 2: with m = d the 16 rows form one orthogonal block, and its MSE is below iid's.
    const double iid = favor_mse(16, ProjectionKind::Iid, seeds);
    INFO("iid MSE m=16 " << iid);
    CHECK(m16 < iid);
}

TEST_CASE("performer feature maps: gradients and shapes", "[performer][grad]") {
    const int64_t d = 4, m = 5;
    const Tensor omega = random_projection(m, d, ProjectionKind::Orthogonal, RowNorm::Gaussian, 3);
    Rng rng(17);
    const Tensor x = normal_leaf({2, 3, d}, rng);
    for (Stabilizer stabilizer :
         {Stabilizer::PerToken, Stabilizer::PerSequence, Stabilizer::None}) {
        INFO("stabilizer " << int(stabilizer));
        auto positive = [&](const std::vector<Tensor>& in) {
            return softmax_features(in[0], omega, stabilizer);
        };
        auto hyperbolic = [&](const std::vector<Tensor>& in) {
            return hyperbolic_features(in[0], omega, stabilizer);
        };
        auto r = gradcheck(positive, {x});
        INFO(r.report);
        CHECK(r.ok);
        auto rh = gradcheck(hyperbolic, {x});
        INFO(rh.report);
        CHECK(rh.ok);
    }
    auto trig = [&](const std::vector<Tensor>& in) { return trig_features(in[0], omega); };
    auto rt = gradcheck(trig, {x});
    INFO(rt.report);
    CHECK(rt.ok);

    // ReLU: keep every projection at least 0.05 from the kink.
    Tensor x_relu;
    for (uint64_t seed = 1;; ++seed) {
        Rng draw(seed);
        x_relu = normal_leaf({2, 3, d}, draw);
        const Tensor projection = matmul(x_relu.detach(), omega, false, true);
        bool clear = true;
        for (real value : projection.to_vector()) clear = clear && std::abs(value) > 0.05;
        if (clear) break;
    }
    auto relu_map = [&](const std::vector<Tensor>& in) {
        return generalized_features(in[0], omega, KernelFunction::Relu);
    };
    auto rr = gradcheck(relu_map, {x_relu});
    INFO(rr.report);
    CHECK(rr.ok);
    // elu + 1 (C¹ at 0, so no kink to avoid) and exp, projected and deterministic.
    for (KernelFunction f : {KernelFunction::EluPlusOne, KernelFunction::Exp}) {
        INFO("kernel function " << int(f));
        auto projected = [&](const std::vector<Tensor>& in) {
            return generalized_features(in[0], omega, f);
        };
        auto deterministic = [&](const std::vector<Tensor>& in) {
            return deterministic_features(in[0], f);
        };
        auto rp = gradcheck(projected, {x});
        INFO(rp.report);
        CHECK(rp.ok);
        auto rd = gradcheck(deterministic, {x});
        INFO(rd.report);
        CHECK(rd.ok);
        CHECK(generalized_features(x, omega, f).shape() == Shape{2, 3, m});
        CHECK(deterministic_features(x, f).shape() == Shape{2, 3, d});
    }

    CHECK(softmax_features(x, omega, Stabilizer::PerToken).shape() == Shape{2, 3, m});
    CHECK(hyperbolic_features(x, omega, Stabilizer::None).shape() == Shape{2, 3, 2 * m});
    CHECK(trig_features(x, omega).shape() == Shape{2, 3, 2 * m});
    CHECK_THROWS_WITH(softmax_features(Tensor::ones({2, 3}), omega, Stabilizer::None),
                      Catch::Contains("must end in d = 4"));
}

TEST_CASE("performer feature maps: closed-form values", "[performer]") {
    // Trig and positive features with one direction ω = e1 and x = 0: φ is known in closed form.
    const Tensor omega = Tensor::from_vector({1, 2}, {1, 0});
    const Tensor zero = Tensor::zeros({1, 2});
    check_values(softmax_features(zero, omega, Stabilizer::None), {1});
    check_values(trig_features(zero, omega), {0, 1});
    check_values(generalized_features(zero, omega, KernelFunction::Relu, real(0.5)), {0.5});
    // With d = 2, x = (2^(1/4), 0) scales by d^(−1/4) to (1, 0): ωᵀx = 1, ‖x‖²/2 = ½.
    const Tensor x = Tensor::from_vector({1, 2}, {real(std::pow(2.0, 0.25)), 0});
    check_values(softmax_features(x, omega, Stabilizer::None), {std::exp(1.0 - 0.5)});
    check_values(hyperbolic_features(x, omega, Stabilizer::None),
                 {std::exp(0.5) / std::sqrt(2.0), std::exp(-1.5) / std::sqrt(2.0)});
    // The generalised maps at ωᵀ(d^(−1/4) x) = ±1, and without a projection on x as given.
    const Tensor minus_x = scale(x, -1);
    const real eps = real(0.25);
    check_values(generalized_features(x, omega, KernelFunction::Relu, eps), {1.25});
    check_values(generalized_features(minus_x, omega, KernelFunction::Relu, eps), {0.25});
    check_values(generalized_features(x, omega, KernelFunction::EluPlusOne, eps), {2.25});
    check_values(generalized_features(minus_x, omega, KernelFunction::EluPlusOne, eps),
                 {std::exp(-1.0) + 0.25});
    check_values(generalized_features(x, omega, KernelFunction::Exp, eps), {std::exp(1.0) + 0.25});
    check_values(generalized_features(minus_x, omega, KernelFunction::Exp, eps),
                 {std::exp(-1.0) + 0.25});
    const Tensor raw = Tensor::from_vector({1, 2}, {-1, 0.5});
    check_values(deterministic_features(raw, KernelFunction::Relu, eps), {0.25, 0.75});
    check_values(deterministic_features(raw, KernelFunction::EluPlusOne, eps),
                 {std::exp(-1.0) + 0.25, 1.75});
    check_values(deterministic_features(raw, KernelFunction::Exp, eps),
                 {std::exp(-1.0) + 0.25, std::exp(0.5) + 0.25});
}

TEST_CASE("softmax_features: causal-safe stabilisers keep causal FAVOR+ causal", "[performer]") {
    // Queries PerToken, keys None: perturbing tokens after t changes no output at or before t,
    // bitwise. Keys PerSequence (the official code's choice) leaks: a later key with the largest
    // possible exponent moves the shared maximum and so the earlier outputs (performer-pytorch
    // #82).
    const int64_t L = 12, d = 8, m = 16, t = 5;
    const Tensor omega = random_projection(m, d, ProjectionKind::Orthogonal, RowNorm::Gaussian, 9);
    Rng rng(4);
    const Tensor q = Tensor::randn({1, 2, L, d}, rng), k = Tensor::randn({1, 2, L, d}, rng);
    const Tensor v = Tensor::randn({1, 2, L, d}, rng);
    // ωᵀx − ‖x‖²/2 ≤ ‖ω‖²/2, with equality at x = ω: a key at the longest row ω_r (after the
    // d^(−1/4) scaling) reaches the largest exponent any input can.
    int64_t longest = 0;
    for (int64_t r = 1; r < m; ++r)
        if (row_dot(omega, r, r) > row_dot(omega, longest, longest)) longest = r;
    Tensor k_later = k.clone();
    for (int64_t s = 0; s < 2; ++s)
        for (int64_t i = t + 1; i < L; ++i)
            for (int64_t a = 0; a < d; ++a)
                k_later.data()[(s * L + i) * d + a] =
                    real(std::pow(double(d), 0.25)) * omega.data()[longest * d + a];
    auto prefix_equal = [&](Stabilizer key_stabilizer) {
        auto run = [&](const Tensor& keys) {
            return linear_attention(softmax_features(q, omega, Stabilizer::PerToken),
                                    softmax_features(keys, omega, key_stabilizer), v, true);
        };
        const Tensor a = run(k), b = run(k_later);
        bool equal = true;
        for (int64_t s = 0; s < 2; ++s)
            equal = equal && std::memcmp(a.data() + s * L * d, b.data() + s * L * d,
                                         sizeof(real) * size_t((t + 1) * d)) == 0;
        return equal;
    };
    CHECK(prefix_equal(Stabilizer::None));
    CHECK(prefix_equal(Stabilizer::PerToken));
    CHECK_FALSE(prefix_equal(Stabilizer::PerSequence));
}

TEST_CASE("FAVOR+: a single key returns its value exactly, however large |q·k| is", "[performer]") {
    // With one key, out = (φq·φk) v / (φq·φk) = v for any positive features. The query's per-token
    // stabiliser scales φq by e^(−c) with c = max ωᵀq' (here up to ≈ 14); an absolute guard on the
    // normaliser would grow like e^c relative to it and pull the output towards 0.
    const int64_t d = 4;
    Tensor omega = Tensor::zeros({d, d});
    for (int64_t i = 0; i < d; ++i) omega.data()[i * d + i] = 4;
    const Tensor v = Tensor::from_vector({1, 1, 1, 3}, {0.3, -1.7, 2});
    for (const double q0 : {1.0, 2.5, 5.0})
        for (const double k0 : {-5.0, -2.0, 1.0})
            for (const bool causal : {true, false}) {
                INFO("q = " << q0 << " e1, k = " << k0 << " e1, causal " << causal);
                const Tensor q = Tensor::from_vector({1, 1, 1, d}, {real(q0), 0, 0, 0});
                const Tensor k = Tensor::from_vector({1, 1, 1, d}, {real(k0), 0, 0, 0});
                const Tensor out =
                    linear_attention(softmax_features(q, omega, Stabilizer::PerToken),
                                     softmax_features(k, omega, Stabilizer::None), v, causal);
                for (int64_t e = 0; e < 3; ++e)
                    CHECK(out.data()[e] == Approx(v.data()[e]).epsilon(1e-6));
            }
}
