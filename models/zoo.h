// zoo.h — the one factory that builds any token mixer of the zoo from its config name.
//
// The kinds, each in its own file(s):
//   - logit kinds (attention.h): vanilla, dense, factorized_dense, random, fixed_random,
//     factorized_random, and any "+"-joined mixture of them, all through one softmax path;
//   - linear attention: performer (attn_performer.h), linformer (attn_linformer.h);
//   - convolutions (Wu et al. 2019): lightweight_conv, dynamic_conv.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "attention.h"
#include "token_mixer.h"

namespace attnlab {

// Every name make_token_mixer accepts on its own (mixtures of logit kinds join them with "+").
const std::vector<std::string>& token_mixer_kind_names();

// Builds the layer named by config.kind; an unknown name throws an Error listing the valid ones.
std::unique_ptr<TokenMixer> make_token_mixer(const AttentionConfig& config, Rng& rng);

// Redraws the FAVOR+ features of every Performer layer under `root` (the i-th found gets
// mix(seed, i)) and returns how many it redrew. The trainer calls this every N steps; forward
// never does.
int64_t redraw_performer_features(Module& root, uint64_t seed);

}  // namespace attnlab
