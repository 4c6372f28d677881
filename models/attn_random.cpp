// attn_random.cpp — Random Synthesizer logits: a learned (or frozen) [h, L, L] block of R.
#include "attn_random.h"

#include <cmath>

#include "engine/init.h"
#include "engine/ops.h"

namespace attnlab {

RandomLogits::RandomLogits(const AttentionConfig& config, Rng& rng, bool trainable)
    : trainable_(trainable) {
    const int64_t n = config.max_len;
    r_ = register_parameter("r", Tensor::empty({config.heads, n, n}), trainable);
    init::normal(r_, rng, 0, 1 / std::sqrt(double(n)));
}

namespace {

KindInfo random_kind_info(const char* name, bool trainable) {
    return {name,
            [trainable](const AttentionConfig& config, Rng& rng) -> std::unique_ptr<LogitSource> {
                return std::make_unique<RandomLogits>(config, rng, trainable);
            },
            nullptr,
            {},
            [](const AttentionConfig&, int64_t) {
                return MixerFlops{0, 0};
            }};
}

}  // namespace

const KindInfo& random_kind() {
    static const KindInfo kind = random_kind_info("random", true);
    return kind;
}

const KindInfo& fixed_random_kind() {
    static const KindInfo kind = random_kind_info("fixed_random", false);
    return kind;
}

Tensor RandomLogits::block(int64_t first, int64_t end, int64_t columns) const {
    const Tensor rows = slice(slice(r_, 1, first, end), 2, 0, columns);  // [h, end − first, c]
    return reshape(rows, {1, r_.size(0), end - first, columns});
}

Tensor RandomLogits::logits(const Tensor& x) {
    const int64_t L = x.size(1);
    return block(0, L, L);  // [1, h, L, L]
}

// Tiles of R itself [h, max_len, max_len], shared by the batch: no copy of its L × L block.
TiledLogits RandomLogits::tiles(const Tensor&) {
    const int64_t n = r_.size(1);
    return {{r_}, std::make_shared<kernels::MatrixTiles>(r_.data(), kernels::View{0, n * n, n})};
}

LogitRows RandomLogits::start_rows() const {
    return [this](const Tensor&, int64_t t) { return block(t, t + 1, t + 1); };
}

}  // namespace attnlab
