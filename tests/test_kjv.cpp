// The KJV corpus (parse, counts, chapter splits), the character/byte vocabularies and the four
// KJV datasets: LM windows, book/testament classification, same-book retrieval, word reversal.
// Runs the `bible` command of the Debian package bible-kjv once per process (the corpus is cached).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>
#include <set>

#include "train/data/kjv.h"
#include "train/data/kjv_classify.h"
#include "train/data/kjv_lm.h"
#include "train/data/kjv_retrieval.h"
#include "train/data/kjv_transduce.h"
#include "train/data/vocab.h"

using namespace attnlab;

namespace {

// Book `book`'s verses in `split`, joined with '\n': built here from the corpus, independently of
// the passage sampler.
std::string book_text(KjvSplit split, int book) {
    std::string text;
    for (int32_t i : kjv_split_verses(split)) {
        const KjvVerse& verse = kjv_verses()[size_t(i)];
        if (verse.book != book) continue;
        if (!text.empty()) text += '\n';
        text += verse.text;
    }
    return text;
}

// Where `passage` starts in `text`, which must be at a verse start; npos if it is not there.
size_t find_at_verse_start(const std::string& text, const std::string& passage) {
    for (size_t at = text.find(passage); at != std::string::npos; at = text.find(passage, at + 1))
        if (at == 0 || text[at - 1] == '\n') return at;
    return std::string::npos;
}

}  // namespace

TEST_CASE("kjv: the corpus has 66 books, 1,189 chapters and 31,102 verses", "[data][kjv]") {
    const std::vector<KjvVerse>& verses = kjv_verses();
    REQUIRE(int64_t(verses.size()) == kKjvVerses);
    std::set<std::pair<int, int>> chapters;
    std::set<int> books;
    for (const KjvVerse& v : verses) {
        chapters.insert({v.book, v.chapter});
        books.insert(v.book);
        CHECK(v.book_name == kjv_book_name(v.book));
    }
    CHECK(int64_t(chapters.size()) == kKjvChapters);
    CHECK(int(books.size()) == kKjvBooks);
    CHECK(verses.back().chapter_ordinal == kKjvChapters - 1);

    const KjvVerse& first = verses.front();
    CHECK(first.book_name == "Genesis");
    CHECK(first.chapter == 1);
    CHECK(first.verse == 1);
    CHECK(first.text == "In the beginning God created the heaven and the earth.");
    const KjvVerse& last = verses.back();
    CHECK(last.book_name == "Revelation");
    CHECK(last.chapter == 22);
    CHECK(last.verse == 21);
    CHECK(last.text == "The grace of our Lord Jesus Christ be with you all. Amen.");
    // A verse wider than 79 columns arrives whole, without the pretty-printer's line breaks.
    CHECK(verses[1].text ==
          "And the earth was without form, and void; and darkness was upon the face of the deep. "
          "And the Spirit of God moved upon the face of the waters.");
    int psalms = 0;
    for (const KjvVerse& v : verses) psalms = std::max(psalms, v.book == 18 ? v.chapter : 0);
    CHECK(psalms == 150);
    CHECK(kjv_book_name(21) == "Song of Solomon");
    CHECK_THROWS_WITH(kjv_book_name(66), Catch::Contains("outside [0, 66)"));
}

TEST_CASE("kjv: unexpected bible output and a missing bible command are reported", "[data][kjv]") {
    CHECK_THROWS_WITH(parse_kjv("Genesys 1\n\n  1 In the beginning\n"),
                      Catch::Contains("line 1: 'Genesys 1' (expected 'Genesis 1')"));
    CHECK_THROWS_WITH(
        parse_kjv("\nGenesis 1\n\n  1 In the beginning\n  3 And God said\n"),
        Catch::Contains("line 5") && Catch::Contains("expected verse 2 of Genesis 1"));
    CHECK_THROWS_WITH(parse_kjv("  1 In the beginning\n"), Catch::Contains("header"));
    CHECK_THROWS_WITH(parse_kjv("\nGenesis 1\n\n  1 In the beginning\n\nLeviticus 1\n\n  1 And\n"),
                      Catch::Contains("'Genesis 2' or 'Exodus 1'"));
    CHECK_THROWS_WITH(parse_kjv("\nGenesis 1\n\n  1 In the beginning God created.\n"),
                      Catch::Contains("printed 1 books, 1 chapters and 1 verses (expected 66, "
                                      "1189 and 31102)"));

    const char* saved = std::getenv("PATH");
    REQUIRE(saved);
    const std::string path = saved;
    setenv("PATH", "/nonexistent-attnlab-test-dir", 1);
    CHECK_THROWS_WITH(kjv_bible_output(),
                      Catch::Contains("install the Debian package bible-kjv (sudo apt-get install "
                                      "bible-kjv)"));
    setenv("PATH", path.c_str(), 1);
}

