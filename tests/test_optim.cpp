// Optimizers against hand-computed updates, frozen parameters, gradient clipping, optimizer
// checkpoints, learning-rate schedules and initialisers. Gradients are set directly through
// ensure_grad(), so nothing here depends on the ops.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>

#include "engine/gradcheck.h"
#include "engine/init.h"
#include "engine/optim.h"
#include "engine/rng.h"
#include "engine/schedule.h"
#include "helpers.h"

using namespace attnlab;
using attnlab::testing::same_bits;

namespace {

// Tolerance for comparing a `real` computation with a double closed form.
const double kTol = sizeof(real) == 4 ? 1e-6 : 1e-12;

void set_grad(const Tensor& t, const std::vector<double>& values) {
    real* grad = t.ensure_grad();
    for (size_t i = 0; i < values.size(); ++i) grad[i] = real(values[i]);
}

void check_optim_values(const Tensor& t, const std::vector<double>& expected) {
    REQUIRE(size_t(t.numel()) == expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        INFO("element " << i);
        CHECK(double(t.data()[i]) == Approx(expected[i]).epsilon(kTol).margin(kTol));
    }
}

Parameter param(const std::string& name, const std::vector<real>& values) {
    return {name, Tensor::from_vector({int64_t(values.size())}, values), true};
}

}  // namespace

TEST_CASE("sgd: one step with weight decay", "[optim]") {
    Parameter w = param("w", {1, -2, 3});
    Sgd sgd({w}, [] {
        SgdOptions o;
        o.weight_decay = 0.01;
        return o;
    }());
    set_grad(w.tensor, {0.5, 0.25, -1});
    sgd.step(0.1);
    // w − lr · (g + wd · w)
    check_optim_values(w.tensor,
                       {1 - 0.1 * (0.5 + 0.01), -2 - 0.1 * (0.25 - 0.02), 3 - 0.1 * (-1 + 0.03)});
    CHECK(sgd.steps_taken() == 1);
}

TEST_CASE("sgd: momentum and nesterov over two steps", "[optim]") {
    SgdOptions options;
    options.momentum = 0.9;
    Parameter w = param("w", {1, 2});
    Sgd sgd({w}, options);
    set_grad(w.tensor, {1, -1});
    sgd.step(0.1);  // buf = g1 = [1, −1]
    check_optim_values(w.tensor, {0.9, 2.1});
    set_grad(w.tensor, {0.5, 0.5});  // overwrite: grads accumulate, as after zero_grad + backward
    sgd.step(0.1);                   // buf = 0.9 · [1, −1] + [0.5, 0.5] = [1.4, −0.4]
    check_optim_values(w.tensor, {0.9 - 0.14, 2.1 + 0.04});

    options.nesterov = true;
    Parameter v = param("v", {1, 2});
    Sgd nesterov({v}, options);
    set_grad(v.tensor, {1, -1});
    nesterov.step(0.1);  // buf = g; step = g + 0.9 · buf = 1.9 g
    check_optim_values(v.tensor, {1 - 0.19, 2 + 0.19});
    set_grad(v.tensor, {0.5, 0.5});
    nesterov.step(0.1);  // buf = [1.4, −0.4]; step = g + 0.9 · buf = [1.76, 0.14]
    check_optim_values(v.tensor, {0.81 - 0.176, 2.19 - 0.014});
}

TEST_CASE("adam: two steps with L2 decay and bias correction", "[optim]") {
    AdamOptions options;
    options.weight_decay = 0.1;
    Parameter w = param("w", {1, -2});
    Adam adam({w}, options);
    const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    // Step 1: g' = g + 0.1 w; m̂ = g', v̂ = g'², so w −= lr · g' / (|g'| + eps).
    set_grad(w.tensor, {0.3, 0.4});
    adam.step(lr);
    const double g1[2] = {0.3 + 0.1 * 1, 0.4 + 0.1 * -2};
    double w1[2], m[2], v[2];
    const double w0[2] = {1, -2};
    for (int i = 0; i < 2; ++i) {
        w1[i] = w0[i] - lr * g1[i] / (std::abs(g1[i]) + eps);
        m[i] = (1 - b1) * g1[i];
        v[i] = (1 - b2) * g1[i] * g1[i];
    }
    check_optim_values(w.tensor, {w1[0], w1[1]});
    // Step 2, written out: m = β1 m + (1 − β1) g', v likewise, then the corrected ratio.
    set_grad(w.tensor, {-0.2, 0.1});
    adam.step(lr);
    double w2[2];
    for (int i = 0; i < 2; ++i) {
        const double g = (i == 0 ? -0.2 : 0.1) + 0.1 * w1[i];
        const double m2 = b1 * m[i] + (1 - b1) * g, v2 = b2 * v[i] + (1 - b2) * g * g;
        const double m_hat = m2 / (1 - b1 * b1), v_hat = v2 / (1 - b2 * b2);
        w2[i] = w1[i] - lr * m_hat / (std::sqrt(v_hat) + eps);
    }
    check_optim_values(w.tensor, {w2[0], w2[1]});
}

