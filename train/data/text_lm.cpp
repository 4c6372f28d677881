// text_lm.cpp — the byte vocabulary and the LM windows of text_lm.h.
#include "text_lm.h"

namespace attnlab {

CharVocab::CharVocab(const std::string& text) {
    std::array<bool, 256> present{};
    for (char c : text) present[uint8_t(c)] = true;
    for (int byte = 0; byte < 256; ++byte) {
        if (!present[size_t(byte)]) continue;
        chars_.push_back(char(byte));
        ids_[size_t(byte)] = int32_t(chars_.size());
    }
}

std::vector<int32_t> CharVocab::encode(const std::string& text) const {
    std::vector<int32_t> ids;
    ids.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        const int32_t id = ids_[uint8_t(text[i])];
        ATTNLAB_CHECK(id != 0, "CharVocab::encode: byte ", int(uint8_t(text[i])), " ('", text[i],
                      "') at offset ", i, " is not in the vocabulary of ", chars_.size(),
                      " characters");
        ids.push_back(id);
    }
    return ids;
}

std::string CharVocab::decode(const std::vector<int32_t>& ids) const {
    std::string text;
    for (int32_t id : ids)
        if (id >= 1 && id <= int32_t(chars_.size())) text.push_back(chars_[size_t(id - 1)]);
    return text;
}

TextLmDataset::TextLmDataset(std::string name, std::shared_ptr<const CharVocab> vocab,
                             std::vector<int32_t> tokens, int64_t seq_len, int64_t stride)
    : name_(std::move(name)),
      vocab_(std::move(vocab)),
      tokens_(std::move(tokens)),
      seq_len_(seq_len),
      stride_(stride) {
    ATTNLAB_CHECK(seq_len >= 1 && stride >= 1, "TextLmDataset ", name_, ": seq_len ", seq_len,
                  " and stride ", stride, " must be positive");
    ATTNLAB_CHECK(seq_len <= kMaxSequenceLength, "TextLmDataset ", name_, ": seq_len ", seq_len,
                  " must be at most ", kMaxSequenceLength);
    ATTNLAB_CHECK(int64_t(tokens_.size()) >= seq_len + 1, "TextLmDataset ", name_, ": ",
                  tokens_.size(), " tokens, fewer than seq_len + 1 = ", seq_len + 1);
}

int64_t TextLmDataset::size() const {
    return (int64_t(tokens_.size()) - seq_len_ - 1) / stride_ + 1;
}

Example TextLmDataset::example(int64_t index) const {
    ATTNLAB_CHECK(index >= 0 && index < size(), "TextLmDataset ", name_, ": index ", index,
                  " outside [0, ", size(), ")");
    const auto begin = tokens_.begin() + index * stride_;
    Example example;
    example.input.assign(begin, begin + seq_len_);
    example.target.assign(begin + 1, begin + seq_len_ + 1);
    return example;
}

std::string TextLmDataset::decode(const std::vector<int32_t>& ids) const {
    return vocab_->decode(ids);
}

TextLmSplits make_text_lm_splits(const std::string& name, const std::string& text, int64_t seq_len,
                                 int64_t train_stride, double valid_fraction,
                                 double test_fraction) {
    ATTNLAB_CHECK(
        valid_fraction >= 0 && valid_fraction < 0.5 && test_fraction >= 0 && test_fraction < 0.5,
        "make_text_lm_splits: fractions valid ", valid_fraction, " and test ", test_fraction,
        " must be in [0, 0.5)");
    TextLmSplits splits;
    auto vocab = std::make_shared<const CharVocab>(text);
    splits.vocab = vocab;
    const std::vector<int32_t> tokens = vocab->encode(text);
    const int64_t n = int64_t(tokens.size());
    const int64_t test_begin = n - int64_t(double(n) * test_fraction);
    const int64_t valid_begin = test_begin - int64_t(double(n) * valid_fraction);
    auto part = [&](const char* split, int64_t begin, int64_t end, int64_t stride) {
        ATTNLAB_CHECK(end - begin >= seq_len + 1, name, ": the ", split, " split has ", end - begin,
                      " characters, fewer than seq_len + 1 = ", seq_len + 1,
                      " (a longer text or a larger fraction?)");
        return std::make_unique<TextLmDataset>(
            name + "/" + split, vocab,
            std::vector<int32_t>(tokens.begin() + begin, tokens.begin() + end), seq_len, stride);
    };
    splits.train = part("train", 0, valid_begin, train_stride);
    splits.valid = part("valid", valid_begin, test_begin, seq_len);
    splits.test = part("test", test_begin, n, seq_len);
    return splits;
}

}  // namespace attnlab
