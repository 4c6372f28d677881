// The parameter-count table: every kind of the zoo (and a set of mixtures), built through
// make_token_mixer, has exactly the count its header's formula gives, all and trainable-only. The
// formulas are re-derived here from the config (d, h, max_len, k, m, ...); a kind without an entry
// fails, so a new kind must bring its formula.
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "models/zoo.h"

using namespace attnlab;

namespace {

struct Count {
    int64_t all, trainable;
};

Count operator+(Count a, Count b) {
    return {a.all + b.all, a.trainable + b.trainable};
}

Count trainable(int64_t n) {
    return {n, n};
}

// The formulas of the headers, for one config.
std::map<std::string, Count> formulas(const AttentionConfig& c) {
    const int64_t d = c.d_model, h = c.heads, max_len = c.max_len;
    const int64_t n =
        c.integer("dense_hidden") > 0 ? c.integer("dense_hidden") : d / h;  // attn_dense.h
    const int64_t a = c.integer("factorized_a"),
                  b = c.integer("factorized_b");  // set explicitly below
    std::map<std::string, Count> f;
    // Logit kinds (attn_*.h); MultiHeadAttention adds its frame 2·(d² + d) (attention.h).
    f["vanilla"] = trainable(2 * (d * d + d));
    f["local"] = trainable(2 * (d * d + d));
    f["longformer"] = trainable(2 * (d * d + d));
    f["sparse_transformer"] = trainable(2 * (d * d + d));
    const int64_t bigbird_blocks =
        (max_len + c.integer("bigbird_block") - 1) / c.integer("bigbird_block");
    f["bigbird"] =
        trainable(2 * (d * d + d)) + Count{bigbird_blocks * c.integer("bigbird_random"), 0};
    f["dense"] = trainable(d * h * n + h * n + h * n * max_len + h * max_len);
    f["factorized_dense"] = trainable(d * h * n + h * n + h * n * (a + b) + h * (a + b));
    f["random"] = trainable(h * max_len * max_len);
    f["fixed_random"] = {h * max_len * max_len, 0};
    f["factorized_random"] = trainable(2 * h * max_len * c.integer("factorized_k"));
    return f;
}

Count expected_count(const std::string& kind, const AttentionConfig& c) {
    const int64_t d = c.d_model, dh = c.d_model / c.heads;
    // Standalone layers (their own headers).
    if (kind == "performer") {  // the *_deterministic maps hold no ω
        const std::string map = c.text("performer_feature_kind");
        const bool random = map.find("_deterministic") == std::string::npos;
        return trainable(4 * (d * d + d)) +
               Count{random ? c.integer("performer_features") * dh : 0, 0};
    }
    if (kind == "linear_transformer") return trainable(4 * (d * d + d));
    if (kind == "reformer") return trainable(3 * (d * d + d));
    if (kind == "sinkhorn") {  // the sort net maps dh → ⌈max_len / b⌉ block scores
        const int64_t blocks =
            (c.max_len + c.integer("sinkhorn_block") - 1) / c.integer("sinkhorn_block");
        return trainable(4 * (d * d + d) + (dh + 1) * blocks);
    }
    if (kind == "linformer")
        return trainable(4 * (d * d + d) + c.integer("linformer_k") * c.max_len);
    // attn_lightweight_conv.h / attn_dynamic_conv.h: GLU in (d → 2d), out (d → d), the kernel.
    if (kind == "lightweight_conv")
        return trainable(3 * d * d + 3 * d + c.heads * c.integer("conv_kernel"));
    if (kind == "dynamic_conv")
        return trainable(3 * d * d + 3 * d + d * c.heads * c.integer("conv_kernel"));
    // Logit kinds and "+" mixtures (attn_mixture.h: N alphas, learned weights only, + Σ
    // components), inside the frame.
    std::vector<std::string> parts;
    for (size_t start = 0;;) {
        const size_t plus = kind.find('+', start);
        parts.push_back(kind.substr(start, plus - start));
        if (plus == std::string::npos) break;
        start = plus + 1;
    }
    const std::map<std::string, Count> logit = formulas(c);
    Count total = trainable(2 * (d * d + d));
    for (const std::string& part : parts) {
        const auto it = logit.find(part);
        if (it == logit.end())
            FAIL("no parameter-count formula for kind \"" << part
                                                          << "\": add its header's formula here");
        total = total + it->second;
    }
    if (parts.size() > 1 && c.text("mixture_weights") == "learned")
        total = total + trainable(int64_t(parts.size()));
    return total;
}

}  // namespace

TEST_CASE("parameter counts: every kind and mixture matches its header's formula",
          "[zoo][params]") {
    std::vector<std::string> kinds = token_mixer_kind_names();
    for (const std::string mixture :
         {"random+vanilla", "dense+vanilla", "random+dense", "factorized_random+factorized_dense"})
        kinds.push_back(mixture);

    // Two configs with distinct sizes everywhere, so a swapped factor would show.
    AttentionConfig base;
    base.d_model = 12;
    base.heads = 3;
    base.max_len = 10;
    base.set("factorized_a", 2);
    base.set("factorized_b", 5);
    base.set("factorized_k", 4);
    base.set("performer_features", 7);
    base.set("linformer_k", 6);
    base.set("bigbird_block", 3);
    base.set("sinkhorn_block", 4);
    AttentionConfig wide = base;
    wide.d_model = 20;
    wide.heads = 2;
    wide.max_len = 9;
    wide.set("dense_hidden", 5);
    wide.set("factorized_a", 3);
    wide.set("factorized_b", 3);
    wide.set("factorized_k", 2);
    wide.set("performer_features", 13);
    wide.set("linformer_k", 4);
    wide.set("sinkhorn_block", 2);

    AttentionConfig deterministic = base;
    deterministic.set("performer_feature_kind", "elu_plus_one_deterministic");
    deterministic.set("mixture_weights", "ones");
    AttentionConfig generalized = wide;
    generalized.set("performer_feature_kind", "exp");

    for (const AttentionConfig& config : {base, wide, deterministic, generalized})
        for (const std::string& kind : kinds) {
            INFO(kind << " with d = " << config.d_model << ", h = " << config.heads
                      << ", max_len = " << config.max_len);
            AttentionConfig c = config;
            c.kind = kind;
            Rng rng(1);
            const auto mixer = make_token_mixer(c, rng);
            const Count expected = expected_count(kind, c);
            CHECK(mixer->count_parameters() == expected.all);
            CHECK(mixer->count_parameters(true) == expected.trainable);
        }
}
