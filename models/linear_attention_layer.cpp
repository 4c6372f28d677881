// linear_attention_layer.cpp — the shared linear-attention path: projections, the kind's feature
// map, the fused sums of engine/linear_attention.h, and their running form for decoding.
#include "linear_attention_layer.h"

#include "attention.h"
#include "engine/linear_attention.h"
#include "engine/ops.h"

namespace attnlab {
namespace {

const AttentionConfig& heads_checked(const AttentionConfig& config) {
    check_heads(config.d_model, config.heads, config.kind);
    return config;
}

}  // namespace

int64_t linear_attention_flops(int64_t d, int64_t features_per_head) {
    return 8 * d * d + 4 * features_per_head * d;
}

LinearAttentionLayer::LinearAttentionLayer(const AttentionConfig& config, Rng& rng)
    : config_(heads_checked(config)),
      w_q_(config.d_model, config.d_model, rng),
      w_k_(config.d_model, config.d_model, rng),
      w_v_(config.d_model, config.d_model, rng),
      w_o_(config.d_model, config.d_model, rng) {
    register_module("w_q", w_q_);
    register_module("w_k", w_k_);
    register_module("w_v", w_v_);
    register_module("w_o", w_o_);
}

Tensor LinearAttentionLayer::forward(const Tensor& x, const Tensor& key_padding) {
    ATTNLAB_CHECK(x.ndim() == 3 && x.size(2) == config_.d_model && x.size(1) >= 1, config_.kind,
                  ": x ", shape_str(x.shape()),
                  " (expected [B, L, d] with L ≥ 1 and d = ", config_.d_model, ")");
    const int64_t B = x.size(0), L = x.size(1), h = config_.heads;
    const FeatureMap phi = feature_map();
    const Tensor query_features = phi.queries(split_heads(w_q_.forward(x), h));  // [B, h, L, m']
    Tensor key_features = phi.keys(split_heads(w_k_.forward(x), h));
    if (key_padding.defined()) {
        check_key_padding(key_padding, B, L, config_.kind);
        key_features = mul(key_features, reshape(key_padding, {B, 1, L, 1}));
    }
    const Tensor values = split_heads(w_v_.forward(x), h);  // [B, h, L, dh]
    const Tensor heads_out = linear_attention(query_features, key_features, values, config_.causal);
    return w_o_.forward(merge_heads(heads_out));  // [B, L, d]
}

// Position t: the new key's φk and value join [S z], the new query reads them.
class LinearAttentionDecodeState : public DecodeState {
  public:
    LinearAttentionDecodeState(const LinearAttentionLayer& layer, int64_t batch)
        : DecodeState(layer.config_, batch), layer_(layer), phi_(layer.frozen_feature_map()) {}

  private:
    Tensor advance(const Tensor& x) override {
        const int64_t h = layer_.config_.heads;
        const Tensor query_features = phi_.queries(split_heads(layer_.w_q_.forward(x), h));
        const Tensor key_features = phi_.keys(split_heads(layer_.w_k_.forward(x), h));
        const Tensor v = split_heads(layer_.w_v_.forward(x), h);  // [B, h, 1, dh]
        if (!sums_.defined())  // m' is known once the first features exist
            sums_ = linear_attention_state(batch(), h, key_features.size(-1), v.size(-1));
        const Tensor heads_out = linear_attention_step(sums_, query_features, key_features, v);
        return layer_.w_o_.forward(merge_heads(heads_out));  // [B, 1, d]
    }

    const LinearAttentionLayer& layer_;
    FeatureMap phi_;
    Tensor sums_;
};

std::unique_ptr<DecodeState> LinearAttentionLayer::start_decoding(int64_t batch) const {
    return std::make_unique<LinearAttentionDecodeState>(*this, batch);
}

Tensor LinearAttentionLayer::implicit_attention(const Tensor& x) const {
    const int64_t L = x.size(1), h = config_.heads;
    const FeatureMap phi = feature_map();
    const Tensor scores = matmul(phi.queries(split_heads(w_q_.forward(x), h)),
                                 phi.keys(split_heads(w_k_.forward(x), h)), false,
                                 true);  // [B, h, L, L] = φ(Q) φ(K)ᵀ
    Tensor mask = Tensor::ones({L, L});
    if (config_.causal)
        for (int64_t i = 0; i < L; ++i)
            for (int64_t j = i + 1; j < L; ++j) mask.data()[i * L + j] = 0;
    const Tensor masked = mul(scores, mask);
    return div(masked, sum(masked, -1, true));
}

std::vector<AttentionPicture> LinearAttentionLayer::attention_pictures(const Tensor& x, MapChoice) {
    return {{"implicit attention", "implicit", first_example(implicit_attention(x))}};
}

}  // namespace attnlab
