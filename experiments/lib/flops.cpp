// flops.cpp — the model-FLOP formula of flops.h; each kind's own term comes from its KindInfo.
#include "flops.h"

#include "models/zoo.h"

namespace attnlab::experiments {

int64_t lm_training_step_flops(const LmConfig& config, int64_t batch, int64_t length) {
    const StackConfig& stack = config.stack;
    ATTNLAB_CHECK(batch > 0 && length > 0 && length <= stack.max_len, "flops: batch ", batch,
                  " and length ", length, " must be positive, length ≤ max_len ", stack.max_len);
    const MixerFlops mixer = mixer_forward_flops(config.block_attention(0), length);
    const int64_t d = stack.d_model;
    const int64_t per_token = stack.layers * (mixer.per_token + 4 * d * stack.d_ff) +
                              2 * d * stack.vocab;  // + the tied output projection
    return 3 * (batch * length * per_token + stack.layers * mixer.per_step);
}

}  // namespace attnlab::experiments
