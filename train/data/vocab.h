// vocab.h — the two token vocabularies of the text tasks: characters (language modelling,
// transduction) and raw bytes (classification and retrieval, byte-level like LRA's Text task).
//
// Character vocabulary, built from a training text only (the train split, never valid/test):
//   0 = padding, 1 = unknown, [2 = BOS, 3 = EOS when built with_bos_eos], then the text's distinct
//   characters (bytes) in increasing byte value. A character the training text never contains
//   encodes as unknown, so valid/test text cannot leak into the vocabulary.
// Byte vocabulary: id = byte + 1 (0 stays padding), 257 ids, nothing unknown.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace attnlab {

class CharVocabulary {
  public:
    static constexpr int32_t kUnknownId = 1;

    explicit CharVocabulary(const std::string& training_text, bool with_bos_eos = false);

    int64_t size() const { return int64_t(first_char_id_ + chars_.size()); }
    int32_t id(char c) const { return id_of_byte_[static_cast<unsigned char>(c)]; }
    std::vector<int32_t> encode(const std::string& text) const;
    // Characters for character ids; padding decodes to nothing, the specials to <unk> <bos> <eos>.
    std::string decode(const std::vector<int32_t>& ids) const;

    bool has_bos_eos() const { return first_char_id_ == 4; }
    int32_t bos_id() const;  // 2; throws unless built with_bos_eos
    int32_t eos_id() const;  // 3; throws unless built with_bos_eos

  private:
    int32_t first_char_id_;
    std::string chars_;                      // id first_char_id_ + k is chars_[k]
    std::array<int32_t, 256> id_of_byte_{};  // kUnknownId for bytes not in the training text
};

constexpr int64_t kByteVocabSize = 257;
std::vector<int32_t> byte_encode(const std::string& text);
std::string byte_decode(const std::vector<int32_t>& ids);  // padding decodes to nothing

}  // namespace attnlab