TEST_CASE("adamw: decoupled weight decay", "[optim]") {
    Parameter w = param("w", {2, -4});
    AdamW adamw({w});  // defaults: weight_decay 0.01
    set_grad(w.tensor, {0.5, -0.25});
    adamw.step(0.1);
    // w · (1 − lr · wd) − lr · g / (|g| + eps)
    const double shrink = 1 - 0.1 * 0.01;
    check_optim_values(w.tensor, {2 * shrink - 0.1 * 0.5 / (0.5 + 1e-8),
                                  -4 * shrink + 0.1 * 0.25 / (0.25 + 1e-8)});
    CHECK(adamw.kind() == "adamw");
}

TEST_CASE("optimizers skip frozen parameters and parameters without gradients", "[optim]") {
    std::vector<std::function<std::unique_ptr<Optimizer>(std::vector<Parameter>)>> makers = {
        [](std::vector<Parameter> p) { return std::make_unique<Sgd>(std::move(p)); },
        [](std::vector<Parameter> p) { return std::make_unique<Adam>(std::move(p)); },
        [](std::vector<Parameter> p) { return std::make_unique<AdamW>(std::move(p)); }};
    for (auto& make : makers) {
        Rng rng(3);
        Parameter frozen{"synth.fixed", Tensor::randn({4, 4}, rng), false};
        Parameter no_grad{"unused", Tensor::randn({3}, rng), true};
        Parameter live{"live", Tensor::randn({3}, rng), true};
        const Tensor frozen_before = frozen.tensor.clone(), unused_before = no_grad.tensor.clone();
        const Tensor live_before = live.tensor.clone();
        set_grad(frozen.tensor, std::vector<double>(16, 1.0));
        set_grad(live.tensor, {1, 1, 1});
        auto optimizer = make({frozen, no_grad, live});
        INFO(optimizer->kind());
        optimizer->step(0.1);
        CHECK(same_bits(frozen.tensor, frozen_before));
        CHECK(same_bits(no_grad.tensor, unused_before));
        CHECK(!same_bits(live.tensor, live_before));
        optimizer->zero_grad();
        CHECK(live.tensor.grad_data()[0] == 0);
        CHECK(optimizer->state_dict().tensors.count(optimizer->kind() + ".m.synth.fixed") == 0);
    }
}

TEST_CASE("optimizers reject bad parameters and options", "[optim]") {
    CHECK_THROWS_WITH(Sgd({param("w", {1}), param("w", {2})}),
                      Catch::Contains("duplicate parameter name 'w'"));
    SgdOptions bad;
    bad.momentum = 1.5;
    CHECK_THROWS_WITH(Sgd({param("w", {1})}, bad), Catch::Contains("momentum 1.5"));
    AdamOptions bad_adam;
    bad_adam.beta2 = 1;
    CHECK_THROWS_WITH(Adam({param("w", {1})}, bad_adam), Catch::Contains("betas"));
    Sgd sgd({param("w", {1})});
    CHECK_THROWS_WITH(sgd.step(-1), Catch::Contains("learning rate -1"));
}

