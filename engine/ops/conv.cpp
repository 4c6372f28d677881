// conv.cpp — the differentiable multi-head depthwise convolution of the lightweight and dynamic
// convolutions (Wu et al., ICLR 2019, §3–4): checks the shapes, runs the forward kernel of
// engine/kernels/conv.cpp and records its backward kernel.
#include "../kernels/conv.h"

#include "../ops.h"

namespace attnlab {

Tensor dynamic_depthwise_conv(const Tensor& x, const Tensor& weights, int64_t offset) {
    const Shape &xs = x.shape(), &ws = weights.shape();
    ATTNLAB_CHECK(xs.size() == 3 && ws.size() == 4,
                  "dynamic_depthwise_conv: expected x [B, L, d] and weights [B or 1, L or 1, h, "
                  "K], got x ",
                  shape_str(xs), ", weights ", shape_str(ws));
    const int64_t B = xs[0], L = xs[1], d = xs[2], h = ws[2], K = ws[3];
    ATTNLAB_CHECK((ws[0] == B || ws[0] == 1) && (ws[1] == L || ws[1] == 1),
                  "dynamic_depthwise_conv: weights ", shape_str(ws), " do not fit x ",
                  shape_str(xs), " (expected [", B, " or 1, ", L, " or 1, h, K])");
    ATTNLAB_CHECK(h > 0 && K > 0 && d % h == 0, "dynamic_depthwise_conv: d = ", d,
                  " of x must be a multiple of the h = ", h, " heads of weights ", shape_str(ws),
                  " (and h, K ≥ 1)");
    ATTNLAB_CHECK(offset >= 0 && offset < K, "dynamic_depthwise_conv: offset ", offset,
                  " outside [0, K − 1] = [0, ", K - 1, "]");
    const kernels::DepthwiseConvShape shape{B, L, d, h, K, ws[0], ws[1], offset};

    Tensor y = Tensor::empty(xs);
    kernels::depthwise_conv_forward(x.data(), weights.data(), shape, y.data());

    // y[b,t,c] = Σ_j w[b',t',h(c),j] · x[b,t+j−offset,c]  ⇒
    //   dx[b,s,c] += Σ_j w[b',s−j+offset,h(c),j] · dy[b,s−j+offset,c]        x, dx, dy [B, L, d]
    //   dw[b',t',h,j] += Σ_{b,t sharing w} Σ_{c∈h} dy[b,t,c] · x[b,t+j−offset,c]  w [Bw, Lw, h, K]
    return record("dynamic_depthwise_conv", y, {x, weights},
                  [x = x.detach(), w = weights.detach(), shape](const real* dy,
                                                                const std::vector<real*>& grads) {
                      kernels::depthwise_conv_backward(x.data(), w.data(), dy, shape, grads[0],
                                                       grads[1]);
                  });
}

}  // namespace attnlab
