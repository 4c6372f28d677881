// rng.h — attnlab's own random numbers, identical on every platform and compiler.
//
// std::normal_distribution is implementation-defined, so a seed would not give the same model on
// another standard library. We use:
//   - splitmix64 to expand a seed into generator state (Steele et al., 2014);
//   - xoshiro256** for sequential streams (Blackman & Vigna, 2018), e.g. weight initialisation;
//   - normals by the Box–Muller transform, both outputs used in turn;
//   - a counter-based stream, mix(seed, index), for kernels that draw in parallel (dropout): the
//     value at index i never depends on how the loop was split across threads.
#pragma once

#include <cstdint>

namespace attnlab {

// Inline, so that loops drawing one value per element (dropout masks) vectorize.
inline uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// A stateless hash of (seed, counter): a uniform 64-bit value for element `counter` of stream
// `seed`.
inline uint64_t mix(uint64_t seed, uint64_t counter) {
    uint64_t state = seed ^ (counter * 0xD1B54A32D192ED03ull);
    splitmix64(state);
    return splitmix64(state);
}

// Maps 53 random bits to a double in [0, 1).
inline double to_unit(uint64_t bits) {
    return double(bits >> 11) * 0x1.0p-53;
}

class Rng {
  public:
    explicit Rng(uint64_t seed = 0);

    uint64_t next_u64();
    double uniform();                         // [0, 1)
    double uniform(double low, double high);  // [low, high)
    double normal();                          // N(0, 1)
    uint64_t below(uint64_t bound);           // uniform integer in [0, bound), unbiased

  private:
    uint64_t state_[4];
    bool has_spare_normal_ = false;
    double spare_normal_ = 0.0;
};

}  // namespace attnlab
