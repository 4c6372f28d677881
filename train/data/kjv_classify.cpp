// kjv_classify.cpp — the seeded book/testament passages of kjv_classify.h.
#include "kjv_classify.h"

namespace attnlab {

KjvClassification::KjvClassification(const std::string& split,
                                     const KjvClassificationOptions& options)
    : split_(parse_kjv_split(split)),
      options_(options),
      size_(split_ == KjvSplit::Train ? options.train_examples : options.eval_examples),
      passages_("KjvClassification", split_, options.min_length, options.max_length) {
    ATTNLAB_CHECK(size_ > 0, "KjvClassification: ", split, " size ", size_, " must be positive");
    for (int book = 0; book < kKjvBooks; ++book)
        if (int64_t(passages_.book(book).text.size()) >= options.max_length) {
            eligible_books_.push_back(book);
            eligible_by_testament_[book < kKjvOldTestamentBooks ? 0 : 1].push_back(book);
        }
    const bool by_book = options.label == KjvLabel::Book;
    ATTNLAB_CHECK(by_book
                      ? !eligible_books_.empty()
                      : !eligible_by_testament_[0].empty() && !eligible_by_testament_[1].empty(),
                  "KjvClassification: no ", by_book ? "book" : "testament", " of the ", split,
                  " split has max_length = ", options.max_length, " bytes of text");
}

std::string KjvClassification::name() const {
    return cat(options_.label == KjvLabel::Book ? "kjv_book/" : "kjv_testament/",
               kjv_split_name(split_));
}

int64_t KjvClassification::num_classes() const {
    return options_.label == KjvLabel::Book ? kKjvBooks : 2;
}

int KjvClassification::draw(int64_t index, std::string* passage) const {
    ATTNLAB_CHECK(index >= 0 && index < size_, "KjvClassification::example: index ", index,
                  " outside [0, ", size_, ")");
    Rng rng(mix(options_.seed, uint64_t(index)));
    const std::vector<int>& books =
        options_.label == KjvLabel::Book ? eligible_books_ : eligible_by_testament_[rng.below(2)];
    const int book = books[size_t(rng.below(books.size()))];
    if (passage) *passage = passages_.draw(book, rng);
    return book;
}

Example KjvClassification::example(int64_t index) const {
    std::string passage;
    const int book = draw(index, &passage);
    Example e;
    e.input = byte_encode(passage);
    e.label = options_.label == KjvLabel::Book ? book : int32_t(book >= kKjvOldTestamentBooks);
    return e;
}

int KjvClassification::source_book(int64_t index) const {
    return draw(index, nullptr);
}

}  // namespace attnlab
