// ablation_claims.h — the Synthesizer paper's claims, judged on synthesizer_ablation's numbers.
//
// A claim is judged only on numbers that can tell: with fewer than two seeds there is no noise
// estimate and nothing is judged; a task whose kinds all lie within twice the largest seed std of
// each other, or whose best kind is at chance, is "not separable".
#pragma once

#include <string>
#include <vector>

#include "experiments/lib/kind_grid.h"

namespace attnlab::experiments {

// The Markdown claims table for tasks {lm, seq2seq, recall} (recall last: the task that needs
// token-token interaction) over `kinds`, which hold vanilla, random, fixed_random and the mixtures
// random+vanilla and dense+vanilla.
std::string ablation_claims(const ResultStore& store, const std::string& preset,
                            const std::vector<KindTask>& tasks,
                            const std::vector<std::string>& kinds, int64_t seeds);

}  // namespace attnlab::experiments
