// attn_performer.cpp — the Performer layer: projections, random features, fused linear attention.
#include "attn_performer.h"

#include <algorithm>

#include "engine/linear_attention.h"
#include "engine/ops.h"

namespace attnlab {
namespace {

const std::vector<std::string> kFeatureKinds = {"softmax", "hyperbolic", "trig", "relu"};
const std::vector<std::string> kKeyStabilizers = {"none", "per_token", "per_sequence"};

bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

const AttentionConfig& checked(const AttentionConfig& config) {
    check_heads(config.d_model, config.heads, "performer");
    const PerformerOptions options(config);
    ATTNLAB_CHECK(options.features > 0, "performer: performer_features must be positive, got ",
                  options.features);
    ATTNLAB_CHECK(contains(kFeatureKinds, options.feature_kind),
                  "performer: unknown feature kind \"", options.feature_kind,
                  "\"; valid kinds: ", join(kFeatureKinds));
    return config;
}

Stabilizer key_stabilizer(const AttentionConfig& config) {
    const std::string name = PerformerOptions(config).key_stabilizer;
    if (name == "none") return Stabilizer::None;
    if (name == "per_token") return Stabilizer::PerToken;
    ATTNLAB_CHECK(name == "per_sequence", "performer: unknown key stabilizer \"", name,
                  "\"; valid: ", join(kKeyStabilizers));
    ATTNLAB_CHECK(
        !config.causal,
        "performer: key stabilizer per_sequence sees future keys; not allowed when causal");
    return Stabilizer::PerSequence;
}

}  // namespace

PerformerOptions::PerformerOptions(const AttentionConfig& config)
    : features(config.integer("performer_features")),
      feature_kind(config.text("performer_feature_kind")),
      orthogonal(config.flag("performer_orthogonal")),
      key_stabilizer(config.text("performer_key_stabilizer")) {}

const KindInfo& performer_kind() {
    static const KindInfo kind = layer_kind<PerformerAttention>(
        "performer",
        {{"performer_features", 256, 1, kMaxWidth, {}},
         {"performer_feature_kind", "softmax", 0, 0, kFeatureKinds},
         {"performer_orthogonal", true, 0, 0, {}},
         {"performer_key_stabilizer", "none", 0, 0, kKeyStabilizers}},
        [](const AttentionConfig& config, int64_t) {
            const PerformerOptions options(config);
            const int64_t d = config.d_model, m = options.features;
            const bool doubled =
                options.feature_kind == "hyperbolic" || options.feature_kind == "trig";
            return MixerFlops{8 * d * d + 4 * m * d + 4 * (doubled ? 2 * m : m) * d, 0};
        });
    return kind;
}

PerformerProjection::PerformerProjection(int64_t m, int64_t head_dim) {
    omega_ = register_parameter("projection", Tensor::zeros({m, head_dim}), false);
}

PerformerAttention::PerformerAttention(const AttentionConfig& config, Rng& rng)
    : config_(checked(config)),
      options_(config),
      w_q_(config.d_model, config.d_model, rng),
      w_k_(config.d_model, config.d_model, rng),
      w_v_(config.d_model, config.d_model, rng),
      w_o_(config.d_model, config.d_model, rng),
      key_stabilizer_(key_stabilizer(config)),
      projection_(options_.features, config.d_model / config.heads) {
    register_module("w_q", w_q_);
    register_module("w_k", w_k_);
    register_module("w_v", w_v_);
    register_module("w_o", w_o_);
    register_module("performer", projection_);
    redraw(rng.next_u64());
}

void PerformerAttention::redraw(uint64_t seed) {
    const Tensor& target = projection_.omega();
    const Tensor omega =
        random_projection(target.size(0), target.size(1),
                          options_.orthogonal ? ProjectionKind::Orthogonal : ProjectionKind::Iid,
                          RowNorm::Gaussian, seed);
    // In place, so the registered parameter (and any optimizer or checkpoint holding it) sees it.
    std::copy(omega.data(), omega.data() + omega.numel(), target.data());
}

bool PerformerAttention::redraw_features(uint64_t seed) {
    redraw(seed);
    return true;
}

Tensor PerformerAttention::features(const Tensor& x, Stabilizer stabilizer,
                                    const Tensor& omega) const {
    const std::string& kind = options_.feature_kind;
    if (kind == "softmax") return softmax_features(x, omega, stabilizer);
    if (kind == "hyperbolic") return hyperbolic_features(x, omega, stabilizer);
    if (kind == "trig") return trig_features(x, omega);
    return relu_features(x, omega);
}

Tensor PerformerAttention::forward(const Tensor& x, const Tensor& key_padding) {
    ATTNLAB_CHECK(x.ndim() == 3 && x.size(2) == config_.d_model && x.size(1) >= 1, "performer: x ",
                  shape_str(x.shape()), " (expected [B, L, d] with L ≥ 1 and d = ", config_.d_model,
                  ")");
    const int64_t B = x.size(0), L = x.size(1), h = config_.heads;
    const Tensor queries = split_heads(w_q_.forward(x), h);  // [B, h, L, dh]
    const Tensor keys = split_heads(w_k_.forward(x), h);
    const Tensor values = split_heads(w_v_.forward(x), h);
    const Tensor query_features = features(queries, Stabilizer::PerToken, projection());
    Tensor key_features = features(keys, key_stabilizer_, projection());  // [B, h, L, m']
    if (key_padding.defined()) {
        check_key_padding(key_padding, B, L, "performer");
        key_features = mul(key_features, reshape(key_padding, {B, 1, L, 1}));
    }
    const Tensor heads_out = linear_attention(query_features, key_features, values, config_.causal);
    return w_o_.forward(merge_heads(heads_out));  // [B, L, d]
}

// Position t: the new key's φk and value join [S z], the new query reads them.
class PerformerDecodeState : public DecodeState {
  public:
    PerformerDecodeState(const PerformerAttention& layer, int64_t batch)
        : DecodeState(layer.config_, batch), layer_(layer), omega_(layer.projection().clone()) {}

