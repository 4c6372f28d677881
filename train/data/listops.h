// listops.h — ListOps (Nangia & Bowman, 2018) as generated for the Long Range Arena (Tay et al.,
// 2021): nested prefix expressions over the digits 0-9 whose value, 0..9, is the class label.
//
// The generator follows LRA's released `lra_benchmarks/data/listops.py`. A node at depth <
// max_depth (the root has depth 1) is a digit leaf with probability 0.75, else an operator
// with 2..max_args children (uniform), each grown the same way; a node at max_depth is always a
// leaf, so operators nest at most max_depth - 1 deep. The operator is drawn uniformly after its
// children. Operators:
//   [MIN, [MAX   the usual;   [MED  the median, floored for an even count (LRA: int(np.median));
//   [SM          the sum mod 10.
// Every operator is closed by "]". The length is the token count (LRA's: leaf 1, node 2 + Σ
// children); draws outside [min_length, max_length] are rejected and redrawn. LRA keeps
// 500 < length < 2000, i.e. [501, 1999]; the defaults here are scaled down for a CPU.
//
// Tokens (vocab 16), LRA's input pipeline after it drops the "( … )" its serialiser wraps around
// every cons cell (']' becomes 'X' there; we keep ']'):
//   0 pad,  1..10 the digits 0..9,  11 [MIN,  12 [MAX,  13 [MED,  14 [SM,  15 ]
// Differences from LRA: example i is drawn from its own stream mix(seed, i), so there is no
// deduplication (LRA draws from a set); use distinct seeds for the train, valid and test splits.
// LRA prepends no [CLS] token in the data either: pooling is the model's business.
#pragma once

#include <string>
#include <vector>

#include "train/data/dataset.h"

namespace attnlab {

constexpr int32_t kListOpsDigit0 = 1;  // digit v is token v + 1
constexpr int32_t kListOpsMin = 11;
constexpr int32_t kListOpsMax = 12;
constexpr int32_t kListOpsMed = 13;
constexpr int32_t kListOpsSumMod = 14;
constexpr int32_t kListOpsClose = 15;
constexpr int64_t kListOpsVocab = 16;

struct ListOpsOptions {
    int64_t size = 20000;  // examples (LRA: 96,000 train, 2,000 valid, 2,000 test)
    uint64_t seed = 1;
    int64_t min_length = 64;  // inclusive token-count bounds (LRA: 501 .. 1999)
    int64_t max_length = 256;
    int max_depth = 10;  // as LRA: the root is depth 1, a node at max_depth is a leaf
    int max_args = 10;   // children per operator: 2 .. max_args
};

class ListOps : public Dataset {
  public:
    explicit ListOps(const ListOpsOptions& options = {});

    std::string name() const override { return "listops"; }
    TaskKind task() const override { return TaskKind::Classification; }
    int64_t size() const override { return options_.size; }
    Example example(int64_t index) const override;
    int64_t vocab_size() const override { return kListOpsVocab; }
    int64_t num_classes() const override { return 10; }
    int64_t max_length() const override { return options_.max_length; }
    std::string decode(const std::vector<int32_t>& ids) const override;  // "[MAX 4 [SM 2 3 ] ]"

    const ListOpsOptions& options() const { return options_; }

  private:
    ListOpsOptions options_;
};

// The value (0..9) of a token sequence, by a recursive parse written independently of the
// generator (tests compare the two). Throws on malformed input, naming the position, and on
// operators nested 1000 or more deep (the generator's max_depth is at most 64).
int listops_evaluate(const std::vector<int32_t>& tokens);

// Tokens of a written expression such as "[MED 1 2 [SM 5 7 ] ]". The "(" and ")" of LRA's files are
// dropped as LRA's input pipeline does; any other unknown word throws.
std::vector<int32_t> listops_encode(const std::string& text);

}  // namespace attnlab