TEST_CASE("clip_grad_norm scales to max_norm and returns the old norm", "[optim]") {
    Parameter a = param("a", {0, 0}), b = param("b", {0});
    Parameter frozen{"frozen", Tensor::zeros({1}), false};
    set_grad(a.tensor, {3, 4});
    set_grad(b.tensor, {12});
    set_grad(frozen.tensor, {100});  // not trainable: neither counted nor scaled
    const std::vector<Parameter> params{a, b, frozen};
    CHECK(clip_grad_norm(params, 6.5) == Approx(13).epsilon(1e-12));
    check_optim_values(a.tensor.grad(), {1.5, 2});
    check_optim_values(b.tensor.grad(), {6});
    CHECK(frozen.tensor.grad_data()[0] == 100);
    // Now the norm is 6.5 <= 10: untouched.
    CHECK(clip_grad_norm(params, 10) == Approx(6.5).epsilon(1e-12));
    check_optim_values(b.tensor.grad(), {6});
    CHECK_THROWS_WITH(clip_grad_norm(params, 0), Catch::Contains("max_norm 0"));
}

TEST_CASE("optimizer state round-trips through safetensors bit for bit", "[optim][safetensors]") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("attnlab_optim_" + std::to_string(getpid()));
    fs::create_directories(dir);
    const std::string path = (dir / "optim.safetensors").string();

    using Maker = std::function<std::unique_ptr<Optimizer>(std::vector<Parameter>)>;
    const std::vector<Maker> makers = {
        [](std::vector<Parameter> p) {
            SgdOptions o;
            o.momentum = 0.9;
            o.nesterov = true;
            return std::make_unique<Sgd>(std::move(p), o);
        },
        [](std::vector<Parameter> p) { return std::make_unique<Adam>(std::move(p)); },
        [](std::vector<Parameter> p) { return std::make_unique<AdamW>(std::move(p)); }};
    // Gradient of ½‖w − target‖² plus a step-dependent wiggle, set by hand.
    auto train = [](Optimizer& optimizer, int steps) {
        for (int s = 0; s < steps; ++s) {
            for (const Parameter& p : optimizer.parameters()) {
                real* grad = p.tensor.ensure_grad();
                for (int64_t i = 0; i < p.tensor.numel(); ++i)
                    grad[i] = p.tensor.data()[i] - real(0.1 * double(i)) +
                              real(0.01 * double(optimizer.steps_taken()));
            }
            optimizer.step(0.05);
        }
    };
    for (const Maker& make : makers) {
        Rng rng(11);
        std::vector<Parameter> params{{"enc.w", Tensor::randn({3, 4}, rng), true},
                                      {"enc.b", Tensor::randn({4}, rng), true},
                                      {"fixed", Tensor::randn({2, 2}, rng), false}};
        auto straight = make(params);
        INFO(straight->kind());
        train(*straight, 3);
        save_optimizer_state(path, *straight);
        std::vector<Parameter> resumed_params;
        for (const Parameter& p : params)
            resumed_params.push_back({p.name, p.tensor.clone(), p.trainable});
        auto resumed = make(resumed_params);
        load_optimizer_state(path, *resumed);
        CHECK(resumed->steps_taken() == 3);
        train(*straight, 4);
        train(*resumed, 4);
        for (size_t i = 0; i < params.size(); ++i)
            CHECK(same_bits(params[i].tensor, resumed_params[i].tensor));
    }
    fs::remove_all(dir);
}

TEST_CASE("load_state_dict rejects missing, mis-shaped and foreign state", "[optim]") {
    Adam adam({param("w", {1, 2}), param("b", {3})});
    const OptimizerState good = adam.state_dict();
    CHECK(good.tensors.size() == 4);
    CHECK(good.tensors.count("adam.v.b") == 1);

    OptimizerState missing = good;
    missing.tensors.erase("adam.m.w");
    CHECK_THROWS_WITH(adam.load_state_dict(missing),
                      Catch::Contains("lacks 'adam.m.w' for parameter 'w'"));
    OptimizerState misshaped = good;
    misshaped.tensors["adam.v.b"] = Tensor::zeros({2});
    CHECK_THROWS_WITH(adam.load_state_dict(misshaped),
                      Catch::Contains("'adam.v.b' has shape [2] but parameter 'b' has shape [1]"));
    OptimizerState extra = good;
    extra.tensors["adam.m.ghost"] = Tensor::zeros({1});
    CHECK_THROWS_WITH(adam.load_state_dict(extra), Catch::Contains("unexpected state tensor"));
    OptimizerState other = good;
    other.kind = "sgd";
    CHECK_THROWS_WITH(adam.load_state_dict(other), Catch::Contains("for a 'sgd' optimizer"));
}

