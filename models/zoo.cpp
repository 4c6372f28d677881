// zoo.cpp — the table of every attention kind, and the lookups and factories built on it.
#include "zoo.h"

#include <algorithm>

#include "attn_bigbird.h"
#include "attn_dense.h"
#include "attn_dynamic_conv.h"
#include "attn_factorized_dense.h"
#include "attn_factorized_random.h"
#include "attn_lightweight_conv.h"
#include "attn_linear_transformer.h"
#include "attn_linformer.h"
#include "attn_local.h"
#include "attn_longformer.h"
#include "attn_mixture.h"
#include "attn_performer.h"
#include "attn_random.h"
#include "attn_reformer.h"
#include "attn_sinkhorn.h"
#include "attn_sparse_transformer.h"
#include "attn_vanilla.h"

namespace attnlab {

// The registry: one line per kind. Its order is the order of every list of names the project
// prints (errors, `attnlab inspect`, the benchmark's kinds).
const std::vector<const KindInfo*>& registered_kinds() {
    static const std::vector<const KindInfo*> kinds = {
        &vanilla_kind(),
        &dense_kind(),
        &factorized_dense_kind(),
        &random_kind(),
        &fixed_random_kind(),
        &factorized_random_kind(),
        &performer_kind(),
        &linformer_kind(),
        &lightweight_conv_kind(),
        &dynamic_conv_kind(),
        &local_kind(),
        &longformer_kind(),
        &bigbird_kind(),
        &sparse_transformer_kind(),
        &linear_transformer_kind(),
        &reformer_kind(),
        &sinkhorn_kind(),
    };
    return kinds;
}

namespace {

const KindInfo* lookup(const std::string& name) {
    for (const KindInfo* kind : registered_kinds())
        if (kind->name == name) return kind;
    return nullptr;
}

std::vector<std::string> names_where(bool (*keep)(const KindInfo&)) {
    std::vector<std::string> names;
    for (const KindInfo* kind : registered_kinds())
        if (keep(*kind)) names.push_back(kind->name);
    return names;
}

std::vector<std::string> split_plus(const std::string& kind) {
    std::vector<std::string> parts;
    for (size_t start = 0;;) {
        const size_t plus = kind.find('+', start);
        parts.push_back(kind.substr(start, plus - start));
        if (plus == std::string::npos) return parts;
        start = plus + 1;
    }
}

const char* const kMixtureNote =
    ", or a \"+\"-joined mixture of distinct logit kinds such as \"random+vanilla\"";

}  // namespace

const KindInfo& find_kind(const std::string& name) {
    const KindInfo* kind = lookup(name);
    ATTNLAB_CHECK(kind, "attention: unknown kind \"", name,
                  "\"; valid kinds: ", join(token_mixer_kind_names()), kMixtureNote);
    return *kind;
}

const std::vector<std::string>& token_mixer_kind_names() {
    static const std::vector<std::string> names = names_where([](const KindInfo&) { return true; });
    return names;
}

const std::vector<std::string>& logit_kind_names() {
    static const std::vector<std::string> names =
        names_where([](const KindInfo& kind) { return bool(kind.make_logits); });
    return names;
}

std::vector<const KindInfo*> parse_kind(const std::string& kind) {
    const std::vector<std::string> parts = split_plus(kind);
    std::vector<const KindInfo*> kinds;
    for (const std::string& part : parts) {
        const KindInfo* info = lookup(part);
        ATTNLAB_CHECK(info, "attention: unknown kind \"", part, "\" in \"", kind,
                      "\"; valid kinds: ", join(token_mixer_kind_names()), kMixtureNote);
        ATTNLAB_CHECK(parts.size() == 1 || info->make_logits, "attention: \"", part, "\" in \"",
                      kind,
                      "\" cannot be mixed; only these logit kinds mix: ", join(logit_kind_names()));
        ATTNLAB_CHECK(std::find(kinds.begin(), kinds.end(), info) == kinds.end(),
                      "attention: kind \"", part, "\" appears twice in \"", kind, "\"");
        kinds.push_back(info);
    }
    return kinds;
}

bool decodes_incrementally(const std::string& kind) {
    const std::vector<const KindInfo*> parts = parse_kind(kind);
    return std::all_of(parts.begin(), parts.end(),
                       [](const KindInfo* part) { return part->decodes; });
}

const std::vector<OptionSpec>& registered_options() {
    static const std::vector<OptionSpec> options = [] {
        // The shared frame's own options first (attention.h): the fused path, or the unfused
        // reference; how a mixture weighs its components (attn_mixture.h). Kinds with their own
        // path ignore them.
        std::vector<OptionSpec> all{{"fused", true, 0, 0, {}}, mixture_weights_option()};
        for (const KindInfo* kind : registered_kinds())
            for (const OptionSpec& option : kind->options)
                if (std::none_of(all.begin(), all.end(),
                                 [&](const OptionSpec& seen) { return seen.key == option.key; }))
                    all.push_back(option);
        return all;
    }();
    return options;
}

const OptionSpec& find_option(const std::string& key) {
    for (const OptionSpec& option : registered_options())
        if (option.key == key) return option;
    std::vector<std::string> keys;
    for (const OptionSpec& option : registered_options()) keys.push_back(option.key);
    throw Error(cat("attention: unknown option \"", key, "\"; the kinds' options: ", join(keys)));
}

std::unique_ptr<LogitSource> make_logit_source(const AttentionConfig& config, Rng& rng) {
    std::vector<std::unique_ptr<LogitSource>> sources;
    for (const std::string& part : split_plus(config.kind)) {
        const KindInfo* kind = lookup(part);
        ATTNLAB_CHECK(kind && kind->make_logits, "attention: unknown kind \"", part, "\" in \"",
                      config.kind, "\"; valid kinds: ", join(logit_kind_names()), kMixtureNote);
        for (const auto& source : sources)
            ATTNLAB_CHECK(source->name() != part, "attention: kind \"", part,
                          "\" appears twice in \"", config.kind, "\"");
        sources.push_back(kind->make_logits(config, rng));
    }
    if (sources.size() == 1) return std::move(sources[0]);
    return std::make_unique<MixtureLogits>(std::move(sources), config.heads,
                                           config.text("mixture_weights"));
}

std::unique_ptr<TokenMixer> make_token_mixer(const AttentionConfig& config, Rng& rng) {
    const std::vector<const KindInfo*> kinds = parse_kind(config.kind);
    if (kinds[0]->make_layer) return kinds[0]->make_layer(config, rng);
    return std::make_unique<MultiHeadAttention>(config, rng);
}

MixerFlops mixer_forward_flops(const AttentionConfig& config, int64_t length) {
    const std::vector<const KindInfo*> kinds = parse_kind(config.kind);
    if (kinds[0]->make_layer) return kinds[0]->flops(config, length);
    const int64_t d = config.d_model;
    MixerFlops total{4 * d * d + 2 * length * d, 0};  // the softmax frame: W_v, W_o, P·V
    for (const KindInfo* kind : kinds) {
        const MixerFlops logits = kind->flops(config, length);
        total.per_token += logits.per_token;
        total.per_step += logits.per_step;
    }
    return total;
}

namespace {

void redraw_under(Module& module, uint64_t seed, int64_t& count) {
    if (auto* mixer = dynamic_cast<TokenMixer*>(&module))
        if (mixer->redraw_features(mix(seed, uint64_t(count)))) ++count;
    for (const auto& entry : module.children()) redraw_under(*entry.second, seed, count);
}

}  // namespace

int64_t redraw_random_features(Module& root, uint64_t seed) {
    int64_t count = 0;
    redraw_under(root, seed, count);
    return count;
}

}  // namespace attnlab
