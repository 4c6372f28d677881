// kjv_passages.h — reproducible passages of whole consecutive verses from one book of a KJV split:
// the sampler shared by the classification and retrieval tasks.
//
// A book's text in a split is its verses of that split joined with '\n' (so a passage may run from
// the last verse of one train chapter into the first of the next train chapter). A passage is drawn
// from a range of the book's verses: a target length T uniform in [min_length, max_length], a
// start verse uniform in the range, then whole verses (with their '\n') until the passage holds at
// least T bytes, truncated to max_length. When the verses from the start to the end of the range
// hold fewer than T bytes, the start moves back to the latest verse that leaves T bytes. So every
// passage has between T and max_length bytes, provided the range holds at least max_length bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/rng.h"
#include "train/data/kjv.h"

namespace attnlab {

struct KjvBookText {
    std::string text;                   // empty when the split has no chapter of the book
    std::vector<int64_t> verse_starts;  // byte offset of each verse in text
    std::vector<int64_t> verse_ends;    // one past its last byte
    int64_t verses() const { return int64_t(verse_starts.size()); }
};

class KjvPassageSampler {
  public:
    // Throws unless 1 <= min_length <= max_length; `owner` prefixes the messages.
    KjvPassageSampler(const char* owner, KjvSplit split, int64_t min_length, int64_t max_length);

    const KjvBookText& book(int book) const { return books_[size_t(book)]; }

    // A passage from verses [first_verse, last_verse) of `book`, which must hold at least
    // max_length bytes (from the start of the first verse to the end of the last).
    std::string draw(int book, int64_t first_verse, int64_t last_verse, Rng& rng) const;
    // A passage from anywhere in the book.
    std::string draw(int book, Rng& rng) const {
        return draw(book, 0, books_[size_t(book)].verses(), rng);
    }

  private:
    int64_t min_length_, max_length_;
    std::vector<KjvBookText> books_;  // by book index 0..65
};

}  // namespace attnlab
