// progress.h — training progress on stderr: a bar redrawn in place on a terminal, plain lines
// otherwise (logs, pipes, CI).
//
// On a terminal every update rewrites one line with "\r" (step/total, a bar, loss, tokens/s, ETA);
// message() clears it, prints its line, and the bar comes back at the next update. Elsewhere
// update() prints a plain line every `every` steps and at the last step.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace attnlab {

class Progress {
  public:
    Progress(std::ostream& out, bool terminal, int64_t total_steps, int64_t every);
    void update(int64_t step, double loss, double tokens_per_s, double eta_seconds);
    void message(const std::string& line);
    void finish();  // ends the bar's line

  private:
    std::ostream& out_;
    bool terminal_, bar_shown_ = false;
    int64_t total_, every_;
};

// "1h02m", "3m05s", "12s".
std::string format_duration(double seconds);

}  // namespace attnlab
