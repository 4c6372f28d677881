// fuzz_listops.cpp — ListOps' parsers (train/data/listops.h): the text encoder and the recursive
// evaluator, and the generator checked against the evaluator on fuzzed options.
//
// Input: a mode byte, then
//   mode % 3 == 0: expression text, e.g. "[MAX 4 [SM 2 3 ] ]", encoded then evaluated
//   mode % 3 == 1: raw tokens, one per byte (byte % 20 - 2, so ids outside 0..15 too), evaluated
//   mode % 3 == 2: generator options (5 bytes, an 8-byte seed); the last example must
//                  evaluate to its label
#include <cstring>

#include "tests/fuzz/fuzz_support.h"
#include "train/data/listops.h"

namespace attnlab::fuzz {
namespace {

void parse_text(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const std::vector<int32_t> tokens = listops_encode(text);
    for (int32_t token : tokens) require(token >= 1 && token < kListOpsVocab, "listops_encode: id");
    const ListOps dataset;
    require(listops_encode(dataset.decode(tokens)) == tokens, "listops: decode/encode round trip");
    const int value = listops_evaluate(tokens);
    require(value >= 0 && value <= 9, "listops_evaluate: value outside 0..9");
}

void evaluate_tokens(const uint8_t* data, size_t size) {
    std::vector<int32_t> tokens(size);
    for (size_t i = 0; i < size; ++i) tokens[i] = int32_t(data[i] % 20) - 2;
    const int value = listops_evaluate(tokens);
    require(value >= 0 && value <= 9, "listops_evaluate: value outside 0..9");
}

// Small lengths keep a draw cheap: the generator may try up to a million of them.
void generate(const uint8_t* data, size_t size) {
    if (size < 13) return;
    ListOpsOptions options;
    options.size = 1 + data[4] % 4;
    options.min_length = data[0] % 64;
    options.max_length = options.min_length + data[1] % 64;
    options.max_depth = data[2] % 16;
    options.max_args = data[3] % 16;
    std::memcpy(&options.seed, data + 5, 8);
    const ListOps dataset(options);
    const Example example = dataset.example(options.size - 1);
    const int64_t length = int64_t(example.input.size());
    require(length >= options.min_length && length <= options.max_length, "ListOps: length");
    require(listops_evaluate(example.input) == example.label, "ListOps: label != evaluated value");
}

}  // namespace

int listops_input(const uint8_t* data, size_t size) {
    last_rejection().clear();
    if (size < 1) return 0;
    try {
        if (data[0] % 3 == 0)
            parse_text(data + 1, size - 1);
        else if (data[0] % 3 == 1)
            evaluate_tokens(data + 1, size - 1);
        else
            generate(data + 1, size - 1);
    } catch (const Error& e) {
        last_rejection() = e.what();  // a malformed expression or impossible options
    }
    return 0;
}

}  // namespace attnlab::fuzz

ATTNLAB_FUZZ_ENTRY(attnlab::fuzz::listops_input)
