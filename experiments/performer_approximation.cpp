// performer_approximation.cpp — Performer §4.2 / Fig. 4: how well FAVOR+ approximates exact
// softmax attention as the number of random features m grows, iid vs orthogonal projections,
// positive vs trigonometric features.
//
// Per seed: q, k, v ~ N(0, I) · scale, [L, d] with d = 16; exact Y = softmax(QKᵀ/√d) V; the
// approximation Ŷ = FAVOR(φ(Q), φ(K), V) with the same temperature (the feature maps scale their
// input by d^(−1/4)); the cell's metric is MSE = mean((Ŷ − Y)²). Inputs and ω are redrawn per seed.
//
// Three input scales, because the paper's argument depends on it (Lemma 2; docs/papers.md §2.2):
//   scale 1    q, k ~ N(0, I): logits qᵀk/√d ~ N(0, 1). Lemma 2's positive-feature MSE carries
//              exp(‖x + y‖²) ≈ e⁸ here (x = q·d^(−1/4)), so the estimator is heavy-tailed: its
//              MSE only starts falling like 1/m once m ≫ e⁸ ≈ 3000, and single runs are noisy;
//   scale 0.5  ‖x‖² ≈ 1: the regime where Fig. 4's clean 1/m curves appear;
//   scale 0.25 near-uniform attention (small ‖q‖, ‖k‖), where Lemma 2 says trig is MORE accurate.
// Queries use the per-token stabiliser (it cancels exactly); keys use none (exact).
#include <cmath>
#include <cstdio>
#include <map>

#include "engine/init.h"
#include "engine/launch.h"
#include "engine/linear_attention.h"
#include "engine/ops.h"
#include "experiments/lib/measure.h"
#include "experiments/lib/options.h"
#include "experiments/lib/results.h"
#include "experiments/lib/table.h"
#include "models/performer_features.h"
#include "train/plot.h"

using namespace attnlab;
using namespace attnlab::experiments;

