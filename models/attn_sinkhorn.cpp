// attn_sinkhorn.cpp — Sparse Sinkhorn attention: pool blocks, score them, balance the scores into
// a soft permutation, sort the key and value blocks with it, attend to own + sorted block.
#include "attn_sinkhorn.h"

#include <algorithm>
#include <cmath>

#include "engine/ops.h"
#include "zoo.h"

namespace attnlab {
namespace {

constexpr real kSinkhornRemovedBias = -1e9;  // a removed key (attn_sinkhorn.h)
// Floors the real-token mass of a sorted slot before its log, so a mass that underflows gives a
// finite bias (a weight below 10⁻³⁰ of the row's) and a finite gradient.
constexpr real kSinkhornMassFloor = real(1e-30);

int64_t sinkhorn_block_count(int64_t L, int64_t block) {
    return (L + block - 1) / block;
}

// Throws unless the option `key` of `config` lies in the range its KindInfo declares (kind.h).
void check_sinkhorn_option(const AttentionConfig& config, const std::string& key) {
    const OptionSpec& option = find_option(key);
    if (option.default_value.is_real()) {
        const double value = config.real_number(key);
        ATTNLAB_CHECK(value >= option.real_low && value <= option.real_high, "sinkhorn: ", key, " ",
                      value, " must be in [", option.real_low, ", ", option.real_high, "]");
        return;
    }
    const int64_t value = config.integer(key);
    ATTNLAB_CHECK(value >= option.low && value <= option.high, "sinkhorn: ", key, " ", value,
                  " must be in [", option.low, ", ", option.high, "]");
}

const AttentionConfig& sinkhorn_checked(const AttentionConfig& config) {
    check_heads(config.d_model, config.heads, "sinkhorn");
    ATTNLAB_CHECK(config.max_len > 0, "sinkhorn: max_len must be positive, got ", config.max_len);
    ATTNLAB_CHECK(config.dropout >= 0 && config.dropout < 1, "sinkhorn: dropout ", config.dropout,
                  " outside [0, 1)");
    ATTNLAB_CHECK(!config.causal,
                  "sinkhorn: bidirectional only (the paper's causal Sinkhorn balancing is not "
                  "implemented); set causal = false or pick another kind");
    for (const char* key : {"sinkhorn_block", "sinkhorn_iterations", "sinkhorn_temperature"})
        check_sinkhorn_option(config, key);
    return config;
}

// log Σ exp over `axis` (kept), stabilised by the detached maximum.
Tensor sinkhorn_log_sum_exp(const Tensor& x, int axis) {
    const Tensor top = max(x.detach(), axis, true);
    return add(log(sum(exp(sub(x, top)), axis, true)), top);
}

// t [B, h, L, w] → [B, h, n, b, w], zero rows appended up to n·b.
Tensor sinkhorn_blocks(const Tensor& t, int64_t block) {
    const int64_t B = t.size(0), h = t.size(1), L = t.size(2), w = t.size(3);
    const int64_t n = sinkhorn_block_count(L, block);
    const Tensor padded =
        n * block == L ? t : concat({t, Tensor::zeros({B, h, n * block - L, w})}, 2);
    return reshape(padded, {B, h, n, block, w});
}

// keep [B, L] (undefined: all real) → [B, 1, n, b, 1] of 1 (real) and 0 (pad, or beyond L).
Tensor sinkhorn_keep_blocks(const Tensor& keep, int64_t B, int64_t L, int64_t block) {
    const int64_t n = sinkhorn_block_count(L, block);
    Tensor blocks = Tensor::zeros({B, 1, n, block, 1});
    for (int64_t b = 0; b < B; ++b)
        for (int64_t t = 0; t < L; ++t)
            blocks.data()[b * n * block + t] = keep.defined() ? keep.data()[b * L + t] : 1;
    return blocks;
}

// The additive biases [B, h, n, 1, 2b] of the own block's keys (removed when padded) and of the
// sorted slots: log of the share of P's row on real tokens at each slot (attn_sinkhorn.h).
Tensor sinkhorn_key_biases(const Tensor& log_p, const Tensor& keep_blocks) {
    const int64_t B = log_p.size(0), h = log_p.size(1), n = log_p.size(2),
                  block = keep_blocks.size(3);
    Tensor own = Tensor::empty({B, h, n, 1, block}), removed = Tensor::zeros({B, 1, 1, block});
    for (int64_t b = 0; b < B; ++b) {
        const real* keep = keep_blocks.data() + b * n * block;
        for (int64_t s = 0; s < block; ++s) {
            bool any = false;
            for (int64_t j = 0; j < n; ++j) any = any || keep[j * block + s] != 0;
            removed.data()[b * block + s] = any ? 0 : kSinkhornRemovedBias;
        }
        for (int64_t head = 0; head < h; ++head)
            for (int64_t i = 0; i < n * block; ++i)
                own.data()[(b * h + head) * n * block + i] =
                    keep[i] != 0 ? 0 : kSinkhornRemovedBias;
    }
    // Row-scaled P (its largest entry 1), so neither sum underflows to zero.
    const Tensor scaled = exp(sub(log_p, max(log_p.detach(), -1, true)));  // [B, h, n, n]
    const Tensor keep = mul(reshape(keep_blocks, {B, 1, n, block}), Tensor::ones({1, h, 1, 1}));
    const Tensor real_mass = add_scalar(matmul(scaled, keep), kSinkhornMassFloor);  // [B, h, n, b]
    const Tensor share = sub(log(real_mass), log(sum(scaled, -1, true)));
    const Tensor sorted = reshape(add(share, removed), {B, h, n, 1, block});
    return concat({own, sorted}, 4);
}

}  // namespace

Tensor sinkhorn_log(const Tensor& logits, int64_t iterations, double temperature) {
    ATTNLAB_CHECK(logits.ndim() >= 2 && logits.size(-1) == logits.size(-2), "sinkhorn_log: logits ",
                  shape_str(logits.shape()), " (expected [..., n, n])");
    ATTNLAB_CHECK(iterations >= 1 && temperature > 0, "sinkhorn_log: iterations ", iterations,
                  " and temperature ", temperature, " must be positive");
    Tensor log_p = scale(logits, real(1 / temperature));
    for (int64_t t = 0; t < iterations; ++t) {
        log_p = sub(log_p, sinkhorn_log_sum_exp(log_p, -1));  // rows sum to 1
        log_p = sub(log_p, sinkhorn_log_sum_exp(log_p, -2));  // columns sum to 1
    }
    return log_p;
}

Tensor sorted_block_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                              const Tensor& log_p, const Tensor& keep, int64_t block,
                              double dropout_p, uint64_t seed) {
    const int64_t B = q.size(0), h = q.size(1), L = q.size(2), dh = q.size(3);
    const int64_t n = sinkhorn_block_count(L, block);
    ATTNLAB_CHECK(log_p.shape() == Shape({B, h, n, n}), "sinkhorn: log P ",
                  shape_str(log_p.shape()), " (expected [", B, ", ", h, ", ", n, ", ", n, "])");
    const bool padded = keep.defined() || n * block != L;
    const Tensor keep_blocks = sinkhorn_keep_blocks(keep, B, L, block);
    Tensor keys = sinkhorn_blocks(k, block), values = sinkhorn_blocks(v, block);  // [B,h,n,b,dh]
    if (keep.defined()) keys = mul(keys, keep_blocks), values = mul(values, keep_blocks);
    // ψ_S: sorted block i = Σ_j P_ij · block j, one [n, n] · [n, b·dh] product per head.
    const Tensor p = exp(log_p);
    auto sorted = [&](const Tensor& blocks) {
        return reshape(matmul(p, reshape(blocks, {B, h, n, block * dh})), {B, h, n, block, dh});
    };
    const Tensor all_keys = concat({keys, sorted(keys)}, 3);  // [B, h, n, 2b, dh]
    const Tensor all_values = concat({values, sorted(values)}, 3);
    Tensor logits = scale(matmul(sinkhorn_blocks(q, block), all_keys, false, true),
                          real(1 / std::sqrt(double(dh))));  // [B, h, n, b, 2b]
    if (padded) logits = add(logits, sinkhorn_key_biases(log_p, keep_blocks));
    Tensor weights = softmax(logits);
    if (dropout_p > 0) weights = dropout(weights, real(dropout_p), seed);
    const Tensor out = reshape(matmul(weights, all_values), {B, h, n * block, dh});
    return n * block == L ? out : slice(out, 2, 0, L);
}

