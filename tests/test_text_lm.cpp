// Character LM data: the byte vocabulary, LM windows and contiguous splits; the copy task.
#include <catch2/catch.hpp>

#include "train/data/copy_lm.h"
#include "train/data/text_lm.h"

using namespace attnlab;
using Catch::Contains;

TEST_CASE("text_lm: the vocabulary numbers distinct bytes from 1 in byte order", "[data]") {
    const CharVocab vocab("hello world");
    CHECK(vocab.size() == 9);  // " dehlorw" + padding
    CHECK(vocab.encode(" deh") == std::vector<int32_t>({1, 2, 3, 4}));
    CHECK(vocab.decode(vocab.encode("hold")) == "hold");
    CHECK(vocab.decode({0, 4, 99}) == "h");
    CHECK_THROWS_WITH(vocab.encode("hex"), Contains("'x'") && Contains("offset 2"));
}

TEST_CASE("text_lm: windows give next-character targets; splits are contiguous", "[data]") {
    auto vocab = std::make_shared<const CharVocab>("abcdefgh");
    const TextLmDataset data("t", vocab, vocab->encode("abcdefgh"), 3, 2);
    CHECK(data.size() == 3);  // starts 0, 2, 4 (4 + 3 + 1 = 8 tokens)
    const Example e = data.example(1);
    CHECK(data.decode(e.input) == "cde");
    CHECK(data.decode(e.target) == "def");
    CHECK_THROWS_WITH(data.example(3), Contains("index 3"));

    std::string text;
    for (int i = 0; i < 100; ++i) text += char('a' + i % 7);
    const TextLmSplits splits = make_text_lm_splits("doc", text, 4, 1, 0.1, 0.2);
    CHECK(splits.train->size() == 70 - 4);
    CHECK(splits.valid->size() == 2);  // 10 characters, windows of 5 without overlap
    CHECK(splits.test->size() == 4);
    CHECK(splits.test->decode(splits.test->example(0).input) == text.substr(80, 4));
    CHECK_THROWS_WITH(make_text_lm_splits("doc", text, 30, 1, 0.1, 0.1),
                      Contains("valid split has 10 characters"));
}

TEST_CASE("copy_lm: the second half copies the first and only it is scored", "[data]") {
    const CopyLmDataset data("c", 10, 5, 4, 3, 0);
    const Example e = data.example(7);
    REQUIRE(e.input.size() == 8);
    CHECK(e.input[4] == CopyLmDataset::kSeparator);
    for (int i = 0; i < 4; ++i) {
        CHECK(e.target[size_t(i)] == kIgnoreIndex);
        CHECK(e.target[size_t(4 + i)] == e.input[size_t(i)]);
        CHECK(e.input[size_t(i)] >= 2);
        CHECK(e.input[size_t(i)] < data.vocab_size());
    }
    CHECK(data.example(7).input == e.input);
    CHECK(CopyLmDataset("c", 10, 5, 4, 3, 1).example(7).input != e.input);  // another split
}