namespace {

constexpr const char* kName = "performer_approximation";
constexpr int64_t kHeadDim = 16;

const char* const kHelp =
    "performer_approximation — FAVOR+ vs exact softmax attention (Performer §4.2, Fig. 4)\n"
    "\n"
    "usage: performer_approximation [--preset quick|full] [--seeds N] [--out DIR]\n"
    "\n"
    "  quick  L = 1024, m in {16 .. 256}, 5 seeds      (seconds)\n"
    "  full   L = 4096, m in {8 .. 512}, 15 seeds       (about 4 minutes; the paper's L and d)\n"
    "\n"
    "MSE between exact softmax(QK^T/sqrt(d))V and FAVOR+ with d = 16, for iid vs orthogonal\n"
    "projections and positive vs trig features, at input scales 1, 0.5 and 0.25. Writes\n"
    "results/performer_approximation/{results.json,table.md,mse_scale*.png}; reruns skip\n"
    "finished cells.\n";

struct Preset {
    int64_t L, seeds;
    std::vector<int64_t> features;
};

Preset preset_for(const ExperimentOptions& options) {
    Preset preset = options.full() ? Preset{4096, 15, {8, 16, 32, 64, 128, 256, 512}}
                                   : Preset{1024, 5, {16, 32, 64, 128, 256}};
    if (options.seeds > 0) preset.seeds = options.seeds;
    return preset;
}

struct Inputs {
    Tensor q, k, v, exact;  // [1, 1, L, d]
};

Inputs draw_inputs(int64_t L, double scale, uint64_t seed) {
    Rng rng(mix(seed, 0x5eed));
    Inputs in;
    for (Tensor* t : {&in.q, &in.k, &in.v}) {
        *t = Tensor::empty({1, 1, L, kHeadDim});
        init::normal(*t, rng);
    }
    in.q = in.q * real(scale);
    in.k = in.k * real(scale);
    const Tensor weights = softmax(matmul(in.q, in.k, false, true), Tensor(),
                                   real(1 / std::sqrt(double(kHeadDim))));  // [1, 1, L, L]
    in.exact = matmul(weights, in.v);
    return in;
}

double favor_mse(const Inputs& in, const std::string& features, bool orthogonal, int64_t m,
                 uint64_t seed) {
    const Tensor omega = random_projection(
        m, kHeadDim, orthogonal ? ProjectionKind::Orthogonal : ProjectionKind::Iid,
        RowNorm::Gaussian, mix(seed, uint64_t(m)));
    Tensor q_features, k_features;
    if (features == "positive") {
        q_features = softmax_features(in.q, omega, Stabilizer::PerToken);
        k_features = softmax_features(in.k, omega, Stabilizer::None);
    } else {
        q_features = trig_features(in.q, omega);
        k_features = trig_features(in.k, omega);
    }
    const Tensor approx = linear_attention(q_features, k_features, in.v, false);
    return double(mean(square(sub(approx, in.exact))).item());
}

std::string key(const std::string& preset, double scale, const std::string& features,
                bool orthogonal, int64_t m) {
    char text[128];
    std::snprintf(text, sizeof text, "%s/scale%g/%s/%s/m%ld/", preset.c_str(), scale,
                  features.c_str(), orthogonal ? "orthogonal" : "iid", long(m));
    return text;
}

const std::vector<double> kScales = {1.0, 0.5, 0.25};
const std::vector<std::string> kFeatures = {"positive", "trig"};

// Computes every missing cell, drawing a (scale, seed)'s inputs only if one of its cells is
// missing. Returns how many cells it computed.
int64_t compute_cells(ResultStore& store, const std::string& preset_name, const Preset& preset) {
    int64_t computed = 0;
    for (double scale : kScales)
        for (int64_t seed = 0; seed < preset.seeds; ++seed) {
            Inputs inputs;
            for (const std::string& features : kFeatures)
                for (bool orthogonal : {false, true})
                    for (int64_t m : preset.features) {
                        const std::string cell = key(preset_name, scale, features, orthogonal, m) +
                                                 "seed" + std::to_string(seed);
                        if (store.has(cell)) continue;
                        if (!inputs.exact.defined())
                            inputs = draw_inputs(preset.L, scale, uint64_t(seed));
                        const auto start = std::chrono::steady_clock::now();
                        const double mse =
                            favor_mse(inputs, features, orthogonal, m, uint64_t(seed));
                        store.put(cell, {{"mse", mse}},
                                  {{"L", preset.L},
                                   {"d", kHeadDim},
                                   {"m", m},
                                   {"scale", scale},
                                   {"features", features},
                                   {"orthogonal", orthogonal},
                                   {"seed", seed}},
                                  seconds_since(start));
                        ++computed;
                    }
            std::fprintf(stderr, "\r%s: scale %g, seed %ld/%ld", kName, scale, long(seed + 1),
                         long(preset.seeds));
        }
    std::fprintf(stderr, "\n");
    return computed;
}

// The table (one row per (scale, m); columns the four arms) and the paper's orderings, checked.
std::string mse_report(const ResultStore& store, const std::string& preset_name,
                       const Preset& preset) {
    Table table{
        {"scale", "m", "positive iid", "positive orthogonal", "trig iid", "trig orthogonal"}, {}};
    std::map<std::string, int64_t> wins;  // "ortho<iid", "positive<trig" per scale
    for (double scale : kScales)
        for (int64_t m : preset.features) {
            std::vector<std::string> row = {std::to_string(scale).substr(0, 4), std::to_string(m)};
            std::map<std::string, double> means;
            for (const std::string& features : kFeatures)
                for (bool orthogonal : {false, true}) {
                    const Summary s = store.summary(
                        key(preset_name, scale, features, orthogonal, m), "mse", preset.seeds);
                    char text[64];
                    std::snprintf(text, sizeof text, "%.2e ± %.1e", s.mean, s.std);
                    row.push_back(text);
                    means[features + (orthogonal ? "/o" : "/i")] = s.mean;
                }
            table.rows.push_back(row);
            const std::string tag = "scale " + row[0];
            wins[tag + ": orthogonal < iid (positive)"] +=
                means["positive/o"] < means["positive/i"];
            wins[tag + ": positive < trig (orthogonal)"] += means["positive/o"] < means["trig/o"];
        }

    std::string report = "# performer_approximation (" + preset_name + ")\n\n";
    report += "MSE of FAVOR+ against exact softmax attention, mean ± std over " +
              std::to_string(preset.seeds) + " seeds; L = " + std::to_string(preset.L) +
              ", d = 16, q, k, v ~ N(0, I)·scale (v unscaled).\n\n" + table.markdown() +
              "\n## The paper's claims, checked on these numbers\n\n"
              "| claim (Performer §4.2, Lemma 2, Theorem 2) | holds at how many m |\n|---|---|\n";
    for (const auto& [claim, count] : wins)
        report += "| " + claim + " | " + std::to_string(count) + " of " +
                  std::to_string(preset.features.size()) + " |\n";
    report +=
        "\nThe paper reports orthogonal < iid and positive < trig (Fig. 4; its input scale is "
        "unstated). Lemma 2 predicts the trig/positive order flips for small inputs "
        "(scale 0.25 here): near-uniform attention favours trig. At scale 1 the positive "
        "estimator's variance carries exp(‖x + y‖²) ≈ e⁸ (Lemma 2), so m ≤ 512 is far from its "
        "1/m regime and single draws are heavy-tailed: read that block's orderings as noise.\n";
    return report;
}

// mse_scale<s>.png: MSE against m for the four arms, one plot per input scale.
void write_mse_plots(const ResultStore& store, const std::string& preset_name,
                     const Preset& preset) {
    for (double scale : kScales) {
        Plot plot;
        plot.title = "FAVOR+ MSE vs features, L = " + std::to_string(preset.L) +
                     ", d = 16, input scale " + std::to_string(scale).substr(0, 4);
        plot.x_label = "random features m";
        plot.y_label = "MSE vs exact softmax attention";
        plot.log_x = plot.log_y = true;
        for (const std::string& features : kFeatures)
            for (bool orthogonal : {false, true}) {
                Series series{features + (orthogonal ? " orthogonal" : " iid"), {}, {}, {}};
                for (int64_t m : preset.features) {
                    const Summary s = store.summary(
                        key(preset_name, scale, features, orthogonal, m), "mse", preset.seeds);
                    series.x.push_back(double(m));
                    series.y.push_back(s.mean);
                }
                plot.series.push_back(series);
            }
        char file[32];
        std::snprintf(file, sizeof file, "mse_scale%g.png", scale);
        write_plot(plot, store.path(file));
    }
}

int run(const ExperimentOptions& options) {
    const Preset preset = preset_for(options);
    ResultStore store(options.out_dir, kName);
    const auto started = std::chrono::steady_clock::now();
    const int64_t computed = compute_cells(store, options.preset, preset);
    store.record_run({{"preset", options.preset},
                      {"seeds", preset.seeds},
                      {"L", preset.L},
                      {"cells_computed", computed},
                      {"wall_s", seconds_since(started)}});

    const std::string report = mse_report(store, options.preset, preset);
    write_file_atomically(store.path("table.md"), report);
    write_mse_plots(store, options.preset, preset);
    std::printf("%s", report.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    attnlab::configure_process();  // first: OpenBLAS loads with its core type (engine/launch.h)
    return experiment_main(argc, argv, {kName, kHelp, {"quick", "full"}, false}, run);
}
