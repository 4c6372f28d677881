#include "rng.h"

#include <cmath>

namespace attnlab {

Rng::Rng(uint64_t seed) {
    uint64_t state = seed;
    for (uint64_t& word : state_) word = splitmix64(state);
}

static inline uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

uint64_t Rng::next_u64() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
}

double Rng::uniform() {
    return to_unit(next_u64());
}

double Rng::uniform(double low, double high) {
    return low + (high - low) * uniform();
}

double Rng::normal() {
    if (has_spare_normal_) {
        has_spare_normal_ = false;
        return spare_normal_;
    }
    // Box–Muller: u1 in (0, 1] keeps log finite.
    const double u1 = 1.0 - uniform();
    const double u2 = uniform();
    const double radius = std::sqrt(-2.0 * std::log(u1));
    const double angle = 2.0 * M_PI * u2;
    spare_normal_ = radius * std::sin(angle);
    has_spare_normal_ = true;
    return radius * std::cos(angle);
}

uint64_t Rng::below(uint64_t bound) {
    // Rejection sampling removes the modulo bias of next_u64() % bound.
    const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t draw;
    do draw = next_u64();
    while (draw >= limit);
    return draw % bound;
}

}  // namespace attnlab
