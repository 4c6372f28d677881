// test_data_parallel.cpp — the parts of data-parallel training that run in one process
// (train/data_parallel.h): each rank's rows of a batch, the bucketed gradient sum (through a
// stand-in reduction), and dropout masks keyed by the examples' global rows (engine/ops.h).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <set>

#include "engine/ops.h"
#include "models/attention.h"
#include "train/data_parallel.h"
#include "train/distributed.h"

using namespace attnlab;

namespace {

// Rows [begin, end) of x [B, ...] as a new tensor.
Tensor dp_rows(const Tensor& x, int64_t begin, int64_t end) {
    return slice(x, 0, begin, end).detach();
}

void dp_check_same(const Tensor& a, const Tensor& b) {
    REQUIRE(a.shape() == b.shape());
    for (int64_t i = 0; i < a.numel(); ++i) {
        INFO("element " << i);
        CHECK(a.data()[i] == Approx(b.data()[i]).epsilon(1e-5).margin(1e-6));
    }
}

// Parameters of 3, 5, 2 and 7 elements, the fourth frozen, in buckets of 4 elements' bytes:
// [p2, p1] (7 elements) and [p0]. Sums are stand-ins: three identical processes (×3), started
// when the buckets' parameters are final and carried out only when waited for.
struct BucketFixture {
    std::vector<Parameter> params;
    std::vector<std::string> events;  // "start <n>", "wait <n>" (n: the buffer's size)

    BucketFixture() {
        const std::vector<int64_t> sizes = {3, 5, 2, 7};
        for (size_t k = 0; k < sizes.size(); ++k) {
            Tensor t = Tensor::zeros({sizes[k]});
            t.set_requires_grad(true);
            params.push_back({"p" + std::to_string(k), t, k != 3});
        }
    }
    void set_grad(size_t k) {
        real* g = params[k].tensor.ensure_grad();
        for (int64_t i = 0; i < params[k].tensor.numel(); ++i) g[i] = real(10 * k + i);
    }
    GradientBuckets buckets() {
        return GradientBuckets(params, 4 * int64_t(sizeof(real)), [this](real* data, int64_t n) {
            events.push_back("start " + std::to_string(n));
            return GradientBuckets::PendingSum{[] {},
                                               [this, data, n] {
                                                   events.push_back("wait " + std::to_string(n));
                                                   for (int64_t i = 0; i < n; ++i) data[i] *= 3;
                                               }};
        });
    }
    const TensorImpl* leaf(size_t k) const { return params[k].tensor.impl(); }
};

}  // namespace

TEST_CASE("data parallel: the ranks' rows tile a batch in order, sizes within one", "[mpi]") {
    for (int64_t rows : {1, 2, 5, 8, 13})
        for (int ranks : {1, 2, 3, 4}) {
            INFO(rows << " rows, " << ranks << " ranks");
            int64_t next = 0, smallest = rows, largest = 0;
            for (int rank = 0; rank < ranks; ++rank) {
                const RowRange range = rank_rows(rows, rank, ranks);
                CHECK(range.begin == next);
                next = range.end;
                smallest = std::min(smallest, range.size());
                largest = std::max(largest, range.size());
            }
            CHECK(next == rows);
            CHECK(largest - smallest <= 1);
            CHECK(rank_rows(rows, 0, ranks).size() >= 1);  // rank 0 always has a row
        }
    CHECK_THROWS_WITH(rank_rows(4, 2, 2), Catch::Contains("rank 2 of 2"));
}

TEST_CASE("data parallel: a batch's rows keep every field and the padded length", "[mpi]") {
    Batch batch;
    batch.input = IntTensor({3, 2}, {1, 2, 3, 4, 5, 6});
    batch.input_mask = Tensor::from_vector({3, 2}, {1, 1, 1, 0, 1, 1});
    batch.target = IntTensor({3, 2}, {2, 3, 4, kIgnoreIndex, 6, 7});
    batch.labels = IntTensor({3}, {0, 1, 0});
    const Batch part = batch_rows(batch, {1, 3});
    CHECK(part.input.shape == Shape({2, 2}));
    CHECK(part.input.values == std::vector<int32_t>({3, 4, 5, 6}));
    CHECK(std::vector<real>(part.input_mask.data(), part.input_mask.data() + 4) ==
          std::vector<real>({1, 0, 1, 1}));
    CHECK(part.labels.values == std::vector<int32_t>({1, 0}));
    CHECK(part.target_count() == 3);
    CHECK_FALSE(part.second_mask.defined());
    CHECK_THROWS_WITH(batch_rows(batch, {2, 4}), Catch::Contains("rows [2, 4) of a batch of 3"));
}

