// attn_lightweight_conv.cpp — the convolution frame (GLU, padding, DropConnect, depthwise conv,
// output projection) and LightConv's position-independent kernel.
#include "attn_lightweight_conv.h"

#include "engine/init.h"
#include "engine/ops.h"

namespace attnlab {
namespace {

const AttentionConfig& checked(const AttentionConfig& config, const char* name) {
    check_heads(config.d_model, config.heads, name);
    const int64_t K = config.integer("conv_kernel");
    ATTNLAB_CHECK(K >= 1, name, ": conv_kernel must be positive, got ", K);
    ATTNLAB_CHECK(config.causal || K % 2 == 1, name, ": conv_kernel K = ", K,
                  " must be odd for a bidirectional (causal = false) layer, whose kernel is "
                  "centred on the token; use an odd K or causal = true");
    ATTNLAB_CHECK(config.dropout >= 0 && config.dropout < 1, name, ": dropout ", config.dropout,
                  " outside [0, 1)");
    return config;
}

}  // namespace

OptionSpec conv_kernel_option() {
    return {"conv_kernel", 7, 1, 1 << 12, {}};
}

const KindInfo& lightweight_conv_kind() {
    static const KindInfo kind = layer_kind<LightweightConv>(
        "lightweight_conv", {conv_kernel_option()}, [](const AttentionConfig& config, int64_t) {
            const int64_t d = config.d_model;
            return MixerFlops{6 * d * d + 2 * config.integer("conv_kernel") * d, 0};
        });
    return kind;
}

ConvolutionMixer::ConvolutionMixer(const AttentionConfig& config, Rng& rng, const char* name)
    : name_(name),
      config_(checked(config, name)),
      kernel_width_(config.integer("conv_kernel")),
      glu_in_(config.d_model, 2 * config.d_model, rng),
      w_o_(config.d_model, config.d_model, rng) {
    register_module("glu_in", glu_in_);
    register_module("w_o", w_o_);
    register_counter(dropout_calls_);
}

int64_t ConvolutionMixer::offset() const {
    return config_.causal ? kernel_width_ - 1 : (kernel_width_ - 1) / 2;
}

Tensor ConvolutionMixer::forward(const Tensor& x, const Tensor& key_padding) {
    const int64_t d = config_.d_model;
    ATTNLAB_CHECK(x.ndim() == 3 && x.size(2) == d && x.size(1) >= 1, name_, ": x ",
                  shape_str(x.shape()), " (expected [B, L, d] with L ≥ 1 and d = ", d, ")");
    const int64_t B = x.size(0), L = x.size(1);
    Tensor u = glu(x);
    if (key_padding.defined()) {
        check_key_padding(key_padding, B, L, name_);
        u = mul(u, reshape(key_padding, {B, L, 1}));
    }
    Tensor weights = kernel(u);  // [1 or B, 1 or L, h, K], each row sums to 1
    if (training() && config_.dropout > 0) {
        const uint64_t seed = mix(config_.dropout_seed, dropout_calls_++);
        weights = kernel_per_example() ? batch_dropout(weights, real(config_.dropout), seed)
                                       : dropout(weights, real(config_.dropout), seed);
    }
    return w_o_.forward(dynamic_depthwise_conv(u, weights, offset()));  // [B, L, d]
}

Tensor ConvolutionMixer::glu(const Tensor& x) const {
    const int64_t d = config_.d_model;
    const std::vector<Tensor> halves = split(glu_in_.forward(x), 2, {d, d});
    return mul(halves[0], sigmoid(halves[1]));
}

// Position t: u_t joins the window [B, h, K, dh] (oldest first, so tap j meets u_{t+j−(K−1)}) and
// y_t = Σ_j w_j ⊙ window_j per head.
class ConvolutionDecodeState : public DecodeState {
  public:
    ConvolutionDecodeState(const ConvolutionMixer& layer, int64_t batch)
        : DecodeState(layer.config_, batch),
          layer_(layer),
          window_(Tensor::zeros({batch, layer.config_.heads, layer.kernel_width_,
                                 layer.config_.d_model / layer.config_.heads})) {}

  private:
    Tensor advance(const Tensor& x) override {
        const int64_t h = window_.size(1), K = window_.size(2);
        const Tensor u = layer_.glu(x);  // [B, 1, d]
        window_ = concat({slice(window_, 2, 1, K), split_heads(u, h)}, 2);
        const Tensor taps = layer_.kernel(u);  // [1 or B, 1, h, K]
        const Tensor mixed = sum(mul(window_, reshape(taps, {taps.size(0), h, K, 1})), 2);
        return layer_.w_o_.forward(reshape(mixed, {batch(), 1, layer_.config_.d_model}));
    }

    const ConvolutionMixer& layer_;
    Tensor window_;
};

std::unique_ptr<DecodeState> ConvolutionMixer::start_decoding(int64_t batch) const {
    return std::make_unique<ConvolutionDecodeState>(*this, batch);
}

LightweightConv::LightweightConv(const AttentionConfig& config, Rng& rng)
    : ConvolutionMixer(config, rng, "lightweight_conv") {
    kernel_ = register_parameter("kernel", Tensor::empty({config.heads, kernel_width()}));
    init::xavier_uniform(kernel_, rng);
}

Tensor LightweightConv::kernel(const Tensor& u) const {
    const Shape shape = {1, 1, kernel_.size(0), kernel_.size(1)};
    return reshape(softmax(kernel_), shape);
}

}  // namespace attnlab
