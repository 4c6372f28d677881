// kjv_transduce.cpp — word reversal and the seeded source passages of kjv_transduce.h.
#include "kjv_transduce.h"

#include <algorithm>

#include "engine/rng.h"

namespace attnlab {

namespace {

bool is_separator(char c) {
    return c == ' ' || c == '\n';
}

}  // namespace

std::string reverse_words(const std::string& text) {
    std::string out = text;
    size_t start = 0;
    while (start < out.size()) {
        if (is_separator(out[start])) {
            ++start;
            continue;
        }
        size_t end = start;
        while (end < out.size() && !is_separator(out[end])) ++end;
        std::reverse(out.begin() + long(start), out.begin() + long(end));
        start = end;
    }
    return out;
}

KjvTransduction::KjvTransduction(const std::string& split, const KjvTransductionOptions& options)
    : split_(parse_kjv_split(split)),
      options_(options),
      size_(split_ == KjvSplit::Train ? options.train_examples : options.eval_examples),
      text_(kjv_split_text(split_)),
      vocabulary_(kjv_split_text(KjvSplit::Train), /*with_bos_eos=*/true) {
    ATTNLAB_CHECK(options.min_length >= 1 && options.min_length <= options.max_length,
                  "KjvTransduction: source lengths [", options.min_length, ", ", options.max_length,
                  "] must satisfy 1 <= min_length <= max_length");
    ATTNLAB_CHECK(size_ > 0, "KjvTransduction: ", split, " size ", size_, " must be positive");
    const size_t last_start = text_.size() - std::min(text_.size(), size_t(options.max_length));
    for (size_t i = 0; i <= last_start; ++i)
        if (!is_separator(text_[i]) && (i == 0 || is_separator(text_[i - 1])))
            word_starts_.push_back(int32_t(i));
    ATTNLAB_CHECK(!word_starts_.empty(), "KjvTransduction: the ", split, " split has no word with ",
                  options.max_length, " characters after it");
}

std::string KjvTransduction::name() const {
    return cat("kjv_reverse_words/", kjv_split_name(split_));
}

std::string KjvTransduction::source_text(int64_t index) const {
    ATTNLAB_CHECK(index >= 0 && index < size_, "KjvTransduction::example: index ", index,
                  " outside [0, ", size_, ")");
    Rng rng(mix(options_.seed, uint64_t(index)));
    const int32_t start = word_starts_[size_t(rng.below(word_starts_.size()))];
    const int64_t length =
        options_.min_length +
        int64_t(rng.below(uint64_t(options_.max_length - options_.min_length + 1)));
    return text_.substr(size_t(start), size_t(length));
}

Example KjvTransduction::example(int64_t index) const {
    const std::string source = source_text(index);
    const std::vector<int32_t> reversed = vocabulary_.encode(reverse_words(source));
    Example e;
    e.input = vocabulary_.encode(source);
    e.second.push_back(vocabulary_.bos_id());
    e.second.insert(e.second.end(), reversed.begin(), reversed.end());
    e.target = reversed;
    e.target.push_back(vocabulary_.eos_id());
    return e;
}

std::string KjvTransduction::decode(const std::vector<int32_t>& ids) const {
    return vocabulary_.decode(ids);
}

}  // namespace attnlab
