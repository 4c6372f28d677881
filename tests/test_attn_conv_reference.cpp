// The lightweight and dynamic convolution layers against plain loops written from the paper
// (Wu et al. 2019, "Pay Less Attention with Lightweight and Dynamic Convolutions", arXiv
// 1901.10430), independent of the engine's ops: the module of Fig. 2b/2c is
//     u = GLU(x W_in + b_in),  o_{i,c} = Σ_j softmax(W_{head(c)})_j · u_{i+j−offset, c},
//     y = o W_o + b_o,
// with the d channels tied into H heads of d/H channels (head(c) = ⌊c·H/d⌋), u = 0 outside the
// sequence, offset = K − 1 for a causal (LM) layer and (K − 1)/2 for a centred one. LightConv's W
// is one [H, K] parameter; DynamicConv predicts it at every position from u_i alone, W = u_i W_P.
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <memory>

#include "engine/gradcheck.h"
#include "engine/rng.h"
#include "models/attn_dynamic_conv.h"
#include "models/attn_lightweight_conv.h"

using namespace attnlab;

namespace {

using Matrix = std::vector<std::vector<double>>;  // [rows][cols]

// Row-major [rows, cols] values as doubles.
Matrix matrix_of(const real* values, int64_t rows, int64_t cols) {
    Matrix m(static_cast<size_t>(rows), std::vector<double>(static_cast<size_t>(cols)));
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) m[size_t(r)][size_t(c)] = values[r * cols + c];
    return m;
}

Matrix matrix_of(const Tensor& t, int64_t rows, int64_t cols) {
    REQUIRE(t.numel() == rows * cols);
    return matrix_of(t.data(), rows, cols);
}

// x · W + b for one row x, W [in, out].
std::vector<double> affine(const std::vector<double>& x, const Matrix& w,
                           const std::vector<double>& b) {
    std::vector<double> y = b;
    for (size_t o = 0; o < y.size(); ++o)
        for (size_t i = 0; i < x.size(); ++i) y[o] += x[i] * w[i][o];
    return y;
}

std::vector<double> softmax_of(std::vector<double> z) {
    double top = z[0], total = 0;
    for (double v : z) top = std::max(top, v);
    for (double& v : z) total += (v = std::exp(v - top));
    for (double& v : z) v /= total;
    return z;
}

struct Layer {
    std::map<std::string, Tensor> parameters;
    int64_t d, heads, K;
    bool causal, dynamic;
    const Tensor& operator[](const std::string& name) const { return parameters.at(name); }
};

// The paper's module for one sequence x [L][d] → [L][d].
Matrix reference_forward(const Layer& layer, const Matrix& x) {
    const int64_t d = layer.d, H = layer.heads, K = layer.K, L = int64_t(x.size());
    const Matrix w_in = matrix_of(layer["glu_in.weight"], d, 2 * d);
    const std::vector<double> b_in = matrix_of(layer["glu_in.bias"], 1, 2 * d)[0];
    const Matrix w_o = matrix_of(layer["w_o.weight"], d, d);
    const std::vector<double> b_o = matrix_of(layer["w_o.bias"], 1, d)[0];
    Matrix u(static_cast<size_t>(L), std::vector<double>(static_cast<size_t>(d)));
    for (int64_t i = 0; i < L; ++i) {
        const std::vector<double> z = affine(x[size_t(i)], w_in, b_in);
        for (int64_t c = 0; c < d; ++c)  // GLU: a ⊙ σ(g)
            u[size_t(i)][size_t(c)] = z[size_t(c)] / (1 + std::exp(-z[size_t(d + c)]));
    }
    const int64_t offset = layer.causal ? K - 1 : (K - 1) / 2;
    Matrix y;
    for (int64_t i = 0; i < L; ++i) {
        // The raw kernel [H][K]: a parameter, or predicted from u_i.
        Matrix raw = layer.dynamic ? Matrix(size_t(H), std::vector<double>(size_t(K)))
                                   : matrix_of(layer["kernel"], H, K);
        if (layer.dynamic) {
            const Matrix w_p = matrix_of(layer["w_p.weight"], d, H * K);
            const std::vector<double> flat =
                affine(u[size_t(i)], w_p, std::vector<double>(size_t(H * K)));
            for (int64_t h = 0; h < H; ++h)
                for (int64_t j = 0; j < K; ++j) raw[size_t(h)][size_t(j)] = flat[size_t(h * K + j)];
        }
        std::vector<double> o(size_t(d), 0.0);
        for (int64_t c = 0; c < d; ++c) {
            const std::vector<double> taps = softmax_of(raw[size_t(c * H / d)]);
            for (int64_t j = 0; j < K; ++j) {
                const int64_t source = i + j - offset;
                if (source >= 0 && source < L)
                    o[size_t(c)] += taps[size_t(j)] * u[size_t(source)][size_t(c)];
            }
        }
        y.push_back(affine(o, w_o, b_o));
    }
    return y;
}

// A layer with every parameter (biases too, which start at zero) drawn from N(0, 0.5²).
std::unique_ptr<ConvolutionMixer> random_layer(bool dynamic, bool causal, int64_t K, Layer& view) {
    AttentionConfig config;
    config.d_model = 8;
    config.heads = 2;
    config.kind = dynamic ? "dynamic_conv" : "lightweight_conv";
    config.causal = causal;
    config.set("conv_kernel", K);
    Rng rng(31);
    std::unique_ptr<ConvolutionMixer> layer;
    if (dynamic)
        layer = std::make_unique<DynamicConv>(config, rng);
    else
        layer = std::make_unique<LightweightConv>(config, rng);
    view = {{}, config.d_model, config.heads, K, causal, dynamic};
    for (const Parameter& p : layer->parameters()) {
        for (int64_t i = 0; i < p.tensor.numel(); ++i)
            p.tensor.data()[i] = real(0.5 * rng.normal());
        view.parameters[p.name] = p.tensor;
    }
    return layer;
}

}  // namespace

TEST_CASE("conv layers: forward equals plain loops written from the paper", "[conv]") {
    const int64_t B = 2, L = 7, d = 8;
    for (bool dynamic : {false, true})
        for (bool causal : {true, false})
            for (int64_t K : {3, 5}) {
                INFO((dynamic ? "dynamic" : "lightweight")
                     << (causal ? ", causal" : ", centred") << ", K " << K);
                Layer view;
                auto layer = random_layer(dynamic, causal, K, view);
                Rng rng(5);
                const Tensor x = Tensor::randn({B, L, d}, rng);
                const Tensor y = layer->forward(x);
                REQUIRE(y.shape() == x.shape());
                double worst = 0;
                for (int64_t b = 0; b < B; ++b) {
                    const Matrix want =
                        reference_forward(view, matrix_of(x.data() + b * L * d, L, d));
                    for (int64_t i = 0; i < L; ++i)
                        for (int64_t c = 0; c < d; ++c)
                            worst = worst_error(worst,
                                                relative_difference(y.data()[(b * L + i) * d + c],
                                                                    want[size_t(i)][size_t(c)]));
                }
                INFO("worst relative difference " << worst);
#ifdef ATTNLAB_DOUBLE
                CHECK(worst < 1e-12);
#else
                CHECK(worst < 1e-5);
#endif
            }
}
