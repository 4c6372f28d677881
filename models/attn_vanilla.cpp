// attn_vanilla.cpp — scaled dot-product logits q kᵀ / √(d/h).
#include "attn_vanilla.h"

#include <cmath>
#include <memory>

#include "engine/ops.h"
#include "engine/row_cache.h"

namespace attnlab {

VanillaLogits::VanillaLogits(const AttentionConfig& config, Rng& rng)
    : heads_(config.heads),
      causal_(config.causal),
      w_q_(config.d_model, config.d_model, rng),
      w_k_(config.d_model, config.d_model, rng) {
    register_module("w_q", w_q_);
    register_module("w_k", w_k_);
}

const KindInfo& vanilla_kind() {
    static const KindInfo kind =
        logit_kind<VanillaLogits>("vanilla", {}, [](const AttentionConfig& config, int64_t L) {
            const int64_t d = config.d_model;
            return MixerFlops{4 * d * d + 2 * L * d, 0};
        });
    return kind;
}

// (q / √dh) kᵀ rather than (q kᵀ) / √dh: the same logits, but the scaling pass (forward and
// backward) runs over [B, h, L, dh] instead of [B, h, L, L].
Tensor VanillaLogits::scaled_queries(const Tensor& x) const {
    const Tensor q = split_heads(w_q_.forward(x), heads_);
    return scale(q, real(1 / std::sqrt(double(q.size(-1)))));
}

Tensor VanillaLogits::keys(const Tensor& x) const {
    return split_heads(w_k_.forward(x), heads_);
}

Tensor VanillaLogits::logits(const Tensor& x) {
    const Tensor scaled_q = scaled_queries(x), k = keys(x);
    return causal_ ? causal_scores(scaled_q, k) : matmul(scaled_q, k, false, true);  // [B, h, L, L]
}

// Tiles of (q / √dh) kᵀ from Q [B, h, L, dh] and Kᵀ [B, h, dh, L], computed once. Kᵀ makes each
// tile's Q Kᵀ a plain product, the layout OpenBLAS's small-matrix kernels take; with K [L, dh]
// every tile went through its packing path.
TiledLogits VanillaLogits::tiles(const Tensor& x) {
    const Tensor scaled_q = scaled_queries(x), k_columns = transpose(keys(x), 2, 3);
    const int64_t dh = k_columns.size(2), L = k_columns.size(3);
    const kernels::View q_view{heads_ * L * dh, L * dh, dh}, k_view{heads_ * dh * L, dh * L, L};
    return {{scaled_q, k_columns},
            std::make_shared<kernels::ProductTiles>(scaled_q.data(), q_view, k_columns.data(),
                                                    k_view, true, dh)};
}

LogitRows VanillaLogits::start_rows() const {
    // Shared: a LogitRows may be copied (mixtures hold copies), its keys may not.
    auto cache = std::make_shared<RowCache>();
    return [this, cache](const Tensor& x, int64_t) {
        cache->append(keys(x));                   // k_t [B, h, 1, dh]
        return cache->scores(scaled_queries(x));  // [B, h, 1, t + 1]
    };
}

}  // namespace attnlab