TEST_CASE("kjv: chapter splits are disjoint, cover the Bible and give every book train text",
          "[data][kjv]") {
    CHECK(kjv_chapter_split(18, false) == KjvSplit::Valid);
    CHECK(kjv_chapter_split(39, false) == KjvSplit::Test);
    CHECK(kjv_chapter_split(20, false) == KjvSplit::Train);
    CHECK(kjv_chapter_split(38, true) == KjvSplit::Train);  // a book's first chapter is train

    const std::vector<KjvVerse>& verses = kjv_verses();
    std::vector<int> owner(verses.size(), -1);
    std::map<int64_t, std::set<int>> splits_of_chapter;
    std::set<int> train_books;
    for (int s = 0; s < 3; ++s) {
        const std::vector<int32_t>& indices = kjv_split_verses(KjvSplit(s));
        CHECK(std::is_sorted(indices.begin(), indices.end()));
        CHECK(indices.size() > 1000);
        for (int32_t i : indices) {
            CHECK(owner[size_t(i)] == -1);
            owner[size_t(i)] = s;
            const KjvVerse& v = verses[size_t(i)];
            splits_of_chapter[v.chapter_ordinal].insert(s);
            CHECK(KjvSplit(s) == kjv_chapter_split(v.chapter_ordinal, v.chapter == 1));
            if (s == 0) train_books.insert(v.book);
        }
    }
    CHECK(std::count(owner.begin(), owner.end(), -1) == 0);
    for (const auto& [ordinal, splits] : splits_of_chapter) {
        INFO("chapter ordinal " << ordinal);
        CHECK(splits.size() == 1);
    }
    CHECK(int(train_books.size()) == kKjvBooks);

    // The split text: verses joined with '\n' in canonical order.
    const std::vector<int32_t>& valid = kjv_split_verses(KjvSplit::Valid);
    const std::string& text = kjv_split_text(KjvSplit::Valid);
    const std::string& head = verses[size_t(valid[0])].text;
    CHECK(text.compare(0, head.size() + 1, head + "\n") == 0);
    CHECK(int64_t(std::count(text.begin(), text.end(), '\n')) == int64_t(valid.size()) - 1);
    CHECK(text.size() > 100000);
}

TEST_CASE("kjv: unknown split names are rejected", "[data][kjv]") {
    CHECK(parse_kjv_split("test") == KjvSplit::Test);
    const auto names = Catch::Contains("unknown split 'dev' (valid: train, valid, test)");
    CHECK_THROWS_WITH(parse_kjv_split("dev"), names);
    CHECK_THROWS_WITH(KjvLanguageModel("dev"), names);
    CHECK_THROWS_WITH(KjvClassification("dev"), names);
    CHECK_THROWS_WITH(KjvRetrieval("dev"), names);
    CHECK_THROWS_WITH(KjvTransduction("dev"), names);
}

TEST_CASE("vocab: character ids come from the training text; unseen characters are unknown",
          "[data][vocab]") {
    const CharVocabulary plain("cabba");
    CHECK(plain.size() == 5);
    CHECK(plain.encode("abcd") == std::vector<int32_t>({2, 3, 4, CharVocabulary::kUnknownId}));
    CHECK(plain.decode({2, 3, kPadId, 1, 4}) == "ab<unk>c");
    CHECK_THROWS_WITH(plain.decode({5}), Catch::Contains("id 5 outside [0, 5)"));
    CHECK_THROWS_WITH(plain.bos_id(), Catch::Contains("without BOS/EOS"));

    const CharVocabulary special("ba", /*with_bos_eos=*/true);
    CHECK(special.size() == 6);
    CHECK(special.bos_id() == 2);
    CHECK(special.eos_id() == 3);
    CHECK(special.encode("ab") == std::vector<int32_t>({4, 5}));
    CHECK(special.decode({2, 4, 5, 3}) == "<bos>ab<eos>");

    // The KJV vocabulary is exactly the train split's characters; 'X' never occurs in the train
    // split (nor in the KJV), so it maps to unknown.
    const std::string& train = kjv_split_text(KjvSplit::Train);
    const std::set<char> train_chars(train.begin(), train.end());
    REQUIRE(train_chars.count('X') == 0);
    const KjvLanguageModel lm("valid");
    const CharVocabulary& vocabulary = lm.vocabulary();
    CHECK(vocabulary.size() == int64_t(train_chars.size()) + 2);
    for (char c : train_chars) CHECK(vocabulary.id(c) >= 2);
    CHECK(vocabulary.id('X') == CharVocabulary::kUnknownId);
    CHECK(vocabulary.encode("\n") == std::vector<int32_t>({2}));  // the smallest byte first
}

