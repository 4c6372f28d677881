// encoder.cpp — the bidirectional encoder: embed + positions → blocks with key padding → LN.
#include "encoder.h"

#include "engine/ops.h"

namespace attnlab {

// Checks the sizes before the members are built.
static const StackConfig& checked(const StackConfig& config) {
    config.check("Encoder");
    return config;
}

Encoder::Encoder(const StackConfig& config, Rng& rng)
    : config_(checked(config)),
      embed_(config.vocab, config.d_model, config.embedding_std, rng),
      pos_(config.positions, config.max_len, config.d_model, rng),
      ln_f_(config.d_model) {
    for (int64_t i = 0; i < config.layers; ++i)
        blocks_.add(
            std::make_unique<TransformerBlock>(config.block_attention(i, false), config.d_ff, rng));
    register_module("embed", embed_);
    register_module("pos", pos_);
    register_module("blocks", blocks_);
    register_module("ln_f", ln_f_);
}

Tensor Encoder::embed(const IntTensor& ids) const {
    ATTNLAB_CHECK(ids.shape.size() == 2, "Encoder: ids ", shape_str(ids.shape),
                  " (expected [B, L])");
    return embedding(embed_.weight(), ids);
}

Tensor Encoder::forward_embedded(const Tensor& x, const Tensor& key_padding) {
    ATTNLAB_CHECK(x.ndim() == 3 && x.size(2) == config_.d_model, "Encoder: x ",
                  shape_str(x.shape()), " (expected [B, L, d] with d = ", config_.d_model, ")");
    const int64_t B = x.size(0), L = x.size(1);
    ATTNLAB_CHECK(L >= 1 && L <= config_.max_len, "Encoder: sequence length ", L,
                  " exceeds max_len ", config_.max_len, " (or is empty)");
    if (key_padding.defined()) check_key_padding(key_padding, B, L, "Encoder", true);
    Tensor h = add(x, pos_.at(position_ids(B, L)));
    for (size_t i = 0; i < blocks_.size(); ++i) h = blocks_[i].forward(h, key_padding);
    return ln_f_.forward(h);
}

Tensor Encoder::forward(const IntTensor& ids, const Tensor& key_padding) {
    return forward_embedded(embed(ids), key_padding);
}

}  // namespace attnlab
