// lm.cpp — the causal language model: embed + positions → blocks → LN → tied projection.
#include "lm.h"

#include "engine/autograd.h"
#include "engine/init.h"
#include "engine/ops.h"

namespace attnlab {

IntTensor position_ids(int64_t B, int64_t L) {
    std::vector<int32_t> positions(size_t(B * L));
    for (int64_t i = 0; i < B * L; ++i) positions[size_t(i)] = int32_t(i % L);
    return IntTensor({B, L}, positions);
}

EmbeddingTable::EmbeddingTable(int64_t rows, int64_t d_model, double std, Rng& rng) {
    weight_ = register_parameter("weight", Tensor::empty({rows, d_model}));
    init::normal(weight_, rng, 0, std);
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
      embed_(config.stack.vocab, config.stack.d_model, config.stack.embedding_std, rng),
      pos_(config.stack.positions, config.stack.max_len, config.stack.d_model, rng),
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
    return head(blocks_.forward(embed(ids, position_ids(B, L))));
}

Tensor LanguageModel::embed(const IntTensor& ids, const IntTensor& positions) const {
    return add(embedding(embed_.weight(), ids), pos_.at(positions));
}

Tensor LanguageModel::head(const Tensor& h) const {
    return matmul(ln_f_.forward(h), embed_.weight(), false, true);  // [B, L, d] · [V, d]ᵀ
}

LmDecoding LanguageModel::start_decoding(int64_t batch) {
    ATTNLAB_CHECK(!training(),
                  "LanguageModel: decoding runs in eval mode (it applies no dropout); call "
                  "set_training(false) first");
    return LmDecoding(*this, batch);
}

LmDecoding::LmDecoding(LanguageModel& model, int64_t batch) : model_(model), batch_(batch) {
    for (size_t i = 0; i < model.blocks_.size(); ++i)
        blocks_.push_back(model.blocks_[i].start_decoding(batch));
}

Tensor LmDecoding::step(const std::vector<int32_t>& ids) {
    const int64_t max_len = model_.config_.stack.max_len;
    ATTNLAB_CHECK(int64_t(ids.size()) == batch_, "LanguageModel decoding: ", ids.size(),
                  " tokens for a batch of ", batch_, " sequences (expected one per sequence)");
    ATTNLAB_CHECK(position_ < max_len, "LanguageModel decoding: position ", position_,
                  " is past max_len ", max_len,
                  " (the position table ends there); start again from a shorter window");
    NoGradGuard no_grad;
    const IntTensor positions({batch_, 1}, std::vector<int32_t>(ids.size(), int32_t(position_)));
    Tensor h = model_.embed(IntTensor({batch_, 1}, ids), positions);  // [B, 1, d]
    for (size_t i = 0; i < blocks_.size(); ++i) h = model_.blocks_[i].step(*blocks_[i], h);
    ++position_;
    return reshape(model_.head(h), {batch_, model_.config_.stack.vocab});
}

Tensor LanguageModel::loss(const IntTensor& ids, const IntTensor& targets, int32_t ignore_index) {
    ATTNLAB_CHECK(targets.shape == ids.shape, "LanguageModel::loss: targets ",
                  shape_str(targets.shape), " differ from ids ", shape_str(ids.shape));
    Tensor logits = forward(ids);
    return cross_entropy(reshape(logits, {-1, config_.stack.vocab}),
                         IntTensor({targets.numel()}, targets.values), ignore_index);
}

}  // namespace attnlab
