// attn_linear_transformer.cpp — the Linear Transformer kind: the elu + 1 feature map handed to the
// shared linear-attention layer, and its KindInfo.
#include "attn_linear_transformer.h"

#include "engine/ops.h"
#include "performer_features.h"

namespace attnlab {

Tensor elu_plus_one_features(const Tensor& x) {
    return deterministic_features(x, KernelFunction::EluPlusOne, 0);
}

const KindInfo& linear_transformer_kind() {
    static const KindInfo kind = layer_kind<LinearTransformerAttention>(
        "linear_transformer", {}, [](const AttentionConfig& config, int64_t) {
            return MixerFlops{linear_attention_flops(config.d_model, config.d_model / config.heads),
                              0};
        });
    return kind;
}

LinearTransformerAttention::LinearTransformerAttention(const AttentionConfig& config, Rng& rng)
    : LinearAttentionLayer(config, rng) {}

FeatureMap LinearTransformerAttention::feature_map() const {
    return {elu_plus_one_features, elu_plus_one_features};
}

}  // namespace attnlab