TEST_CASE("data parallel: a bucket's sum starts once its gradients are final, in bucket order",
          "[mpi]") {
    BucketFixture fixture;
    GradientBuckets buckets = fixture.buckets();
    REQUIRE(buckets.buckets() == std::vector<std::vector<size_t>>({{2, 1}, {0}}));
    buckets.begin();
    for (size_t k : {size_t(0), size_t(1), size_t(2), size_t(3)}) fixture.set_grad(k);
    buckets.leaf_done(fixture.leaf(0));  // bucket 1 is complete, but bucket 0 must start first
    buckets.leaf_done(fixture.leaf(3));  // frozen: ignored
    buckets.leaf_done(fixture.leaf(1));
    CHECK(fixture.events.empty());
    buckets.leaf_done(fixture.leaf(2));  // bucket 0 complete: both start, in order
    CHECK(fixture.events == std::vector<std::string>({"start 9", "start 4"}));
    buckets.finish();
    CHECK(fixture.events.size() == 4);
    for (size_t k : {size_t(0), size_t(1), size_t(2)})
        for (int64_t i = 0; i < fixture.params[k].tensor.numel(); ++i)
            CHECK(fixture.params[k].tensor.grad_data()[i] == real(30 * int64_t(k) + 3 * i));
    CHECK(fixture.params[3].tensor.grad_data()[1] == 31);  // frozen: not summed
}

TEST_CASE("data parallel: gradient buckets sum every existing gradient once", "[mpi]") {
    BucketFixture fixture;
    for (size_t k : {size_t(0), size_t(1)}) fixture.set_grad(k);  // p2: reached by no process
    GradientBuckets buckets = fixture.buckets();
    buckets.begin();
    buckets.leaf_done(fixture.leaf(0));
    buckets.leaf_done(fixture.leaf(1));
    CHECK(fixture.events == std::vector<std::string>());  // p2 never reported: bucket 0 waits
    buckets.finish();
    CHECK(fixture.events == std::vector<std::string>({"start 9", "start 4", "wait 9", "wait 4"}));
    for (size_t k : {size_t(0), size_t(1)})
        for (int64_t i = 0; i < fixture.params[k].tensor.numel(); ++i)
            CHECK(fixture.params[k].tensor.grad_data()[i] == real(30 * int64_t(k) + 3 * i));
    CHECK(fixture.params[2].tensor.grad_data() == nullptr);  // still no gradient
    // A second step: begin() forgets the first step's final parameters.
    buckets.begin();
    buckets.leaf_done(fixture.leaf(1));
    CHECK(fixture.events.size() == 4);
    buckets.finish();
}

TEST_CASE("data parallel: the distributed layer is one process outside a launcher", "[mpi]") {
    if (distributed::launched()) return;  // the suite itself run under mpirun
    CHECK(distributed::rank() == 0);
    CHECK(distributed::size() == 1);
    std::vector<double> values = {1.5, -2};
    distributed::allreduce_sum(values.data(), 2);
    CHECK(values == std::vector<double>({1.5, -2}));
    const Metrics sums = {{"loss_sum", 3}, {"tokens", 4}};
    CHECK(sum_over_ranks(sums) == sums);
    CHECK(distributed::gather("bytes") == std::vector<std::string>{"bytes"});
}

TEST_CASE("data parallel: a child's environment has no launcher's rank variables", "[mpi]") {
    if (distributed::launched()) return;  // its own variables are not to be changed
    ::setenv("PMIX_RANK", "1", 1);
    ::setenv("PMIX_RANKED", "kept", 1);
    const std::vector<std::string> environment = distributed::child_environment();
    ::unsetenv("PMIX_RANK");
    ::unsetenv("PMIX_RANKED");
    auto has = [&](const std::string& entry) {
        return std::find(environment.begin(), environment.end(), entry) != environment.end();
    };
    CHECK_FALSE(has("PMIX_RANK=1"));
    CHECK(has("PMIX_RANKED=kept"));
    CHECK(environment.size() >= 1);
}

TEST_CASE("data parallel: dropout masks follow the examples' global rows", "[mpi]") {
    Rng rng(5);
    const Tensor x = Tensor::randn({4, 3, 5}, rng);
    const Tensor whole = batch_dropout(x, real(0.5), 77);
    for (int64_t first : {1, 3}) {
        const ScopedBatchRows rows(first);
        dp_check_same(batch_dropout(dp_rows(x, first, 4), real(0.5), 77), dp_rows(whole, first, 4));
    }
    CHECK(batch_first_row() == 0);  // restored
    // Attention-weight dropout, fused and not: rows 2..3 of a batch of 4 alone.
    for (bool fused : {true, false}) {
        INFO("fused " << fused);
        AttentionConfig config;
        config.d_model = 8;
        config.heads = 2;
        config.max_len = 16;
        config.kind = "vanilla";
        config.dropout = 0.4;
        config.dropout_seed = 9;
        config.set("fused", fused);
        Rng data(6);
        const Tensor input = Tensor::randn({4, 12, 8}, data);
        auto forward = [&](const Tensor& batch) {
            Rng init(17);
            MultiHeadAttention layer(config, init);
            layer.set_training(true);
            return layer.forward(batch, Tensor()).detach();
        };
        const Tensor all = forward(input);
        const ScopedBatchRows rows(2);
        dp_check_same(forward(dp_rows(input, 2, 4)), dp_rows(all, 2, 4));
    }
}
