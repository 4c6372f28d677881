// matmul: hand-computed products, gradients for every transpose combination and batching layout,
// error messages, and the BLAS path against the triple-loop reference.
#include <omp.h>

#include <catch2/catch.hpp>
#include <tuple>

#include "engine/gradcheck.h"
#include "engine/kernels/blas.h"
#include "engine/kernels/gemm_batched.h"
#include "engine/kernels/parallel.h"
#include "engine/rng.h"
#include "helpers.h"

using namespace attnlab;
using namespace attnlab::testing;

namespace {

// Stored shape of an operand whose op() is rows × cols.
Shape stored(Shape batch, int64_t rows, int64_t cols, bool trans) {
    batch.push_back(trans ? cols : rows);
    batch.push_back(trans ? rows : cols);
    return batch;
}

}  // namespace

TEST_CASE("matmul: forward values, shapes and errors", "[ops][matmul]") {
    Tensor a = Tensor::from_vector({2, 3}, {1, 2, 3, 4, 5, 6});
    Tensor b = Tensor::from_vector({3, 2}, {1, 0, 0, 1, 1, 1});
    CHECK(matmul(a, b).to_vector() == std::vector<real>{4, 5, 10, 11});
    // aᵀ·a = [[17, 22, 27], [22, 29, 36], [27, 36, 45]]; a·aᵀ = [[14, 32], [32, 77]]
    CHECK(matmul(a, a, true, false).to_vector() ==
          std::vector<real>{17, 22, 27, 22, 29, 36, 27, 36, 45});
    CHECK(matmul(a, a, false, true).to_vector() == std::vector<real>{14, 32, 32, 77});
    // aᵀ·bᵀ = (b·a)ᵀ
    CHECK(matmul(a, b, true, true).to_vector() == std::vector<real>{1, 4, 5, 2, 5, 7, 3, 6, 9});

    // Batched: the second batch element is the first times 2.
    Tensor batched = Tensor::from_vector({2, 2, 3}, {1, 2, 3, 4, 5, 6, 2, 4, 6, 8, 10, 12});
    Tensor bb = Tensor::from_vector({2, 3, 2}, {1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1});
    CHECK(matmul(batched, bb).to_vector() == std::vector<real>{4, 5, 10, 11, 8, 10, 20, 22});
    // Shared 2-d b, with and without transpose_a.
    CHECK(matmul(batched, b).to_vector() == std::vector<real>{4, 5, 10, 11, 8, 10, 20, 22});
    Tensor batched_t = Tensor::from_vector({2, 3, 2}, {1, 4, 2, 5, 3, 6, 2, 8, 4, 10, 6, 12});
    CHECK(matmul(batched_t, b, true).to_vector() == std::vector<real>{4, 5, 10, 11, 8, 10, 20, 22});
    CHECK(matmul(Tensor::zeros({2, 5, 7, 3}), Tensor::zeros({4, 3}), false, true).shape() ==
          Shape{2, 5, 7, 4});

    CHECK_THROWS_WITH(
        matmul(Tensor::zeros({2, 3}), Tensor::zeros({4, 5})),
        Catch::Contains("matmul: inner dimensions differ: a [2, 3] (K = 3) vs b [4, 5] (K = 4)"));
    CHECK_THROWS_WITH(matmul(Tensor::zeros({2, 3}), Tensor::zeros({2, 5}), false, true),
                      Catch::Contains("(K = 3) vs b [2, 5] (K = 5) after the transpose flags"));
    CHECK_THROWS_WITH(
        matmul(Tensor::zeros({2, 2, 3}), Tensor::zeros({3, 3, 4})),
        Catch::Contains("matmul: batch dimensions differ: a [2, 2, 3] vs b [3, 3, 4]"));
    CHECK_THROWS_WITH(matmul(Tensor::zeros({2, 3}), Tensor::zeros({2, 3, 4})),
                      Catch::Contains("batch dimensions differ"));
    CHECK_THROWS_WITH(matmul(Tensor::zeros({3}), Tensor::zeros({3, 4})),
                      Catch::Contains("matmul: a must be at least 2-d, got [3]"));
    CHECK_THROWS_WITH(matmul(Tensor::zeros({4, 3}), Tensor::zeros({3})),
                      Catch::Contains("matmul: b must be at least 2-d, got [3]"));
}

