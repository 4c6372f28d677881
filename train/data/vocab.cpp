// vocab.cpp — character and byte vocabularies of vocab.h.
#include "vocab.h"

#include "engine/common.h"
#include "train/data/dataset.h"

namespace attnlab {

CharVocabulary::CharVocabulary(const std::string& training_text, bool with_bos_eos)
    : first_char_id_(with_bos_eos ? 4 : 2) {
    std::array<bool, 256> seen{};
    for (char c : training_text) seen[static_cast<unsigned char>(c)] = true;
    id_of_byte_.fill(kUnknownId);
    for (int byte = 0; byte < 256; ++byte)
        if (seen[size_t(byte)]) {
            id_of_byte_[size_t(byte)] = first_char_id_ + int32_t(chars_.size());
            chars_ += char(byte);
        }
}

std::vector<int32_t> CharVocabulary::encode(const std::string& text) const {
    std::vector<int32_t> ids(text.size());
    for (size_t i = 0; i < text.size(); ++i) ids[i] = id(text[i]);
    return ids;
}

std::string CharVocabulary::decode(const std::vector<int32_t>& ids) const {
    std::string text;
    for (int32_t id : ids) {
        ATTNLAB_CHECK(id >= 0 && id < size(), "CharVocabulary::decode: id ", id, " outside [0, ",
                      size(), ")");
        if (id >= first_char_id_)
            text += chars_[size_t(id - first_char_id_)];
        else if (id == kUnknownId)
            text += "<unk>";
        else if (id != kPadId)  // 2 or 3, which exist only with BOS/EOS
            text += id == 2 ? "<bos>" : "<eos>";
    }
    return text;
}

int32_t CharVocabulary::bos_id() const {
    ATTNLAB_CHECK(has_bos_eos(), "CharVocabulary::bos_id: built without BOS/EOS");
    return 2;
}

int32_t CharVocabulary::eos_id() const {
    ATTNLAB_CHECK(has_bos_eos(), "CharVocabulary::eos_id: built without BOS/EOS");
    return 3;
}

std::vector<int32_t> byte_encode(const std::string& text) {
    std::vector<int32_t> ids(text.size());
    for (size_t i = 0; i < text.size(); ++i)
        ids[i] = int32_t(static_cast<unsigned char>(text[i])) + 1;
    return ids;
}

std::string byte_decode(const std::vector<int32_t>& ids) {
    std::string text;
    for (int32_t id : ids) {
        ATTNLAB_CHECK(id >= 0 && id < kByteVocabSize, "byte_decode: id ", id, " outside [0, ",
                      kByteVocabSize, ")");
        if (id != kPadId) text += char(id - 1);
    }
    return text;
}

}  // namespace attnlab
