// Shape ops: reshape is a view (shares storage), the others copy. Hand-computed layouts, gradient
// checks on 2- to 5-d tensors, and the errors for impossible shapes, orders and ranges.
#include <catch2/catch.hpp>

#include "engine/gradcheck.h"
#include "engine/rng.h"
#include "helpers.h"

using namespace attnlab;
using namespace attnlab::testing;

namespace {

void check_grad(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                const std::vector<Tensor>& inputs) {
    auto r = gradcheck(f, inputs);
    INFO(r.report);
    CHECK(r.ok);
}

}  // namespace

TEST_CASE("reshape: a view sharing storage, -1 inference, errors", "[ops][grad][shape]") {
    Tensor x = Tensor::arange(0, 6);
    Tensor y = reshape(x, {2, -1});
    CHECK(y.shape() == Shape{2, 3});
    check_values(y, {0, 1, 2, 3, 4, 5});
    y.data()[4] = 40;  // writing through the view changes the source
    CHECK(x.data()[4] == 40);
    CHECK(y.impl()->buffer == x.impl()->buffer);
    Tensor z = reshape(y, {3, 1, 2});  // a view of a view
    z.data()[0] = -1;
    CHECK(x.data()[0] == -1);
    CHECK(reshape(Tensor::scalar(5), {1, 1}).shape() == Shape{1, 1});
    CHECK_THROWS_WITH(reshape(Tensor::ones({2, 3}), {}), Catch::Contains("as [] (1 elements)"));

    Rng rng(1);
    Tensor a = normal_leaf({2, 3, 4}, rng);
    check_grad([](const std::vector<Tensor>& in) { return reshape(in[0], {4, -1}); }, {a});
    check_grad([](const std::vector<Tensor>& in) { return reshape(in[0], {2, 1, 3, 2, 2}); }, {a});

    CHECK_THROWS_WITH(
        reshape(x, {4, 2}),
        Catch::Contains("reshape: cannot view [6] (6 elements) as [4, 2] (8 elements)"));
    CHECK_THROWS_WITH(reshape(x, {-1, -1}), Catch::Contains("more than one -1"));
    CHECK_THROWS_WITH(reshape(x, {4, -1}), Catch::Contains("reshape: cannot view [6]"));
    CHECK_THROWS_WITH(reshape(x, {-2, 3}), Catch::Contains("negative extent"));
}

TEST_CASE("transpose: swaps two axes (a copy)", "[ops][grad][shape]") {
    Tensor x = Tensor::from_vector({2, 3}, {1, 2, 3, 4, 5, 6});
    Tensor t = transpose(x, 0, 1);
    CHECK(t.shape() == Shape{3, 2});
    check_values(t, {1, 4, 2, 5, 3, 6});
    t.data()[0] = 100;
    CHECK(x.data()[0] == 1);  // a copy, not a view
    Tensor x4 = reshape(Tensor::arange(0, 24), {2, 3, 2, 2});
    Tensor t4 = transpose(x4, 1, -1);  // [2, 2, 2, 3]
    CHECK(t4.shape() == Shape{2, 2, 2, 3});
    CHECK(t4.data()[1] == x4.data()[4]);  // t4[0,0,0,1] = x4[0,1,0,0]
    Rng rng(2);
    check_grad([](const std::vector<Tensor>& in) { return transpose(in[0], 0, 2); },
               {normal_leaf({2, 3, 4}, rng)});
    CHECK_THROWS_WITH(transpose(x, 0, 2),
                      Catch::Contains("transpose: axis 2 out of range for a 2-d tensor"));
}

TEST_CASE("permute: reorders axes, 4-d and 5-d, errors", "[ops][grad][shape]") {
    // [B, L, h, d] → [B, h, L, d], the attention head split.
    Tensor x = reshape(Tensor::arange(0, 24), {1, 3, 2, 4});
    Tensor y = permute(x, {0, 2, 1, 3});
    CHECK(y.shape() == Shape{1, 2, 3, 4});
    check_values(slice(y, 1, 1, 2), {4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23});
    Tensor back = permute(y, {0, 2, 1, 3});
    CHECK(back.to_vector() == x.to_vector());

    Tensor x5 = reshape(Tensor::arange(0, 120), {2, 3, 4, 1, 5});
    Tensor y5 = permute(x5, {4, 2, 0, 3, 1});  // y5[e, c, a, d, b] = x5[a, b, c, d, e]
    CHECK(y5.shape() == Shape{5, 4, 2, 1, 3});
    int64_t wrong = 0;
    for (int64_t a = 0; a < 2; ++a)
        for (int64_t b = 0; b < 3; ++b)
            for (int64_t c = 0; c < 4; ++c)
                for (int64_t e = 0; e < 5; ++e)
                    wrong += y5.data()[(((e * 4 + c) * 2 + a) * 1) * 3 + b] !=
                             x5.data()[((a * 3 + b) * 4 + c) * 5 + e];
    CHECK(wrong == 0);
    CHECK(permute(Tensor::scalar(3), {}).item() == 3);

    Rng rng(3);
    check_grad(  // the last axis stays last: whole rows copied and accumulated
        [](const std::vector<Tensor>& in) {
            return permute(in[0], {0, 2, 1, 3});
        },
        {normal_leaf({2, 3, 2, 4}, rng)});
    check_grad(
        [](const std::vector<Tensor>& in) {
            return permute(in[0], {2, 0, 3, 1});
        },
        {normal_leaf({2, 3, 2, 4}, rng)});
    check_grad(
        [](const std::vector<Tensor>& in) {
            return permute(in[0], {4, 2, 0, 3, 1});
        },
        {normal_leaf({2, 3, 2, 1, 2}, rng)});

    CHECK_THROWS_WITH(permute(x, {0, 0, 1, 2}),
                      Catch::Contains("permute: order [0, 0, 1, 2] is not a permutation of the "
                                      "axes of [1, 3, 2, 4]"));
    CHECK_THROWS_WITH(permute(x, {0, 1, 2}),
                      Catch::Contains("order [0, 1, 2] is not a permutation"));
    CHECK_THROWS_WITH(permute(x, {0, 1, 2, 4}), Catch::Contains("each of 0..3 exactly once"));
}

