// sampling.h — text generation from a causal language model: temperature and top-k sampling.
//
// Each new token comes from a full forward pass over the last max_len tokens (no key/value cache:
// simple, and fast enough for the small models here). The logits of the last position are divided
// by the temperature, all but the top_k largest dropped (top_k 0 keeps all), and a token is drawn
// from their softmax with `rng`. Temperature 0 means greedy decoding (the argmax). The padding id
// (kPadId, dataset.h) is never produced.
#pragma once

#include <vector>

#include "engine/rng.h"
#include "models/lm.h"

namespace attnlab {

struct SamplingOptions {
    int64_t length = 200;  // new tokens
    double temperature = 1.0;
    int64_t top_k = 0;
};

// Returns the `length` generated ids (the prompt, non-empty, not included). Runs in eval mode with
// recording off and restores the model's mode.
std::vector<int32_t> sample_lm(LanguageModel& model, const std::vector<int32_t>& prompt,
                               const SamplingOptions& options, Rng& rng);

}  // namespace attnlab
