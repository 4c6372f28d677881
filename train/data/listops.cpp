// listops.cpp — the LRA ListOps generator with length rejection, and an independent evaluator.
#include "listops.h"

#include <algorithm>
#include <numeric>
#include <sstream>

#include "engine/rng.h"

namespace attnlab {

namespace {

constexpr double kOperatorProbability = 0.25;  // LRA's VALUE_P: r <= 0.25 makes an operator
constexpr int64_t kMaxDraws = 1000000;         // rejection sampling gives up after this many
constexpr int kMaxEvaluateDepth = 1000;  // bounds the evaluator's recursion (and so its stack)
constexpr const char* kWords[kListOpsVocab] = {
    "<pad>", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "[MIN", "[MAX", "[MED", "[SM", "]"};

// The longest expression the depth and argument limits allow (saturating, to compare bounds).
int64_t longest_possible(int depth, const ListOpsOptions& options) {
    if (depth >= options.max_depth) return 1;
    const int64_t child = longest_possible(depth + 1, options);
    if (child > (int64_t(1) << 40)) return child;
    return 2 + options.max_args * child;
}

// The generator's own arithmetic on a node's argument values.
int apply(int32_t op, std::vector<int>& args) {
    switch (op) {
        case kListOpsMin:
            return *std::min_element(args.begin(), args.end());
        case kListOpsMax:
            return *std::max_element(args.begin(), args.end());
        case kListOpsMed: {
            std::sort(args.begin(), args.end());
            const size_t n = args.size();
            return n % 2 == 1 ? args[n / 2] : (args[n / 2 - 1] + args[n / 2]) / 2;
        }
        default:
            return std::accumulate(args.begin(), args.end(), 0) % 10;
    }
}

// Appends one subtree (LRA's generate_tree) to `tokens` and returns its value, or -1 as soon as
// the tokens exceed `limit`: the draw is rejected anyway, and giving up early keeps huge trees
// cheap. Stopping early does not bias the accepted draws: each draw uses fresh random numbers.
int grow(Rng& rng, int depth, const ListOpsOptions& options, int64_t limit,
         std::vector<int32_t>& tokens) {
    const double r = depth < options.max_depth ? rng.uniform() : 1.0;
    if (r > kOperatorProbability) {
        const int digit = int(rng.below(10));
        tokens.push_back(kListOpsDigit0 + digit);
        return digit;
    }
    const size_t op_slot = tokens.size();
    tokens.push_back(kListOpsMin);  // overwritten once the operator is drawn
    const int num_args = 2 + int(rng.below(uint64_t(options.max_args - 1)));
    std::vector<int> args;
    for (int a = 0; a < num_args; ++a) {
        const int value = grow(rng, depth + 1, options, limit, tokens);
        if (value < 0 || int64_t(tokens.size()) > limit) return -1;
        args.push_back(value);
    }
    const int32_t op = kListOpsMin + int32_t(rng.below(4));
    tokens[op_slot] = op;
    tokens.push_back(kListOpsClose);
    if (int64_t(tokens.size()) > limit) return -1;
    return apply(op, args);
}

// The evaluator's recursive descent: the expression starting at `pos`, leaving `pos` after it;
// `depth` counts the operators open around it.
int evaluate_at(const std::vector<int32_t>& tokens, size_t& pos, int depth) {
    ATTNLAB_CHECK(pos < tokens.size(), "listops_evaluate: expression ends early at position ", pos,
                  " (missing operand or ']')");
    ATTNLAB_CHECK(depth < kMaxEvaluateDepth, "listops_evaluate: operators nested deeper than ",
                  kMaxEvaluateDepth, " levels at position ", pos);
    const int32_t token = tokens[pos];
    const size_t start = pos++;
    if (token >= kListOpsDigit0 && token < kListOpsDigit0 + 10) return token - kListOpsDigit0;
    ATTNLAB_CHECK(token >= kListOpsMin && token <= kListOpsSumMod, "listops_evaluate: token ",
                  token, " at position ", start, " is neither a digit nor an operator");
    std::vector<int> values;
    while (pos < tokens.size() && tokens[pos] != kListOpsClose)
        values.push_back(evaluate_at(tokens, pos, depth + 1));
    ATTNLAB_CHECK(pos < tokens.size(), "listops_evaluate: operator at position ", start,
                  " is never closed by ']'");
    ATTNLAB_CHECK(!values.empty(), "listops_evaluate: operator at position ", start,
                  " has no arguments");
    ++pos;  // the ']'
    if (token == kListOpsMin) {
        int low = values[0];
        for (int v : values) low = v < low ? v : low;
        return low;
    }
    if (token == kListOpsMax) {
        int high = values[0];
        for (int v : values) high = v > high ? v : high;
        return high;
    }
    if (token == kListOpsSumMod) {
        int sum = 0;
        for (int v : values) sum += v;
        return sum % 10;
    }
    // Median: count how many values lie at or below each candidate (no sort shared with apply()).
    const int n = int(values.size());
    auto kth = [&](int k) {  // the k-th smallest, 0-based
        for (int candidate = 0; candidate < 10; ++candidate) {
            int at_or_below = 0;
            for (int v : values) at_or_below += v <= candidate;
            if (at_or_below > k) return candidate;
        }
        return 9;
    };
    return n % 2 == 1 ? kth(n / 2) : (kth(n / 2 - 1) + kth(n / 2)) / 2;
}

}  // namespace

ListOps::ListOps(const ListOpsOptions& options) : options_(options) {
    const ListOpsOptions& o = options;
    ATTNLAB_CHECK(o.size > 0, "ListOps: size ", o.size, " must be positive");
    ATTNLAB_CHECK(o.max_depth >= 1 && o.max_depth <= 64, "ListOps: max_depth ", o.max_depth,
                  " outside 1 .. 64");
    ATTNLAB_CHECK(o.max_args >= 2 && o.max_args <= 1000, "ListOps: max_args ", o.max_args,
                  " outside 2 .. 1000 (an operator takes at least 2 arguments)");
    ATTNLAB_CHECK(o.min_length >= 1 && o.min_length <= o.max_length, "ListOps: length bounds [",
                  o.min_length, ", ", o.max_length, "] need 1 <= min_length <= max_length");
    ATTNLAB_CHECK(o.max_length <= kMaxSequenceLength, "ListOps: max_length ", o.max_length,
                  " must be at most ", kMaxSequenceLength);
    const int64_t longest = longest_possible(1, o);
    ATTNLAB_CHECK(o.min_length <= longest, "ListOps: min_length ", o.min_length,
                  " exceeds the longest expression max_depth ", o.max_depth, " and max_args ",
                  o.max_args, " allow (", longest, " tokens)");
    // Lengths 2 and 3 are impossible: a leaf has 1 token, an operator at least 4.
    ATTNLAB_CHECK(o.min_length == 1 || o.max_length >= 4,
                  "ListOps: no expression has a length in [", o.min_length, ", ", o.max_length,
                  "] (lengths are 1 or at least 4)");
}

Example ListOps::example(int64_t index) const {
    ATTNLAB_CHECK(index >= 0 && index < options_.size, "ListOps: index ", index, " outside [0, ",
                  options_.size, ")");
    Rng rng(mix(options_.seed, uint64_t(index)));
    Example example;
    for (int64_t draw = 0; draw < kMaxDraws; ++draw) {
        example.input.clear();
        const int value = grow(rng, 1, options_, options_.max_length, example.input);
        if (value >= 0 && int64_t(example.input.size()) >= options_.min_length) {
            example.label = value;
            return example;
        }
    }
    throw Error(cat("ListOps: no expression with length in [", options_.min_length, ", ",
                    options_.max_length, "] after ", kMaxDraws, " draws; widen the bounds"));
}

std::string ListOps::decode(const std::vector<int32_t>& ids) const {
    std::string out;
    for (int32_t id : ids) {
        if (!out.empty()) out += ' ';
        out += id >= 0 && id < kListOpsVocab ? kWords[id] : cat("<", id, ">");
    }
    return out;
}

int listops_evaluate(const std::vector<int32_t>& tokens) {
    ATTNLAB_CHECK(!tokens.empty(), "listops_evaluate: empty expression");
    size_t pos = 0;
    const int value = evaluate_at(tokens, pos, 0);
    ATTNLAB_CHECK(pos == tokens.size(), "listops_evaluate: ", tokens.size() - pos,
                  " tokens left over after the expression ends at position ", pos);
    return value;
}

std::vector<int32_t> listops_encode(const std::string& text) {
    std::istringstream words(text);
    std::vector<int32_t> tokens;
    std::string word;
    while (words >> word) {
        if (word == "(" || word == ")") continue;
        const auto found = std::find_if(kWords + 1, kWords + kListOpsVocab,
                                        [&](const char* known) { return word == known; });
        ATTNLAB_CHECK(found != kWords + kListOpsVocab, "listops_encode: unknown word '", word,
                      "' (expected a digit, [MIN, [MAX, [MED, [SM or ])");
        tokens.push_back(int32_t(found - kWords));
    }
    return tokens;
}

}  // namespace attnlab