const KindInfo& sinkhorn_kind() {
    static const KindInfo kind = [] {
        KindInfo info = layer_kind<SinkhornAttention>(
            "sinkhorn",
            {{"sinkhorn_block", int64_t(50), 1, 65536, {}},
             {"sinkhorn_iterations", int64_t(7), 1, 100, {}},
             real_option("sinkhorn_temperature", 0.75, 1e-3, 1e3)},
            [](const AttentionConfig& config, int64_t L) {
                const int64_t d = config.d_model, b = config.integer("sinkhorn_block");
                const int64_t n = sinkhorn_block_count(std::max<int64_t>(L, 1), b), Lp = n * b;
                const int64_t per_token =
                    ((8 * b * d + 4 * n * d) * Lp + 2 * n * n * d) / std::max<int64_t>(L, 1);
                return MixerFlops{8 * d * d + per_token, 0};
            });
        info.causal = false;
        info.decodes = false;
        return info;
    }();
    return kind;
}

SinkhornAttention::SinkhornAttention(const AttentionConfig& config, Rng& rng)
    : config_(sinkhorn_checked(config)),
      w_q_(config.d_model, config.d_model, rng),
      w_k_(config.d_model, config.d_model, rng),
      w_v_(config.d_model, config.d_model, rng),
      w_o_(config.d_model, config.d_model, rng),
      sort_net_(config.d_model / config.heads,
                sinkhorn_block_count(config.max_len, config.integer("sinkhorn_block")), rng) {
    register_module("w_q", w_q_);
    register_module("w_k", w_k_);
    register_module("w_v", w_v_);
    register_module("w_o", w_o_);
    register_module("sort_net", sort_net_);
    register_counter(dropout_calls_);
}

