// kind.h — what an attention kind tells the zoo: its name, how to build it, its options and its
// FLOP formula. Each kind's file defines one KindInfo; zoo.cpp's table lists them all, and config
// parsing, FLOP counting and mixtures go through that table instead of switching on names.
//
// Two paths (attention.h): a softmax-frame kind supplies only a LogitSource (make_logits), so it
// shares the one mask → softmax → dropout → ·V path and can join a "+" mixture; any other kind is
// a whole TokenMixer with its own documented path (make_layer). Exactly one of the two is set.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "attention.h"

namespace attnlab {

// One option of a kind: a key under model.attention in configs, its default, and the values it
// may take (integers: [low, high], both included; real numbers: [real_low, real_high], both
// included; choices: a closed set of strings). The default's type is the option's type.
struct OptionSpec {
    std::string key;
    OptionValue default_value;
    int64_t low = 0, high = 0;
    std::vector<std::string> choices;
    double real_low = 0, real_high = 0;
};

// A real-valued option in [low, high].
inline OptionSpec real_option(std::string key, double default_value, double low, double high) {
    return {std::move(key), default_value, 0, 0, {}, low, high};
}

// Forward FLOPs of one token-mixer layer (2 per multiply-add, matmuls only; the convention is
// experiments/lib/flops.h's).
struct MixerFlops {
    int64_t per_token = 0;  // scales with the number of tokens
    int64_t per_step = 0;   // computed once per forward, shared by the batch (factorized_random)
};

// Forward FLOPs on inputs of `length` tokens; for softmax-frame kinds the logits alone (the frame
// adds W_v, W_o and P·V once, however many kinds a mixture has).
using FlopsFormula = std::function<MixerFlops(const AttentionConfig&, int64_t length)>;

struct KindInfo {
    std::string name;
    std::function<std::unique_ptr<LogitSource>(const AttentionConfig&, Rng&)> make_logits;
    std::function<std::unique_ptr<TokenMixer>(const AttentionConfig&, Rng&)> make_layer;
    // Options shared by several kinds (conv_kernel, dense_hidden) are declared alike by each.
    std::vector<OptionSpec> options;
    FlopsFormula flops;
    bool causal = true;  // false: bidirectional only, so no language model can use it
    // false: no incremental decoding (token_mixer.h), so generation recomputes the whole prefix
    bool decodes = true;
};

// A softmax-frame kind whose LogitSource is built as Source(config, rng).
template <class Source>
KindInfo logit_kind(std::string name, std::vector<OptionSpec> options, FlopsFormula flops) {
    return {std::move(name),
            [](const AttentionConfig& config, Rng& rng) -> std::unique_ptr<LogitSource> {
                return std::make_unique<Source>(config, rng);
            },
            nullptr, std::move(options), std::move(flops)};
}

// A kind with its own path whose layer is built as Layer(config, rng).
template <class Layer>
KindInfo layer_kind(std::string name, std::vector<OptionSpec> options, FlopsFormula flops) {
    return {std::move(name), nullptr,
            [](const AttentionConfig& config, Rng& rng) -> std::unique_ptr<TokenMixer> {
                return std::make_unique<Layer>(config, rng);
            },
            std::move(options), std::move(flops)};
}

}  // namespace attnlab
