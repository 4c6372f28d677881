// attn_reformer.cpp — LSH attention: hash, sort, attend within chunks, unsort, combine rounds.
#include "attn_reformer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace attnlab {
namespace {

// Additive logit biases (attn_reformer.h): a removed key, and the key of the query itself.
constexpr real kRemovedBias = -1e9;
constexpr real kSelfBias = -1e5;
constexpr uint64_t kHashStream = 2;  // mix(dropout_seed, 2): the rotations' stream

const AttentionConfig& reformer_checked(const AttentionConfig& config) {
    check_heads(config.d_model, config.heads, "reformer");
    ATTNLAB_CHECK(config.dropout >= 0 && config.dropout < 1, "reformer: dropout ", config.dropout,
                  " outside [0, 1)");
    return config;
}

int64_t bucket_count(int64_t L, int64_t chunk) {
    const int64_t chunks = (L + chunk - 1) / chunk;
    return std::max<int64_t>(2, chunks + chunks % 2);
}

// One hashing round's sorted order: slot s of slice bh (= b·h + head) holds position
// position[bh·Lp + s] (−1 for the padding slots that fill the last chunk), read from row
// gather[...] of the flat [B·h·L + 1, ·] tables (the extra last row is zeros); slot_of[bh·L + i]
// is the row of position i in the flat [B·h·Lp, ·] outputs.
struct SortedOrder {
    int64_t padded_length;  // Lp: L rounded up to whole chunks
    std::vector<int32_t> gather, slot_of;
    std::vector<int64_t> position;
};

SortedOrder sort_by_bucket(const std::vector<int32_t>& buckets, int64_t slices, int64_t L,
                           int64_t chunk) {
    const int64_t Lp = (L + chunk - 1) / chunk * chunk;
    SortedOrder order{Lp, std::vector<int32_t>(size_t(slices * Lp), int32_t(slices * L)),
                      std::vector<int32_t>(size_t(slices * L)),
                      std::vector<int64_t>(size_t(slices * Lp), -1)};
    std::vector<int64_t> positions(static_cast<size_t>(L));
    for (int64_t bh = 0; bh < slices; ++bh) {
        const int32_t* bucket = buckets.data() + bh * L;
        std::iota(positions.begin(), positions.end(), 0);
        std::stable_sort(positions.begin(), positions.end(),
                         [&](int64_t a, int64_t b) { return bucket[a] < bucket[b]; });
        for (int64_t s = 0; s < L; ++s) {
            const int64_t i = positions[size_t(s)];
            order.position[size_t(bh * Lp + s)] = i;
            order.gather[size_t(bh * Lp + s)] = int32_t(bh * L + i);
            order.slot_of[size_t(bh * L + i)] = int32_t(bh * Lp + s);
        }
    }
    return order;
}

// The biases [B, h, Lp/c, c, 2c] of each query slot against the keys of its chunk and the chunk
// before: self, causal, padding and empty slots (attn_reformer.h).
Tensor chunk_biases(const SortedOrder& order, int64_t B, int64_t h, int64_t chunk, bool causal,
                    const Tensor& key_padding) {
    const int64_t Lp = order.padded_length, chunks = Lp / chunk,
                  L = key_padding.defined() ? key_padding.size(1) : 0;
    Tensor biases = Tensor::empty({B, h, chunks, chunk, 2 * chunk});
    real* out = biases.data();
    for (int64_t bh = 0; bh < B * h; ++bh) {
        const int64_t* position = order.position.data() + bh * Lp;
        const real* padding = L ? key_padding.data() + (bh / h) * L : nullptr;
        for (int64_t n = 0; n < chunks; ++n) {
            const int64_t previous = (n + chunks - 1) % chunks;
            for (int64_t q = 0; q < chunk; ++q) {
                const int64_t i = position[n * chunk + q];
                for (int64_t k = 0; k < 2 * chunk; ++k) {
                    const int64_t j = position[(k < chunk ? n : previous) * chunk + k % chunk];
                    real bias = 0;
                    if (j < 0 || (causal && j > i) || (padding && padding[j] == 0))
                        bias = kRemovedBias;
                    else if (j == i)
                        bias = kSelfBias;
                    *out++ = bias;
                }
            }
        }
    }
    return biases;
}

// t [B, h, L, w] → its rows in the sorted order, [B, h, Lp/c, c, w] (empty slots zero).
Tensor to_sorted(const Tensor& t, const SortedOrder& order, int64_t chunk) {
    const int64_t B = t.size(0), h = t.size(1), L = t.size(2), w = t.size(3);
    const Tensor table = concat({reshape(t, {B * h * L, w}), Tensor::zeros({1, w})}, 0);
    const IntTensor ids({B, h, order.padded_length / chunk, chunk}, order.gather);
    return embedding(table, ids);
}

// Each chunk's keys (or values) followed by those of the chunk before: [B, h, n, c, w] →
// [B, h, n, 2c, w].
Tensor with_previous_chunk(const Tensor& t) {
    const int64_t n = t.size(2);
    const Tensor previous = n == 1 ? t : concat({slice(t, 2, n - 1, n), slice(t, 2, 0, n - 1)}, 2);
    return concat({t, previous}, 3);
}

// rows [B, h, Lp/c, c, w] in the sorted order → [B, h, L, w] in position order.
Tensor from_sorted(const Tensor& rows, const SortedOrder& order, int64_t L) {
    const int64_t B = rows.size(0), h = rows.size(1), w = rows.size(4);
    const IntTensor ids({B, h, L}, order.slot_of);
    return embedding(reshape(rows, {-1, w}), ids);
}

}  // namespace

