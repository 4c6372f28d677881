// causal_scores and causal_mix: the block-lower-triangular products against matmul, on ragged
// tiles and at the default tile, their gradients, and their shape errors.
#include <catch2/catch.hpp>
#include <limits>

#include "engine/gradcheck.h"
#include "engine/rng.h"
#include "helpers.h"

using namespace attnlab;
using namespace attnlab::testing;

namespace {

// Whether column j of row i lies inside: j < the end of i's tile.
bool inside(int64_t i, int64_t j, int64_t L, int64_t tile) {
    return j < std::min(L, (i / tile + 1) * tile);
}

// The additive causal mask [L, L]: 0 where j ≤ i, −∞ above.
Tensor causal_mask(int64_t L) {
    Tensor mask = Tensor::zeros({L, L});
    for (int64_t i = 0; i < L; ++i)
        for (int64_t j = i + 1; j < L; ++j)
            mask.data()[i * L + j] = -std::numeric_limits<real>::infinity();
    return mask;
}

}  // namespace

TEST_CASE("causal_scores: q kᵀ inside the block lower triangle, 0 outside", "[ops][causal]") {
    Rng rng(7);
    const int64_t L = 11, d = 5, tile = 4;  // tiles of 4, 4, 3 rows
    const Tensor q = Tensor::randn({2, 3, L, d}, rng), k = Tensor::randn({2, 3, L, d}, rng);
    const Tensor full = matmul(q, k, false, true);
    const Tensor blocked = causal_scores(q, k, tile);
    REQUIRE(blocked.shape() == full.shape());
    int outside = 0;
    for (int64_t m = 0; m < 6; ++m)
        for (int64_t i = 0; i < L; ++i)
            for (int64_t j = 0; j < L; ++j) {
                const int64_t at = (m * L + i) * L + j;
                if (inside(i, j, L, tile)) {
                    CHECK(blocked.data()[at] == Approx(full.data()[at]).margin(1e-5));
                } else {
                    CHECK(blocked.data()[at] == 0);
                    ++outside;
                }
            }
    CHECK(outside == 6 * (4 * 7 + 4 * 3));  // the skipped blocks exist
}

TEST_CASE("causal_mix: p · v reading only p's inside", "[ops][causal]") {
    Rng rng(8);
    const int64_t L = 10, dv = 3, tile = 3;
    const Tensor p = Tensor::randn({2, L, L}, rng), v = Tensor::randn({2, L, dv}, rng);
    Tensor p_inside = p.clone();  // p with its outside zeroed: what causal_mix must use
    for (int64_t m = 0; m < 2; ++m)
        for (int64_t i = 0; i < L; ++i)
            for (int64_t j = 0; j < L; ++j)
                if (!inside(i, j, L, tile)) p_inside.data()[(m * L + i) * L + j] = 0;
    const std::vector<real> expected = matmul(p_inside, v).to_vector();
    const std::vector<real> got = causal_mix(p, v, tile).to_vector();
    REQUIRE(got.size() == expected.size());
    for (size_t n = 0; n < got.size(); ++n) CHECK(got[n] == Approx(expected[n]).margin(1e-5));
}

TEST_CASE("causal attention at the default tile equals the full products", "[ops][causal]") {
    // L = 130: three tiles of 64, 64 and 2 rows. Softmax with the causal mask, then the mix.
    Rng rng(9);
    const int64_t L = 130, d = 8;
    const Tensor q = Tensor::randn({2, L, d}, rng), k = Tensor::randn({2, L, d}, rng);
    const Tensor v = Tensor::randn({2, L, d}, rng);
    const Tensor mask = causal_mask(L);
    const Tensor p_full = softmax(matmul(q, k, false, true), mask);
    const Tensor p_blocked = softmax(causal_scores(q, k), mask);
    const std::vector<real> expected = matmul(p_full, v).to_vector();
    const std::vector<real> got = causal_mix(p_blocked, v).to_vector();
    for (size_t n = 0; n < got.size(); ++n) CHECK(got[n] == Approx(expected[n]).margin(1e-5));
}

TEST_CASE("causal_scores and causal_mix: gradients", "[ops][causal][grad]") {
    Rng rng(10);
    const int64_t L = 7, tile = 3;
    for (int64_t batch : {1, 4}) {  // one matrix (BLAS threads) and several (one per thread)
        INFO("batch " << batch);
        const Tensor q = normal_leaf({batch, L, 4}, rng), k = normal_leaf({batch, L, 4}, rng);
        auto scores = [tile](const std::vector<Tensor>& in) {
            return causal_scores(in[0], in[1], tile);
        };
        auto r = gradcheck(scores, {q, k});
        INFO(r.report);
        CHECK(r.ok);

        const Tensor p = normal_leaf({batch, L, L}, rng), v = normal_leaf({batch, L, 2}, rng);
        auto mix = [tile](const std::vector<Tensor>& in) { return causal_mix(in[0], in[1], tile); };
        auto rm = gradcheck(mix, {p, v});
        INFO(rm.report);
        CHECK(rm.ok);
    }
}

TEST_CASE("causal_scores and causal_mix: shape errors", "[ops][causal]") {
    CHECK_THROWS_WITH(causal_scores(Tensor::zeros({2, 4, 3}), Tensor::zeros({2, 4, 2})),
                      Catch::Contains("causal_scores: q [2, 4, 3] and k [2, 4, 2] must have the "
                                      "same shape [..., L, d]"));
    CHECK_THROWS_WITH(causal_scores(Tensor::zeros({4}), Tensor::zeros({4})),
                      Catch::Contains("q must be at least 2-d [..., L, c], got [4]"));
    CHECK_THROWS_WITH(causal_mix(Tensor::zeros({2, 4, 5}), Tensor::zeros({2, 4, 3})),
                      Catch::Contains("causal_mix: p [2, 4, 5] and v [2, 4, 3] must be [..., L, L] "
                                      "and [..., L, dv] with the same leading dims"));
    CHECK_THROWS_WITH(causal_mix(Tensor::zeros({2, 4, 4}), Tensor::zeros({3, 4, 3})),
                      Catch::Contains("with the same leading dims"));
    CHECK_THROWS_WITH(causal_scores(Tensor::zeros({4, 2}), Tensor::zeros({4, 2}), 0),
                      Catch::Contains("causal_scores: tile must be at least 1, got 0"));
}
