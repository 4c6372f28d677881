// lm.cpp — the causal language model: embed + positions → blocks → LN → tied projection.
#include "lm.h"

#include "engine/init.h"
#include "engine/ops.h"

namespace attnlab {

AttentionConfig LmConfig::block_attention(int64_t layer) const {
    AttentionConfig config = attention;
    config.d_model = d_model;
    config.heads = heads;
    config.max_len = max_len;
    config.dropout = dropout;
    config.causal = true;
    config.dropout_seed = seed + uint64_t(layer);
    return config;
}

EmbeddingTable::EmbeddingTable(int64_t rows, int64_t d_model, Rng& rng) {
    weight_ = register_parameter("weight", Tensor::empty({rows, d_model}));
    init::normal(weight_, rng, 0, 0.02);
}

BlockStack::BlockStack(const LmConfig& config, Rng& rng) {
    for (int64_t i = 0; i < config.layers; ++i) {
        blocks_.push_back(
            std::make_unique<TransformerBlock>(config.block_attention(i), config.d_ff, rng));
        register_module(std::to_string(i), *blocks_.back());
    }
}

Tensor BlockStack::forward(const Tensor& x) {
    Tensor h = x;
    for (auto& block : blocks_) h = block->forward(h);
    return h;
}

// Checks the sizes before the members are built (they would fail with less helpful messages).
static const LmConfig& checked(const LmConfig& config) {
    ATTNLAB_CHECK(config.vocab > 0 && config.layers > 0 && config.max_len > 0 && config.d_ff > 0,
                  "LanguageModel: vocab, layers, max_len and d_ff must be positive, got vocab ",
                  config.vocab, ", layers ", config.layers, ", max_len ", config.max_len, ", d_ff ",
                  config.d_ff);
    return config;
}

LanguageModel::LanguageModel(const LmConfig& config, Rng& rng)
    : config_(checked(config)),
      embed_(config.vocab, config.d_model, rng),
      pos_(config.max_len, config.d_model, rng),
      blocks_(config, rng),
      ln_f_(config.d_model) {
    register_module("embed", embed_);
    register_module("pos", pos_);
    register_module("blocks", blocks_);
    register_module("ln_f", ln_f_);
}

Tensor LanguageModel::forward(const IntTensor& ids) {
    ATTNLAB_CHECK(ids.shape.size() == 2, "LanguageModel: ids ", shape_str(ids.shape),
                  " (expected [B, L])");
    const int64_t B = ids.shape[0], L = ids.shape[1];
    ATTNLAB_CHECK(L >= 1 && L <= config_.max_len, "LanguageModel: sequence length ", L,
                  " exceeds max_len ", config_.max_len, " (or is empty)");
    std::vector<int32_t> positions(size_t(B * L));
    for (int64_t i = 0; i < B * L; ++i) positions[size_t(i)] = int32_t(i % L);
    Tensor h = add(embedding(embed_.weight(), ids),
                   embedding(pos_.weight(), IntTensor({B, L}, positions)));
    h = ln_f_.forward(blocks_.forward(h));
    return matmul(h, embed_.weight(), false, true);  // [B, L, d] · [V, d]ᵀ → [B, L, V]
}

Tensor LanguageModel::loss(const IntTensor& ids, const IntTensor& targets, int32_t ignore_index) {
    ATTNLAB_CHECK(targets.shape == ids.shape, "LanguageModel::loss: targets ",
                  shape_str(targets.shape), " differ from ids ", shape_str(ids.shape));
    Tensor logits = forward(ids);
    return cross_entropy(reshape(logits, {-1, config_.vocab}),
                         IntTensor({targets.numel()}, targets.values), ignore_index);
}

}  // namespace attnlab
