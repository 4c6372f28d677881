// The generated seq2seq (copy, reverse, sort) and associative-recall tasks: targets, BOS/EOS
// placement, recall labels and distinct keys, determinism by seed, decoding and option errors.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "train/data/associative_recall.h"
#include "train/data/synthetic_seq2seq.h"

using namespace attnlab;

TEST_CASE("synthetic seq2seq: copy, reverse and sort targets with BOS and EOS", "[data]") {
    for (SyntheticTask task : {SyntheticTask::Copy, SyntheticTask::Reverse, SyntheticTask::Sort}) {
        SyntheticSeq2SeqOptions options;
        options.task = task;
        options.min_length = 3;
        options.max_length = 9;
        options.alphabet_size = 26;
        const SyntheticSeq2Seq data(options);
        CHECK(data.name() == std::string("synthetic_") + synthetic_task_name(task));
        CHECK(data.task() == TaskKind::Seq2Seq);
        CHECK(data.vocab_size() == 29);
        CHECK(data.max_length() == 10);
        std::set<size_t> lengths;
        for (int64_t i = 0; i < 300; ++i) {
            const Example e = data.example(i);
            INFO(synthetic_task_name(task) << " example " << i << ": " << data.decode(e.input));
            REQUIRE(e.input.size() >= 3);
            REQUIRE(e.input.size() <= 9);
            lengths.insert(e.input.size());
            for (int32_t t : e.input) CHECK((t >= kSeq2SeqSymbol0 && t < 29));
            REQUIRE(e.target.size() == e.input.size() + 1);
            REQUIRE(e.second.size() == e.target.size());
            CHECK(e.second.front() == kSeq2SeqBos);
            CHECK(e.target.back() == kSeq2SeqEos);
            const std::vector<int32_t> output(e.target.begin(), e.target.end() - 1);
            CHECK(std::vector<int32_t>(e.second.begin() + 1, e.second.end()) == output);
            std::vector<int32_t> expected = e.input;
            if (task == SyntheticTask::Reverse) std::reverse(expected.begin(), expected.end());
            if (task == SyntheticTask::Sort) std::sort(expected.begin(), expected.end());
            CHECK(output == expected);
            CHECK(e.label == -1);
        }
        CHECK(lengths.size() == 7);  // every length in [3, 9] occurs
    }
}

TEST_CASE("synthetic seq2seq: determinism by seed, decoding and bad options", "[data]") {
    SyntheticSeq2SeqOptions options;
    options.task = parse_synthetic_task("reverse");
    const SyntheticSeq2Seq a(options), b(options);
    CHECK(a.example(41).input == b.example(41).input);
    options.seed = 9;
    const SyntheticSeq2Seq other(options);
    CHECK(other.example(41).input != a.example(41).input);

    CHECK(a.decode({kSeq2SeqBos, 3, 4, 12, kSeq2SeqEos, kPadId}) == "<s>019</s>_");
    options.alphabet_size = 62;
    CHECK(SyntheticSeq2Seq(options).decode({3 + 10, 3 + 36, 3 + 61, 99}) == "aAZ<99>");

    CHECK_THROWS_WITH(parse_synthetic_task("shuffle"), Catch::Contains("unknown task 'shuffle'"));
    options.alphabet_size = 63;
    CHECK_THROWS_WITH(SyntheticSeq2Seq(options),
                      Catch::Contains("alphabet_size 63 outside 1 .. 62"));
    options.alphabet_size = 10;
    options.min_length = 0;
    CHECK_THROWS_WITH(SyntheticSeq2Seq(options), Catch::Contains("1 <= min_length <= max_length"));

    const Batch batch = make_batch(a, {0, 1, 2});
    CHECK(batch.second.shape == batch.target.shape);
}

TEST_CASE("associative recall: the label is the query key's value, keys are distinct", "[data]") {
    AssociativeRecallOptions options;  // 4 .. 12 pairs, 16 keys, 10 values
    const AssociativeRecall data(options);
    CHECK(data.vocab_size() == 2 + 16 + 10);
    CHECK(data.num_classes() == 10);
    CHECK(data.max_length() == 26);
    std::set<size_t> query_slots;
    std::vector<int> label_counts(10, 0);
    for (int64_t i = 0; i < 1000; ++i) {
        const Example e = data.example(i);
        INFO("example " << i << ": " << data.decode(e.input));
        const size_t n = e.input.size() / 2 - 1;
        REQUIRE(e.input.size() == 2 * n + 2);
        REQUIRE(n >= 4);
        REQUIRE(n <= 12);
        CHECK(e.input[2 * n] == kRecallQuery);
        std::set<int32_t> keys;
        int matches = 0, answer = -1;
        for (size_t p = 0; p < n; ++p) {
            const int32_t key = e.input[2 * p], value = e.input[2 * p + 1];
            CHECK((key >= data.key_token(0) && key < data.value_token(0)));
            CHECK((value >= data.value_token(0) && value < data.vocab_size()));
            keys.insert(key);
            if (key == e.input[2 * n + 1]) {
                ++matches;
                answer = value - data.value_token(0);
                query_slots.insert(p);
            }
        }
        CHECK(keys.size() == n);
        CHECK(matches == 1);
        CHECK(e.label == answer);
        ++label_counts[size_t(e.label)];
    }
    CHECK(query_slots.size() == 12);  // the answer's position varies with the content
    for (int count : label_counts) CHECK(count > 0);
}

TEST_CASE("associative recall: determinism by seed, decoding and bad options", "[data]") {
    AssociativeRecallOptions options;
    options.min_pairs = options.max_pairs = 2;
    options.key_alphabet = 3;
    options.value_alphabet = 4;
    const AssociativeRecall a(options), b(options);
    CHECK(a.example(7).input == b.example(7).input);
    CHECK(a.example(7).label == b.example(7).label);
    CHECK(a.decode({2, 5, 4, 8, 1, 4, 0}) == "k0 v0 k2 v3 ? k2 _");

    options.key_alphabet = 1;
    CHECK_THROWS_WITH(AssociativeRecall(options), Catch::Contains("key_alphabet 1 is smaller"));
    options.key_alphabet = 3;
    options.value_alphabet = 1;
    CHECK_THROWS_WITH(AssociativeRecall(options), Catch::Contains("value_alphabet 1"));
    options.value_alphabet = 4;
    options.min_pairs = 3;
    CHECK_THROWS_WITH(AssociativeRecall(options), Catch::Contains("1 <= min_pairs <= max_pairs"));

    const Batch batch = make_batch(a, {0, 1, 2, 3});
    CHECK(batch.labels.shape == Shape({4}));
}
