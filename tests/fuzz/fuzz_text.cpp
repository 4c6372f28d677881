// fuzz_text.cpp — the readers of external text: the text_file task's character LM splits and
// byte vocabulary (train/data/text_lm.h), the KJV tasks' vocabularies (train/data/vocab.h) and the
// parser of the `bible` command's output (parse_kjv, train/data/kjv.h).
//
// Input: 4 option bytes (seq_len, train stride, valid and test fractions in 1/256ths), then text.
#include "tests/fuzz/fuzz_support.h"
#include "train/data/kjv.h"
#include "train/data/text_lm.h"
#include "train/data/vocab.h"

namespace attnlab::fuzz {
namespace {

void read_text_lm(const uint8_t* options, const std::string& text) {
    const int64_t seq_len = 1 + options[0] % 32;
    const int64_t stride = options[1] % 8;  // 0 is invalid: the splits must say so
    const TextLmSplits splits =
        make_text_lm_splits("fuzz", text, seq_len, stride, options[2] / 256.0, options[3] / 256.0);
    require(splits.vocab->decode(splits.vocab->encode(text)) == text, "CharVocab: no round trip");
    for (const TextLmDataset* split : {splits.train.get(), splits.valid.get(), splits.test.get()}) {
        require(split->size() >= 1, "make_text_lm_splits: an empty split");
        for (int64_t i : {int64_t(0), split->size() - 1}) {
            const Example example = split->example(i);
            require(int64_t(example.input.size()) == seq_len &&
                        int64_t(example.target.size()) == seq_len,
                    "TextLmDataset: window length");
            split->decode(example.input);
        }
    }
}

void read_vocabularies(const std::string& text) {
    const std::string training = text.substr(0, text.size() / 2);
    for (bool with_bos_eos : {false, true}) {
        const CharVocabulary vocabulary(training, with_bos_eos);
        const std::vector<int32_t> ids = vocabulary.encode(text);
        for (int32_t id : ids) require(id >= 0 && id < vocabulary.size(), "CharVocabulary: id");
        vocabulary.decode(ids);
        require(vocabulary.decode(vocabulary.encode(training)) == training,
                "CharVocabulary: no round trip on its training text");
    }
    require(byte_decode(byte_encode(text)) == text, "byte vocabulary: no round trip");
}

}  // namespace

int text_input(const uint8_t* data, size_t size) {
    last_rejection().clear();
    if (size < 4) return 0;
    const std::string text(reinterpret_cast<const char*>(data) + 4, size - 4);
    read_vocabularies(text);
    try {
        read_text_lm(data, text);
    } catch (const Error& e) {
        last_rejection() = e.what();  // options or a text the splits cannot serve
    }
    try {
        parse_kjv(text);
    } catch (const Error&) {
        // Anything but the whole KJV is rejected (so not recorded).
    }
    return 0;
}

}  // namespace attnlab::fuzz

ATTNLAB_FUZZ_ENTRY(attnlab::fuzz::text_input)
