// mqar.cpp — the multi-query associative recall generator of mqar.h.
#include "mqar.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "engine/rng.h"

namespace attnlab {
namespace {

// `count` distinct integers of [0, alphabet) in uniformly random order: Floyd's sampling (O(count)
// whatever the alphabet), then a Fisher–Yates shuffle, since Floyd's order is not uniform.
std::vector<int64_t> distinct_draw(Rng& rng, int64_t alphabet, int64_t count) {
    std::unordered_set<int64_t> taken;
    std::vector<int64_t> drawn;
    for (int64_t j = alphabet - count; j < alphabet; ++j) {
        const int64_t t = int64_t(rng.below(uint64_t(j + 1)));
        drawn.push_back(taken.insert(t).second ? t : j);
        taken.insert(drawn.back());
    }
    for (int64_t i = count - 1; i > 0; --i)
        std::swap(drawn[size_t(i)], drawn[size_t(rng.below(uint64_t(i + 1)))]);
    return drawn;
}

// `count` distinct slots of [0, slots), drawn one after another with weight (g + 1)^(power − 1)
// among those left (Zoology's power law over its `gaps`).
std::vector<int64_t> draw_slots(Rng& rng, int64_t slots, int64_t count, double power) {
    std::vector<double> weight(size_t(slots), 0.0);
    for (int64_t g = 0; g < slots; ++g) weight[size_t(g)] = std::pow(double(g + 1), power - 1);
    std::vector<int64_t> chosen;
    for (int64_t j = 0; j < count; ++j) {
        double total = 0;
        for (double w : weight) total += w;
        double u = rng.uniform() * total;
        int64_t pick = -1;
        for (int64_t g = 0; g < slots; ++g) {
            if (weight[size_t(g)] == 0) continue;
            pick = g;  // the last slot left, should rounding carry u past the total
            if (u < weight[size_t(g)]) break;
            u -= weight[size_t(g)];
        }
        weight[size_t(pick)] = 0;
        chosen.push_back(pick);
    }
    return chosen;
}

}  // namespace

std::optional<MqarOptionProblem> mqar_option_problem(const MqarOptions& o) {
    const int64_t queries = o.queries == 0 ? o.pairs : o.queries;
    auto problem = [](const char* option, std::string expectation, auto value) {
        return MqarOptionProblem{option, std::move(expectation), cat(value)};
    };
    if (o.size < 1) return problem("size", "positive", o.size);
    if (o.pairs < 1) return problem("pairs", "positive", o.pairs);
    if (o.length < 1 || o.length > kMaxSequenceLength)
        return problem("length", cat("in [1, ", kMaxSequenceLength, "]"), o.length);
    if (o.key_alphabet < o.pairs)
        return problem("key_alphabet",
                       cat("at least pairs = ", o.pairs, " (the keys of a sequence are distinct)"),
                       o.key_alphabet);
    if (o.value_alphabet < o.pairs)
        return problem(
            "value_alphabet",
            cat("at least pairs = ", o.pairs, " (the values of a sequence are distinct)"),
            o.value_alphabet);
    if (o.key_alphabet + o.value_alphabet > kMaxVocabulary - 2)
        return problem("value_alphabet",
                       cat("at most ", kMaxVocabulary - 2,
                           " - key_alphabet = ", kMaxVocabulary - 2 - o.key_alphabet),
                       o.value_alphabet);
    if (o.queries < 0 || o.queries > o.pairs)
        return problem("queries",
                       cat("in [0, pairs = ", o.pairs, "] (0: every key once; each at most once)"),
                       o.queries);
    if (2 * o.pairs + 2 * queries > o.length)
        return problem("length",
                       cat("at least 2 × pairs + 2 × queries = ", 2 * o.pairs + 2 * queries,
                           " (the pairs, then a two-position slot per query)"),
                       o.length);
    if (!(std::isfinite(o.gap_power) && o.gap_power > 0 && o.gap_power <= 10))
        return problem("gap_power", "in (0, 10] (1: query slots uniform)", o.gap_power);
    return std::nullopt;
}

Mqar::Mqar(const MqarOptions& options) : options_(options) {
    if (const auto problem = mqar_option_problem(options))
        throw Error(cat("mqar: ", problem->option, " must be ", problem->expectation, ", got ",
                        problem->value));
}

Example Mqar::example(int64_t index) const {
    ATTNLAB_CHECK(index >= 0 && index < options_.size, "mqar: index ", index, " outside [0, ",
                  options_.size, ")");
    Rng rng(mix(options_.seed, uint64_t(index)));
    const int64_t pairs = options_.pairs, length = options_.length, queries = query_count();
    const std::vector<int64_t> keys = distinct_draw(rng, options_.key_alphabet, pairs);
    const std::vector<int64_t> values = distinct_draw(rng, options_.value_alphabet, pairs);
    const std::vector<int64_t> asked = distinct_draw(rng, pairs, queries);
    const std::vector<int64_t> slots =
        draw_slots(rng, (length - 2 * pairs) / 2, queries, options_.gap_power);
    Example example;
    example.input.assign(size_t(length), kPadId);
    example.target.assign(size_t(length), kIgnoreIndex);
    for (int64_t p = 0; p < pairs; ++p) {
        example.input[size_t(2 * p)] = key_token(keys[size_t(p)]);
        example.input[size_t(2 * p + 1)] = value_token(values[size_t(p)]);
    }
    for (int64_t j = 0; j < queries; ++j) {
        const size_t position = size_t(2 * pairs + 2 * slots[size_t(j)]);
        example.input[position] = key_token(keys[size_t(asked[size_t(j)])]);
        example.target[position] = value_token(values[size_t(asked[size_t(j)])]);
    }
    // Random fillers: uniform over keys and values, redrawn while they hit one of this sequence's
    // keys (at most half of them, as keys and values each number at least `pairs`).
    std::vector<int32_t> own;
    for (int64_t key : keys) own.push_back(key_token(key));
    std::sort(own.begin(), own.end());
    const uint64_t tokens = uint64_t(options_.key_alphabet + options_.value_alphabet);
    for (int64_t t = 2 * pairs; t < length; ++t) {
        if (example.input[size_t(t)] != kPadId) continue;
        int32_t filler = kMqarFiller;
        while (options_.random_fillers &&
               (filler == kMqarFiller || std::binary_search(own.begin(), own.end(), filler)))
            filler = key_token(int64_t(rng.below(tokens)));
        example.input[size_t(t)] = filler;
    }
    return example;
}

std::string Mqar::decode(const std::vector<int32_t>& ids) const {
    std::string out;
    for (int32_t id : ids) {
        if (!out.empty()) out += ' ';
        if (id == kPadId)
            out += "_";
        else if (id == kMqarFiller)
            out += "f";
        else if (id >= key_token(0) && id < value_token(0))
            out += cat("k", id - key_token(0));
        else if (id >= value_token(0) && id < vocab_size())
            out += cat("v", id - value_token(0));
        else
            out += cat("<", id, ">");
    }
    return out;
}

}  // namespace attnlab
