// fused_attention.cpp — the differentiable wrapper of the fused attention kernel: checks shapes,
// runs the forward kernel, saves the output and the log-sum-exp per row, records the backward.
#include "../fused_attention.h"

#include "../autograd.h"
#include "../kernels/fused_attention.h"
#include "../ops.h"

namespace attnlab {

Tensor fused_attention(const TiledLogits& logits, const Tensor& v,
                       const kernels::TileSchedule& schedule, const Tensor& key_padding,
                       AttentionDropout dropout) {
    ATTNLAB_CHECK(v.ndim() == 4 && v.size(2) == schedule.length(), "fused_attention: v ",
                  shape_str(v.shape()), " (expected [B, h, L, dv] with L = the schedule's ",
                  schedule.length(), ")");
    ATTNLAB_CHECK(logits.tiles && logits.tiles->inputs() == int64_t(logits.inputs.size()),
                  "fused_attention: the logit tiles read ",
                  logits.tiles ? logits.tiles->inputs() : 0, " inputs but ", logits.inputs.size(),
                  " were given");
    for (const Tensor& input : logits.inputs)
        ATTNLAB_CHECK(input.defined(), "fused_attention: a logit input is undefined");
    ATTNLAB_CHECK(dropout.p >= 0 && dropout.p < 1, "fused_attention: dropout ", dropout.p,
                  " outside [0, 1)");
    const int64_t B = v.size(0), h = v.size(1), L = v.size(2);
    ATTNLAB_CHECK(!key_padding.defined() || key_padding.shape() == Shape({B, L}),
                  "fused_attention: key_padding ", shape_str(key_padding.shape()),
                  " (expected [B, L] = [", B, ", ", L, "])");
    const kernels::FusedAttentionShape shape{B, h, L, v.size(3)};
    const kernels::FusedAttentionMasks masks{key_padding.defined() ? key_padding.data() : nullptr,
                                             dropout.p, dropout.seed, batch_first_row()};

    Tensor out = Tensor::empty(v.shape());
    Tensor lse = Tensor::empty({B, h, L});
    kernels::fused_attention_forward(*logits.tiles, schedule, v.data(), shape, masks, out.data(),
                                     lse.data());

    std::vector<Tensor> inputs{v};
    std::vector<Tensor> saved{v.detach(), out.detach(), lse,
                              key_padding.defined() ? key_padding.detach() : Tensor()};
    for (const Tensor& input : logits.inputs) {
        inputs.push_back(input);
        saved.push_back(input.detach());  // keeps the data the tiles point at alive
    }
    // dv and the logit inputs' gradients, recomputing every tile (kernels/fused_attention.cpp).
    return record("fused_attention", out, inputs,
                  [saved, tiles = logits.tiles, schedule, shape, masks](
                      const real* dout, const std::vector<real*>& grads) {
                      kernels::fused_attention_backward(*tiles, schedule, saved[0].data(),
                                                        saved[1].data(), saved[2].data(), dout,
                                                        shape, masks, grads[0], grads.data() + 1);
                  });
}

}  // namespace attnlab
