// stack_config.cpp — the per-block attention config and the size check of a StackConfig.
#include "stack_config.h"

#include <algorithm>
#include <cmath>

namespace attnlab {

AttentionConfig StackConfig::block_attention(int64_t layer, bool causal) const {
    AttentionConfig config = attention;
    config.d_model = d_model;
    config.heads = heads;
    config.max_len = max_len;
    config.dropout = dropout;
    config.causal = causal;
    config.dropout_seed = seed + uint64_t(layer);
    return config;
}

void StackConfig::check(const char* who) const {
    ATTNLAB_CHECK(vocab > 0 && layers > 0 && max_len > 0 && d_ff > 0, who,
                  ": vocab, layers, max_len and d_ff must be positive, got vocab ", vocab,
                  ", layers ", layers, ", max_len ", max_len, ", d_ff ", d_ff);
    ATTNLAB_CHECK(embedding_std > 0 && std::isfinite(embedding_std), who,
                  ": embedding_std must be positive and finite, got ", embedding_std);
    const std::vector<std::string>& kinds = position_kinds();
    ATTNLAB_CHECK(std::find(kinds.begin(), kinds.end(), positions) != kinds.end(), who,
                  ": unknown positions \"", positions, "\"; valid: ", join(kinds));
}

}  // namespace attnlab
