// positions.h — the position vectors a stack adds to its token vectors (stack_config.h): learned,
// or the fixed sinusoids of Vaswani et al., "Attention Is All You Need", NeurIPS 2017 (arXiv
// 1706.03762, §3.5):
//
//     learned      P = a [max_len, d] table ("weight", N(0, 0.02²)), trained with the model
//     sinusoidal   P[pos, 2i] = sin(pos / 10000^(2i/d)),  P[pos, 2i + 1] = cos(pos / 10000^(2i/d))
//                  (an odd d ends on a sine), computed in double; a constant, no parameters
//
// Either way the table has max_len rows, so the stacks' length checks stay as they are: the
// sinusoids could go on, but the softmax-frame kinds sized by max_len (Random, Dense) could not.
// LRA uses the sinusoids on every task but Image.
// Parameters: "weight" [max_len, d] (learned), none (sinusoidal). The learned table draws from the
// construction rng exactly as an EmbeddingTable (lm.h) does; the sinusoids draw nothing.
#pragma once

#include <string>
#include <vector>

#include "engine/rng.h"
#include "module.h"

namespace attnlab {

// The valid values of StackConfig::positions: "learned", "sinusoidal".
const std::vector<std::string>& position_kinds();

// The sinusoid table P [max_len, d] above (max_len, d >= 1).
Tensor sinusoidal_positions(int64_t max_len, int64_t d_model);

class PositionTable : public Module {
  public:
    // `kind` one of position_kinds(); another throws an Error naming it and the valid ones.
    PositionTable(const std::string& kind, int64_t max_len, int64_t d_model, Rng& rng);
    // positions [B, L] (0 <= position < max_len) → P[positions] [B, L, d].
    Tensor at(const IntTensor& positions) const;
    // P [max_len, d] (the parameter when learned).
    const Tensor& table() const { return table_; }

  private:
    Tensor table_;
};

}  // namespace attnlab
