// kjv_lm.cpp — the non-overlapping character windows of kjv_lm.h.
#include "kjv_lm.h"

namespace attnlab {

namespace {

const KjvLanguageModelOptions& checked(const KjvLanguageModelOptions& options) {
    ATTNLAB_CHECK(options.context_length >= 1, "KjvLanguageModel: context_length ",
                  options.context_length, " must be at least 1");
    return options;
}

}  // namespace

KjvLanguageModel::KjvLanguageModel(const std::string& split, const KjvLanguageModelOptions& options)
    : split_(parse_kjv_split(split)),
      options_(checked(options)),
      text_(kjv_split_text(split_)),
      vocabulary_(kjv_split_text(KjvSplit::Train)) {
    ATTNLAB_CHECK(size() > 0, "KjvLanguageModel: context_length ", options.context_length,
                  " leaves no full window in the ", split, " split (", text_.size(),
                  " characters)");
}

std::string KjvLanguageModel::name() const {
    return cat("kjv_lm/", kjv_split_name(split_));
}

int64_t KjvLanguageModel::size() const {
    return (int64_t(text_.size()) - 1) / options_.context_length;
}

Example KjvLanguageModel::example(int64_t index) const {
    ATTNLAB_CHECK(index >= 0 && index < size(), "KjvLanguageModel::example: index ", index,
                  " outside [0, ", size(), ")");
    const size_t L = size_t(options_.context_length), offset = size_t(index) * L;
    Example e;
    e.input = vocabulary_.encode(text_.substr(offset, L));
    e.target = vocabulary_.encode(text_.substr(offset + 1, L));
    return e;
}

std::string KjvLanguageModel::decode(const std::vector<int32_t>& ids) const {
    return vocabulary_.decode(ids);
}

}  // namespace attnlab
