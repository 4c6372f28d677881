// linear_attention.cpp — the differentiable wrapper of the FAVOR kernels: checks shapes, runs the
// forward kernel, saves the normaliser D and records the backward kernel (derivation in
// engine/kernels/linear_attention.cpp).
#include "../linear_attention.h"

#include "../autograd.h"
#include "../kernels/linear_attention.h"

namespace attnlab {

Tensor linear_attention(const Tensor& q_features, const Tensor& k_features, const Tensor& v,
                        bool causal) {
    const Shape &qs = q_features.shape(), &ks = k_features.shape(), &vs = v.shape();
    ATTNLAB_CHECK(qs.size() == 4 && ks.size() == 4 && vs.size() == 4,
                  "linear_attention: expected 4-d [B, h, L, m] features and [B, h, L, dv] values, "
                  "got q_features ",
                  shape_str(qs), ", k_features ", shape_str(ks), ", v ", shape_str(vs));
    ATTNLAB_CHECK(qs == ks, "linear_attention: q_features ", shape_str(qs), " and k_features ",
                  shape_str(ks), " must have the same shape [B, h, L, m]");
    ATTNLAB_CHECK(vs[0] == qs[0] && vs[1] == qs[1] && vs[2] == qs[2], "linear_attention: v ",
                  shape_str(vs), " must match the features ", shape_str(qs),
                  " in [B, h, L] (expected [", qs[0], ", ", qs[1], ", ", qs[2], ", dv])");
    const int64_t slices = qs[0] * qs[1], L = qs[2], m = qs[3], dv = vs[3];

    Tensor out = Tensor::empty(vs);
    Tensor denom = Tensor::empty({qs[0], qs[1], L});
    const int64_t workspace = slices * kernels::linear_attention_workspace(L, m, dv);
    kernels::linear_attention_forward(q_features.data(), k_features.data(), v.data(), slices, L, m,
                                      dv, causal, out.data(), denom.data(),
                                      Tensor::empty({workspace}).data());

    // out_i = φq_i·S_i / D_i  ⇒  dφq, dφk [B, h, L, m] and dv [B, h, L, dv] from the two sweeps
    // (causal) or four gemms (bidirectional); derivation in the kernel file.
    return record("linear_attention", out, {q_features, k_features, v},
                  [q = q_features.detach(), k = k_features.detach(), v = v.detach(),
                   out = out.detach(), denom, slices, L, m, dv, causal,
                   workspace](const real* dout, const std::vector<real*>& grads) {
                      kernels::linear_attention_backward(q.data(), k.data(), v.data(), out.data(),
                                                         denom.data(), dout, slices, L, m, dv,
                                                         causal, grads[0], grads[1], grads[2],
                                                         Tensor::empty({workspace}).data());
                  });
}

Tensor linear_attention_state(int64_t B, int64_t heads, int64_t m, int64_t dv) {
    return Tensor::zeros({B, heads, m, dv + 1});
}

Tensor linear_attention_step(const Tensor& state, const Tensor& q_features,
                             const Tensor& k_features, const Tensor& v) {
    const Shape &qs = q_features.shape(), &vs = v.shape(), &ss = state.shape();
    const bool rows = qs.size() == 4 && qs[2] == 1 && k_features.shape() == qs && vs.size() == 4 &&
                      vs[0] == qs[0] && vs[1] == qs[1] && vs[2] == 1;
    ATTNLAB_CHECK(rows && ss == Shape({qs[0], qs[1], qs[3], vs[3] + 1}),
                  "linear_attention_step: expected features [B, h, 1, m], v [B, h, 1, dv] and a "
                  "state [B, h, m, dv + 1], got q_features ",
                  shape_str(qs), ", k_features ", shape_str(k_features.shape()), ", v ",
                  shape_str(vs), ", state ", shape_str(ss));
    Tensor out = Tensor::empty(vs);
    kernels::linear_attention_step(state.data(), q_features.data(), k_features.data(), v.data(),
                                   qs[0] * qs[1], qs[3], vs[3], out.data());
    return out;
}

}  // namespace attnlab
