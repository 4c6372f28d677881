// kjv_retrieval.cpp — the seeded same-book / different-book passage pairs of kjv_retrieval.h.
#include "kjv_retrieval.h"

#include <algorithm>

namespace attnlab {

KjvRetrieval::KjvRetrieval(const std::string& split, const KjvRetrievalOptions& options)
    : split_(parse_kjv_split(split)),
      options_(options),
      size_(split_ == KjvSplit::Train ? options.train_examples : options.eval_examples),
      passages_("KjvRetrieval", split_, options.min_length, options.max_length),
      middle_verse_(size_t(kKjvBooks), 0) {
    ATTNLAB_CHECK(size_ > 0, "KjvRetrieval: ", split, " size ", size_, " must be positive");
    for (int b = 0; b < kKjvBooks; ++b) {
        const KjvBookText& book = passages_.book(b);
        if (book.verses() < 2) continue;
        const int64_t half = int64_t(book.text.size()) / 2;
        int64_t middle = 1;
        while (middle + 1 < book.verses() && book.verse_starts[size_t(middle)] < half) ++middle;
        middle_verse_[size_t(b)] = middle;
        const int64_t first_half = book.verse_ends[size_t(middle - 1)];
        const int64_t second_half = int64_t(book.text.size()) - book.verse_starts[size_t(middle)];
        if (std::min(first_half, second_half) >= options.max_length) eligible_books_.push_back(b);
    }
    ATTNLAB_CHECK(eligible_books_.size() >= 2, "KjvRetrieval: only ", eligible_books_.size(),
                  " books of the ", split,
                  " split have two halves of max_length = ", options.max_length, " bytes (need 2)");
}

std::string KjvRetrieval::name() const {
    return cat("kjv_retrieval/", kjv_split_name(split_));
}

std::pair<int, int> KjvRetrieval::draw(int64_t index, std::string* input,
                                       std::string* second) const {
    ATTNLAB_CHECK(index >= 0 && index < size_, "KjvRetrieval::example: index ", index,
                  " outside [0, ", size_, ")");
    Rng rng(mix(options_.seed, uint64_t(index)));
    const uint64_t count = eligible_books_.size();
    const bool same_book = rng.below(2) == 1;
    const uint64_t first = rng.below(count);
    if (same_book) {
        const int book = eligible_books_[size_t(first)];
        const int64_t middle = middle_verse_[size_t(book)];
        std::string front = passages_.draw(book, 0, middle, rng);
        std::string back = passages_.draw(book, middle, passages_.book(book).verses(), rng);
        if (rng.below(2) == 1) std::swap(front, back);
        *input = std::move(front);
        *second = std::move(back);
        return {book, book};
    }
    const uint64_t other = (first + 1 + rng.below(count - 1)) % count;  // any book but `first`
    const int book_a = eligible_books_[size_t(first)], book_b = eligible_books_[size_t(other)];
    *input = passages_.draw(book_a, rng);
    *second = passages_.draw(book_b, rng);
    return {book_a, book_b};
}

Example KjvRetrieval::example(int64_t index) const {
    std::string input, second;
    const std::pair<int, int> books = draw(index, &input, &second);
    Example e;
    e.input = byte_encode(input);
    e.second = byte_encode(second);
    e.label = int32_t(books.first == books.second);
    return e;
}

std::pair<int, int> KjvRetrieval::source_books(int64_t index) const {
    std::string input, second;
    return draw(index, &input, &second);
}

}  // namespace attnlab
