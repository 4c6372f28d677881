// synthetic_seq2seq.cpp — the copy, reverse and sort string tasks of synthetic_seq2seq.h.
#include "synthetic_seq2seq.h"

#include <algorithm>

#include "engine/rng.h"

namespace attnlab {

namespace {

constexpr const char* kSymbols = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr int kMaxAlphabet = 62;

}  // namespace

const char* synthetic_task_name(SyntheticTask task) {
    switch (task) {
        case SyntheticTask::Copy:
            return "copy";
        case SyntheticTask::Reverse:
            return "reverse";
        case SyntheticTask::Sort:
            return "sort";
    }
    return "?";
}

SyntheticTask parse_synthetic_task(const std::string& name) {
    for (SyntheticTask task : {SyntheticTask::Copy, SyntheticTask::Reverse, SyntheticTask::Sort})
        if (name == synthetic_task_name(task)) return task;
    throw Error(
        cat("synthetic seq2seq: unknown task '", name, "' (expected copy, reverse or sort)"));
}

SyntheticSeq2Seq::SyntheticSeq2Seq(const SyntheticSeq2SeqOptions& options) : options_(options) {
    ATTNLAB_CHECK(options.size > 0, "SyntheticSeq2Seq: size ", options.size, " must be positive");
    ATTNLAB_CHECK(options.min_length >= 1 && options.min_length <= options.max_length,
                  "SyntheticSeq2Seq: length bounds [", options.min_length, ", ", options.max_length,
                  "] need 1 <= min_length <= max_length");
    ATTNLAB_CHECK(options.max_length < kMaxSequenceLength, "SyntheticSeq2Seq: max_length ",
                  options.max_length, " must be below ", kMaxSequenceLength);
    ATTNLAB_CHECK(options.alphabet_size >= 1 && options.alphabet_size <= kMaxAlphabet,
                  "SyntheticSeq2Seq: alphabet_size ", options.alphabet_size, " outside 1 .. ",
                  kMaxAlphabet, " (one printable character per symbol)");
}

std::string SyntheticSeq2Seq::name() const {
    return cat("synthetic_", synthetic_task_name(options_.task));
}

Example SyntheticSeq2Seq::example(int64_t index) const {
    ATTNLAB_CHECK(index >= 0 && index < options_.size, "SyntheticSeq2Seq: index ", index,
                  " outside [0, ", options_.size, ")");
    Rng rng(mix(options_.seed, uint64_t(index)));
    const int64_t span = options_.max_length - options_.min_length + 1;
    const int64_t length = options_.min_length + int64_t(rng.below(uint64_t(span)));
    Example example;
    for (int64_t t = 0; t < length; ++t)
        example.input.push_back(kSeq2SeqSymbol0 +
                                int32_t(rng.below(uint64_t(options_.alphabet_size))));
    std::vector<int32_t> output = example.input;
    if (options_.task == SyntheticTask::Reverse) std::reverse(output.begin(), output.end());
    if (options_.task == SyntheticTask::Sort) std::sort(output.begin(), output.end());
    example.second.push_back(kSeq2SeqBos);
    example.second.insert(example.second.end(), output.begin(), output.end());
    example.target = output;
    example.target.push_back(kSeq2SeqEos);
    return example;
}

std::string SyntheticSeq2Seq::decode(const std::vector<int32_t>& ids) const {
    std::string out;
    for (int32_t id : ids) {
        if (id == kPadId)
            out += '_';
        else if (id == kSeq2SeqBos)
            out += "<s>";
        else if (id == kSeq2SeqEos)
            out += "</s>";
        else if (id >= kSeq2SeqSymbol0 && id < kSeq2SeqSymbol0 + options_.alphabet_size)
            out += kSymbols[id - kSeq2SeqSymbol0];
        else
            out += cat("<", id, ">");
    }
    return out;
}

}  // namespace attnlab