TEST_CASE("slice: a range along one axis (a copy)", "[ops][grad][shape]") {
    Tensor x = reshape(Tensor::arange(0, 12), {3, 4});
    check_values(slice(x, 1, 1, 3), {1, 2, 5, 6, 9, 10});
    check_values(slice(x, 0, 2, 3), {8, 9, 10, 11});
    CHECK(slice(x, -1, 2, 2).shape() == Shape{3, 0});
    Rng rng(4);
    check_grad([](const std::vector<Tensor>& in) { return slice(in[0], 2, 1, 4); },
               {normal_leaf({2, 3, 5, 2}, rng)});
    check_grad([](const std::vector<Tensor>& in) { return slice(in[0], 0, 0, 1); },
               {normal_leaf({3, 2}, rng)});
    CHECK_THROWS_WITH(slice(x, 1, 2, 5), Catch::Contains("slice: range [2, 5) does not fit axis 1 "
                                                         "of [3, 4] (expected 0 <= start <= "
                                                         "end <= 4)"));
    CHECK_THROWS_WITH(slice(x, 0, 2, 1), Catch::Contains("range [2, 1)"));
    CHECK_THROWS_WITH(slice(x, 0, -1, 2), Catch::Contains("range [-1, 2)"));
    CHECK_THROWS_WITH(slice(x, 2, 0, 1), Catch::Contains("slice: axis 2 out of range"));
}

TEST_CASE("concat: joins along an axis", "[ops][grad][shape]") {
    Tensor a = Tensor::from_vector({2, 1}, {1, 2});
    Tensor b = Tensor::from_vector({2, 2}, {3, 4, 5, 6});
    Tensor c = concat({a, b}, 1);
    CHECK(c.shape() == Shape{2, 3});
    check_values(c, {1, 3, 4, 2, 5, 6});
    check_values(concat({b, b}, 0), {3, 4, 5, 6, 3, 4, 5, 6});
    Rng rng(5);
    Tensor x = normal_leaf({2, 2, 3}, rng), y = normal_leaf({2, 1, 3}, rng),
           z = normal_leaf({2, 4, 3}, rng);
    check_grad([](const std::vector<Tensor>& in) { return concat(in, 1); }, {x, y, z});
    // The same tensor twice gets both blocks of the gradient.
    check_grad(
        [](const std::vector<Tensor>& in) {
            return concat({in[0], in[1], in[0]}, -1);
        },
        {x, normal_leaf({2, 2, 1}, rng)});
    CHECK_THROWS_WITH(concat({}, 0), Catch::Contains("concat: needs at least one tensor"));
    CHECK_THROWS_WITH(concat({a, b}, 0),
                      Catch::Contains("concat: tensor 1 has shape [2, 2] but tensor 0 has [2, 1] "
                                      "(all extents except axis 0 must match)"));
    CHECK_THROWS_WITH(concat({a, Tensor::ones({2})}, 0), Catch::Contains("tensor 1 has shape [2]"));
    CHECK_THROWS_WITH(concat({a, Tensor()}, 0), Catch::Contains("tensor 1 is undefined"));
}

TEST_CASE("split: the inverse of concat", "[ops][grad][shape]") {
    Tensor x = reshape(Tensor::arange(0, 12), {2, 6});
    auto pieces = split(x, 1, {1, 3, 2});
    REQUIRE(pieces.size() == 3);
    check_values(pieces[0], {0, 6});
    check_values(pieces[1], {1, 2, 3, 7, 8, 9});
    check_values(pieces[2], {4, 5, 10, 11});
    CHECK(concat(pieces, 1).to_vector() == x.to_vector());
    Rng rng(6);
    // Weighting the pieces differently checks that each gradient lands in its own slice.
    check_grad(
        [](const std::vector<Tensor>& in) {
            auto parts = split(in[0], 0, {2, 1, 1});
            return concat({scale(parts[2], 3), parts[0], scale(parts[1], -2)}, 0);
        },
        {normal_leaf({4, 3, 2}, rng)});
    CHECK_THROWS_WITH(split(x, 1, {2, 2}),
                      Catch::Contains("split: sizes [2, 2] do not add up to extent 6 of axis 1 "
                                      "in [2, 6]"));
    CHECK_THROWS_WITH(split(x, 0, {3, -1}), Catch::Contains("split: sizes [3, -1]"));
    CHECK_THROWS_WITH(split(x, 2, {1}), Catch::Contains("split: axis 2 out of range"));
}
