// kjv.cpp — runs `bible` (no shell), parses and checks its output, and caches the verses and split
// texts.
#include "kjv.h"

#include <array>
#include <sstream>

#include "engine/common.h"
#include "engine/process.h"

namespace attnlab {

namespace {

const std::array<std::string, kKjvBooks> kBookNames = {"Genesis",
                                                       "Exodus",
                                                       "Leviticus",
                                                       "Numbers",
                                                       "Deuteronomy",
                                                       "Joshua",
                                                       "Judges",
                                                       "Ruth",
                                                       "1 Samuel",
                                                       "2 Samuel",
                                                       "1 Kings",
                                                       "2 Kings",
                                                       "1 Chronicles",
                                                       "2 Chronicles",
                                                       "Ezra",
                                                       "Nehemiah",
                                                       "Esther",
                                                       "Job",
                                                       "Psalms",
                                                       "Proverbs",
                                                       "Ecclesiastes",
                                                       "Song of Solomon",
                                                       "Isaiah",
                                                       "Jeremiah",
                                                       "Lamentations",
                                                       "Ezekiel",
                                                       "Daniel",
                                                       "Hosea",
                                                       "Joel",
                                                       "Amos",
                                                       "Obadiah",
                                                       "Jonah",
                                                       "Micah",
                                                       "Nahum",
                                                       "Habakkuk",
                                                       "Zephaniah",
                                                       "Haggai",
                                                       "Zechariah",
                                                       "Malachi",
                                                       "Matthew",
                                                       "Mark",
                                                       "Luke",
                                                       "John",
                                                       "Acts",
                                                       "Romans",
                                                       "1 Corinthians",
                                                       "2 Corinthians",
                                                       "Galatians",
                                                       "Ephesians",
                                                       "Philippians",
                                                       "Colossians",
                                                       "1 Thessalonians",
                                                       "2 Thessalonians",
                                                       "1 Timothy",
                                                       "2 Timothy",
                                                       "Titus",
                                                       "Philemon",
                                                       "Hebrews",
                                                       "James",
                                                       "1 Peter",
                                                       "2 Peter",
                                                       "1 John",
                                                       "2 John",
                                                       "3 John",
                                                       "Jude",
                                                       "Revelation"};

const char* kCommand = "bible -l100000 Gen1:1-Rev22:21";

// A positive decimal number filling all of `digits`, or -1.
int parse_number(const std::string& digits) {
    if (digits.empty() || digits.size() > 6) return -1;
    int value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return -1;
        value = value * 10 + (c - '0');
    }
    return value;
}

}  // namespace

std::string kjv_bible_output() {
    const ProcessResult bible = run_process({"bible", "-l100000", "Gen1:1-Rev22:21"});
    ATTNLAB_CHECK(!bible.not_found,
                  "kjv: the `bible` command is missing: install the Debian package bible-kjv "
                  "(sudo apt-get install bible-kjv)");
    ATTNLAB_CHECK(bible.exit_status == 0, "kjv: `", kCommand, "` failed (exit status ",
                  bible.exit_status, ")");
    return bible.output;
}

KjvSplit parse_kjv_split(const std::string& name) {
    if (name == "train") return KjvSplit::Train;
    if (name == "valid") return KjvSplit::Valid;
    if (name == "test") return KjvSplit::Test;
    throw Error(cat("kjv: unknown split '", name, "' (valid: train, valid, test)"));
}

const char* kjv_split_name(KjvSplit split) {
    switch (split) {
        case KjvSplit::Train:
            return "train";
        case KjvSplit::Valid:
            return "valid";
        case KjvSplit::Test:
            return "test";
    }
    return "?";
}

KjvSplit kjv_chapter_split(int64_t chapter_ordinal, bool first_chapter_of_book) {
    if (first_chapter_of_book) return KjvSplit::Train;
    if (chapter_ordinal % 20 == 18) return KjvSplit::Valid;
    if (chapter_ordinal % 20 == 19) return KjvSplit::Test;
    return KjvSplit::Train;
}

