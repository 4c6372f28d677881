// attention.cpp — the kind factory and the shared mask → softmax → dropout → ·V → W_o path.
#include "attention.h"

#include <algorithm>
#include <limits>

#include "engine/ops.h"
#include "engine/row_cache.h"
#include "zoo.h"

namespace attnlab {

Tensor split_heads(const Tensor& x, int64_t heads) {
    const int64_t B = x.size(0), L = x.size(1), d = x.size(2);
    return permute(reshape(x, {B, L, heads, d / heads}), {0, 2, 1, 3});  // [B, h, L, dh]
}

Tensor merge_heads(const Tensor& x) {
    const int64_t B = x.size(0), h = x.size(1), L = x.size(2), dh = x.size(3);
    return reshape(permute(x, {0, 2, 1, 3}), {B, L, h * dh});  // [B, L, d]
}

Tensor first_example(const Tensor& t) {
    ATTNLAB_CHECK(t.ndim() == 4 && t.size(0) == 1,
                  "attention_maps: expected [1, h, rows, cols], got ", shape_str(t.shape()));
    return reshape(t, {t.size(1), t.size(2), t.size(3)});
}

namespace {

constexpr real kRemoved = -std::numeric_limits<real>::infinity();

// [1, 1, L, L]: 0 where the schedule keeps entry (i, j), −∞ where it removes it (outside its
// tiles, or by its rule: key j > query i when causal, outside a band); undefined when it keeps
// every entry.
Tensor schedule_mask(const kernels::TileSchedule& schedule) {
    if (schedule.dense() && !schedule.causal()) return Tensor();
    const int64_t L = schedule.length();
    Tensor mask = Tensor::full({1, 1, L, L}, kRemoved);
    for (int64_t block = 0; block < schedule.query_blocks(); ++block) {
        const kernels::Span rows = schedule.query_block(block);
        for (const kernels::Span& keys : schedule.key_spans(block))
            for (int64_t i = rows.begin; i < rows.end; ++i)
                for (int64_t j = keys.begin; j < keys.end; ++j)
                    if (schedule.keeps(i, j)) mask.data()[i * L + j] = 0;
    }
    return mask;
}

// Logits [1, ...] of a source that does not depend on the batch, broadcast to [B, ...].
Tensor batch_broadcast(const Tensor& logits, int64_t B) {
    return logits.size(0) == B ? logits : add(logits, Tensor::zeros({B, 1, 1, 1}));
}

const AttentionConfig& checked(const AttentionConfig& config) {
    check_heads(config.d_model, config.heads, "attention");
    ATTNLAB_CHECK(config.max_len > 0, "attention: max_len must be positive, got ", config.max_len);
    ATTNLAB_CHECK(config.dropout >= 0 && config.dropout < 1, "attention: dropout ", config.dropout,
                  " outside [0, 1)");
    return config;
}

}  // namespace

MultiHeadAttention::MultiHeadAttention(const AttentionConfig& config, Rng& rng)
    : config_(checked(config)),
      w_v_(config.d_model, config.d_model, rng),
      w_o_(config.d_model, config.d_model, rng),
      source_(make_logit_source(config, rng)),
      fused_(config.flag("fused")) {
    register_module("w_v", w_v_);
    register_module("w_o", w_o_);
    register_module(source_->name(), *source_);
    register_counter(dropout_calls_);
}

// The additive mask: 0 keeps, −∞ removes. The entries the source's schedule removes (causal:
// key j > query i) [1, 1, L, L] and/or padding [B, 1, 1, L]; undefined when there is neither.
Tensor MultiHeadAttention::additive_mask(int64_t B, int64_t L, const Tensor& key_padding) const {
    Tensor mask = schedule_mask(source_->schedule(L, config_.causal));
    if (key_padding.defined()) {
        check_key_padding(key_padding, B, L, "attention");
        Tensor padding = Tensor::zeros({B, 1, 1, L});
        for (int64_t i = 0; i < B * L; ++i)
            if (key_padding.data()[i] == 0) padding.data()[i] = kRemoved;
        mask = mask.defined() ? add(mask, padding) : padding;  // [B, 1, L, L]
    }
    return mask;
}

Tensor MultiHeadAttention::forward(const Tensor& x, const Tensor& key_padding) {
    ATTNLAB_CHECK(x.ndim() == 3 && x.size(2) == config_.d_model, "attention: x ",
                  shape_str(x.shape()), " (expected [B, L, d] with d = ", config_.d_model, ")");
    const int64_t B = x.size(0), L = x.size(1);
    ATTNLAB_CHECK(L >= 1 && L <= config_.max_len, "attention: sequence length ", L,
                  " exceeds max_len ", config_.max_len, " (or is empty)");

    if (key_padding.defined()) check_key_padding(key_padding, B, L, "attention");
    AttentionDropout dropout;
    if (training() && config_.dropout > 0)
        dropout = {real(config_.dropout), mix(config_.dropout_seed, dropout_calls_++)};
    const Tensor values = split_heads(w_v_.forward(x), config_.heads);  // [B, h, L, dh]
    const Tensor mixed = fused_ ? fused_mix(x, values, key_padding, dropout)
                                : unfused_mix(x, values, key_padding, dropout);
    return w_o_.forward(merge_heads(mixed));  // [B, L, d]
}

Tensor MultiHeadAttention::fused_mix(const Tensor& x, const Tensor& values,
                                     const Tensor& key_padding, AttentionDropout dropout) {
    return fused_attention(source_->tiles(x), values, source_->schedule(x.size(1), config_.causal),
                           key_padding, dropout);
}

Tensor MultiHeadAttention::unfused_mix(const Tensor& x, const Tensor& values,
                                       const Tensor& key_padding, AttentionDropout dropout) {
    const int64_t B = x.size(0), L = x.size(1);
    const Tensor logits = batch_broadcast(source_->logits(x), B);        // [B, h, L, L]
    Tensor weights = softmax(logits, additive_mask(B, L, key_padding));  // [B, h, L, L]
    if (dropout.p > 0) weights = batch_dropout(weights, dropout.p, dropout.seed);
    // Causal weights are 0 above the diagonal: causal_mix skips those blocks.
    return config_.causal ? causal_mix(weights, values) : matmul(weights, values);
}

Tensor MultiHeadAttention::weights(const Tensor& x, const Tensor& key_padding) {
    NoGradGuard no_grad;
    const int64_t B = x.size(0), L = x.size(1);
    return softmax(batch_broadcast(source_->logits(x), B), additive_mask(B, L, key_padding));
}

TiledLogits LogitSource::tiles(const Tensor& x) {
    const Tensor full = logits(x);  // [B or 1, h, L, L]
    const int64_t h = full.size(1), L = full.size(2);
    const kernels::View view{full.size(0) == 1 ? 0 : h * L * L, L * L, L};
    return {{full}, std::make_shared<kernels::MatrixTiles>(full.data(), view)};
}

kernels::TileSchedule LogitSource::schedule(int64_t L, bool causal) const {
    return kernels::TileSchedule::dense(L, causal);
}

LogitRows LogitSource::start_rows() const {
    throw Error(cat(name(), ": this logit source has no incremental decoding"));
}

// Row t of the frame: softmax over the source's row (it covers keys 0 .. t only; a block-sparse
// source's schedule removes some of them), then the mix with every value so far.
class FrameDecodeState : public DecodeState {
  public:
    FrameDecodeState(const MultiHeadAttention& layer, int64_t batch)
        : DecodeState(layer.config_, batch),
          layer_(layer),
          rows_(layer.source_->start_rows()),
          schedule_(layer.source_->schedule(layer.config_.max_len, true)) {}

