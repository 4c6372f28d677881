// flops.cpp — the model-FLOP formula of flops.h, one branch per attention kind.
#include "flops.h"

#include <string>
#include <vector>

#include "models/attn_dense.h"

namespace attnlab::experiments {
namespace {

std::vector<std::string> split_plus(const std::string& kind) {
    std::vector<std::string> parts;
    for (size_t start = 0;;) {
        const size_t plus = kind.find('+', start);
        parts.push_back(kind.substr(start, plus - start));
        if (plus == std::string::npos) return parts;
        start = plus + 1;
    }
}

// Factorized Dense's a · b = max_len: the configured pair, or (attn_factorized_dense.h's default)
// a = the largest divisor of max_len ≤ √max_len.
int64_t factorized_a_plus_b(const AttentionConfig& c) {
    if (c.factorized_a > 0 || c.factorized_b > 0) return c.factorized_a + c.factorized_b;
    int64_t a = 1;
    for (int64_t f = 1; f * f <= c.max_len; ++f)
        if (c.max_len % f == 0) a = f;
    return a + c.max_len / a;
}

// Forward FLOPs of one logit kind's S (without the frame's V, W_o and P·V).
MixerFlops logit_flops(const std::string& kind, const AttentionConfig& c, int64_t L) {
    const int64_t d = c.d_model, hn = c.heads * dense_hidden_width(c);
    if (kind == "vanilla") return {4 * d * d + 2 * L * d, 0};
    if (kind == "dense") return {2 * d * hn + 2 * hn * L, 0};
    if (kind == "factorized_dense") return {2 * d * hn + 2 * hn * factorized_a_plus_b(c), 0};
    if (kind == "random" || kind == "fixed_random") return {0, 0};
    if (kind == "factorized_random") return {0, 2 * c.heads * L * L * c.factorized_k};
    throw Error(cat("flops: unknown attention kind \"", kind, "\" in \"", c.kind, "\""));
}

}  // namespace

MixerFlops mixer_forward_flops(const AttentionConfig& c, int64_t L) {
    const int64_t d = c.d_model;
    if (c.kind == "performer") {
        const int64_t m = c.performer_features;
        const bool doubled =
            c.performer_feature_kind == "hyperbolic" || c.performer_feature_kind == "trig";
        return {8 * d * d + 4 * m * d + 4 * (doubled ? 2 * m : m) * d, 0};
    }
    if (c.kind == "linformer") return {8 * d * d + 8 * c.linformer_k * d, 0};
    if (c.kind == "lightweight_conv") return {6 * d * d + 2 * c.conv_kernel * d, 0};
    if (c.kind == "dynamic_conv")
        return {6 * d * d + 2 * c.conv_kernel * d + 2 * d * c.heads * c.conv_kernel, 0};
    MixerFlops total{4 * d * d + 2 * L * d, 0};  // the softmax frame: W_v, W_o, P·V
    for (const std::string& part : split_plus(c.kind)) {
        const MixerFlops logits = logit_flops(part, c, L);
        total.per_token += logits.per_token;
        total.per_step += logits.per_step;
    }
    return total;
}

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
