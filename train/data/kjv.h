// kjv.h — the King James Bible as attnlab's local text corpus: parsed once per process from the
// `bible` command of the Debian package bible-kjv, and split by chapter into train/valid/test.
//
// Source: `bible -l100000 Gen1:1-Rev22:21`. The default output is pretty-printed ("Genesis 1"
// header lines between blank lines, then one "  <verse> <text>" line per verse) and wrapped at
// $COLUMNS; -l100000 keeps the pretty form but never wraps, so the text does not depend on the
// environment. The parser accepts exactly that form and checks the result against the KJV's
// known shape: 66 books in canonical order, 1,189 chapters and 31,102 verses, chapters and verses
// numbered 1, 2, 3... Anything else throws.
//
// Split rule (by chapter, so no verse or chapter straddles two splits): number the chapters of the
// whole Bible 0..1188 in canonical order (the chapter ordinal n). The first chapter of every book
// is train (so every book, including the five one-chapter books, has training text); otherwise
// n % 20 == 18 → valid, n % 20 == 19 → test, else train (~90 / 5 / 5 %).
//
// The text of a split is its verses' text joined with '\n' in canonical order (no trailing
// newline, no references). Verse text is the KJV's as printed, without trailing spaces.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace attnlab {

constexpr int kKjvBooks = 66;
constexpr int kKjvOldTestamentBooks = 39;  // books 0..38; the New Testament is 39..65
constexpr int64_t kKjvChapters = 1189;
constexpr int64_t kKjvVerses = 31102;

struct KjvVerse {
    int book = 0;                 // 0 (Genesis) .. 65 (Revelation)
    std::string book_name;        // as `bible` prints it, e.g. "Song of Solomon", "1 Samuel"
    int chapter = 0;              // 1-based within the book
    int verse = 0;                // 1-based within the chapter
    int64_t chapter_ordinal = 0;  // 0..1188 over the whole Bible
    std::string text;
};

enum class KjvSplit { Train, Valid, Test };

// "train", "valid", "test"; anything else throws naming the valid names.
KjvSplit parse_kjv_split(const std::string& name);
const char* kjv_split_name(KjvSplit split);

// The split of a chapter, by the rule above.
KjvSplit kjv_chapter_split(int64_t chapter_ordinal, bool first_chapter_of_book);

// Parses the output of `bible -l100000 Gen1:1-Rev22:21`; throws on anything unexpected.
std::vector<KjvVerse> parse_kjv(const std::string& bible_output);

// Runs `bible -l100000 Gen1:1-Rev22:21` and returns what it printed (uncached). Throws if the
// command is missing (naming the Debian package to install) or exits with a failure status.
std::string kjv_bible_output();

// Every verse in canonical order: parses kjv_bible_output() on first use and caches the result for
// the process.
const std::vector<KjvVerse>& kjv_verses();

// The indices (into kjv_verses()) of a split's verses, in canonical order; cached.
const std::vector<int32_t>& kjv_split_verses(KjvSplit split);

// The text of a split (its verses joined with '\n'); cached.
const std::string& kjv_split_text(KjvSplit split);

// Book i's name, e.g. kjv_book_name(0) == "Genesis".
const std::string& kjv_book_name(int book);

}  // namespace attnlab
