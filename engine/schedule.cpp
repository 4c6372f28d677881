// schedule.cpp — the learning-rate formulas documented in schedule.h.
#include "schedule.h"

#include <algorithm>
#include <cmath>

#include "common.h"

namespace attnlab {

namespace {
void check_step(const char* schedule, int64_t step) {
    ATTNLAB_CHECK(step >= 0, schedule, ": step ", step, " is negative");
}
}  // namespace

ConstantLr::ConstantLr(double base) : base_(base) {
    ATTNLAB_CHECK(std::isfinite(base) && base >= 0, "ConstantLr: base ", base,
                  " (expected finite, >= 0)");
}

double ConstantLr::lr(int64_t step) const {
    check_step("ConstantLr", step);
    return base_;
}

WarmupCosineLr::WarmupCosineLr(double base, double min_lr, int64_t warmup, int64_t total)
    : base_(base), min_lr_(min_lr), warmup_(warmup), total_(total) {
    ATTNLAB_CHECK(std::isfinite(base) && min_lr >= 0 && min_lr <= base, "WarmupCosineLr: base ",
                  base, ", min_lr ", min_lr, " (expected 0 <= min_lr <= base)");
    ATTNLAB_CHECK(warmup >= 0 && warmup <= total, "WarmupCosineLr: warmup ", warmup, ", total ",
                  total, " (expected 0 <= warmup <= total)");
}

double WarmupCosineLr::lr(int64_t step) const {
    check_step("WarmupCosineLr", step);
    if (step < warmup_) return base_ * double(step + 1) / double(warmup_);
    if (step >= total_) return min_lr_;
    const double progress = double(step - warmup_) / double(total_ - warmup_);
    return min_lr_ + (base_ - min_lr_) * 0.5 * (1 + std::cos(M_PI * progress));
}

InverseSqrtLr::InverseSqrtLr(double base, int64_t warmup) : base_(base), warmup_(warmup) {
    ATTNLAB_CHECK(std::isfinite(base) && base >= 0, "InverseSqrtLr: base ", base,
                  " (expected finite, >= 0)");
    ATTNLAB_CHECK(warmup >= 1, "InverseSqrtLr: warmup ", warmup, " (expected >= 1)");
}

double InverseSqrtLr::lr(int64_t step) const {
    check_step("InverseSqrtLr", step);
    const double n = double(step + 1), warmup = double(warmup_);
    return base_ * std::min(n / warmup, std::sqrt(warmup / n));
}

}  // namespace attnlab