TEST_CASE("vocab: byte-level ids are byte + 1", "[data][vocab]") {
    const std::string text("A\n\xff", 3);
    CHECK(byte_encode(text) == std::vector<int32_t>({66, 11, 256}));
    CHECK(byte_decode({66, 11, 256, kPadId}) == text);
    CHECK(kByteVocabSize == 257);
    CHECK_THROWS_WITH(byte_decode({257}), Catch::Contains("id 257 outside [0, 257)"));
}

TEST_CASE("kjv_lm: windows tile the split and the target is the input shifted by one",
          "[data][kjv]") {
    KjvLanguageModelOptions options;
    options.context_length = 64;
    const KjvLanguageModel lm("test", options);
    const std::string& text = kjv_split_text(KjvSplit::Test);
    CHECK(lm.task() == TaskKind::LanguageModel);
    CHECK(lm.name() == "kjv_lm/test");
    CHECK(lm.size() == (int64_t(text.size()) - 1) / 64);
    CHECK(lm.max_length() == 64);
    for (int64_t i : {int64_t(0), int64_t(1), lm.size() - 1}) {
        const Example e = lm.example(i);
        REQUIRE(e.input.size() == 64);
        REQUIRE(e.target.size() == 64);
        CHECK(std::equal(e.input.begin() + 1, e.input.end(), e.target.begin()));
        CHECK(lm.decode(e.input) == text.substr(size_t(i) * 64, 64));
        CHECK(lm.decode(e.target) == text.substr(size_t(i) * 64 + 1, 64));
    }
    CHECK(lm.example(1).input != lm.example(0).input);
    CHECK_THROWS_WITH(lm.example(lm.size()), Catch::Contains("outside [0, "));
    options.context_length = 0;
    CHECK_THROWS_WITH(KjvLanguageModel("train", options),
                      Catch::Contains("context_length 0 must be at least 1"));
    options.context_length = 1 << 30;
    CHECK_THROWS_WITH(KjvLanguageModel("valid", options), Catch::Contains("no full window"));
}

TEST_CASE("kjv_classify: passages come from the labelled book, within the length bounds",
          "[data][kjv]") {
    KjvClassificationOptions options;
    options.min_length = 100;
    options.max_length = 400;
    options.eval_examples = 300;
    const KjvClassification books("valid", options);
    CHECK(books.task() == TaskKind::Classification);
    CHECK(books.num_classes() == 66);
    CHECK(books.vocab_size() == 257);
    CHECK(books.size() == 300);
    std::map<int, std::string> texts;
    std::set<int> labels;
    for (int64_t i = 0; i < books.size(); ++i) {
        const Example e = books.example(i);
        INFO("example " << i << " label " << e.label);
        REQUIRE(e.label >= 0);
        REQUIRE(e.label < 66);
        CHECK(e.input.size() >= 100);
        CHECK(e.input.size() <= 400);
        CHECK(books.source_book(i) == e.label);
        if (!texts.count(e.label)) texts[e.label] = book_text(KjvSplit::Valid, e.label);
        CHECK(find_at_verse_start(texts[e.label], books.decode(e.input)) != std::string::npos);
        labels.insert(e.label);
    }
    CHECK(labels.size() > 25);  // balanced over the split's books, not stuck on a few

    options.label = KjvLabel::Testament;
    const KjvClassification testaments("train", options);
    CHECK(testaments.num_classes() == 2);
    CHECK(testaments.name() == "kjv_testament/train");
    int new_testament = 0;
    for (int64_t i = 0; i < 200; ++i) {
        const Example e = testaments.example(i);
        CHECK(e.label == int32_t(testaments.source_book(i) >= kKjvOldTestamentBooks));
        new_testament += e.label;
    }
    CHECK(new_testament > 60);
    CHECK(new_testament < 140);
}

TEST_CASE("kjv_classify: examples are a function of the seed; bad options are rejected",
          "[data][kjv]") {
    KjvClassificationOptions options;
    const KjvClassification a("train", options), b("train", options);
    options.seed = 2;
    const KjvClassification c("train", options);
    CHECK(a.size() == 10000);
    int differ = 0;
    for (int64_t i = 0; i < 50; ++i) {
        const Example ea = a.example(i), eb = b.example(i), ec = c.example(i);
        CHECK(ea.input == eb.input);
        CHECK(ea.label == eb.label);
        CHECK(a.example(i).input == ea.input);
        differ += ea.input != ec.input;
    }
    CHECK(differ >= 45);

    options.min_length = 500;
    options.max_length = 400;
    CHECK_THROWS_WITH(KjvClassification("train", options),
                      Catch::Contains("[500, 400] must satisfy 1 <= min_length <= max_length"));
    options.min_length = 1;
    options.max_length = 1 << 20;
    CHECK_THROWS_WITH(KjvClassification("test", options), Catch::Contains("no book of the test"));
    options.max_length = 400;
    options.eval_examples = 0;
    CHECK_THROWS_WITH(KjvClassification("valid", options), Catch::Contains("must be positive"));
}