  private:
    Tensor advance(const Tensor& x) override {
        const int64_t t = position(), max_len = layer_.config_.max_len;
        ATTNLAB_CHECK(t < max_len, kind(), ": decoding position ", t, " is past max_len ", max_len,
                      " (the logits cover positions 0 .. max_len − 1)");
        Tensor logits = batch_broadcast(rows_(x, t), batch());  // [B, h, 1, t + 1]
        if (!schedule_.dense()) logits = add(logits, removed_keys(t));
        values_.append(split_heads(layer_.w_v_.forward(x), layer_.config_.heads));
        return layer_.w_o_.forward(merge_heads(values_.mix(softmax(logits))));  // [B, 1, d]
    }

    // [1, 1, 1, t + 1]: 0 for the keys row t's tiles list and the schedule's rule keeps, −∞ else.
    Tensor removed_keys(int64_t t) const {
        Tensor removed = Tensor::full({1, 1, 1, t + 1}, kRemoved);
        for (const kernels::Span& keys : schedule_.key_spans(t / schedule_.query_tile()))
            for (int64_t j = keys.begin; j < std::min(keys.end, t + 1); ++j)
                if (schedule_.keeps(t, j)) removed.data()[j] = 0;
        return removed;
    }

    const MultiHeadAttention& layer_;
    LogitRows rows_;
    kernels::TileSchedule schedule_;  // causal, over max_len: row t is the same for any L > t
    RowCache values_;                 // G(x_j) for j ≤ t
};

std::unique_ptr<DecodeState> MultiHeadAttention::start_decoding(int64_t batch) const {
    return std::make_unique<FrameDecodeState>(*this, batch);
}

Tensor synthetic_alignment(LogitSource& source, const Tensor& x, bool causal) {
    const Tensor logits = source.logits(x);  // [B or 1, h, L, L]
    return softmax(logits, schedule_mask(source.schedule(logits.size(-1), causal)));
}

std::vector<AttentionPicture> MultiHeadAttention::attention_pictures(const Tensor& x,
                                                                     MapChoice choice) {
    const std::vector<LogitSource*> sources = source_->parts();
    const bool mixture = sources.size() > 1;
    const bool alignment_first = mixture || sources[0]->alignment_by_default();
    const bool show_weights = choice == MapChoice::Weights ||
                              (choice == MapChoice::Auto && (mixture || !alignment_first));
    const bool alignment =
        choice == MapChoice::Alignment || (choice == MapChoice::Auto && alignment_first);
    std::vector<AttentionPicture> pictures;
    if (show_weights) pictures.push_back({"weights", "weights", first_example(weights(x))});
    if (alignment)
        for (LogitSource* source : sources) {
            const std::string name = source->name();
            pictures.push_back({mixture ? "alignment of " + name : "alignment",
                                mixture ? "alignment_" + name : "alignment",
                                first_example(synthetic_alignment(*source, x, config_.causal))});
        }
    return pictures;
}

}  // namespace attnlab
