// init.cpp — the initialisers of init.h.
#include "init.h"

#include <algorithm>
#include <cmath>

namespace attnlab::init {

void normal(const Tensor& tensor, Rng& rng, double mean, double stddev) {
    ATTNLAB_CHECK(stddev >= 0, "init::normal: stddev ", stddev, " (expected >= 0)");
    real* data = tensor.data();
    for (int64_t i = 0; i < tensor.numel(); ++i) data[i] = real(mean + stddev * rng.normal());
}

void uniform(const Tensor& tensor, Rng& rng, double low, double high) {
    ATTNLAB_CHECK(low <= high, "init::uniform: low ", low, " > high ", high);
    real* data = tensor.data();
    for (int64_t i = 0; i < tensor.numel(); ++i) data[i] = real(rng.uniform(low, high));
}

Fans fans_of(const Tensor& tensor, const char* initialiser) {
    ATTNLAB_CHECK(tensor.ndim() >= 2, initialiser, ": needs a weight [..., fan_in, fan_out], got ",
                  shape_str(tensor.shape()));
    return {tensor.size(-2), tensor.size(-1)};
}

void xavier_uniform(const Tensor& tensor, Rng& rng, double gain) {
    const Fans fans = fans_of(tensor, "init::xavier_uniform");
    const double bound =
        gain * std::sqrt(6.0 / double(std::max<int64_t>(1, fans.fan_in + fans.fan_out)));
    uniform(tensor, rng, -bound, bound);
}

void xavier_normal(const Tensor& tensor, Rng& rng, double gain) {
    const Fans fans = fans_of(tensor, "init::xavier_normal");
    const double stddev =
        gain * std::sqrt(2.0 / double(std::max<int64_t>(1, fans.fan_in + fans.fan_out)));
    normal(tensor, rng, 0, stddev);
}

void zeros(const Tensor& tensor) {
    std::fill_n(tensor.data(), tensor.numel(), real(0));
}

void ones(const Tensor& tensor) {
    std::fill_n(tensor.data(), tensor.numel(), real(1));
}

}  // namespace attnlab::init