Tensor SinkhornAttention::checked_keep(const Tensor& x, const Tensor& key_padding) const {
    ATTNLAB_CHECK(x.ndim() == 3 && x.size(2) == config_.d_model && x.size(1) >= 1, "sinkhorn: x ",
                  shape_str(x.shape()), " (expected [B, L, d] with L ≥ 1 and d = ", config_.d_model,
                  ")");
    ATTNLAB_CHECK(x.size(1) <= config_.max_len, "sinkhorn: sequence length ", x.size(1),
                  " exceeds max_len ", config_.max_len);
    if (key_padding.defined()) check_key_padding(key_padding, x.size(0), x.size(1), "sinkhorn");
    return key_padding;
}

// The sort net on the mean real key of each block, then Sinkhorn balancing: keys [B, h, L, dh].
Tensor SinkhornAttention::log_sorting_of(const Tensor& keys, const Tensor& keep) {
    const int64_t B = keys.size(0), L = keys.size(2), block = config_.integer("sinkhorn_block");
    const int64_t n = sinkhorn_block_count(L, block);
    const Tensor keep_blocks = sinkhorn_keep_blocks(keep, B, L, block);  // [B, 1, n, b, 1]
    Tensor inverse_count = sum(reshape(keep_blocks, {B, 1, n, block}), -1, true);  // [B, 1, n, 1]
    for (int64_t i = 0; i < inverse_count.numel(); ++i)
        inverse_count.data()[i] = 1 / std::max<real>(inverse_count.data()[i], 1);
    const Tensor blocks = mul(sinkhorn_blocks(keys, block), keep_blocks);
    const Tensor pooled = mul(sum(blocks, 3), inverse_count);  // [B, h, n, dh]
    const Tensor logits = linear(pooled, slice(sort_net_.weight(), 1, 0, n),
                                 slice(sort_net_.bias(), 0, 0, n));  // [B, h, n, n]
    return sinkhorn_log(logits, config_.integer("sinkhorn_iterations"),
                        config_.real_number("sinkhorn_temperature"));
}

Tensor SinkhornAttention::log_sorting(const Tensor& x, const Tensor& key_padding) {
    const Tensor keep = checked_keep(x, key_padding);
    return log_sorting_of(split_heads(w_k_.forward(x), config_.heads), keep);
}

Tensor SinkhornAttention::forward(const Tensor& x, const Tensor& key_padding) {
    const Tensor keep = checked_keep(x, key_padding);
    const int64_t h = config_.heads;
    const Tensor q = split_heads(w_q_.forward(x), h), k = split_heads(w_k_.forward(x), h),
                 v = split_heads(w_v_.forward(x), h);
    const bool drop = training() && config_.dropout > 0;
    const Tensor mixed = sorted_block_attention(
        q, k, v, log_sorting_of(k, keep), keep, config_.integer("sinkhorn_block"),
        drop ? config_.dropout : 0, drop ? mix(config_.dropout_seed, dropout_calls_++) : 0);
    return w_o_.forward(merge_heads(mixed));
}

}  // namespace attnlab
