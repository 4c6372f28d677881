// token_mixer.h — the interface every sequence-mixing layer of the zoo implements.
//
// A token mixer maps x [B, L, d] → [B, L, d], mixing information across positions. Blocks hold a
// TokenMixer and never know which kind they hold; zoo.h builds one from its config name.
#pragma once

#include "module.h"

namespace attnlab {

class TokenMixer : public Module {
  public:
    // x [B, L, d] → [B, L, d]; key_padding (optional) [B, L] with 1 = real token, 0 = pad.
    virtual Tensor forward(const Tensor& x, const Tensor& key_padding = Tensor()) = 0;
};

}  // namespace attnlab
