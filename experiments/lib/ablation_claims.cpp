// ablation_claims.cpp — judging the Synthesizer claims with the noise and chance rules.
#include "ablation_claims.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace attnlab::experiments {
namespace {

std::string row(const char* claim, const std::string& task, const std::string& numbers,
                const std::string& verdict) {
    return "| " + std::string(claim) + " | " + task + " | " + numbers + " | " + verdict + " |\n";
}

std::string task_claims(const KindComparison& n) {
    const std::string skip = n.unjudgeable();
    auto verdict = [&](bool holds, const std::string& yes, const std::string& no) {
        return skip.empty() ? (holds ? yes : no) : skip;
    };
    const double vanilla = n.of("vanilla").mean;
    const std::string& id = n.task.id;
    std::string out;
    const double random_gain = n.gain("random");
    out += row(
        "random alignment is competitive (within 5% or better)", id, n.versus("random"),
        verdict(random_gain >= -std::max(0.05 * std::abs(vanilla), n.noise("random", "vanilla")),
                "yes", "no"));
    std::string lowest = n.kinds.front();
    for (const std::string& kind : n.kinds)
        if (n.gain(kind) < n.gain(lowest)) lowest = kind;
    std::string worst;  // every kind within noise of the lowest, so a tie is never hidden
    int64_t tied = 0;
    bool fixed_worst = false;
    for (const std::string& kind : n.kinds)
        if (n.gain(kind) <= n.gain(lowest) + n.noise(kind, lowest)) {
            worst += (tied++ ? ", " : "") + kind;
            fixed_worst |= kind == "fixed_random";
        }
    out += row("fixed random is worst", id, skip.empty() ? "worst (within noise): " + worst : "–",
               verdict(fixed_worst, tied > 1 ? "tied for worst" : "yes", "no"));
    for (const char* mixture : {"random+vanilla", "dense+vanilla"}) {
        const std::string claim = std::string(mixture) + " matches or beats vanilla";
        out += row(claim.c_str(), id, n.versus(mixture),
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
    const KindComparison recall{store, preset, tasks.back(), kinds, seeds};
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
