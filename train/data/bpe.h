// bpe.h — a byte-level byte-pair-encoding (BPE) tokenizer: subword units learned from a training
// text, after Sennrich, Haddow & Birch, "Neural Machine Translation of Rare Words with Subword
// Units" (ACL 2016, arXiv 1508.07909), with GPT-2's byte-level base alphabet.
//
// Ids: 0 is padding (dataset.h), 1 + b is the byte b (all 256, whether the training text holds
// them or not), and 257 + r is the r-th merge. vocab_size() = 257 + merges. A byte the training
// text never contains keeps its byte id: it encodes and decodes exactly (NUL, 0xFF and invalid
// UTF-8 included), but no merge involves it and a model never sees it in training.
//
// Words. Merges never cross word boundaries: the text is cut into words first (bpe_words), and
// a word is a maximal run of one class — letters (A-Z, a-z and every byte >= 0x80, so a UTF-8
// character stays whole), digits, whitespace, or anything else (punctuation, control bytes) —
// where a single space before a non-space run joins that run (" the", as in GPT-2's
// pre-tokenizer, so the space costs no token of its own). The words concatenate back to the text,
// so decoding is the concatenation of the tokens' bytes and decode(encode(x)) == x for any x.
//
// Training (Sennrich et al.'s Algorithm 1, made incremental). Let the training words be the
// distinct words w with their frequencies f(w), each a sequence of symbols (initially its bytes).
// The count of an adjacent pair (a, b) is
//     c(a, b) = Σ_w f(w) · #{i : w_i = a, w_{i+1} = b}        (overlapping (a, a) pairs each count)
// Each step takes the pair of highest count, ties broken by the smallest (a, b) compared first by
// a's id then b's, gives it the next id, and rewrites every word holding it, replacing each
// occurrence left to right (a a a → (aa) a). Steps repeat until vocab_size ids exist; a text that
// runs out of pairs first (every word a single symbol) is an Error naming the largest vocab_size
// it reaches, so the vocabulary is always exactly the size asked for. Only the words holding the
// merged pair change, so instead of recounting, a step subtracts those words' old pairs and adds
// their new ones, and an ordered set keyed by (count, pair) yields the next best pair; an index
// from each pair to the words that hold it finds the words to rewrite.
//
// Encoding cuts the text into words and, in each, repeatedly merges the adjacent pair of lowest
// merge rank (all its occurrences, left to right) until no pair of the word has a rank.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace attnlab {

// The words of `text` in order, as views into it (see above); they concatenate to `text`.
std::vector<std::string_view> bpe_words(std::string_view text);

// Distinct words and their frequencies, in byte order.
using BpeWordCounts = std::map<std::string, int64_t>;
BpeWordCounts bpe_word_counts(std::string_view text);

class BpeTokenizer {
  public:
    using Pair = std::pair<int32_t, int32_t>;
    static constexpr int32_t kFirstMergeId = 257;  // 0 padding, 1..256 the bytes
    static constexpr int64_t kMaxVocabSize = int64_t(1) << 24;

    // Learns vocab_size - 257 merges from the word counts (vocab_size in [257, kMaxVocabSize]).
    static BpeTokenizer train(const BpeWordCounts& words, int64_t vocab_size);
    // A tokenizer of known merges: merge r joins two ids below 257 + r.
    explicit BpeTokenizer(std::vector<Pair> merges);

    int64_t vocab_size() const { return int64_t(tokens_.size()); }
    const std::vector<Pair>& merges() const { return merges_; }
    // The bytes id `id` stands for ("" for padding); an id outside the vocabulary throws.
    const std::string& token(int32_t id) const;

    std::vector<int32_t> encode(std::string_view text) const;
    std::string decode(const std::vector<int32_t>& ids) const;  // padding decodes to nothing
    // "bpe <vocab_size> ids fnv1a64 <16 hex digits of the merges>": equal for equal merges.
    std::string fingerprint() const;

  private:
    std::vector<int32_t> encode_word(std::string_view word) const;

    std::vector<Pair> merges_;
    std::vector<std::string> tokens_;              // id → bytes
    std::unordered_map<uint64_t, int32_t> ranks_;  // packed pair → merge rank
};

}  // namespace attnlab
