// The benchmark's model-FLOP formula (experiments/lib/flops.h) against hand-computed counts for
// the LM-S configuration (T = 256, d = 256, h = 4, 4 layers, d_ff = 1024, batch 16) with a
// vocabulary of 80, and its agreement with torch_ref.py's closed forms.
#include <catch2/catch.hpp>

#include "experiments/lib/flops.h"

using namespace attnlab;
using namespace attnlab::experiments;

namespace {

LmConfig lm_s(const std::string& kind) {
    LmConfig config;
    config.stack.vocab = 80;
    config.stack.d_model = 256;
    config.stack.heads = 4;
    config.stack.layers = 4;
    config.stack.d_ff = 1024;
    config.stack.max_len = 256;
    config.stack.attention.kind = kind;
    return config;
}

}  // namespace

TEST_CASE("bench flops: LM-S vanilla by hand", "[bench][flops]") {
    // Per token and layer: 8d² = 524,288 (W_q, W_k, W_v, W_o) + 4·d·d_ff = 1,048,576 (FFN)
    // + 4Td = 262,144 (Q·Kᵀ, P·V) = 1,835,008; × 4 layers = 7,340,032; + 2dV = 40,960 (tied
    // output) = 7,380,992 per token; × B·T = 4,096 tokens = 30,232,543,232; × 3 = 90,697,629,696.
    CHECK(lm_training_step_flops(lm_s("vanilla"), 16, 256) == 90697629696);
    // A mixture with Random adds no logit matmul: the same count as vanilla.
    CHECK(lm_training_step_flops(lm_s("random+vanilla"), 16, 256) == 90697629696);
}

TEST_CASE("bench flops: LM-S factorized_random by hand, with its per-step R1·R2ᵀ",
          "[bench][flops]") {
    // Per token and layer: 4d² = 262,144 (W_v, W_o) + 2Td = 131,072 (P·V) + 1,048,576 (FFN)
    // = 1,441,792; × 4 = 5,767,168; + 40,960 = 5,808,128; × 4,096 = 23,790,092,288.
    // Per step, shared by the batch: 4 layers × 2·h·T²·k = 4 × 2·4·65,536·8 = 16,777,216.
    // (23,790,092,288 + 16,777,216) × 3 = 71,420,608,512.
    CHECK(lm_training_step_flops(lm_s("factorized_random"), 16, 256) == 71420608512);
    const MixerFlops mixer = mixer_forward_flops(lm_s("factorized_random").block_attention(0), 256);
    CHECK(mixer.per_token == 393216);
    CHECK(mixer.per_step == 4194304);
}

TEST_CASE("bench flops: torch_ref.py's dense, random and performer forms", "[bench][flops]") {
    const int64_t d = 256, T = 256, ffn = 4 * d * 1024, tokens = 16 * 256, output = 2 * d * 80;
    auto step = [&](int64_t per_layer) { return 3 * tokens * (4 * per_layer + output); };
    CHECK(lm_training_step_flops(lm_s("dense"), 16, 256) == step(6 * d * d + ffn + 4 * T * d));
    CHECK(lm_training_step_flops(lm_s("random"), 16, 256) == step(4 * d * d + ffn + 2 * T * d));
    CHECK(lm_training_step_flops(lm_s("fixed_random"), 16, 256) ==
          step(4 * d * d + ffn + 2 * T * d));
    // performer, m = 256: 8d² + 8md per token and layer; by hand 103,582,531,584.
    CHECK(lm_training_step_flops(lm_s("performer"), 16, 256) == 103582531584);
    CHECK(lm_training_step_flops(lm_s("performer"), 16, 256) ==
          step(8 * d * d + ffn + 8 * 256 * d));
}

TEST_CASE("bench flops: convolutions and factorized dense", "[bench][flops]") {
    // dynamic_conv, K = 7: 6d² = 393,216 + 2Kd = 3,584 + 2d·hK = 14,336 + FFN 1,048,576.
    CHECK(mixer_forward_flops(lm_s("dynamic_conv").block_attention(0), 256).per_token == 411136);
    CHECK(lm_training_step_flops(lm_s("dynamic_conv"), 16, 256) == 72251080704);
    CHECK(mixer_forward_flops(lm_s("lightweight_conv").block_attention(0), 256).per_token ==
          393216 + 3584);
    // factorized_dense at max_len 256: a = b = 16; 4d² + 2Td (frame) + 2d² (W1) + 2d·(a + b).
    CHECK(mixer_forward_flops(lm_s("factorized_dense").block_attention(0), 256).per_token ==
          262144 + 131072 + 131072 + 16384);
}

TEST_CASE("bench flops: errors name the kind and the bad length", "[bench][flops]") {
    CHECK_THROWS_WITH(lm_training_step_flops(lm_s("vanilla+bogus"), 16, 256),
                      Catch::Contains("unknown kind \"bogus\" in \"vanilla+bogus\""));
    CHECK_THROWS_WITH(lm_training_step_flops(lm_s("vanilla"), 16, 512),
                      Catch::Contains("length 512"));
}
