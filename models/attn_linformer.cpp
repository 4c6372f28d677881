// attn_linformer.cpp — the Linformer layer: projections, the shared length projection E, softmax
// over the k projected keys.
#include "attn_linformer.h"

#include <cmath>

#include "engine/init.h"
#include "engine/ops.h"

namespace attnlab {
namespace {

const AttentionConfig& linformer_checked(const AttentionConfig& config) {
    check_heads(config.d_model, config.heads, "linformer");
    ATTNLAB_CHECK(config.max_len > 0, "linformer: max_len must be positive, got ", config.max_len);
    ATTNLAB_CHECK(config.integer("linformer_k") > 0,
                  "linformer: linformer_k must be positive, got ", config.integer("linformer_k"));
    ATTNLAB_CHECK(config.dropout >= 0 && config.dropout < 1, "linformer: dropout ", config.dropout,
                  " outside [0, 1)");
    ATTNLAB_CHECK(!config.causal,
                  "linformer: bidirectional only (each projected key mixes every position, so no "
                  "causal mask exists); set causal = false or pick another kind");
    return config;
}

}  // namespace

const KindInfo& linformer_kind() {
    static const KindInfo kind = [] {
        KindInfo info = layer_kind<LinformerAttention>(
            "linformer", {{"linformer_k", 32, 1, kMaxSequenceLength, {}}},
            [](const AttentionConfig& config, int64_t) {
                const int64_t d = config.d_model;
                return MixerFlops{8 * d * d + 8 * config.integer("linformer_k") * d, 0};
            });
        info.causal = false;
        return info;
    }();
    return kind;
}

LinformerProjection::LinformerProjection(int64_t k, int64_t max_len, Rng& rng) {
    e_ = register_parameter("e", Tensor::empty({k, max_len}));
    init::normal(e_, rng, 0, 1 / std::sqrt(double(max_len)));
}

LinformerAttention::LinformerAttention(const AttentionConfig& config, Rng& rng)
    : config_(linformer_checked(config)),
      w_q_(config.d_model, config.d_model, rng),
      w_k_(config.d_model, config.d_model, rng),
      w_v_(config.d_model, config.d_model, rng),
      w_o_(config.d_model, config.d_model, rng),
      projection_(config.integer("linformer_k"), config.max_len, rng) {
    register_module("w_q", w_q_);
    register_module("w_k", w_k_);
    register_module("w_v", w_v_);
    register_module("w_o", w_o_);
    register_module("linformer", projection_);
    register_counter(dropout_calls_);
}

LinformerAttention::Projected LinformerAttention::project(const Tensor& x,
                                                          const Tensor& key_padding) {
    ATTNLAB_CHECK(x.ndim() == 3 && x.size(2) == config_.d_model && x.size(1) >= 1, "linformer: x ",
                  shape_str(x.shape()), " (expected [B, L, d] with L ≥ 1 and d = ", config_.d_model,
                  ")");
    const int64_t B = x.size(0), L = x.size(1), h = config_.heads, dh = config_.d_model / h;
    const int64_t k = projection_.e().size(0);
    ATTNLAB_CHECK(L <= config_.max_len, "linformer: sequence length ", L, " exceeds max_len ",
                  config_.max_len, " (E is [k, max_len] = [", k, ", ", config_.max_len, "])");

    Tensor keys = w_k_.forward(x), values = w_v_.forward(x);  // [B, L, d]
    if (key_padding.defined()) {
        check_key_padding(key_padding, B, L, "linformer");
        const Tensor keep = reshape(key_padding, {B, L, 1});
        keys = mul(keys, keep);
        values = mul(values, keep);
    }
    // (E_L t)ᵀ = tᵀ E_Lᵀ: [B, L, d] → [B, d, k], whose rows are head-major (c = head·dh + i), so
    // the reshape to [B, h, dh, k] is every head's K̄ᵀ (or V̄ᵀ) without a permute.
    const Tensor e = slice(projection_.e(), 1, 0, L);  // [k, L]
    auto project_length = [&](const Tensor& t) {
        return reshape(matmul(t, e, true, true), {B, h, dh, k});
    };
    const Tensor queries = split_heads(w_q_.forward(x), h);  // [B, h, L, dh]
    const Tensor weights =
        softmax(matmul(queries, project_length(keys)), Tensor(), real(1 / std::sqrt(double(dh))));
    return {weights, project_length(values)};
}

Tensor LinformerAttention::forward(const Tensor& x, const Tensor& key_padding) {
    Projected projected = project(x, key_padding);
    if (training() && config_.dropout > 0)
        projected.weights = batch_dropout(projected.weights, real(config_.dropout),
                                    mix(config_.dropout_seed, dropout_calls_++));
    const Tensor heads_out = matmul(projected.weights, projected.values_t, false, true);
    return w_o_.forward(merge_heads(heads_out));  // [B, h, L, dh] → [B, L, d]
}

Tensor LinformerAttention::weights(const Tensor& x, const Tensor& key_padding) {
    NoGradGuard no_grad;
    return project(x, key_padding).weights;
}

std::vector<AttentionPicture> LinformerAttention::attention_pictures(const Tensor& x, MapChoice) {
    return {{"weights over projected keys", "weights", first_example(weights(x)), false}};
}

}  // namespace attnlab
