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

}  // namespace attnlab
