// ListOps: the generator against the independent evaluator, its bounds and LRA's branching, the
// evaluator on hand-written expressions, determinism by seed, and option errors.
#include <catch2/catch.hpp>

#include "train/data/listops.h"

using namespace attnlab;

namespace {

// The deepest operator nesting of a valid expression, and the fewest and most arguments.
struct TreeShape {
    int depth = 0, fewest_args = 1 << 30, most_args = 0;
};
TreeShape tree_shape(const std::vector<int32_t>& tokens) {
    TreeShape shape;
    std::vector<int> args;  // per open operator
    for (int32_t t : tokens) {
        if (t == kListOpsClose) {
            shape.fewest_args = std::min(shape.fewest_args, args.back());
            shape.most_args = std::max(shape.most_args, args.back());
            args.pop_back();
        }
        if (!args.empty() && t != kListOpsClose) ++args.back();
        if (t >= kListOpsMin && t <= kListOpsSumMod) args.push_back(0);
        shape.depth = std::max(shape.depth, int(args.size()));
    }
    return shape;
}

}  // namespace

TEST_CASE("listops: labels equal the evaluator; length, depth and arity within bounds", "[data]") {
    const ListOps data;  // defaults: lengths 64 .. 256, max_depth 10, max_args 10
    CHECK(data.vocab_size() == 16);
    CHECK(data.num_classes() == 10);
    CHECK(data.max_length() == 256);
    std::vector<int> label_counts(10, 0);
    int deepest = 0;
    for (int64_t i = 0; i < 2000; ++i) {
        const Example e = data.example(i);
        INFO("example " << i << ": " << data.decode(e.input));
        REQUIRE(e.label >= 0);
        REQUIRE(e.label < 10);
        CHECK(e.label == listops_evaluate(e.input));
        CHECK(e.input.size() >= 64);
        CHECK(e.input.size() <= 256);
        const TreeShape shape = tree_shape(e.input);
        CHECK(shape.depth <= 9);  // the root is depth 1 and a node at depth 10 is a leaf
        CHECK(shape.fewest_args >= 2);
        CHECK(shape.most_args <= 10);
        deepest = std::max(deepest, shape.depth);
        ++label_counts[size_t(e.label)];
    }
    CHECK(deepest == 9);
    for (int count : label_counts) CHECK(count > 0);

    ListOpsOptions small;
    small.min_length = 10;
    small.max_length = 40;
    small.max_depth = 4;
    small.max_args = 3;
    const ListOps shallow(small);
    for (int64_t i = 0; i < 500; ++i) {
        const Example e = shallow.example(i);
        const TreeShape shape = tree_shape(e.input);
        CHECK(e.label == listops_evaluate(e.input));
        CHECK(e.input.size() >= 10);
        CHECK(e.input.size() <= 40);
        CHECK(shape.depth <= 3);
        CHECK(shape.most_args <= 3);
    }
}

TEST_CASE("listops: LRA's lengths (500 < length < 2000) are reached and kept", "[data]") {
    ListOpsOptions lra;
    lra.min_length = 501;
    lra.max_length = 1999;
    const ListOps data(lra);
    CHECK(data.max_length() == 1999);
    int64_t shortest = 1 << 30, longest = 0;
    for (int64_t i = 0; i < 200; ++i) {
        const Example e = data.example(i);
        CHECK(e.label == listops_evaluate(e.input));
        const int64_t length = int64_t(e.input.size());
        CHECK(length >= 501);
        CHECK(length <= 1999);
        shortest = std::min(shortest, length);
        longest = std::max(longest, length);
        CHECK(tree_shape(e.input).depth <= 9);
    }
    // The accepted lengths spread over the range rather than piling at one end.
    CHECK(shortest < 800);
    CHECK(longest > 1500);
}

TEST_CASE("listops: branching follows LRA (a leaf with probability 0.75, 2..10 arguments)",
          "[data]") {
    ListOpsOptions options;
    options.min_length = 1;  // no rejection: the raw generator
    options.max_length = 1000;
    options.max_depth = 3;  // the longest tree has 122 tokens
    options.size = 4000;
    const ListOps data(options);
    int leaves = 0, roots = 0;
    double root_args = 0;
    for (int64_t i = 0; i < options.size; ++i) {
        const Example e = data.example(i);
        if (e.input.size() == 1) {
            ++leaves;
            continue;
        }
        ++roots;
        int depth = 0, args = 0;  // count the root's direct children
        for (size_t t = 1; t + 1 < e.input.size(); ++t) {
            const int32_t token = e.input[t];
            if (depth == 0 && token != kListOpsClose) ++args;
            if (token >= kListOpsMin && token <= kListOpsSumMod) ++depth;
            if (token == kListOpsClose) --depth;
        }
        root_args += args;
    }
    // Binomial(4000, 0.75): standard deviation 0.0068; mean arity 6 with deviation 2.6 / √1000.
    CHECK(double(leaves) / options.size == Approx(0.75).margin(0.03));
    CHECK(root_args / roots == Approx(6.0).margin(0.4));
}

