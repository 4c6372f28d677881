// linear_attention_reference.h — the kinds on the shared linear-attention path
// (models/linear_attention_layer.h) computed from their definition, for
// test_attn_linear_transformer and test_attn_performer: plain loops in double over the layer's own
// weights, forming every A_ij = φ(q_i)·φ(k_j) (j ≤ i when causal, padded keys left out), then
//     out_i = Σ_j A_ij v_j / Σ_j A_ij,   Y = merge_heads(out) · W_o + b_o,
// with an elementwise φ. O(L²·d); nothing of the engine's ops or kernels is used.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "models/module.h"

namespace attnlab::testing {

using ElementwiseMap = std::function<double(double)>;

// The layer's parameters by name.
inline std::map<std::string, Tensor> parameters_by_name(const Module& layer) {
    std::map<std::string, Tensor> named;
    for (const Parameter& p : layer.parameters()) named[p.name] = p.tensor;
    return named;
}

// Row r of x [rows, d] times W [d, d] (stored [in, out]) plus b [d], in double.
inline std::vector<double> project_row(const real* x, const Tensor& weight, const Tensor& bias,
                                       int64_t d) {
    std::vector<double> out(static_cast<size_t>(d));
    for (int64_t a = 0; a < d; ++a) {
        double s = bias.data()[a];
        for (int64_t c = 0; c < d; ++c) s += double(x[c]) * weight.data()[c * d + a];
        out[size_t(a)] = s;
    }
    return out;
}

// Y [B, L, d] of the layer for x [B, L, d] with `heads` heads and φ = phi; keep (optional) [B, L]
// with 1 = real key, 0 = pad.
inline Tensor reference_linear_attention(const Module& layer, const Tensor& x, int64_t heads,
                                         bool causal, const ElementwiseMap& phi,
                                         const Tensor& keep = Tensor()) {
    const int64_t B = x.size(0), L = x.size(1), d = x.size(2), dh = d / heads;
    const auto p = parameters_by_name(layer);
    std::vector<std::vector<double>> q, k, v;  // [B·L][d], φ applied to q and k
    for (int64_t row = 0; row < B * L; ++row) {
        const real* in = x.data() + row * d;
        q.push_back(project_row(in, p.at("w_q.weight"), p.at("w_q.bias"), d));
        k.push_back(project_row(in, p.at("w_k.weight"), p.at("w_k.bias"), d));
        v.push_back(project_row(in, p.at("w_v.weight"), p.at("w_v.bias"), d));
        for (int64_t a = 0; a < d; ++a) {
            q.back()[size_t(a)] = phi(q.back()[size_t(a)]);
            k.back()[size_t(a)] = phi(k.back()[size_t(a)]);
        }
    }
    std::vector<real> merged(static_cast<size_t>(B * L * d));
    for (int64_t b = 0; b < B; ++b)
        for (int64_t head = 0; head < heads; ++head)
            for (int64_t i = 0; i < L; ++i) {
                std::vector<double> numerator(static_cast<size_t>(dh), 0.0);
                double denominator = 0;
                for (int64_t j = 0; j < L; ++j) {
                    if ((causal && j > i) || (keep.defined() && keep.data()[b * L + j] == 0))
                        continue;
                    double a_ij = 0;
                    for (int64_t c = head * dh; c < (head + 1) * dh; ++c)
                        a_ij += q[size_t(b * L + i)][size_t(c)] * k[size_t(b * L + j)][size_t(c)];
                    for (int64_t c = 0; c < dh; ++c)
                        numerator[size_t(c)] += a_ij * v[size_t(b * L + j)][size_t(head * dh + c)];
                    denominator += a_ij;
                }
                for (int64_t c = 0; c < dh; ++c)
                    merged[size_t((b * L + i) * d + head * dh + c)] =
                        real(numerator[size_t(c)] / denominator);
            }
    Tensor y = Tensor::empty({B, L, d});
    for (int64_t row = 0; row < B * L; ++row) {
        const std::vector<double> out =
            project_row(merged.data() + row * d, p.at("w_o.weight"), p.at("w_o.bias"), d);
        std::copy(out.begin(), out.end(), y.data() + row * d);
    }
    return y;
}

// How far the query and key projections z = (x W + b)_a (W = w_q, w_k) keep from 0, where an
// elementwise φ with a kink (relu) or a jump in its second derivative (elu) sits: the smallest
// |z| / (eps · the largest coefficient a ±eps move of one element of x, W or b has on z), i.e.
// |W_ca| for x_c, |x_c| for W_ca, 1 for b_a. Above 1, no central difference of a gradient check
// with step eps crosses 0.
inline double projection_kink_margin(const Module& layer, const Tensor& x, double eps) {
    const int64_t rows = x.size(0) * x.size(1), d = x.size(2);
    const auto p = parameters_by_name(layer);
    double smallest = 1e300;
    for (const char* name : {"w_q", "w_k"}) {
        const Tensor& w = p.at(std::string(name) + ".weight");
        const Tensor& bias = p.at(std::string(name) + ".bias");
        for (int64_t row = 0; row < rows; ++row) {
            const real* in = x.data() + row * d;
            const std::vector<double> z = project_row(in, w, bias, d);
            for (int64_t a = 0; a < d; ++a) {
                double largest = 1;
                for (int64_t c = 0; c < d; ++c)
                    largest = std::max(
                        {largest, std::abs(double(w.data()[c * d + a])), std::abs(double(in[c]))});
                smallest = std::min(smallest, std::abs(z[size_t(a)]) / (eps * largest));
            }
        }
    }
    return smallest;
}

}  // namespace attnlab::testing
