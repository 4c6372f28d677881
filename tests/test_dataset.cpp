// Collation (padding, masks, ignored targets) and the resumable epoch-seeded batch order.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "train/data/dataset.h"

using namespace attnlab;

TEST_CASE("dataset: collate pads inputs, masks and targets", "[data]") {
    Example a, b;
    a.input = {5, 6, 7};
    a.target = {6, 7, 8};
    b.input = {9};
    b.target = {3};
    const Batch batch = collate({a, b});
    CHECK(batch.input.shape == Shape({2, 3}));
    CHECK(batch.input.values == std::vector<int32_t>({5, 6, 7, 9, kPadId, kPadId}));
    CHECK(std::vector<real>(batch.input_mask.data(), batch.input_mask.data() + 6) ==
          std::vector<real>({1, 1, 1, 1, 0, 0}));
    CHECK(batch.target.values == std::vector<int32_t>({6, 7, 8, 3, kIgnoreIndex, kIgnoreIndex}));
    CHECK(batch.target_count() == 4);
    CHECK(batch.second.values.empty());
    CHECK(batch.labels.values.empty());

    Example c;
    c.input = {1};
    c.label = 2;
    CHECK_THROWS_WITH(collate({a, c}), Catch::Contains("mixed tasks"));
    CHECK_THROWS_WITH(collate({}), Catch::Contains("no examples"));
}

TEST_CASE("dataset: the sampler visits every index once per epoch and resumes exactly", "[data]") {
    BatchSampler sampler(10, 4, 7);
    std::vector<int64_t> first_epoch;
    for (int i = 0; i < 2; ++i)
        for (int64_t index : sampler.next()) first_epoch.push_back(index);
    const std::vector<int64_t> wrap = sampler.next();  // 2 of epoch 0, then 2 of epoch 1
    first_epoch.push_back(wrap[0]);
    first_epoch.push_back(wrap[1]);
    CHECK(std::set<int64_t>(first_epoch.begin(), first_epoch.end()).size() == 10);
    CHECK(sampler.epoch() == 1);
    CHECK(sampler.position() == 2);
    std::vector<int64_t> sorted = first_epoch;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted != first_epoch);  // shuffled

    BatchSampler resumed(10, 4, 7);
    resumed.seek(sampler.epoch(), sampler.position());
    CHECK(resumed.next() == sampler.next());
    CHECK_THROWS_WITH(resumed.seek(0, 11), Catch::Contains("outside"));
}
