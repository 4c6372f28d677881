// bpe.cpp — the pre-tokenizer, the incremental merge training and the rank-order encoding of
// bpe.h.
#include "bpe.h"

#include <algorithm>
#include <set>

#include "engine/common.h"

namespace attnlab {
namespace {

enum class ByteClass { Letter, Digit, Space, Other };

ByteClass byte_class(char c) {
    const auto byte = static_cast<unsigned char>(c);
    const unsigned char lower = byte | 0x20;  // folds A-Z onto a-z and nothing else onto them
    if ((lower >= 'a' && lower <= 'z') || byte >= 0x80) return ByteClass::Letter;
    if (byte >= '0' && byte <= '9') return ByteClass::Digit;
    if (byte == ' ' || (byte >= '\t' && byte <= '\r')) return ByteClass::Space;
    return ByteClass::Other;
}

uint64_t pack(int32_t a, int32_t b) {
    return (uint64_t(uint32_t(a)) << 32) | uint32_t(b);
}

// Replaces every occurrence of (a, b) in `in`, left to right, by `id`; false if there is none.
bool merge_pair(const std::vector<int32_t>& in, int32_t a, int32_t b, int32_t id,
                std::vector<int32_t>& out) {
    out.clear();
    bool merged = false;
    for (size_t i = 0; i < in.size(); ++i) {
        if (i + 1 < in.size() && in[i] == a && in[i + 1] == b) {
            out.push_back(id);
            merged = true;
            ++i;
        } else {
            out.push_back(in[i]);
        }
    }
    return merged;
}

struct Word {
    std::vector<int32_t> symbols;
    int64_t count;
};

// The pair counts of the training words, the pair to merge next, and which words hold a pair.
class PairTable {
  public:
    // Adds `deltas` to the counts; a pair whose count reaches 0 is forgotten.
    void apply(const std::unordered_map<uint64_t, int64_t>& deltas) {
        for (const auto& [pair, delta] : deltas) {
            if (delta == 0) continue;
            int64_t& count = counts_[pair];
            if (count > 0) best_.erase({-count, pair});
            count += delta;
            if (count > 0)
                best_.insert({-count, pair});
            else
                counts_.erase(pair);
        }
    }
    bool empty() const { return best_.empty(); }
    // The highest count; among equal counts the smallest pair (first id, then second).
    uint64_t best() const { return best_.begin()->second; }
    // Words that hold or held the pair (stale and repeated entries are skipped by the caller).
    std::unordered_map<uint64_t, std::vector<int32_t>> where;

