// schedule.h — learning-rate schedules: the learning rate as a function of the step.
//
// `step` is the 0-based index of the update about to be taken (the optimizer's steps_taken()
// before calling step()), so the first update uses lr(0). Where a formula needs a 1-based count
// (so the first update does not get a zero rate) it uses n = step + 1:
//   ConstantLr:      lr = base
//   WarmupCosineLr:  step < warmup:           lr = base · n / warmup            (linear ramp)
//                    warmup <= step < total:  p = (step − warmup) / (total − warmup),
//                                             lr = min + (base − min) · (1 + cos(π p)) / 2
//                    step >= total:           lr = min
//   InverseSqrtLr:   lr = base · min(n / warmup, √(warmup / n))
//       This is Vaswani et al. (2017), lr = d^−0.5 · min(n^−0.5, n · warmup^−1.5), with the
//       constant d^−0.5 replaced by base · √warmup so that the peak, reached at n = warmup (the
//       warmup-th update, step = warmup − 1), equals base.
#pragma once

#include <cstdint>

namespace attnlab {

class LrSchedule {
  public:
    virtual ~LrSchedule() = default;
    virtual double lr(int64_t step) const = 0;
};

class ConstantLr : public LrSchedule {
  public:
    explicit ConstantLr(double base);
    double lr(int64_t step) const override;

  private:
    double base_;
};

class WarmupCosineLr : public LrSchedule {
  public:
    // Needs 0 <= min_lr <= base and 0 <= warmup <= total.
    WarmupCosineLr(double base, double min_lr, int64_t warmup, int64_t total);
    double lr(int64_t step) const override;

  private:
    double base_, min_lr_;
    int64_t warmup_, total_;
};

class InverseSqrtLr : public LrSchedule {
  public:
    InverseSqrtLr(double base, int64_t warmup);  // warmup >= 1
    double lr(int64_t step) const override;

  private:
    double base_;
    int64_t warmup_;
};

}  // namespace attnlab
