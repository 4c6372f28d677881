// The pre-LN Transformer block: whole-block gradient checks for several attention kinds, the
// documented parameter count and names, and reproducible residual dropout.
#include <catch2/catch.hpp>

#include "engine/gradcheck.h"
#include "helpers.h"
#include "models/block.h"

using namespace attnlab;
using namespace attnlab::testing;

namespace {

// B = 2, L = 4, d = 8, h = 2, d_ff = 16, no dropout.
AttentionConfig tiny_block(const std::string& kind) {
    AttentionConfig config;
    config.d_model = 8;
    config.heads = 2;
    config.max_len = 4;
    config.kind = kind;
    return config;
}

}  // namespace

TEST_CASE("block: gradients w.r.t. x and every parameter", "[block][grad]") {
    for (const std::string kind : {"vanilla", "random", "dense+vanilla"}) {
        INFO(kind);
        Rng rng(3);
        TransformerBlock block(tiny_block(kind), 16, rng);
        Tensor x = normal_leaf({2, 4, 8}, rng);
        std::vector<Tensor> inputs = {x};
        for (const Parameter& p : block.parameters()) inputs.push_back(p.tensor);
        auto r =
            gradcheck([&](const std::vector<Tensor>& in) { return block.forward(in[0]); }, inputs);
        INFO(r.report);
        CHECK(r.ok);
        for (const Parameter& p : block.parameters()) {
            INFO(p.name);
            CHECK(p.tensor.grad_data() != nullptr);
        }
    }
}

TEST_CASE("block: parameter names and the documented count", "[block]") {
    Rng rng(1);
    const int64_t d = 8, d_ff = 16;
    for (const std::string kind : {"vanilla", "random"}) {
        INFO(kind);
        TransformerBlock block(tiny_block(kind), d_ff, rng);
        const int64_t attention = block.attention().count_parameters();
        CHECK(block.count_parameters() == attention + 4 * d + 2 * d * d_ff + d_ff + d);
        std::vector<std::string> names;
        for (const Parameter& p : block.parameters()) names.push_back(p.name);
        CHECK(names.front() == "ln1.gamma");
        CHECK(names[1] == "ln1.beta");
        CHECK(names[2] == "attn.w_v.weight");
        CHECK(names.back() == "ffn.down.bias");
    }
}

TEST_CASE("block: residual dropout is reproducible per seed and off in eval", "[block]") {
    AttentionConfig config = tiny_block("vanilla");
    config.dropout = 0.3;
    config.dropout_seed = 5;
    Rng x_rng(2);
    const Tensor x = Tensor::randn({2, 4, 8}, x_rng);
    Rng rng_a(9), rng_b(9);
    TransformerBlock a(config, 16, rng_a), b(config, 16, rng_b);
    const auto first = a.forward(x).to_vector();
    CHECK(first == b.forward(x).to_vector());
    CHECK(first != a.forward(x).to_vector());  // the counter advanced: a new mask
    a.set_training(false);
    b.set_training(false);
    CHECK(a.forward(x).to_vector() == b.forward(x).to_vector());
}
