// zoo.cpp — name → layer dispatch for every token mixer, with errors that list the valid names.
#include "zoo.h"

#include <algorithm>

#include "attn_dynamic_conv.h"
#include "attn_lightweight_conv.h"
#include "attn_linformer.h"
#include "attn_performer.h"

namespace attnlab {
namespace {

// Kinds with their own path; they are whole layers and cannot join a "+" mixture.
const std::vector<std::string>& standalone_kind_names() {
    static const std::vector<std::string> names = {"performer", "linformer", "lightweight_conv",
                                                   "dynamic_conv"};
    return names;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
    return out;
}

// Checks every "+"-separated component before anything is built.
void check_kind(const std::string& kind) {
    const bool mixture = kind.find('+') != std::string::npos;
    for (size_t start = 0;;) {
        const size_t plus = kind.find('+', start);
        const std::string part = kind.substr(start, plus - start);
        if (contains(standalone_kind_names(), part))
            ATTNLAB_CHECK(
                !mixture, "attention: \"", part, "\" in \"", kind,
                "\" cannot be mixed; only these logit kinds mix: ", joined(logit_kind_names()));
        else
            ATTNLAB_CHECK(contains(logit_kind_names(), part), "attention: unknown kind \"", part,
                          "\" in \"", kind, "\"; valid kinds: ", joined(token_mixer_kind_names()),
                          ", or a \"+\"-joined mixture of distinct logit kinds such as "
                          "\"random+vanilla\"");
        if (plus == std::string::npos) break;
        start = plus + 1;
    }
}

void collect_performers(Module& module, std::vector<PerformerAttention*>& out) {
    if (auto* performer = dynamic_cast<PerformerAttention*>(&module)) out.push_back(performer);
    for (const auto& entry : module.children()) collect_performers(*entry.second, out);
}

}  // namespace

const std::vector<std::string>& token_mixer_kind_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> all = logit_kind_names();
        for (const std::string& name : standalone_kind_names()) all.push_back(name);
        return all;
    }();
    return names;
}

std::unique_ptr<TokenMixer> make_token_mixer(const AttentionConfig& config, Rng& rng) {
    check_kind(config.kind);
    if (config.kind == "performer") return std::make_unique<PerformerAttention>(config, rng);
    if (config.kind == "linformer") return std::make_unique<LinformerAttention>(config, rng);
    if (config.kind == "lightweight_conv") return std::make_unique<LightweightConv>(config, rng);
    if (config.kind == "dynamic_conv") return std::make_unique<DynamicConv>(config, rng);
    return std::make_unique<MultiHeadAttention>(config, rng);
}

int64_t redraw_performer_features(Module& root, uint64_t seed) {
    std::vector<PerformerAttention*> performers;
    collect_performers(root, performers);
    for (size_t i = 0; i < performers.size(); ++i) performers[i]->redraw(mix(seed, i));
    return int64_t(performers.size());
}

}  // namespace attnlab
