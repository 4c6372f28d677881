// token_mixer.cpp — the checks every decoding state shares, and the default that refuses.
#include "token_mixer.h"

#include "engine/autograd.h"

namespace attnlab {

DecodeState::DecodeState(const AttentionConfig& config, int64_t batch)
    : kind_(config.kind), batch_(batch), d_model_(config.d_model) {
    ATTNLAB_CHECK(config.causal, kind_,
                  ": incremental decoding needs a causal layer; this one is bidirectional (each "
                  "output depends on later tokens)");
    ATTNLAB_CHECK(batch >= 1, kind_, ": decoding batch ", batch, " must be >= 1");
}

Tensor DecodeState::step(const Tensor& x) {
    ATTNLAB_CHECK(x.ndim() == 3 && x.size(0) == batch_ && x.size(1) == 1 && x.size(2) == d_model_,
                  kind_, ": decoding step input ", shape_str(x.shape()), " (expected [", batch_,
                  ", 1, ", d_model_, "]: one new position per sequence)");
    NoGradGuard no_grad;  // caches must not hold autograd graphs that grow with every token
    Tensor out = advance(x);
    ++position_;
    return out;
}

std::unique_ptr<DecodeState> TokenMixer::start_decoding(int64_t) const {
    throw Error(cat(config().kind,
                    ": no incremental decoding for this kind; generate with the whole-prefix "
                    "path (Decoding::WholePrefix) or pick a causal kind that decodes"));
}

}  // namespace attnlab
