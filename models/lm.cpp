// lm.cpp — the causal language model: embed + positions → blocks → LN → tied projection.
#include "lm.h"

#include "engine/init.h"
#include "engine/ops.h"

namespace attnlab {

EmbeddingTable::EmbeddingTable(int64_t rows, int64_t d_model, Rng& rng) {
    weight_ = register_parameter("weight", Tensor::empty({rows, d_model}));
    init::normal(weight_, rng, 0, 0.02);
}

BlockStack::BlockStack(const LmConfig& config, Rng& rng) {
    for (int64_t i = 0; i < config.stack.layers; ++i) {
        blocks_.push_back(
            std::make_unique<TransformerBlock>(config.block_attention(i), config.stack.d_ff, rng));
        register_module(std::to_string(i), *blocks_.back());
    }
}

Tensor BlockStack::forward(const Tensor& x) {
    Tensor h = x;
    for (auto& block : blocks_) h = block->forward(h);
    return h;
}

// Checks the sizes before the members are built.
static const LmConfig& checked(const LmConfig& config) {
    config.stack.check("LanguageModel");
    return config;
}

LanguageModel::LanguageModel(const LmConfig& config, Rng& rng)
    : config_(checked(config)),
      embed_(config.stack.vocab, config.stack.d_model, rng),
      pos_(config.stack.max_len, config.stack.d_model, rng),
      blocks_(config, rng),
      ln_f_(config.stack.d_model) {
    register_module("embed", embed_);
    register_module("pos", pos_);
    register_module("blocks", blocks_);
    register_module("ln_f", ln_f_);
}

Tensor LanguageModel::forward(const IntTensor& ids) {
    ATTNLAB_CHECK(ids.shape.size() == 2, "LanguageModel: ids ", shape_str(ids.shape),
                  " (expected [B, L])");
    const int64_t B = ids.shape[0], L = ids.shape[1];
    ATTNLAB_CHECK(L >= 1 && L <= config_.stack.max_len, "LanguageModel: sequence length ", L,
                  " exceeds max_len ", config_.stack.max_len, " (or is empty)");
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
    return cross_entropy(reshape(logits, {-1, config_.stack.vocab}),
                         IntTensor({targets.numel()}, targets.values), ignore_index);
}

}  // namespace attnlab
