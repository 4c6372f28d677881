// synthesizer_vs_dynconv.cpp — the Synthesizer paper's comparison with Dynamic Convolutions (Tay
// et al., ICML 2021; abstract: "simple Random Synthesizer is not only 60% faster but also improves
// perplexity by a relative 3.5%"; docs/papers.md §1.1 and §1.4, C4 table), on the KJV subword LM
// (kjv_bpe, like the paper's subword C4): Random Synthesizer vs dynamic_conv vs lightweight_conv
// (the convolution paper's other kind) vs vanilla, plus Random + Vanilla, the paper's table's
// fourth row. Measured: test log perplexity per subword (and bits per character), parameters, and
// training speed twice: the median step of each training cell, and a speed cell that times every
// kind's steps in one process, round-robin, so load on the machine hits every kind alike. Every
// kind trains the same model, steps, schedule and data order; only the token mixer differs. Cells
// are stored in results.json as they finish, so a rerun resumes.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "engine/launch.h"
#include "experiments/lib/kind_grid.h"
#include "experiments/lib/table.h"
#include "train/config.h"
#include "train/plot.h"
#include "train/trainer.h"

using namespace attnlab;
using namespace attnlab::experiments;

namespace {

constexpr const char* kName = "synthesizer_vs_dynconv";

const char* const kHelp =
    "synthesizer_vs_dynconv — Random Synthesizer vs Dynamic/Lightweight Convolutions vs vanilla\n"
    "(Synthesizer, Tay et al. 2021) on the KJV subword LM\n"
    "\n"
    "usage: synthesizer_vs_dynconv [--preset quick|full] [--seeds N] [--only LABEL=VALUE,...]\n"
    "       [--out DIR]\n"
    "\n"
    "  quick  d = 64, context 64, 600 steps, 1 seed: a smoke run of about 2 minutes\n"
    "  full   d = 128, context 256 subwords, 1200 steps, 3 seeds: about 40 min on 1 thread\n"
    "\n"
    "Reports test log perplexity per subword, bits per character, parameters and steps/s (per\n"
    "cell, and back to back in one speed cell), and checks the paper's speed and perplexity\n"
    "claims against Dynamic Convolution. Cell labels for --only: task (lm, speed), kind, seed.\n"
    "Writes results/synthesizer_vs_dynconv/{results.json,table.md,*.png}; reruns skip finished "
    "cells.\n";

const std::vector<std::string> kKinds = {"vanilla", "random", "random+vanilla", "lightweight_conv",
                                         "dynamic_conv"};

struct Preset {
    int64_t context, batch, steps;
    KindTask task;
};

Preset make_preset(bool full) {
    Preset preset;
    preset.context = full ? 256 : 64;
    preset.batch = full ? 8 : 16;
    preset.steps = full ? 1200 : 600;
    const int64_t steps = preset.steps;
    preset.task = {
        "lm",
        "KJV subword LM",
        "loss",
        "test log perplexity (nats per subword)",
        false,
        {{"model",
          {{"d_model", full ? 128 : 64},
           {"heads", 4},
           {"layers", 2},
           {"d_ff", full ? 512 : 256},
           {"dropout", 0.0},  // runs this short do not overfit
           // the convolution paper's decoder kernel widths are 3..31; 7 is its
           // smallest-model choice and the project default
           {"attention", {{"conv_kernel", 7}}}}},
         {"data", {{"task", "kjv_bpe"}, {"context_length", preset.context}, {"vocab_size", 4000}}},
         {"train", cell_training(steps, 2e-3, preset.batch)}}};
    return preset;
}

// Every kind's training steps timed in one process: `rounds` rounds, each training every kind for
// `steps` steps in turn; metrics "<kind>" = median steps/s over its steps after the first two of
// each round.
TrainedCell speed_cell(const ExperimentOptions& options, const Preset& preset, int64_t rounds,
                       int64_t steps) {
    std::map<std::string, std::vector<double>> rates;
    for (int64_t round = 0; round < rounds; ++round)
        for (const std::string& kind : kKinds) {
            json user = preset.task.config;
            user["model"]["attention"]["kind"] = kind;
            user["train"]["steps"] = steps;
            user["train"]["eval_every"] = steps + 1;
            user["train"]["checkpoint_every"] = steps + 1;
            user["train"]["out_dir"] = options.out_dir + "/runs/speed";
            TrainerOptions trainer_options;
            trainer_options.data_parallel = false;  // a grid cell: this process alone
            trainer_options.overwrite = true;
            Trainer trainer(resolve_config(user), trainer_options);
            ATTNLAB_CHECK(trainer.run(), "the speed cell was interrupted");
            const double tokens_per_step = double(preset.batch * preset.context);
            for (const StepRecord& record : trainer.history())
                if (record.step > 2) rates[kind].push_back(record.tokens_per_s / tokens_per_step);
        }
    TrainedCell cell;
    cell.resolved = resolve_config(preset.task.config);
    for (auto& [kind, values] : rates) {
        std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
        cell.metrics[kind] = values[values.size() / 2];
    }
    return cell;
}

// The paper's C4 masked/span-LM table (docs/papers.md §1.4, all [S]): log perplexity, steps/s,
// params.
const std::map<std::string, std::string> kPaperLogPpl = {
    {"vanilla", "1.865"},
    {"random", "1.965 or 1.972 (sources conflict)"},
    {"random+vanilla", "1.849"},
    {"lightweight_conv", "1.972 (\"ties\" Random; one source)"},
    {"dynamic_conv", "2.040"}};
const std::map<std::string, std::string> kPaperSteps = {
    {"vanilla", "3.90"}, {"random", "4.26"}, {"random+vanilla", "3.34"}, {"dynamic_conv", "2.65"}};
const std::map<std::string, std::string> kPaperParams = {
    {"vanilla", "223M"}, {"random", "224M"}, {"random+vanilla", "243M"}, {"dynamic_conv", "257M"}};

std::string paper(const std::map<std::string, std::string>& column, const std::string& kind) {
    const auto found = column.find(kind);
    return found == column.end() ? "–" : found->second;
}

std::string speed_key(const std::string& preset) {
    return preset + "/speed/seed0";
}

// steps/s of `kind` from the speed cell (0 until it has run).
double speed(const ResultStore& store, const std::string& preset, const std::string& kind) {
    if (!store.has(speed_key(preset))) return 0;
    return store.cell(speed_key(preset))["metrics"].value(kind, 0.0);
}

// A speed ratio within 5% of 1 is a tie: the speed cell's rounds move that much on a quiet machine.
const char* speed_verdict(double ratio) {
    if (!(ratio > 0) || !std::isfinite(ratio)) return "not run";
    return ratio > 1.05 ? "yes" : (ratio < 1 / 1.05 ? "no" : "tie (within 5%)");
}

std::string claims(const ResultStore& store, const std::string& preset_name, const Preset& preset,
                   int64_t seeds) {
    const KindComparison n{store, preset_name, preset.task, kKinds, seeds};
    const std::string skip = n.unjudgeable();
    auto verdict = [&](bool yes, bool no) {
        return !skip.empty() ? skip : (yes ? "yes" : (no ? "no" : "tie (within noise)"));
    };
    const double random_loss = n.of("random").mean, dynamic_loss = n.of("dynamic_conv").mean;
    const double speed_ratio = speed(store, preset_name, "random") /
                               std::max(speed(store, preset_name, "dynamic_conv"), 1e-300);
    const double random_vs_dynamic = n.gain("random", "dynamic_conv");
    const double noise = n.noise("random", "dynamic_conv");
    std::string out =
        "| paper's claim (C4, papers.md §1.1/§1.4) | paper | ours | holds here? |\n"
        "|---|---|---|---|\n";
    char text[640];
    std::snprintf(text, sizeof text,
                  "| Random is faster than Dynamic Convolution | 4.26 / 2.65 = 1.61× steps/s "
                  "(\"60%% faster\") | random / dynamic_conv = %.2f× (speed cell) | %s |\n",
                  speed_ratio, speed_verdict(speed_ratio));
    out += text;
    std::snprintf(
        text, sizeof text,
        "| Random improves perplexity over Dynamic Convolution | \"a relative 3.5%%\" "
        "(log PPL 2.040 → 1.965/1.972: 3.7%%/3.3%%) | relative log-perplexity gain "
        "%+.1f%% (%s) | %s |\n",
        random_loss > 0 && dynamic_loss > 0 ? 100 * (1.0 - random_loss / dynamic_loss) : 0.0,
        n.versus("random", "dynamic_conv").c_str(),
        verdict(random_vs_dynamic > noise, random_vs_dynamic < -noise).c_str());
    out += text;
    std::snprintf(text, sizeof text,
                  "| Random trails vanilla in perplexity | 1.965 vs 1.865 | %s | %s |\n",
                  n.versus("random").c_str(),
                  verdict(n.gain("random") < -n.noise("random", "vanilla"),
                          n.gain("random") > n.noise("random", "vanilla"))
                      .c_str());
    out += text;
    const double random_speed = speed(store, preset_name, "random"),
                 vanilla_speed = speed(store, preset_name, "vanilla");
    std::snprintf(text, sizeof text,
                  "| Random is faster than vanilla | 4.26 vs 3.90 steps/s | %.2f vs %.2f steps/s "
                  "(speed cell) | %s |\n",
                  random_speed, vanilla_speed,
                  speed_verdict(random_speed / std::max(vanilla_speed, 1e-300)));
    out += text;
    std::string best = kKinds.front();
    for (const std::string& kind : kKinds)
        if (n.gain(kind) > n.gain(best)) best = kind;
    std::string tied;  // every kind within noise of the best
    for (const std::string& kind : kKinds)
        if (n.gain(kind) >= n.gain(best) - n.noise(kind, best))
            tied += (tied.empty() ? "" : ", ") + kind;
    std::snprintf(text, sizeof text,
                  "| Random + Vanilla has the best perplexity | 1.849, best of the table | best "
                  "(within noise): %s | %s |\n",
                  tied.c_str(),
                  verdict(tied.find("random+vanilla") != std::string::npos, true).c_str());
    return out + text;
}

int run(const ExperimentOptions& options) {
    const bool full = options.full();
    const int64_t seeds = options.seed_count();
    const Preset preset = make_preset(full);
    ResultStore store(options.out_dir, kName);
    std::vector<Cell> cells = kind_grid_cells(options, {preset.task}, kKinds, seeds);
    cells.push_back({speed_key(options.preset),
                     "vanilla",
                     [&] { return speed_cell(options, preset, 3, full ? 30 : 12); },
                     {{"task", "speed"}},
                     {},
                     true});  // timed: no other cell trains beside it in a job
    if (!run_grid(store, options, cells)) return 0;  // process 0 reports

    Table table{{"kind", "params", "test log PPL ↓", "bpc ↓", "steps/s (cells)",
                 "steps/s (speed cell)", "paper log PPL", "paper steps/s", "paper params"},
                {}};
    double fewest_params = 1e300, most_params = 0;
    for (const std::string& kind : kKinds) {
        const std::string prefix = kind_cell_prefix(options.preset, preset.task, kind);
        const double params = store.summary(prefix, "parameters", seeds).mean;
        fewest_params = std::min(fewest_params, params);
        most_params = std::max(most_params, params);
        Summary steps = store.summary(prefix, "tokens_per_s", seeds);
        steps.mean /= double(preset.batch * preset.context);
        steps.std /= double(preset.batch * preset.context);
        const double back_to_back = speed(store, options.preset, kind);
        table.rows.push_back({kind, store.summary(prefix, "parameters", seeds).str(0),
                              store.summary(prefix, "loss", seeds).str(3),
                              store.summary(prefix, "bpc", seeds).str(3), steps.str(2),
                              back_to_back > 0 ? Summary{back_to_back, 0, 1}.str(2) : "–",
                              paper(kPaperLogPpl, kind), paper(kPaperSteps, kind),
                              paper(kPaperParams, kind)});
    }
    if (most_params == 0) fewest_params = 0;  // no cell yet
    char setup[640];
    std::snprintf(setup, sizeof setup,
                  "%.2f–%.2fM parameters: d = %d, 4 heads, 2 layers, context %ld subwords, batch "
                  "%ld, %ld steps, conv kernel 7, %d thread%s; mean ± std over %ld seed%s. The "
                  "speed cell trains every kind in turn in one process (3 rounds), so machine "
                  "load hits every kind alike; the cells' steps/s come from runs at different "
                  "times.",
                  fewest_params / 1e6, most_params / 1e6, full ? 128 : 64, long(preset.context),
                  long(preset.batch), long(preset.steps), omp_get_max_threads(),
                  omp_get_max_threads() == 1 ? "" : "s", long(seeds), seeds == 1 ? "" : "s");
    const std::string report =
        "# synthesizer_vs_dynconv (" + options.preset + ")\n\n" +
        "Causal subword LM on the KJV (4,000-entry byte-pair vocabulary), test split. " + setup +
        "\n\n" + table.markdown() +
        "\nThe paper columns are the Synthesizer paper's C4 masked/span-LM table (papers.md §1.4, "
        "secondary sources only): log perplexity of subword tokens, models of 220–260M parameters "
        "on TPUs. Ours is a causal subword LM a thousand times smaller, so only directions "
        "compare, not magnitudes. Speed depends on the length (Random and vanilla cost O(L²·d) "
        "per layer, the convolutions O(L·d·K)).\n\n## The paper's claims, checked on these "
        "numbers\n\n" +
        claims(store, options.preset, preset, seeds);
    write_file_atomically(store.path("table.md"), report);

    write_kind_bars(store, options.preset, preset.task, kKinds, seeds, "loss",
                    "test log perplexity (nats per subword)", store.path("log_ppl.png"));
    write_train_curves(store, options.preset, preset.task, kKinds, seeds,
                       store.path("train_curves.png"));
    std::printf("%s", report.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    attnlab::configure_process();  // first: OpenBLAS loads with its core type (engine/launch.h)
    return experiment_main(argc, argv, {kName, kHelp}, run);
}
