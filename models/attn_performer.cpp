// attn_performer.cpp — the Performer kind: its options, ω and its redraw, and the feature maps it
// hands the shared linear-attention layer.
#include "attn_performer.h"

#include <algorithm>

#include "engine/ops.h"
#include "engine/rng.h"

namespace attnlab {
namespace {

const std::vector<std::string> kFeatureKinds = {"softmax",
                                                "hyperbolic",
                                                "trig",
                                                "relu",
                                                "elu_plus_one",
                                                "exp",
                                                "relu_deterministic",
                                                "elu_plus_one_deterministic",
                                                "exp_deterministic"};
const std::string kPerformerDeterministicSuffix = "_deterministic";
const std::vector<std::string> kKeyStabilizers = {"none", "per_token", "per_sequence"};

bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

bool performer_is_deterministic(const std::string& kind) {
    return kind.size() > kPerformerDeterministicSuffix.size() &&
           kind.compare(kind.size() - kPerformerDeterministicSuffix.size(),
                        kPerformerDeterministicSuffix.size(), kPerformerDeterministicSuffix) == 0;
}

// f of a generalised map: its name without the deterministic suffix (a checked kind).
KernelFunction performer_kernel_function(const std::string& kind) {
    const std::string f = performer_is_deterministic(kind)
                              ? kind.substr(0, kind.size() - kPerformerDeterministicSuffix.size())
                              : kind;
    if (f == "relu") return KernelFunction::Relu;
    if (f == "elu_plus_one") return KernelFunction::EluPlusOne;
    ATTNLAB_CHECK(f == "exp", "performer: \"", kind, "\" is not a generalised feature map");
    return KernelFunction::Exp;
}

const AttentionConfig& performer_checked(const AttentionConfig& config) {
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
      key_stabilizer(config.text("performer_key_stabilizer")),
      redraw_every_call(config.flag("performer_redraw_every_call")) {}

bool PerformerOptions::random() const {
    return !performer_is_deterministic(feature_kind);
}

int64_t PerformerOptions::features_per_head(int64_t head_dim) const {
    if (!random()) return head_dim;
    return feature_kind == "hyperbolic" || feature_kind == "trig" ? 2 * features : features;
}

const KindInfo& performer_kind() {
    static const KindInfo kind = layer_kind<PerformerAttention>(
        "performer",
        {{"performer_features", 256, 1, kMaxWidth, {}},
         {"performer_feature_kind", "softmax", 0, 0, kFeatureKinds},
         {"performer_orthogonal", true, 0, 0, {}},
         {"performer_key_stabilizer", "none", 0, 0, kKeyStabilizers},
         {"performer_redraw_every_call", false, 0, 0, {}}},
        [](const AttentionConfig& config, int64_t) {
            const PerformerOptions options(config);
            const int64_t d = config.d_model, dh = d / config.heads;
            const int64_t projections = options.random() ? 4 * options.features * d : 0;
            return MixerFlops{
                linear_attention_flops(d, options.features_per_head(dh)) + projections, 0};
        });
    return kind;
}

PerformerProjection::PerformerProjection(int64_t m, int64_t head_dim) {
    omega_ = register_parameter("projection", Tensor::zeros({m, head_dim}), false);
}

PerformerAttention::PerformerAttention(const AttentionConfig& config, Rng& rng)
    : LinearAttentionLayer(performer_checked(config), rng),
      options_(config),
      key_stabilizer_(key_stabilizer(config)) {
    if (!options_.random()) return;
    projection_ =
        std::make_unique<PerformerProjection>(options_.features, config.d_model / config.heads);
    register_module("performer", *projection_);
    first_seed_ = rng.next_u64();
    redraw(first_seed_);
    if (options_.redraw_every_call) register_counter(calls_drawn_);
}

Tensor PerformerAttention::forward(const Tensor& x, const Tensor& key_padding) {
    if (!projection_ || !options_.redraw_every_call || !training())
        return LinearAttentionLayer::forward(x, key_padding);
    // This call's ω is a tensor of its own: the graph of an earlier call not yet back-propagated
    // (two towers through one encoder) keeps the ω it was computed with.
    call_omega_ = draw(mix(first_seed_, calls_drawn_++));
    const Tensor& target = projection_->omega();
    std::copy(call_omega_.data(), call_omega_.data() + call_omega_.numel(), target.data());
    struct Reset {
        Tensor& omega;
        ~Reset() { omega = Tensor(); }
    } reset{call_omega_};
    return LinearAttentionLayer::forward(x, key_padding);
}

Tensor PerformerAttention::draw(uint64_t seed) const {
    const Tensor& target = projection_->omega();
    return random_projection(target.size(0), target.size(1),
                             options_.orthogonal ? ProjectionKind::Orthogonal : ProjectionKind::Iid,
                             RowNorm::Gaussian, seed);
}

const Tensor& PerformerAttention::projection() const {
    static const Tensor none;
    return projection_ ? projection_->omega() : none;
}

void PerformerAttention::redraw(uint64_t seed) {
    if (!projection_) return;
    const Tensor& target = projection_->omega();
    const Tensor omega = draw(seed);
    // In place, so the registered parameter (and any optimizer or checkpoint holding it) sees it.
    std::copy(omega.data(), omega.data() + omega.numel(), target.data());
}

bool PerformerAttention::redraw_features(uint64_t seed) {
    redraw(seed);
    return bool(projection_);
}

FeatureMap PerformerAttention::features_on(const Tensor& omega) const {
    const std::string& kind = options_.feature_kind;
    const Stabilizer keys = key_stabilizer_;
    if (kind == "softmax")
        return {
            [omega](const Tensor& q) { return softmax_features(q, omega, Stabilizer::PerToken); },
            [omega, keys](const Tensor& k) { return softmax_features(k, omega, keys); }};
    if (kind == "hyperbolic")
        return {[omega](const Tensor& q) {
                    return hyperbolic_features(q, omega, Stabilizer::PerToken);
                },
                [omega, keys](const Tensor& k) { return hyperbolic_features(k, omega, keys); }};
    if (kind == "trig") {
        auto trig = [omega](const Tensor& x) { return trig_features(x, omega); };
        return {trig, trig};
    }
    const KernelFunction f = performer_kernel_function(kind);
    if (options_.random()) {
        auto generalized = [omega, f](const Tensor& x) {
            return generalized_features(x, omega, f);
        };
        return {generalized, generalized};
    }
    auto deterministic = [f](const Tensor& x) { return deterministic_features(x, f); };
    return {deterministic, deterministic};
}

FeatureMap PerformerAttention::feature_map() const {
    return features_on(call_omega_.defined() ? call_omega_ : projection());
}

FeatureMap PerformerAttention::frozen_feature_map() const {
    return features_on(projection_ ? projection().clone() : Tensor());
}

}  // namespace attnlab
