// kjv_passages.cpp — per-book split texts and the passage rule of kjv_passages.h.
#include "kjv_passages.h"

#include <algorithm>

#include "engine/common.h"

namespace attnlab {

KjvPassageSampler::KjvPassageSampler(const char* owner, KjvSplit split, int64_t min_length,
                                     int64_t max_length)
    : min_length_(min_length), max_length_(max_length), books_(size_t(kKjvBooks)) {
    ATTNLAB_CHECK(min_length >= 1 && min_length <= max_length, owner, ": passage lengths [",
                  min_length, ", ", max_length, "] must satisfy 1 <= min_length <= max_length");
    const std::vector<KjvVerse>& verses = kjv_verses();
    for (int32_t i : kjv_split_verses(split)) {
        const KjvVerse& verse = verses[size_t(i)];
        KjvBookText& book = books_[size_t(verse.book)];
        if (!book.text.empty()) book.text += '\n';
        book.verse_starts.push_back(int64_t(book.text.size()));
        book.text += verse.text;
        book.verse_ends.push_back(int64_t(book.text.size()));
    }
}

std::string KjvPassageSampler::draw(int book_index, int64_t first_verse, int64_t last_verse,
                                    Rng& rng) const {
    const KjvBookText& book = books_[size_t(book_index)];
    ATTNLAB_CHECK(
        first_verse >= 0 && first_verse < last_verse && last_verse <= book.verses() &&
            book.verse_ends[size_t(last_verse - 1)] - book.verse_starts[size_t(first_verse)] >=
                max_length_,
        "KjvPassageSampler::draw: verses [", first_verse, ", ", last_verse, ") of ",
        kjv_book_name(book_index), " do not hold ", max_length_, " bytes");
    const int64_t target =
        min_length_ + int64_t(rng.below(uint64_t(max_length_ - min_length_ + 1)));
    int64_t start = first_verse + int64_t(rng.below(uint64_t(last_verse - first_verse)));
    const int64_t range_end = book.verse_ends[size_t(last_verse - 1)];
    while (range_end - book.verse_starts[size_t(start)] < target) --start;
    const int64_t begin = book.verse_starts[size_t(start)];
    int64_t end = start;
    while (book.verse_ends[size_t(end)] - begin < target) ++end;
    const int64_t length = std::min(book.verse_ends[size_t(end)] - begin, max_length_);
    return book.text.substr(size_t(begin), size_t(length));
}

}  // namespace attnlab