TEST_CASE("matmul: gradients for every transpose flag and batching layout", "[grad][matmul]") {
    Rng rng(7);
    const int64_t M = 3, K = 4, N = 5;
    for (bool ta : {false, true})
        for (bool tb : {false, true}) {
            INFO("transpose_a " << ta << ", transpose_b " << tb);
            const auto f = [ta, tb](const std::vector<Tensor>& in) {
                return matmul(in[0], in[1], ta, tb);
            };
            {  // 2-d
                Tensor a = normal_leaf(stored({}, M, K, ta), rng);
                Tensor b = normal_leaf(stored({}, K, N, tb), rng);
                auto r = gradcheck(f, {a, b});
                INFO(r.report);
                CHECK(r.ok);
            }
            {  // batched with identical leading dims
                Tensor a = normal_leaf(stored({2, 3}, M, K, ta), rng);
                Tensor b = normal_leaf(stored({2, 3}, K, N, tb), rng);
                auto r = gradcheck(f, {a, b});
                INFO(r.report);
                CHECK(r.ok);
            }
            {  // a batched, b a shared 2-d weight
                Tensor a = normal_leaf(stored({2, 3}, M, K, ta), rng);
                Tensor b = normal_leaf(stored({}, K, N, tb), rng);
                auto r = gradcheck(f, {a, b});
                INFO(r.report);
                CHECK(r.ok);
            }
        }
}

TEST_CASE("matmul: BLAS path equals gemm_reference", "[kernel][matmul]") {
    Rng rng(11);
    const int64_t M = 17, K = 9, N = 13;
    for (bool ta : {false, true})
        for (bool tb : {false, true})
            for (int64_t batch : {1, 8}) {
                INFO("transpose_a " << ta << ", transpose_b " << tb << ", batch " << batch);
                Tensor a = Tensor::randn(stored({batch}, M, K, ta), rng);
                Tensor b = Tensor::randn(stored({batch}, K, N, tb), rng);
                Tensor y = matmul(a, b, ta, tb);
                Tensor expected = Tensor::empty({batch, M, N});
                for (int64_t i = 0; i < batch; ++i)
                    kernels::gemm_reference(ta, tb, M, N, K, 1, a.data() + i * M * K, ta ? M : K,
                                            b.data() + i * K * N, tb ? K : N, 0,
                                            expected.data() + i * M * N, N);
                CHECK(max_relative_difference(y, expected) < 1e-5);

                // The shared-weight layout folds the batch into one gemm.
                Tensor w = Tensor::randn(stored({}, K, N, tb), rng);
                Tensor shared = matmul(a, w, ta, tb);
                for (int64_t i = 0; i < batch; ++i)
                    kernels::gemm_reference(ta, tb, M, N, K, 1, a.data() + i * M * K, ta ? M : K,
                                            w.data(), tb ? K : N, 0, expected.data() + i * M * N,
                                            N);
                CHECK(max_relative_difference(shared, expected) < 1e-5);
            }
}

TEST_CASE("gemm: split over the threads by rows or by columns, equals gemm_reference",
          "[kernel][matmul]") {
    // Above kSplitMinWork multiply-adds gemm cuts C over the OpenMP threads: by rows when C is
    // taller than wide, else by columns. Padded leading dimensions catch a block that assumes a
    // dense layout; beta ≠ 0 and a prefilled C catch a block that drops the accumulation.
    Rng rng(17);
    const int64_t pad = 3;
    for (const auto& [M, N, K] : {std::tuple<int64_t, int64_t, int64_t>{131, 67, 41},
                                  std::tuple<int64_t, int64_t, int64_t>{37, 151, 61}})
        for (bool ta : {false, true})
            for (bool tb : {false, true})
                for (real beta : {real(0), real(0.5)}) {
                    INFO("M " << M << ", N " << N << ", K " << K << ", transpose_a " << ta
                              << ", transpose_b " << tb << ", beta " << beta << ", threads "
                              << omp_get_max_threads());
                    const int64_t lda = (ta ? M : K) + pad, ldb = (tb ? K : N) + pad, ldc = N + pad;
                    Tensor a = Tensor::randn({(ta ? K : M) * lda}, rng);
                    Tensor b = Tensor::randn({(tb ? N : K) * ldb}, rng);
                    Tensor c = Tensor::randn({M * ldc}, rng);
                    Tensor expected = c.clone();
                    kernels::gemm(ta, tb, M, N, K, real(1.5), a.data(), lda, b.data(), ldb, beta,
                                  c.data(), ldc);
                    kernels::gemm_reference(ta, tb, M, N, K, real(1.5), a.data(), lda, b.data(),
                                            ldb, beta, expected.data(), ldc);
                    CHECK(max_relative_difference(c, expected) < 1e-4);
                }
}

