// progress.cpp — the in-place bar and the plain progress lines of progress.h.
#include "progress.h"

#include <cmath>
#include <cstdio>

namespace attnlab {

Progress::Progress(std::ostream& out, bool terminal, int64_t total_steps, int64_t every)
    : out_(out), terminal_(terminal), total_(total_steps), every_(every < 1 ? 1 : every) {}

std::string format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    const int64_t s = int64_t(seconds + 0.5);
    char text[32];
    if (s >= 3600)
        std::snprintf(text, sizeof text, "%lldh%02lldm", (long long)(s / 3600),
                      (long long)(s % 3600 / 60));
    else if (s >= 60)
        std::snprintf(text, sizeof text, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
    else
        std::snprintf(text, sizeof text, "%llds", (long long)s);
    return text;
}

void Progress::update(int64_t step, double loss, double tokens_per_s, double eta_seconds) {
    char line[160];
    if (terminal_) {
        constexpr int kWidth = 24;
        const int filled = total_ > 0 ? int(kWidth * step / total_) : kWidth;
        const std::string bar =
            std::string(size_t(filled), '#') + std::string(size_t(kWidth - filled), '.');
        std::snprintf(line, sizeof line, "\r%lld/%lld [%s] loss %.4f  %.0f tok/s  ETA %s\033[K",
                      (long long)step, (long long)total_, bar.c_str(), loss, tokens_per_s,
                      format_duration(eta_seconds).c_str());
        out_ << line << std::flush;
        bar_shown_ = true;
        return;
    }
    if (step % every_ != 0 && step != total_) return;
    std::snprintf(line, sizeof line, "step %lld/%lld  loss %.4f  %.0f tok/s  ETA %s",
                  (long long)step, (long long)total_, loss, tokens_per_s,
                  format_duration(eta_seconds).c_str());
    out_ << line << std::endl;
}

void Progress::message(const std::string& line) {
    if (bar_shown_) out_ << "\r\033[K";
    bar_shown_ = false;
    out_ << line << std::endl;
}

void Progress::finish() {
    if (bar_shown_) out_ << std::endl;
    bar_shown_ = false;
}

}  // namespace attnlab
