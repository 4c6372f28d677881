// sampling.h — text generation from a causal language model: temperature and top-k sampling, for
// one prompt or a batch of prompts of different lengths.
//
// Decoding (SamplingOptions::decoding): incremental by default (LmDecoding, models/lm.h), one row
// per layer for each new token; Decoding::WholePrefix reruns the model over the whole context for
// every token, the reference: the same tokens, at O(context) times the cost. A model whose kind
// cannot decode incrementally (KindInfo::decodes: Reformer) always takes the whole-prefix path.
//
// Batches: every row is at the same position at every step. A row with a shorter prompt starts
// drawing earlier while the others still read their prompts, so no padding is needed and each row
// gets the logits it would get alone. The draws happen position by position, rows in order; rows
// that have their `length` tokens stop drawing (the batch runs until the longest prompt's row is
// done).
//
// Past max_len: the positions are learned and end at max_len. When a context holds max_len tokens
// and another one is needed, it is cut to its last ⌈max_len / 2⌉ tokens, re-encoded from position
// 0 (one pass over them), and generation continues: every token still sees at least ⌈max_len / 2⌉
// tokens, and re-encoding costs one pass per ⌊max_len / 2⌋ new tokens. Both decodings use this one
// window, so they agree at any length.
//
// Each draw: the logits of the last position are divided by the temperature, all but the top_k
// largest dropped (top_k 0 keeps all), and a token is drawn from their softmax with `rng`.
// Temperature 0 means greedy decoding (the argmax). The padding id (kPadId, dataset.h) is never
// produced.
#pragma once

#include <vector>

#include "engine/rng.h"
#include "models/lm.h"

namespace attnlab {

struct SamplingOptions {
    int64_t length = 200;  // new tokens per prompt
    double temperature = 1.0;
    int64_t top_k = 0;
    Decoding decoding = Decoding::Incremental;
};

// Returns the `length` generated ids (the prompt, non-empty, not included). Runs in eval mode with
// recording off and restores the model's mode.
std::vector<int32_t> sample_lm(LanguageModel& model, const std::vector<int32_t>& prompt,
                               const SamplingOptions& options, Rng& rng);

// The same for a batch of non-empty prompts of any lengths: the `length` generated ids of each.
std::vector<std::vector<int32_t>> sample_lm_batch(LanguageModel& model,
                                                  const std::vector<std::vector<int32_t>>& prompts,
                                                  const SamplingOptions& options, Rng& rng);

}  // namespace attnlab