  private:
    std::unordered_map<uint64_t, int64_t> counts_;
    std::set<std::pair<int64_t, uint64_t>> best_;  // (-count, pair): begin() is the best
};

// Merges `pair` into `id` in every word holding it and updates the table by the pairs that
// disappeared and appeared in those words only.
void merge_everywhere(std::vector<Word>& words, PairTable& table, uint64_t pair, int32_t id) {
    std::vector<int32_t> holders = std::move(table.where[pair]);
    table.where.erase(pair);
    std::sort(holders.begin(), holders.end());
    holders.erase(std::unique(holders.begin(), holders.end()), holders.end());
    const int32_t a = int32_t(pair >> 32), b = int32_t(uint32_t(pair));
    std::unordered_map<uint64_t, int64_t> deltas;
    std::vector<int32_t> merged;
    for (int32_t w : holders) {
        Word& word = words[size_t(w)];
        if (!merge_pair(word.symbols, a, b, id, merged)) continue;  // a stale entry
        for (size_t i = 0; i + 1 < word.symbols.size(); ++i)
            deltas[pack(word.symbols[i], word.symbols[i + 1])] -= word.count;
        for (size_t i = 0; i + 1 < merged.size(); ++i) {
            const uint64_t adjacent = pack(merged[i], merged[i + 1]);
            deltas[adjacent] += word.count;
            // Only pairs with the new id are new to this word; it is listed under the others.
            if (merged[i] == id || merged[i + 1] == id) table.where[adjacent].push_back(w);
        }
        word.symbols.swap(merged);
    }
    table.apply(deltas);
}

}  // namespace

std::vector<std::string_view> bpe_words(std::string_view text) {
    std::vector<std::string_view> words;
    const size_t n = text.size();
    for (size_t start = 0; start < n;) {
        size_t end = start;
        ByteClass kind = byte_class(text[start]);
        if (text[start] == ' ' && start + 1 < n && byte_class(text[start + 1]) != ByteClass::Space)
            kind = byte_class(text[++end]);  // " word": the space joins the run after it
        while (end < n && byte_class(text[end]) == kind) ++end;
        // A run of blanks before a word leaves its last space to that word.
        if (kind == ByteClass::Space && end < n && end - start > 1 && text[end - 1] == ' ') --end;
        words.push_back(text.substr(start, end - start));
        start = end;
    }
    return words;
}

BpeWordCounts bpe_word_counts(std::string_view text) {
    std::unordered_map<std::string_view, int64_t> counts;
    for (std::string_view word : bpe_words(text)) ++counts[word];
    BpeWordCounts sorted;
    for (const auto& [word, count] : counts) sorted.emplace(std::string(word), count);
    return sorted;
}

BpeTokenizer BpeTokenizer::train(const BpeWordCounts& counts, int64_t vocab_size) {
    ATTNLAB_CHECK(vocab_size >= kFirstMergeId && vocab_size <= kMaxVocabSize, "bpe: vocab_size ",
                  vocab_size, " must be in [", kFirstMergeId, ", ", kMaxVocabSize,
                  "] (padding, 256 bytes, then the merges)");
    std::vector<Word> words;
    PairTable table;
    std::unordered_map<uint64_t, int64_t> initial;
    for (const auto& [text, count] : counts) {
        ATTNLAB_CHECK(count > 0, "bpe: word \"", text, "\" has count ", count,
                      " (expected positive)");
        Word word{{}, count};
        for (char c : text) word.symbols.push_back(int32_t(static_cast<unsigned char>(c)) + 1);
        for (size_t i = 0; i + 1 < word.symbols.size(); ++i) {
            const uint64_t pair = pack(word.symbols[i], word.symbols[i + 1]);
            initial[pair] += count;
            table.where[pair].push_back(int32_t(words.size()));
        }
        words.push_back(std::move(word));
    }
    table.apply(initial);
    std::vector<Pair> merges;
    for (int64_t id = kFirstMergeId; id < vocab_size; ++id) {
        ATTNLAB_CHECK(!table.empty(), "bpe: the training text runs out of pairs after ",
                      merges.size(), " merges, so vocab_size ", vocab_size,
                      " is beyond the largest it reaches, ", id);
        const uint64_t pair = table.best();
        merges.emplace_back(int32_t(pair >> 32), int32_t(uint32_t(pair)));
        merge_everywhere(words, table, pair, int32_t(id));
    }
    return BpeTokenizer(std::move(merges));
}

BpeTokenizer::BpeTokenizer(std::vector<Pair> merges) : merges_(std::move(merges)) {
    ATTNLAB_CHECK(int64_t(merges_.size()) <= kMaxVocabSize - kFirstMergeId, "bpe: ", merges_.size(),
                  " merges exceed the ", kMaxVocabSize - kFirstMergeId, " a vocabulary may hold");
    tokens_.resize(size_t(kFirstMergeId));
    for (int byte = 0; byte < 256; ++byte) tokens_[size_t(byte + 1)] = std::string(1, char(byte));
    for (const auto& [a, b] : merges_) {
        const int32_t id = int32_t(tokens_.size());
        ATTNLAB_CHECK(a >= 1 && a < id && b >= 1 && b < id, "bpe: merge ", id - kFirstMergeId, " (",
                      a, ", ", b, ") joins ids outside [1, ", id, ")");
        ATTNLAB_CHECK(ranks_.emplace(pack(a, b), id - kFirstMergeId).second, "bpe: merge ",
                      id - kFirstMergeId, " (", a, ", ", b, ") repeats an earlier one");
        tokens_.push_back(tokens_[size_t(a)] + tokens_[size_t(b)]);
    }
}

const std::string& BpeTokenizer::token(int32_t id) const {
    ATTNLAB_CHECK(id >= 0 && id < vocab_size(), "bpe: token id ", id, " outside [0, ", vocab_size(),
                  ")");
    return tokens_[size_t(id)];
}

std::vector<int32_t> BpeTokenizer::encode_word(std::string_view word) const {
    std::vector<int32_t> symbols, merged;
    for (char c : word) symbols.push_back(int32_t(static_cast<unsigned char>(c)) + 1);
    while (symbols.size() > 1) {
        int32_t rank = -1;
        for (size_t i = 0; i + 1 < symbols.size(); ++i) {
            auto found = ranks_.find(pack(symbols[i], symbols[i + 1]));
            if (found != ranks_.end() && (rank < 0 || found->second < rank)) rank = found->second;
        }
        if (rank < 0) break;
        const Pair& pair = merges_[size_t(rank)];
        merge_pair(symbols, pair.first, pair.second, kFirstMergeId + rank, merged);
        symbols.swap(merged);
    }
    return symbols;
}

std::vector<int32_t> BpeTokenizer::encode(std::string_view text) const {
    std::unordered_map<std::string_view, std::vector<int32_t>> seen;  // words repeat a lot
    std::vector<int32_t> ids;
    ids.reserve(text.size() / 2);
    for (std::string_view word : bpe_words(text)) {
        auto found = seen.find(word);
        if (found == seen.end()) found = seen.emplace(word, encode_word(word)).first;
        ids.insert(ids.end(), found->second.begin(), found->second.end());
    }
    return ids;
}

std::string BpeTokenizer::decode(const std::vector<int32_t>& ids) const {
    std::string text;
    for (int32_t id : ids) text += token(id);
    return text;
}

std::string BpeTokenizer::fingerprint() const {
    uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a, 64-bit
    for (const auto& [a, b] : merges_)
        for (int32_t id : {a, b})
            for (int shift = 0; shift < 32; shift += 8) {
                hash ^= (uint32_t(id) >> shift) & 0xff;
                hash *= 0x100000001b3ull;
            }
    static const char* hex = "0123456789abcdef";
    std::string digits(16, '0');
    for (int i = 15; i >= 0; --i, hash >>= 4) digits[size_t(i)] = hex[hash & 15];
    return cat("bpe ", vocab_size(), " ids fnv1a64 ", digits);
}

}  // namespace attnlab