TEST_CASE("gemm_batched: an extent past cblas's 32-bit limit is an Error, also on many threads",
          "[kernel][matmul]") {
    // Two matrices on two threads run one per thread inside a parallel region, where gemm's extent
    // check throws; the Error must reach the caller instead of terminating the process. The check
    // comes before any element is read, so one-element buffers do.
    const int64_t K = int64_t(1) << 31;
    real a = 1, b = 1, c[2] = {0, 0};
    for (int threads : {1, 2}) {
        const kernels::ScopedThreads scoped(threads);
        CHECK_THROWS_WITH(
            kernels::gemm_batched(false, false, 2, 1, 1, K, 1, &a, K, 0, &b, 1, 0, 0, c, 1, 1),
            Catch::Contains("gemm: extent 2147483648 exceeds the 32-bit limit"));
    }
}

TEST_CASE("linear: equals matmul then add, forward and gradients; errors", "[ops][grad][matmul]") {
    Rng rng(13);
    const int64_t K = 6, N = 5;
    Tensor x = normal_leaf({2, 3, K}, rng), weight = normal_leaf({K, N}, rng);
    Tensor bias = normal_leaf({N}, rng);
    Tensor fused = linear(x, weight, bias);
    Tensor composed = add(matmul(x, weight), bias);
    REQUIRE(fused.shape() == Shape{2, 3, N});
    CHECK(max_relative_difference(fused, composed) < 1e-5);

    // The same upstream gradient through both graphs gives the same parameter gradients.
    Tensor upstream = Tensor::randn({2, 3, N}, rng);
    std::vector<std::vector<real>> grads[2];
    for (int path = 0; path < 2; ++path) {
        for (Tensor* t : {&x, &weight, &bias}) t->zero_grad();
        Tensor y = path == 0 ? linear(x, weight, bias) : add(matmul(x, weight), bias);
        y.backward(upstream);
        for (Tensor* t : {&x, &weight, &bias}) grads[path].push_back(t->grad().to_vector());
    }
    for (size_t i = 0; i < 3; ++i) {
        INFO("input " << i);
        REQUIRE(grads[0][i].size() == grads[1][i].size());
        for (size_t j = 0; j < grads[0][i].size(); ++j)
            CHECK(grads[0][i][j] == Approx(grads[1][i][j]).epsilon(1e-5).margin(1e-6));
    }

    auto r = gradcheck([](const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); },
                       {x, weight, bias});
    INFO(r.report);
    CHECK(r.ok);

    CHECK_THROWS_WITH(linear(Tensor::zeros({2, 4}), weight, bias),
                      Catch::Contains("linear: x [2, 4] must end in K = 6 to match weight [6, 5]"));
    CHECK_THROWS_WITH(linear(x, Tensor::zeros({K}), bias),
                      Catch::Contains("linear: weight must be 2-d [K, N] with K > 0, got [6]"));
    CHECK_THROWS_WITH(linear(Tensor::zeros({2, 0}), Tensor::zeros({0, N}), bias),
                      Catch::Contains("with K > 0, got [0, 5]"));
    CHECK_THROWS_WITH(
        linear(x, weight, Tensor::zeros({N, 1})),
        Catch::Contains("linear: bias must be [5] to match weight [6, 5], got [5, 1]"));
}