TEST_CASE("schedules at their key steps", "[schedule]") {
    ConstantLr constant(0.3);
    CHECK(constant.lr(0) == 0.3);
    CHECK(constant.lr(12345) == 0.3);

    WarmupCosineLr cosine(1.0, 0.1, 10, 110);
    CHECK(cosine.lr(0) == Approx(0.1));  // (0 + 1) / 10
    CHECK(cosine.lr(4) == Approx(0.5));
    CHECK(cosine.lr(9) == Approx(1.0));
    CHECK(cosine.lr(10) == Approx(1.0));
    CHECK(cosine.lr(60) == Approx(0.55));  // half way: min + (base − min) / 2
    CHECK(cosine.lr(35) == Approx(0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI / 4))));
    CHECK(cosine.lr(110) == Approx(0.1));
    CHECK(cosine.lr(1000) == 0.1);
    CHECK_THROWS_WITH(WarmupCosineLr(1, 2, 0, 10), Catch::Contains("min_lr"));
    CHECK_THROWS_WITH(WarmupCosineLr(1, 0, 20, 10), Catch::Contains("warmup 20"));

    InverseSqrtLr inverse(0.002, 100);
    CHECK(inverse.lr(0) == Approx(0.002 / 100));
    CHECK(inverse.lr(49) == Approx(0.001));
    CHECK(inverse.lr(99) == Approx(0.002));   // the peak: n = warmup
    CHECK(inverse.lr(399) == Approx(0.001));  // √(100 / 400) = 1/2
    // Equal to Vaswani's d^−0.5 · min(n^−0.5, n · warmup^−1.5) up to the constant factor.
    const double vaswani = std::min(1 / std::sqrt(400.0), 400 * std::pow(100.0, -1.5));
    CHECK(inverse.lr(399) / inverse.lr(99) == Approx(vaswani / std::pow(100.0, -0.5)));
    CHECK_THROWS_WITH(InverseSqrtLr(1, 0), Catch::Contains("warmup 0"));
    CHECK_THROWS_WITH(constant.lr(-1), Catch::Contains("step -1 is negative"));
}

TEST_CASE("initialisers: moments, bounds and the Xavier scales", "[init]") {
    Rng rng(5);
    auto moments = [](const Tensor& t) {
        double mean = 0, var = 0;
        for (real v : t.to_vector()) mean += v;
        mean /= double(t.numel());
        for (real v : t.to_vector()) var += (v - mean) * (v - mean);
        return std::pair<double, double>{mean, std::sqrt(var / double(t.numel()))};
    };
    Tensor t = Tensor::empty({20000});
    init::normal(t, rng, 2, 0.5);
    auto [mean, stddev] = moments(t);
    CHECK(mean == Approx(2).margin(0.02));
    CHECK(stddev == Approx(0.5).epsilon(0.03));

    init::uniform(t, rng, -1, 3);
    for (real v : t.to_vector()) REQUIRE((v >= -1 && v < 3));
    std::tie(mean, stddev) = moments(t);
    CHECK(mean == Approx(1).margin(0.05));
    CHECK(stddev == Approx(4 / std::sqrt(12.0)).epsilon(0.03));

    Tensor w = Tensor::empty({2, 100, 300});  // two [in 100, out 300] matrices
    CHECK(init::fans_of(w, "test").fan_in == 100);
    init::xavier_uniform(w, rng);
    const double bound = std::sqrt(6.0 / 400);
    double largest = 0;
    for (real v : w.to_vector()) largest = worst_error(largest, std::abs(double(v)));
    CHECK(largest <= bound);
    CHECK(largest > 0.99 * bound);
    CHECK(moments(w).second == Approx(bound / std::sqrt(3.0)).epsilon(0.03));
    init::xavier_normal(w, rng, 2.0);
    CHECK(moments(w).second == Approx(2 * std::sqrt(2.0 / 400)).epsilon(0.03));
    Tensor v = Tensor::empty({5});
    CHECK_THROWS_WITH(init::xavier_uniform(v, rng), Catch::Contains("fan_in, fan_out], got [5]"));

    init::ones(v);
    CHECK(v.to_vector() == std::vector<real>(5, 1));
    init::zeros(v);
    CHECK(v.to_vector() == std::vector<real>(5, 0));
}