std::vector<KjvVerse> parse_kjv(const std::string& bible_output) {
    std::vector<KjvVerse> verses;
    int book = -1, chapter = 0, verse = 0;
    int64_t chapters = 0;
    std::istringstream lines(bible_output);
    std::string line;
    for (int64_t line_number = 1; std::getline(lines, line); ++line_number) {
        const auto fail = [&](const std::string& expected) {
            return Error(cat("kjv: unexpected output of `", kCommand, "` at line ", line_number,
                             ": '", line.substr(0, 80), "' (expected ", expected, ")"));
        };
        if (line.empty()) continue;
        if (line.compare(0, 2, "  ") == 0) {  // "  <verse> <text>"
            const size_t space = line.find(' ', 2);
            if (chapter == 0) throw fail("a 'Book chapter' header before the first verse");
            if (space == std::string::npos || parse_number(line.substr(2, space - 2)) != verse + 1)
                throw fail(
                    cat("verse ", verse + 1, " of ", kBookNames[size_t(book)], " ", chapter));
            std::string text = line.substr(space + 1);
            while (!text.empty() && text.back() == ' ') text.pop_back();
            if (text.empty()) throw fail("verse text");
            verses.push_back(
                {book, kBookNames[size_t(book)], chapter, ++verse, chapters - 1, std::move(text)});
            continue;
        }
        // "<Book name> <chapter>": the next chapter of this book, or chapter 1 of the next book.
        const size_t space = line.rfind(' ');
        const std::string name = space == std::string::npos ? line : line.substr(0, space);
        const int number = space == std::string::npos ? -1 : parse_number(line.substr(space + 1));
        if (chapter > 0 && verse == 0) throw fail("a verse of the chapter before");
        if (book >= 0 && name == kBookNames[size_t(book)] && number == chapter + 1) {
            ++chapter;
        } else if (book + 1 < kKjvBooks && name == kBookNames[size_t(book + 1)] && number == 1) {
            ++book;
            chapter = 1;
        } else {
            const std::string next =
                book + 1 < kKjvBooks ? cat(" or '", kBookNames[size_t(book + 1)], " 1'") : "";
            throw fail(book < 0 ? cat("'", kBookNames[0], " 1'")
                                : cat("'", kBookNames[size_t(book)], " ", chapter + 1, "'", next));
        }
        verse = 0;
        ++chapters;
    }
    ATTNLAB_CHECK(
        book + 1 == kKjvBooks && chapters == kKjvChapters && int64_t(verses.size()) == kKjvVerses,
        "kjv: `", kCommand, "` printed ", book + 1, " books, ", chapters, " chapters and ",
        verses.size(), " verses (expected ", kKjvBooks, ", ", kKjvChapters, " and ", kKjvVerses,
        ")");
    return verses;
}

const std::vector<KjvVerse>& kjv_verses() {
    static const std::vector<KjvVerse> verses = parse_kjv(kjv_bible_output());
    return verses;
}

const std::vector<int32_t>& kjv_split_verses(KjvSplit split) {
    static const std::array<std::vector<int32_t>, 3> splits = [] {
        std::array<std::vector<int32_t>, 3> result;
        const std::vector<KjvVerse>& verses = kjv_verses();
        for (size_t i = 0; i < verses.size(); ++i) {
            const KjvVerse& v = verses[i];
            result[size_t(kjv_chapter_split(v.chapter_ordinal, v.chapter == 1))].push_back(
                int32_t(i));
        }
        return result;
    }();
    return splits[size_t(split)];
}

const std::string& kjv_split_text(KjvSplit split) {
    static const std::array<std::string, 3> texts = [] {
        std::array<std::string, 3> result;
        for (size_t s = 0; s < result.size(); ++s)
            for (int32_t i : kjv_split_verses(KjvSplit(s))) {
                if (!result[s].empty()) result[s] += '\n';
                result[s] += kjv_verses()[size_t(i)].text;
            }
        return result;
    }();
    return texts[size_t(split)];
}

const std::string& kjv_book_name(int book) {
    ATTNLAB_CHECK(book >= 0 && book < kKjvBooks, "kjv_book_name: book ", book, " outside [0, ",
                  kKjvBooks, ")");
    return kBookNames[size_t(book)];
}

}  // namespace attnlab