std::vector<int32_t> lsh_buckets(const Tensor& keys, const Tensor& rotations) {
    const int64_t B = keys.size(0), h = keys.size(1), L = keys.size(2), dh = keys.size(3);
    const int64_t half = rotations.size(2);
    ATTNLAB_CHECK(rotations.ndim() == 3 && rotations.size(0) == h && rotations.size(1) == dh,
                  "lsh_buckets: rotations ", shape_str(rotations.shape()), " (expected [", h, ", ",
                  dh, ", buckets/2])");
    std::vector<int32_t> buckets(size_t(B * h * L));
    for (int64_t bh = 0; bh < B * h; ++bh) {
        const real* rotation = rotations.data() + (bh % h) * dh * half;
        for (int64_t i = 0; i < L; ++i) {
            const real* key = keys.data() + (bh * L + i) * dh;
            real best = -std::numeric_limits<real>::infinity();
            int32_t choice = 0;
            for (int64_t r = 0; r < half; ++r) {
                real projection = 0;
                for (int64_t c = 0; c < dh; ++c) projection += key[c] * rotation[c * half + r];
                if (projection > best) best = projection, choice = int32_t(r);
                if (-projection > best) best = -projection, choice = int32_t(half + r);
            }
            buckets[size_t(bh * L + i)] = choice;
        }
    }
    return buckets;
}

const KindInfo& reformer_kind() {
    static const KindInfo kind = [] {
        KindInfo info = layer_kind<ReformerAttention>(
            "reformer", {{"reformer_hashes", 2, 1, 16, {}}, {"reformer_chunk", 32, 1, 65536, {}}},
            [](const AttentionConfig& config, int64_t) {
                const int64_t d = config.d_model;
                return MixerFlops{6 * d * d + config.integer("reformer_hashes") * 8 *
                                                  config.integer("reformer_chunk") * d,
                                  0};
            });
        info.decodes = false;
        return info;
    }();
    return kind;
}

ReformerAttention::ReformerAttention(const AttentionConfig& config, Rng& rng)
    : config_(reformer_checked(config)),
      w_qk_(config.d_model, config.d_model, rng),
      w_v_(config.d_model, config.d_model, rng),
      w_o_(config.d_model, config.d_model, rng) {
    register_module("w_qk", w_qk_);
    register_module("w_v", w_v_);
    register_module("w_o", w_o_);
    register_counter(hash_calls_);
    register_counter(dropout_calls_);
}

Tensor ReformerAttention::forward(const Tensor& x, const Tensor& key_padding) {
    ATTNLAB_CHECK(x.ndim() == 3 && x.size(2) == config_.d_model && x.size(1) >= 1, "reformer: x ",
                  shape_str(x.shape()), " (expected [B, L, d] with L ≥ 1 and d = ", config_.d_model,
                  ")");
    const int64_t B = x.size(0), L = x.size(1), h = config_.heads, dh = config_.d_model / h;
    ATTNLAB_CHECK(L <= config_.max_len, "reformer: sequence length ", L, " exceeds max_len ",
                  config_.max_len);
    if (key_padding.defined()) check_key_padding(key_padding, B, L, "reformer");
    const int64_t chunk = config_.integer("reformer_chunk"),
                  rounds = config_.integer("reformer_hashes");
    const Tensor queries = split_heads(w_qk_.forward(x), h);  // [B, h, L, dh]
    const Tensor keys = div(queries, sqrt(add_scalar(sum(square(queries), -1, true), 1e-12)));
    const Tensor values = split_heads(w_v_.forward(x), h);
    Rng rng(mix(mix(config_.dropout_seed, kHashStream), training() ? hash_calls_++ : ~0ull));
    std::vector<Tensor> outputs, log_sums;
    for (int64_t r = 0; r < rounds; ++r) {
        const Tensor rotations = Tensor::randn({h, dh, bucket_count(L, chunk) / 2}, rng);
        const SortedOrder order =
            sort_by_bucket(lsh_buckets(keys.detach(), rotations), B * h, L, chunk);
        const Tensor biases = chunk_biases(order, B, h, chunk, config_.causal, key_padding);
        const Tensor q = to_sorted(queries, order, chunk);  // [B, h, n, c, dh]
        const Tensor k = with_previous_chunk(to_sorted(keys, order, chunk));
        const Tensor v = with_previous_chunk(to_sorted(values, order, chunk));
        const Tensor logits = add(scale(matmul(q, k, false, true), real(1 / std::sqrt(double(dh)))),
                                  biases);  // [B, h, n, c, 2c]
        Tensor weights = softmax(logits);
        if (training() && config_.dropout > 0)
            weights = batch_dropout(weights, real(config_.dropout),
                              mix(config_.dropout_seed, dropout_calls_++));
        outputs.push_back(from_sorted(matmul(weights, v), order, L));  // [B, h, L, dh]
        if (rounds == 1) break;
        const Tensor row_max = max(logits.detach(), -1, true);
        const Tensor log_sum = add(log(sum(exp(sub(logits, row_max)), -1, true)), row_max);
        log_sums.push_back(from_sorted(log_sum, order, L));  // [B, h, L, 1]
    }
    Tensor mixed = outputs[0];
    if (rounds > 1) {
        const Tensor round_weights = softmax(concat(log_sums, 3));  // [B, h, L, rounds]
        mixed = mul(outputs[0], slice(round_weights, 3, 0, 1));
        for (int64_t r = 1; r < rounds; ++r)
            mixed = add(mixed, mul(outputs[size_t(r)], slice(round_weights, 3, r, r + 1)));
    }
    return w_o_.forward(merge_heads(mixed));
}

}  // namespace attnlab
