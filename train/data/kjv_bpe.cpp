// kjv_bpe.cpp — the per-process tokenizer and token caches and the subword windows of kjv_bpe.h.
#include "kjv_bpe.h"

#include <map>
#include <mutex>

namespace attnlab {
namespace {

std::mutex cache_mutex;  // guards the caches below: tasks may be built from several threads

const BpeWordCounts& train_word_counts() {
    static const BpeWordCounts counts = bpe_word_counts(kjv_split_text(KjvSplit::Train));
    return counts;
}

std::shared_ptr<const BpeTokenizer> tokenizer_locked(int64_t vocab_size) {
    static std::map<int64_t, std::shared_ptr<const BpeTokenizer>> tokenizers;
    std::shared_ptr<const BpeTokenizer>& tokenizer = tokenizers[vocab_size];
    if (!tokenizer)
        tokenizer = std::make_shared<const BpeTokenizer>(
            BpeTokenizer::train(train_word_counts(), vocab_size));
    return tokenizer;
}

std::shared_ptr<const std::vector<int32_t>> split_tokens(KjvSplit split, int64_t vocab_size) {
    std::lock_guard<std::mutex> lock(cache_mutex);
    static std::map<std::pair<int64_t, KjvSplit>, std::shared_ptr<const std::vector<int32_t>>>
        tokens;
    auto& cached = tokens[{vocab_size, split}];
    if (!cached)
        cached = std::make_shared<const std::vector<int32_t>>(
            tokenizer_locked(vocab_size)->encode(kjv_split_text(split)));
    return cached;
}

const KjvBpeOptions& checked(const KjvBpeOptions& options) {
    ATTNLAB_CHECK(options.context_length >= 1, "KjvBpeLanguageModel: context_length ",
                  options.context_length, " must be at least 1");
    return options;
}

}  // namespace

std::shared_ptr<const BpeTokenizer> kjv_bpe_tokenizer(int64_t vocab_size) {
    std::lock_guard<std::mutex> lock(cache_mutex);
    return tokenizer_locked(vocab_size);
}

KjvBpeLanguageModel::KjvBpeLanguageModel(const std::string& split, const KjvBpeOptions& options)
    : split_(parse_kjv_split(split)),
      options_(checked(options)),
      tokenizer_(kjv_bpe_tokenizer(options.vocab_size)),
      tokens_(split_tokens(split_, options.vocab_size)) {
    ATTNLAB_CHECK(size() > 0, "KjvBpeLanguageModel: context_length ", options.context_length,
                  " leaves no full window in the ", split, " split (", tokens_->size(),
                  " subwords)");
}

std::string KjvBpeLanguageModel::name() const {
    return cat("kjv_bpe/", kjv_split_name(split_));
}

int64_t KjvBpeLanguageModel::size() const {
    return (int64_t(tokens_->size()) - 1) / options_.context_length;
}

Example KjvBpeLanguageModel::example(int64_t index) const {
    ATTNLAB_CHECK(index >= 0 && index < size(), "KjvBpeLanguageModel::example: index ", index,
                  " outside [0, ", size(), ")");
    const auto begin = tokens_->begin() + index * options_.context_length;
    Example e;
    e.input.assign(begin, begin + options_.context_length);
    e.target.assign(begin + 1, begin + options_.context_length + 1);
    return e;
}

std::string KjvBpeLanguageModel::decode(const std::vector<int32_t>& ids) const {
    return tokenizer_->decode(ids);
}

}  // namespace attnlab
