// attention.cpp — the kind factory and the shared mask → softmax → dropout → ·V → W_o path.
#include "attention.h"

#include <limits>
#include <set>

#include "attn_dense.h"
#include "attn_factorized_dense.h"
#include "attn_factorized_random.h"
#include "attn_mixture.h"
#include "attn_random.h"
#include "attn_vanilla.h"
#include "engine/ops.h"

namespace attnlab {
namespace {

std::string joined_kind_names() {
    std::string out;
    for (const std::string& name : logit_kind_names()) out += (out.empty() ? "" : ", ") + name;
    return out;
}

std::unique_ptr<LogitSource> make_single(const std::string& kind, const AttentionConfig& config,
                                         Rng& rng) {
    if (kind == "vanilla") return std::make_unique<VanillaLogits>(config, rng);
    if (kind == "dense") return std::make_unique<DenseLogits>(config, rng);
    if (kind == "factorized_dense") return std::make_unique<FactorizedDenseLogits>(config, rng);
    if (kind == "random") return std::make_unique<RandomLogits>(config, rng, true);
    if (kind == "fixed_random") return std::make_unique<RandomLogits>(config, rng, false);
    if (kind == "factorized_random") return std::make_unique<FactorizedRandomLogits>(config, rng);
    throw Error(cat("attention: unknown kind \"", kind, "\" in \"", config.kind,
                    "\"; valid kinds: ", joined_kind_names(),
                    ", or a \"+\"-joined mixture of distinct kinds such as \"random+vanilla\""));
}

}  // namespace

const std::vector<std::string>& logit_kind_names() {
    static const std::vector<std::string> names = {"vanilla", "dense",        "factorized_dense",
                                                   "random",  "fixed_random", "factorized_random"};
    return names;
}

std::unique_ptr<LogitSource> make_logit_source(const AttentionConfig& config, Rng& rng) {
    std::vector<std::string> kinds;
    for (size_t start = 0;;) {
        const size_t plus = config.kind.find('+', start);
        kinds.push_back(config.kind.substr(start, plus - start));
        if (plus == std::string::npos) break;
        start = plus + 1;
    }
    if (kinds.size() == 1) return make_single(kinds[0], config, rng);
    std::set<std::string> seen;
    std::vector<std::unique_ptr<LogitSource>> components;
    for (const std::string& kind : kinds) {
        ATTNLAB_CHECK(seen.insert(kind).second, "attention: kind \"", kind,
                      "\" appears twice in \"", config.kind, "\"");
        components.push_back(make_single(kind, config, rng));
    }
    return std::make_unique<MixtureLogits>(std::move(components));
}

Tensor split_heads(const Tensor& x, int64_t heads) {
    const int64_t B = x.size(0), L = x.size(1), d = x.size(2);
    return permute(reshape(x, {B, L, heads, d / heads}), {0, 2, 1, 3});  // [B, h, L, dh]
}

Tensor merge_heads(const Tensor& x) {
    const int64_t B = x.size(0), h = x.size(1), L = x.size(2), dh = x.size(3);
    return reshape(permute(x, {0, 2, 1, 3}), {B, L, h * dh});  // [B, L, d]
}

namespace {

const AttentionConfig& checked(const AttentionConfig& config) {
    ATTNLAB_CHECK(config.d_model > 0 && config.heads > 0 && config.d_model % config.heads == 0,
                  "attention: d_model ", config.d_model, " must be a positive multiple of heads ",
                  config.heads);
    ATTNLAB_CHECK(config.max_len > 0, "attention: max_len must be positive, got ", config.max_len);
    ATTNLAB_CHECK(config.dropout >= 0 && config.dropout < 1, "attention: dropout ", config.dropout,
                  " outside [0, 1)");
    return config;
}

}  // namespace

MultiHeadAttention::MultiHeadAttention(const AttentionConfig& config, Rng& rng)
    : config_(checked(config)),
      w_v_(config.d_model, config.d_model, rng),
      w_o_(config.d_model, config.d_model, rng),
      source_(make_logit_source(config, rng)) {
    register_module("w_v", w_v_);
    register_module("w_o", w_o_);
    register_module(source_->name(), *source_);
    register_counter(dropout_calls_);
}

// The additive mask: 0 keeps, −∞ removes. Causal [1, 1, L, L] (key j > query i removed) and/or
// padding [B, 1, 1, L]; undefined when there is neither.
Tensor MultiHeadAttention::additive_mask(int64_t B, int64_t L, const Tensor& key_padding) const {
    constexpr real kRemoved = -std::numeric_limits<real>::infinity();
    Tensor mask;
    if (config_.causal) {
        mask = Tensor::zeros({1, 1, L, L});
        for (int64_t i = 0; i < L; ++i)
            for (int64_t j = i + 1; j < L; ++j) mask.data()[i * L + j] = kRemoved;
    }
    if (key_padding.defined()) {
        ATTNLAB_CHECK(key_padding.shape() == Shape({B, L}), "attention: key_padding ",
                      shape_str(key_padding.shape()), " (expected [B, L] = [", B, ", ", L, "])");
        Tensor padding = Tensor::zeros({B, 1, 1, L});
        for (int64_t i = 0; i < B * L; ++i) {
            const real keep = key_padding.data()[i];
            ATTNLAB_CHECK(keep == 0 || keep == 1, "attention: key_padding holds ", keep,
                          " (expected 1 = token, 0 = pad)");
            if (keep == 0) padding.data()[i] = kRemoved;
        }
        mask = mask.defined() ? add(mask, padding) : padding;  // [B, 1, L, L]
    }
    return mask;
}

Tensor MultiHeadAttention::forward(const Tensor& x, const Tensor& key_padding) {
    ATTNLAB_CHECK(x.ndim() == 3 && x.size(2) == config_.d_model, "attention: x ",
                  shape_str(x.shape()), " (expected [B, L, d] with d = ", config_.d_model, ")");
    const int64_t B = x.size(0), L = x.size(1);
    ATTNLAB_CHECK(L >= 1 && L <= config_.max_len, "attention: sequence length ", L,
                  " exceeds max_len ", config_.max_len, " (or is empty)");

    Tensor logits = source_->logits(x);  // [B or 1, h, L, L]
    if (logits.size(0) != B) logits = add(logits, Tensor::zeros({B, 1, 1, 1}));  // broadcast
    Tensor weights = softmax(logits, additive_mask(B, L, key_padding));          // [B, h, L, L]
    if (training() && config_.dropout > 0)
        weights =
            dropout(weights, real(config_.dropout), mix(config_.dropout_seed, dropout_calls_++));
    last_weights_ = weights.detach();

    const Tensor values = split_heads(w_v_.forward(x), config_.heads);  // [B, h, L, dh]
    // Causal weights are 0 above the diagonal: causal_mix skips those blocks.
    const Tensor mixed = config_.causal ? causal_mix(weights, values) : matmul(weights, values);
    return w_o_.forward(merge_heads(mixed));  // [B, L, d]
}

}  // namespace attnlab
