// positions.cpp — the learned position table and the sinusoids of positions.h.
#include "positions.h"

#include <algorithm>
#include <cmath>

#include "engine/init.h"
#include "engine/ops.h"

namespace attnlab {

const std::vector<std::string>& position_kinds() {
    static const std::vector<std::string> kinds = {"learned", "sinusoidal"};
    return kinds;
}

Tensor sinusoidal_positions(int64_t max_len, int64_t d_model) {
    ATTNLAB_CHECK(max_len >= 1 && d_model >= 1, "sinusoidal_positions: max_len and d_model must be",
                  " >= 1, got max_len ", max_len, ", d_model ", d_model);
    Tensor table = Tensor::empty({max_len, d_model});
    for (int64_t pos = 0; pos < max_len; ++pos)
        for (int64_t column = 0; column < d_model; ++column) {
            const int64_t even = column - column % 2;  // 2i, shared by the sine and its cosine
            const double angle = double(pos) / std::pow(10000.0, double(even) / double(d_model));
            table.data()[pos * d_model + column] =
                real(column % 2 == 0 ? std::sin(angle) : std::cos(angle));
        }
    return table;
}

PositionTable::PositionTable(const std::string& kind, int64_t max_len, int64_t d_model, Rng& rng) {
    const std::vector<std::string>& kinds = position_kinds();
    ATTNLAB_CHECK(std::find(kinds.begin(), kinds.end(), kind) != kinds.end(),
                  "positions: unknown kind \"", kind, "\"; valid: ", join(kinds));
    if (kind == "sinusoidal") {
        table_ = sinusoidal_positions(max_len, d_model);
        return;
    }
    table_ = register_parameter("weight", Tensor::empty({max_len, d_model}));
    init::normal(table_, rng, 0, 0.02);
}

Tensor PositionTable::at(const IntTensor& positions) const {
    return embedding(table_, positions);
}

}  // namespace attnlab