TEST_CASE("listops: the evaluator on hand-written expressions", "[data]") {
    auto value = [](const std::string& text) { return listops_evaluate(listops_encode(text)); };
    CHECK(value("7") == 7);
    CHECK(value("[MIN 4 3 8 ]") == 3);
    CHECK(value("[MAX 4 3 8 ]") == 8);
    CHECK(value("[MED 5 1 9 ]") == 5);
    CHECK(value("[MED 1 2 ]") == 1);      // median 1.5, floored as int(np.median)
    CHECK(value("[MED 3 8 2 9 ]") == 5);  // (3 + 8) / 2 = 5.5
    CHECK(value("[MED 9 9 8 8 ]") == 8);  // 8.5
    CHECK(value("[SM 9 9 5 ]") == 3);     // 23 mod 10
    CHECK(value("[SM 0 0 ]") == 0);
    CHECK(value("[MAX 4 3 [MIN 2 3 ] 1 0 ]") == 4);
    CHECK(value("[SM [MAX 9 2 ] [MED 1 2 3 4 ] 5 ]") == 6);  // 9 + 2 + 5 = 16
    // LRA's files wrap every cons cell in parentheses; its pipeline drops them, as encode does.
    CHECK(value("( ( ( [MAX 2 ) 9 ) ] )") == 9);

    CHECK_THROWS_WITH(value("[MIN 2 3"), Catch::Contains("never closed"));
    CHECK_THROWS_WITH(value("[MIN 2 ] 3"), Catch::Contains("left over"));
    CHECK_THROWS_WITH(value("[SM ]"), Catch::Contains("no arguments"));
    CHECK_THROWS_WITH(value(""), Catch::Contains("empty"));
    CHECK_THROWS_WITH(listops_encode("[MEAN 1 2 ]"), Catch::Contains("unknown word '[MEAN'"));
    CHECK_THROWS_WITH(listops_evaluate({kListOpsMin, kPadId, kListOpsClose}),
                      Catch::Contains("token 0 at position 1"));
}

TEST_CASE("listops: the evaluator bounds its nesting instead of overflowing the stack", "[data]") {
    // `operators` nested [SM around the digit 7, each with its ']': the value stays 7.
    auto nested = [](int operators) {
        std::vector<int32_t> tokens(size_t(operators), kListOpsSumMod);
        tokens.push_back(kListOpsDigit0 + 7);
        tokens.insert(tokens.end(), size_t(operators), kListOpsClose);
        return tokens;
    };
    CHECK(listops_evaluate(nested(999)) == 7);
    CHECK_THROWS_WITH(listops_evaluate(nested(1000)),
                      Catch::Contains("nested deeper than 1000 levels at position 1000"));
    // Deep enough to overflow any stack if every level recursed (tests/fuzz/regressions/listops).
    CHECK_THROWS_WITH(listops_evaluate(nested(1000000)), Catch::Contains("nested deeper"));
}

TEST_CASE("listops: examples are deterministic by seed and independent of order", "[data]") {
    ListOpsOptions options;
    options.size = 100;
    const ListOps a(options), b(options);
    const Example late = a.example(57);
    for (int64_t i = 0; i < 10; ++i) a.example(i);
    CHECK(b.example(57).input == late.input);
    CHECK(a.example(57).label == late.label);
    CHECK(listops_encode(a.decode(late.input)) == late.input);

    options.seed = 2;
    const ListOps other(options);
    int same = 0;
    for (int64_t i = 0; i < 20; ++i) same += other.example(i).input == a.example(i).input;
    CHECK(same == 0);
    CHECK_THROWS_WITH(a.example(100), Catch::Contains("index 100 outside [0, 100)"));
}

TEST_CASE("listops: bad options are rejected", "[data]") {
    auto make = [](auto change) {
        ListOpsOptions options;
        change(options);
        return ListOps(options);
    };
    CHECK_THROWS_WITH(make([](ListOpsOptions& o) { o.min_length = 300; }),
                      Catch::Contains("1 <= min_length <= max_length"));
    CHECK_THROWS_WITH(make([](ListOpsOptions& o) { o.max_args = 1; }),
                      Catch::Contains("max_args 1 outside 2 .. 1000"));
    CHECK_THROWS_WITH(make([](ListOpsOptions& o) { o.max_depth = 0; }),
                      Catch::Contains("max_depth 0"));
    CHECK_THROWS_WITH(make([](ListOpsOptions& o) {
                          o.max_depth = 2;
                          o.max_args = 2;
                          o.min_length = 5;
                      }),
                      Catch::Contains("longest expression"));
    CHECK_THROWS_WITH(make([](ListOpsOptions& o) {
                          o.min_length = 2;
                          o.max_length = 3;
                      }),
                      Catch::Contains("lengths are 1 or at least 4"));
    CHECK_THROWS_WITH(make([](ListOpsOptions& o) { o.size = 0; }), Catch::Contains("size 0"));
}
