// cross_attention.cpp — dot-product attention from decoder queries to encoder keys and values.
#include "cross_attention.h"

#include <cmath>
#include <limits>

#include "engine/ops.h"

namespace attnlab {

static const AttentionConfig& cross_attention_checked(const AttentionConfig& config) {
    check_heads(config.d_model, config.heads, "cross-attention");
    ATTNLAB_CHECK(config.dropout >= 0 && config.dropout < 1, "cross-attention: dropout ",
                  config.dropout, " outside [0, 1)");
    return config;
}

CrossAttention::CrossAttention(const AttentionConfig& config, Rng& rng)
    : d_model_(cross_attention_checked(config).d_model),
      heads_(config.heads),
      dropout_(config.dropout),
      dropout_seed_(config.dropout_seed),
      w_q_(config.d_model, config.d_model, rng),
      w_k_(config.d_model, config.d_model, rng),
      w_v_(config.d_model, config.d_model, rng),
      w_o_(config.d_model, config.d_model, rng) {
    register_module("w_q", w_q_);
    register_module("w_k", w_k_);
    register_module("w_v", w_v_);
    register_module("w_o", w_o_);
    register_counter(dropout_calls_);
}

CrossAttention::Memory CrossAttention::prepare(const Tensor& memory,
                                               const Tensor& memory_padding) const {
    ATTNLAB_CHECK(memory.ndim() == 3 && memory.size(2) == d_model_, "cross-attention: memory ",
                  shape_str(memory.shape()), " (expected [B, S, d] with d = ", d_model_, ")");
    const int64_t B = memory.size(0), S = memory.size(1);
    Tensor mask;  // −∞ removes a padded source key
    if (memory_padding.defined()) {
        check_key_padding(memory_padding, B, S, "cross-attention memory");
        mask = Tensor::zeros({B, 1, 1, S});
        for (int64_t i = 0; i < B * S; ++i)
            if (memory_padding.data()[i] == 0)
                mask.data()[i] = -std::numeric_limits<real>::infinity();
    }
    return {split_heads(w_k_.forward(memory), heads_), split_heads(w_v_.forward(memory), heads_),
            mask};
}

Tensor CrossAttention::weights(const Tensor& x, const Memory& memory) {
    ATTNLAB_CHECK(x.ndim() == 3 && x.size(2) == d_model_ && memory.keys.size(0) == x.size(0),
                  "cross-attention: x ", shape_str(x.shape()), " against a memory of ",
                  memory.keys.size(0),
                  " sequences (expected [B, T, d] with B = ", memory.keys.size(0),
                  " and d = ", d_model_, ")");
    const Tensor q = split_heads(w_q_.forward(x), heads_);  // [B, h, T, dh]
    const real temperature = real(1 / std::sqrt(double(d_model_ / heads_)));
    return softmax(matmul(q, memory.keys, false, true), memory.mask, temperature);  // [B, h, T, S]
}

Tensor CrossAttention::attend(const Tensor& x, const Memory& memory) {
    Tensor mixing = weights(x, memory);
    if (training() && dropout_ > 0)
        mixing = batch_dropout(mixing, real(dropout_), mix(dropout_seed_, dropout_calls_++));
    return w_o_.forward(merge_heads(matmul(mixing, memory.values)));  // [B, T, d]
}

Tensor CrossAttention::forward(const Tensor& x, const Tensor& memory,
                               const Tensor& memory_padding) {
    return attend(x, prepare(memory, memory_padding));
}

}  // namespace attnlab
