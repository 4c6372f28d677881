// config_bounds.h — the plausible ranges resolve_config (config.h) enforces on a merged config:
// sizes the schema means positive start at 1, those where 0 means "off" or "derived" at 0, and
// every width, length, count and batch has an upper limit that keeps the sizes derived from it
// (parameter counts, positions, batch × length) far from int64 overflow and allocation failure.
// Rates (lr, min_lr, weight_decay, clip, dropout) must be finite and >= 0. A task's own relations
// (min <= max, alphabet sizes, ...) are checked by its factory (tasks.cpp).
#pragma once

#include <nlohmann/json.hpp>

namespace attnlab {

// Throws a ConfigError "config: \"<key>\" must be in [low, high], got <value>" for the first leaf
// out of its range.
void check_config_bounds(const nlohmann::json& config);

}  // namespace attnlab
