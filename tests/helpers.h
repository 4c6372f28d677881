// helpers.h — small assertions and input makers shared by the op tests.
#pragma once

#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

#include "engine/rng.h"
#include "engine/tensor.h"

namespace attnlab::testing {

// Every element of t against hand-computed values, relative epsilon with an absolute margin.
inline void check_values(const Tensor& t, const std::vector<double>& expected,
                         double epsilon = 1e-6, double margin = 1e-7) {
    REQUIRE(t.numel() == int64_t(expected.size()));
    for (size_t i = 0; i < expected.size(); ++i) {
        INFO("element " << i);
        CHECK(t.data()[i] == Approx(expected[i]).epsilon(epsilon).margin(margin));
    }
}

// A leaf requiring grad, uniform in [low, high).
inline Tensor uniform_leaf(const Shape& shape, Rng& rng, real low = -1, real high = 1) {
    Tensor t = Tensor::rand(shape, rng, low, high);
    t.set_requires_grad(true);
    return t;
}

// A leaf requiring grad, standard normal.
inline Tensor normal_leaf(const Shape& shape, Rng& rng) {
    Tensor t = Tensor::randn(shape, rng);
    t.set_requires_grad(true);
    return t;
}

// The same shape and the same bits in every element (a NaN equals itself here).
inline bool same_bits(const Tensor& a, const Tensor& b) {
    return a.shape() == b.shape() &&
           std::memcmp(a.data(), b.data(), size_t(a.numel()) * sizeof(real)) == 0;
}

}  // namespace attnlab::testing