  private:
    Tensor advance(const Tensor& x) override {
        const int64_t h = layer_.config_.heads;
        const Tensor q = split_heads(layer_.w_q_.forward(x), h);  // [B, h, 1, dh]
        const Tensor k = split_heads(layer_.w_k_.forward(x), h);
        const Tensor v = split_heads(layer_.w_v_.forward(x), h);
        const Tensor query_features = layer_.features(q, Stabilizer::PerToken, omega_);
        const Tensor key_features = layer_.features(k, layer_.key_stabilizer_, omega_);
        if (!sums_.defined())  // m' (m or 2m) is known once the first features exist
            sums_ = linear_attention_state(batch(), h, key_features.size(-1), v.size(-1));
        const Tensor heads_out = linear_attention_step(sums_, query_features, key_features, v);
        return layer_.w_o_.forward(merge_heads(heads_out));  // [B, 1, d]
    }

    const PerformerAttention& layer_;
    Tensor omega_, sums_;
};

std::unique_ptr<DecodeState> PerformerAttention::start_decoding(int64_t batch) const {
    return std::make_unique<PerformerDecodeState>(*this, batch);
}

Tensor PerformerAttention::implicit_attention(const Tensor& x) const {
    const int64_t L = x.size(1), h = config_.heads;
    const Tensor scores =
        matmul(features(split_heads(w_q_.forward(x), h), Stabilizer::PerToken, projection()),
               features(split_heads(w_k_.forward(x), h), key_stabilizer_, projection()), false,
               true);  // [B, h, L, L] = φ(Q) φ(K)ᵀ
    Tensor mask = Tensor::ones({L, L});
    if (config_.causal)
        for (int64_t i = 0; i < L; ++i)
            for (int64_t j = i + 1; j < L; ++j) mask.data()[i * L + j] = 0;
    const Tensor masked = mul(scores, mask);
    return div(masked, sum(masked, -1, true));
}

std::vector<AttentionPicture> PerformerAttention::attention_pictures(const Tensor& x, MapChoice) {
    return {{"implicit attention", "implicit", first_example(implicit_attention(x))}};
}

}  // namespace attnlab
