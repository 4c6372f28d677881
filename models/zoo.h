// zoo.h — the registry of attention kinds and the one factory that builds any of them by name.
//
// zoo.cpp holds the table of every kind (kind.h's KindInfo, defined in each kind's own file);
// everything keyed by a kind's name — building layers, mixtures, option defaults and ranges, FLOP
// counts — goes through it:
//   - softmax-frame kinds (attention.h): vanilla, dense, factorized_dense, random, fixed_random,
//     factorized_random, and any "+"-joined mixture of distinct ones of them;
//   - kinds with their own path: performer, linformer, lightweight_conv, dynamic_conv.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kind.h"

namespace attnlab {

// Every registered kind, in the table's order.
const std::vector<const KindInfo*>& registered_kinds();
// The kind named `name`; an unknown name throws an Error listing the valid ones.
const KindInfo& find_kind(const std::string& name);

// Every name make_token_mixer accepts on its own, and the softmax-frame ones (which mix).
const std::vector<std::string>& token_mixer_kind_names();
const std::vector<std::string>& logit_kind_names();

// The kinds of a config.kind: "random+vanilla" → {random, vanilla}, "performer" → {performer}.
// Throws an Error unless each part is registered, a mixture has only distinct softmax-frame kinds.
std::vector<const KindInfo*> parse_kind(const std::string& kind);
// Whether every part of config.kind decodes incrementally (KindInfo::decodes).
bool decodes_incrementally(const std::string& kind);

// The softmax frame's options "fused" (attention.h) and "mixture_weights" (attn_mixture.h), then
// every option key any kind declares (each key once, in the table's order), and one by key (an
// unknown key throws an Error listing the valid ones).
const std::vector<OptionSpec>& registered_options();
const OptionSpec& find_option(const std::string& key);

// Builds the layer named by config.kind (a mixture becomes one MultiHeadAttention).
std::unique_ptr<TokenMixer> make_token_mixer(const AttentionConfig& config, Rng& rng);
// The LogitSource of a softmax-frame config.kind, a MixtureLogits for a mixture.
std::unique_ptr<LogitSource> make_logit_source(const AttentionConfig& config, Rng& rng);

// Forward FLOPs of one layer of config.kind on inputs of `length` tokens (kind.h's MixerFlops).
MixerFlops mixer_forward_flops(const AttentionConfig& config, int64_t length);

// Redraws the random features of every token mixer under `root` that has them (the i-th found gets
// mix(seed, i)) and returns how many it redrew. The trainer calls this every N steps; forward
// never does.
int64_t redraw_random_features(Module& root, uint64_t seed);

}  // namespace attnlab