TEST_CASE("kjv_retrieval: balanced pairs, labelled 1 exactly when both passages share a book",
          "[data][kjv]") {
    KjvRetrievalOptions options;
    options.min_length = 64;
    options.max_length = 256;
    const KjvRetrieval pairs("train", options);
    CHECK(pairs.task() == TaskKind::PairClassification);
    CHECK(pairs.num_classes() == 2);
    int same = 0;
    for (int64_t i = 0; i < 1000; ++i) same += pairs.example(i).label;
    CHECK(same >= 400);
    CHECK(same <= 600);

    std::map<int, std::string> texts;
    for (int64_t i = 0; i < 100; ++i) {
        const Example e = pairs.example(i);
        const auto [book_a, book_b] = pairs.source_books(i);
        INFO("example " << i << ": books " << book_a << ", " << book_b);
        CHECK(e.label == int32_t(book_a == book_b));
        const std::string input = pairs.decode(e.input), second = pairs.decode(e.second);
        for (size_t n : {input.size(), second.size()}) {
            CHECK(n >= 64);
            CHECK(n <= 256);
        }
        for (int book : {book_a, book_b})
            if (!texts.count(book)) texts[book] = book_text(KjvSplit::Train, book);
        const size_t at_a = find_at_verse_start(texts[book_a], input);
        const size_t at_b = find_at_verse_start(texts[book_b], second);
        CHECK(at_a != std::string::npos);
        CHECK(at_b != std::string::npos);
        if (e.label == 1)  // two different stretches of the book, not overlapping
            CHECK((at_a + input.size() <= at_b || at_b + second.size() <= at_a));
    }
    const Batch batch = make_batch(pairs, {0, 1, 2});
    CHECK(batch.second.shape.size() == 2);
    CHECK(batch.labels.shape == Shape({3}));

    const KjvRetrieval again("train", options);
    CHECK(again.example(7).input == pairs.example(7).input);
    CHECK(again.example(7).second == pairs.example(7).second);
    options.max_length = 1 << 20;
    CHECK_THROWS_WITH(KjvRetrieval("valid", options), Catch::Contains("(need 2)"));
}

TEST_CASE("kjv_transduce: the target reverses every word of the source, with BOS and EOS",
          "[data][kjv]") {
    CHECK(reverse_words("In the beginning God") == "nI eht gninnigeb doG");
    CHECK(reverse_words("  ab,c\nde ") == "  c,ba\ned ");
    CHECK(reverse_words("") == "");

    const KjvTransduction task("valid");
    const CharVocabulary& vocabulary = task.vocabulary();
    CHECK(task.task() == TaskKind::Seq2Seq);
    CHECK(task.max_length() == 49);
    CHECK(task.vocab_size() == vocabulary.size());
    CHECK(vocabulary.bos_id() == 2);
    CHECK(vocabulary.eos_id() == 3);
    const std::string& text = kjv_split_text(KjvSplit::Valid);
    for (int64_t i = 0; i < 200; ++i) {
        const Example e = task.example(i);
        const std::string source = task.source_text(i);
        INFO("example " << i << ": '" << source << "'");
        CHECK(source.size() >= 16);
        CHECK(source.size() <= 48);
        CHECK(source.front() != ' ');
        CHECK(text.find(source) != std::string::npos);
        CHECK(e.input == vocabulary.encode(source));
        std::vector<int32_t> expected = vocabulary.encode(reverse_words(source));
        expected.push_back(3);
        CHECK(e.target == expected);
        REQUIRE(e.second.size() == e.target.size());
        CHECK(e.second[0] == 2);
        CHECK(std::equal(e.second.begin() + 1, e.second.end(), e.target.begin()));
        CHECK(std::count(e.input.begin(), e.input.end(), 2) +
                  std::count(e.input.begin(), e.input.end(), 3) ==
              0);
    }
    CHECK(task.decode(task.example(0).second).rfind("<bos>", 0) == 0);
    const KjvTransduction again("valid");
    CHECK(again.example(11).input == task.example(11).input);

    KjvTransductionOptions options;
    options.min_length = 0;
    CHECK_THROWS_WITH(KjvTransduction("train", options),
                      Catch::Contains("[0, 48] must satisfy 1 <= min_length <= max_length"));
}
