// ablation_claims.cpp — judging the Synthesizer claims with the noise and chance rules.
#include "ablation_claims.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace attnlab::experiments {
namespace {

struct TaskNumbers {
    const ResultStore& store;
    const std::string& preset;
    const KindTask& task;
    const std::vector<std::string>& kinds;
    int64_t seeds;

    Summary of(const std::string& kind) const {
        return store.summary(kind_cell_prefix(preset, task, kind), task.metric, seeds);
    }
    // Distance from vanilla in the task's "better" direction (positive = better than vanilla).
    double gain(const std::string& kind) const {
        const double delta = of(kind).mean - of("vanilla").mean;
        return task.higher_is_better ? delta : -delta;
    }
    // Twice the standard error of a difference of two kinds' means.
    double noise(const std::string& a, const std::string& b) const {
        const Summary x = of(a), y = of(b);
        if (x.count == 0 || y.count == 0) return INFINITY;
        return 2 * std::sqrt(x.std * x.std / double(x.count) + y.std * y.std / double(y.count));
    }
    // Why no ordering can be read from this task, or "" when it can.
    std::string unjudgeable() const {
        if (seeds < 2) return "not judged (1 seed: no noise estimate)";
        double lowest = INFINITY, highest = -INFINITY, largest_std = 0, best = -INFINITY;
        for (const std::string& kind : kinds) {
            const Summary s = of(kind);
            if (s.count < 2) return "not judged (cells missing)";
            lowest = std::min(lowest, s.mean);
            highest = std::max(highest, s.mean);
            largest_std = std::max(largest_std, s.std);
            best = std::max(best, task.higher_is_better ? s.mean : -s.mean);
        }
        if (task.chance >= 0 && best < task.chance + std::max(2 * largest_std, 0.02))
            return "not separable (every kind at chance or the task's floor)";
        if (highest - lowest <= 2 * largest_std)
            return "not separable (every kind within the seeds' noise)";
        return "";
    }
};

std::string row(const char* claim, const std::string& task, const std::string& numbers,
                const std::string& verdict) {
    return "| " + std::string(claim) + " | " + task + " | " + numbers + " | " + verdict + " |\n";
}

// "random 2.315 vs vanilla 2.024", each to 3 decimals, "–" for a kind not yet run.
std::string versus(const TaskNumbers& n, const std::string& kind, bool name_both) {
    return (name_both ? kind + " " : "") + n.of(kind).str(3) + " vs " +
           (name_both ? "vanilla " : "") + n.of("vanilla").str(3);
}

std::string task_claims(const TaskNumbers& n) {
    const std::string skip = n.unjudgeable();
    auto verdict = [&](bool holds, const std::string& yes, const std::string& no) {
        return skip.empty() ? (holds ? yes : no) : skip;
    };
    const double vanilla = n.of("vanilla").mean;
    const std::string& id = n.task.id;
    std::string out;
    const double random_gain = n.gain("random");
    out += row(
        "random alignment is competitive (within 5% or better)", id, versus(n, "random", true),
        verdict(random_gain >= -std::max(0.05 * std::abs(vanilla), n.noise("random", "vanilla")),
                "yes", "no"));
    double lowest_gain = INFINITY;
    for (const std::string& kind : n.kinds) lowest_gain = std::min(lowest_gain, n.gain(kind));
    std::string worst;  // every kind within noise of the lowest, so a tie is never hidden
    int64_t tied = 0;
    for (const std::string& kind : n.kinds)
        if (n.gain(kind) <= lowest_gain + n.noise(kind, "fixed_random"))
            worst += (tied++ ? ", " : "") + kind;
    const bool fixed_worst = n.gain("fixed_random") == lowest_gain;
    out += row("fixed random is worst", id, skip.empty() ? "worst (within noise): " + worst : "–",
               verdict(fixed_worst, tied > 1 ? "tied for worst" : "yes", "no"));
    for (const char* mixture : {"random+vanilla", "dense+vanilla"}) {
        const std::string claim = std::string(mixture) + " matches or beats vanilla";
        out += row(claim.c_str(), id, versus(n, mixture, false),
                   verdict(n.gain(mixture) >= -n.noise(mixture, "vanilla"), "yes", "no"));
    }
    return out;
}

}  // namespace

std::string ablation_claims(const ResultStore& store, const std::string& preset,
                            const std::vector<KindTask>& tasks,
                            const std::vector<std::string>& kinds, int64_t seeds) {
    std::string out = "| paper's claim | task | our numbers | holds here? |\n|---|---|---|---|\n";
    for (const KindTask& task : tasks) out += task_claims({store, preset, task, kinds, seeds});
    const TaskNumbers recall{store, preset, tasks.back(), kinds, seeds};
    int64_t weaker = 0, synthetic = 0;
    for (const std::string& kind : kinds) {
        if (kind.find("vanilla") != std::string::npos) continue;
        ++synthetic;
        weaker += recall.gain(kind) < -recall.noise(kind, "vanilla");
    }
    const std::string skip = recall.unjudgeable();
    char numbers[96];
    std::snprintf(numbers, sizeof numbers, "%ld of %ld below vanilla beyond noise", long(weaker),
                  long(synthetic));
    out += row("synthetic-only kinds are weaker where token-token interaction is essential",
               tasks.back().id, numbers,
               !skip.empty() ? skip : (weaker == synthetic ? "yes" : "partly or no"));
    return out;
}

}  // namespace attnlab::experiments
