// performer_stability.cpp — the Performer paper's training-stability ablation (Choromanski et al.,
// ICLR 2021, §4.3 and App. D.2–D.3, Fig. 15; docs/papers.md §2.4–2.5): FAVOR+ with positive vs
// trigonometric random features, with and without periodic redrawing of the features, trained as a
// causal character LM on the KJV (kjv_char), with vanilla softmax attention as the reference.
//
// Every variant trains the same model (size, steps, schedule, lr, data order, m features); only the
// attention kind, the feature map and train.redraw_every differ. A run whose loss or gradient norm
// turns NaN/Inf is a result, not a crash: the Trainer throws at that step, the cell records
// diverged = true, the step, the curve so far and the test bpc of the last finite weights. Per
// cell: test bpc, divergence, the largest loss spike (the largest rise of a step's training loss
// above the best loss seen before it) and the training curve (per-step losses averaged in bins).
// Cells are stored in results.json as they finish, so a rerun resumes.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/common.h"
#include "engine/launch.h"
#include "experiments/lib/options.h"
#include "experiments/lib/results.h"
#include "experiments/lib/table.h"
#include "experiments/lib/training_cell.h"
#include "train/config.h"
#include "train/plot.h"
#include "train/trainer.h"

using namespace attnlab;
using namespace attnlab::experiments;

namespace {

constexpr const char* kName = "performer_stability";

const char* const kHelp =
    "performer_stability — FAVOR+ training stability: positive vs trig features, with and\n"
    "without redraw (Performer, Choromanski et al. 2021, §4.3)\n"
    "\n"
    "usage: performer_stability [--preset quick|full] [--seeds N] [--only LABEL=VALUE,...]\n"
    "       [--out DIR]\n"
    "\n"
    "  quick  tiny causal KJV character LM, 1 seed: about 4 minutes on 2 quiet cores\n"
    "  full   larger model, longer runs, 3 seeds: 12 min measured on 1 thread\n"
    "\n"
    "Variants: vanilla (reference), positive, positive+redraw, trig, trig+redraw. Reports test\n"
    "bits per character, divergence (NaN/Inf, with its step) and the largest loss spike. Writes\n"
    "results/performer_stability/{results.json,table.md,loss_curves.png}; reruns skip finished\n"
    "cells.\n";

struct Variant {
    std::string id, feature_kind;  // feature_kind empty: vanilla attention
    bool redraw;
};

const std::vector<Variant> kVariants = {{"vanilla", "", false},
                                        {"positive", "softmax", false},
                                        {"positive_redraw", "softmax", true},
                                        {"trig", "trig", false},
                                        {"trig_redraw", "trig", true}};

struct Preset {
    json config;  // everything but the attention kind, the feature map and the redraw interval
    int64_t redraw_every;
};

Preset make_preset(bool full) {
    const int64_t steps = 1000;
    // Few features (m = 32 per 16-dim head in quick) stress the feature maps' estimates of the
    // attention normaliser. lr 3e-3 as in the other LM experiments (1e-2 made vanilla itself
    // plateau near 3.2 bpc); quick trains 1000 steps at context 64 rather than 500 at 128, so the
    // models get past the unigram plateau (~3.2 bpc) where every variant looks the same.
    return {{{"model",
              {{"d_model", full ? 128 : 64},
               {"heads", 4},
               {"layers", 2},
               {"d_ff", full ? 512 : 256},
               {"dropout", 0.0},
               {"attention", {{"performer_features", full ? 64 : 32}}}}},
             {"data", {{"task", "kjv_char"}, {"context_length", full ? 128 : 64}}},
             {"train",
              {{"steps", steps},
               {"batch_size", 16},
               {"lr", 3e-3},
               {"schedule", {{"kind", "warmup_cosine"}, {"warmup", steps / 20}}},
               {"eval_every", steps},
               {"eval_batches", 4},
               {"checkpoint_every", steps},
               {"log_every", 5},
               {"threads", full ? 0 : 1}}}},
            full ? 50 : 20};
}

std::string cell_prefix(const std::string& preset, const Variant& variant) {
    return preset + "/" + variant.id + "/";
}

// Per-step losses averaged in consecutive bins of `bin` steps: [[mean step, mean loss], ...].
json binned_curve(const std::vector<StepRecord>& history, size_t bin) {
    json curve = json::array();
    for (size_t begin = 0; begin < history.size(); begin += bin) {
        const size_t end = std::min(history.size(), begin + bin);
        double steps = 0, loss = 0;
        for (size_t i = begin; i < end; ++i) {
            steps += double(history[i].step);
            loss += history[i].loss;
        }
        curve.push_back({steps / double(end - begin), loss / double(end - begin)});
    }
    return curve;
}

// The largest rise of a step's loss above the lowest loss of the steps before it (nats).
double max_loss_spike(const std::vector<StepRecord>& history) {
    double best = INFINITY, spike = 0;
    for (const StepRecord& record : history) {
        if (std::isfinite(best)) spike = std::max(spike, record.loss - best);
        best = std::min(best, record.loss);
    }
    return spike;
}

// The user config one cell trains (its Cell::config, so a stored cell of another config is caught).
json cell_config(const ExperimentOptions& options, const Preset& preset, const Variant& variant,
                 int64_t seed) {
    json user = preset.config;
    user["model"]["attention"]["kind"] = variant.feature_kind.empty() ? "vanilla" : "performer";
    if (!variant.feature_kind.empty())
        user["model"]["attention"]["performer_feature_kind"] = variant.feature_kind;
    user["train"]["redraw_every"] = variant.redraw ? preset.redraw_every : 0;
    user["train"]["seed"] = seed;
    user["train"]["out_dir"] =
        cell_run_dir(options, cell_prefix(options.preset, variant) + "seed" + std::to_string(seed));
    return user;
}

TrainedCell run_cell(const json& user) {
    TrainedCell cell;
    cell.resolved = resolve_config(user);
    TrainerOptions trainer_options;
    trainer_options.data_parallel = false;  // a grid cell: this process alone
    trainer_options.overwrite = true;  // an unfinished cell from an interrupted run starts over
    Trainer trainer(cell.resolved, trainer_options);
    cell.metrics["diverged"] = false;
    try {
        ATTNLAB_CHECK(trainer.run(), "training in ", user["train"]["out_dir"].get<std::string>(),
                      " was interrupted");
    } catch (const Error& error) {
        const std::string message = error.what();
        if (message.rfind("training diverged", 0) != 0) throw;
        // The Trainer checks before the update, so the weights are still the last finite ones.
        cell.metrics["diverged"] = true;
        cell.metrics["diverged_step"] = trainer.step() + 1;
        cell.metrics["divergence"] = message;
    }
    Task& task = trainer.task();
    const Metrics test = task.evaluate(task.split("test"), 16, 16);
    const double bpc = test.at("bpc");
    // "bpc" only for runs that finished, so means over seeds never mix in a stopped run;
    // "bpc_at_stop" for every run (null when even the last finite weights give NaN).
    if (!cell.metrics["diverged"].get<bool>()) cell.metrics["bpc"] = bpc;
    cell.metrics["bpc_at_stop"] = std::isfinite(bpc) ? json(bpc) : json();
    const std::vector<StepRecord>& history = trainer.history();
    cell.metrics["steps_done"] = trainer.step();
    cell.metrics["max_loss_spike"] = max_loss_spike(history);
    std::vector<double> norms;
    for (const StepRecord& record : history) norms.push_back(record.grad_norm);
    std::sort(norms.begin(), norms.end());
    cell.metrics["median_grad_norm"] = norms.empty() ? 0.0 : norms[norms.size() / 2];
    cell.metrics["max_grad_norm"] = norms.empty() ? 0.0 : norms.back();
    cell.metrics["final_train_loss"] = history.empty() ? 0.0 : history.back().loss;
    cell.metrics["train_curve"] = binned_curve(
        history,
        size_t(std::max<int64_t>(1, cell.resolved["train"]["steps"].get<int64_t>() / 120)));
    cell.metrics["parameters"] = task.model().count_parameters();
    return cell;
}

int64_t diverged_count(const ResultStore& store, const std::string& prefix, int64_t seeds) {
    int64_t count = 0;
    for (int64_t seed = 0; seed < seeds; ++seed) {
        const std::string key = prefix + "seed" + std::to_string(seed);
        count += store.has(key) && store.cell(key)["metrics"].value("diverged", false);
    }
    return count;
}

// "–", or the divergence steps of the seeds that diverged, e.g. "212, 480".
std::string divergence_steps(const ResultStore& store, const std::string& prefix, int64_t seeds) {
    std::string out;
    for (int64_t seed = 0; seed < seeds; ++seed) {
        const std::string key = prefix + "seed" + std::to_string(seed);
        if (store.has(key) && store.cell(key)["metrics"].value("diverged", false))
            out += (out.empty() ? "" : ", ") +
                   std::to_string(store.cell(key)["metrics"]["diverged_step"].get<int64_t>());
    }
    return out.empty() ? "–" : out;
}

// A variant's numbers over the seeds, as the claims read them.
struct VariantStats {
    const ResultStore& store;
    const std::string& preset;
    int64_t seeds;

    std::string prefix(const std::string& id) const {
        for (const Variant& v : kVariants)
            if (v.id == id) return cell_prefix(preset, v);
        throw Error(cat("performer_stability: no variant ", id));
    }
    int64_t diverged(const std::string& id) const {
        return diverged_count(store, prefix(id), seeds);
    }
    double mean(const std::string& id, const std::string& metric) const {
        return store.summary(prefix(id), metric, seeds).mean;
    }
    // NaN when no seed has a finite bpc (every run stopped on weights that already give NaN).
    double at_stop(const std::string& id) const {
        const Summary summary = store.summary(prefix(id), "bpc_at_stop", seeds);
        return summary.count > 0 ? summary.mean : std::nan("");
    }
    std::string at_stop_text(const std::string& id) const {
        const double bpc = at_stop(id);
        char value[32];
        std::snprintf(value, sizeof value, "%.3f", bpc);
        return std::isnan(bpc) ? std::string("NaN (even the last finite weights give NaN on test)")
                               : std::string(value);
    }
};

// §2.5's claims: trig features are unstable, positive ones stable.
std::string stability_claims(const VariantStats& stats) {
    const int64_t seeds = stats.seeds;
    const int64_t trig_diverged = stats.diverged("trig") + stats.diverged("trig_redraw");
    const int64_t positive_diverged =
        stats.diverged("positive") + stats.diverged("positive_redraw");
    std::string out;
    char text[512];
    const double norm_ratio = [&] {
        const double positive = stats.mean("positive", "median_grad_norm");
        return positive > 0 ? stats.mean("trig", "median_grad_norm") / positive : 0.0;
    }();
    std::snprintf(text, sizeof text,
                  "| §2.5: \"trigonometric random features lead even to NaN values in training\" | "
                  "diverged (NaN/Inf): trig %ld of %ld runs, positive %ld of %ld | %s |\n",
                  long(trig_diverged), long(2 * seeds), long(positive_diverged), long(2 * seeds),
                  trig_diverged > positive_diverged ? "yes"
                  : trig_diverged == 0              ? "no (no trig run diverged at this scale)"
                                                    : "no");
    out += text;
    std::snprintf(
        text, sizeof text,
        "| §2.5: on PG-19 TRIG \"becomes highly unstable\" | median ‖g‖ trig / positive = %.1f×; "
        "max loss spike trig %.2f vs positive %.2f nats; bpc at stop trig %s vs positive %s "
        "| %s |\n",
        norm_ratio, stats.mean("trig", "max_loss_spike"), stats.mean("positive", "max_loss_spike"),
        stats.at_stop_text("trig").c_str(), stats.at_stop_text("positive").c_str(),
        trig_diverged > positive_diverged || norm_ratio >= 10
            ? "yes"
            : (stats.at_stop("trig") > stats.at_stop("positive")
                   ? "only as a gap: trig trains worse, not unstably"
                   : "no"));
    out += text;
    std::snprintf(text, sizeof text,
                  "| §2.5: positive features train stably | positive diverged in %ld of %ld runs "
                  "| %s |\n",
                  long(positive_diverged), long(2 * seeds), positive_diverged == 0 ? "yes" : "no");
    return out + text;
}

// §2.4 and §2.5's claims on redrawing the features.
std::string redraw_claims(const VariantStats& stats) {
    std::string out;
    char text[512];
    for (const char* kind : {"positive", "trig"}) {
        const std::string redrawn = std::string(kind) + "_redraw";
        const int64_t with = stats.diverged(redrawn), without = stats.diverged(kind);
        const double bpc_with = stats.at_stop(redrawn), bpc_without = stats.at_stop(kind);
        std::snprintf(text, sizeof text,
                      "| §2.4: redrawing the features helps (%s) | bpc at stop %s with redraw "
                      "vs %s without; diverged %ld vs %ld | %s |\n",
                      kind, stats.at_stop_text(redrawn).c_str(), stats.at_stop_text(kind).c_str(),
                      long(with), long(without),
                      with < without   ? "yes (fewer divergences)"
                      : with > without ? "no (more divergences)"
                      : std::isnan(bpc_with) || std::isnan(bpc_without)
                          ? "not measurable (no finite bpc to compare)"
                      : bpc_with < 0.99 * bpc_without ? "yes (over 1% lower bpc)"
                      : bpc_with > 1.01 * bpc_without ? "no (over 1% higher bpc)"
                                                      : "no difference (within 1%)");
        out += text;
    }
    const double gap = stats.at_stop("positive_redraw") - stats.at_stop("vanilla");
    std::snprintf(text, sizeof text,
                  "| §2.5: positive with redraw matches the Transformer (PG-19) | %.3f vs vanilla "
                  "%.3f (gap %+.3f bpc) | %s |\n",
                  stats.at_stop("positive_redraw"), stats.at_stop("vanilla"), gap,
                  gap <= 0.02 * stats.at_stop("vanilla") ? "yes (within 2%)" : "no");
    return out + text;
}

std::string claims(const ResultStore& store, const std::string& preset, int64_t seeds) {
    const VariantStats stats{store, preset, seeds};
    return "| paper's claim (papers.md) | our numbers | holds here? |\n|---|---|---|\n" +
           stability_claims(stats) + redraw_claims(stats);
}

void plot_curves(const ResultStore& store, const std::string& preset, int64_t seeds,
                 const std::string& png) {
    Plot plot;
    plot.title = "FAVOR+ stability: KJV char LM training loss (" + preset + ")";
    plot.x_label = "step";
    plot.y_label = "training loss (nats per char, binned mean)";
    plot.extra = {"set pointsize 0.3", "set yrange [:4.6]"};
    for (const Variant& variant : kVariants) {
        // The mean over the seeds that reached each bin (diverged seeds drop out at their step).
        std::vector<double> sum, count, steps;
        for (int64_t seed = 0; seed < seeds; ++seed) {
            const std::string key = cell_prefix(preset, variant) + "seed" + std::to_string(seed);
            if (!store.has(key)) continue;
            const json& curve = store.cell(key)["metrics"]["train_curve"];
            for (size_t i = 0; i < curve.size(); ++i) {
                if (sum.size() <= i) sum.push_back(0), count.push_back(0), steps.push_back(0);
                steps[i] = curve[i][0].get<double>();
                sum[i] += curve[i][1].get<double>();
                count[i] += 1;
            }
        }
        Series series{variant.id, {}, {}, {}};
        for (size_t i = 0; i < sum.size(); ++i) {
            series.x.push_back(steps[i]);
            series.y.push_back(sum[i] / count[i]);
        }
        if (!series.x.empty()) plot.series.push_back(series);
    }
    write_plot(plot, png);
}

int run(const ExperimentOptions& options) {
    const bool full = options.full();
    const int64_t seeds = options.seed_count();
    const Preset preset = make_preset(full);
    ResultStore store(options.out_dir, kName);
    std::vector<Cell> cells;
    for (int64_t seed = 0; seed < seeds; ++seed)
        for (const Variant& variant : kVariants) {
            const json user = cell_config(options, preset, variant, seed);
            Cell cell{cell_prefix(options.preset, variant) + "seed" + std::to_string(seed),
                      "bpc_at_stop",
                      [user] { return run_cell(user); },
                      {{"variant", variant.id}, {"seed", std::to_string(seed)}}};
            cell.config = user;
            cells.push_back(std::move(cell));
        }
    if (!run_grid(store, options, cells)) return 0;  // process 0 reports

    Table table{
        {"variant", "features", "redraw every", "test bpc ↓", "diverged (runs)", "diverged at step",
         "bpc at stop", "max loss spike (nats)", "median ‖g‖", "max ‖g‖", "final train loss"},
        {}};
    for (const Variant& variant : kVariants) {
        const std::string prefix = cell_prefix(options.preset, variant);
        table.rows.push_back(
            {variant.id, variant.feature_kind.empty() ? "– (exact softmax)" : variant.feature_kind,
             variant.redraw ? std::to_string(preset.redraw_every) : "never",
             store.summary(prefix, "bpc", seeds).str(3),
             std::to_string(diverged_count(store, prefix, seeds)) + " of " + std::to_string(seeds),
             divergence_steps(store, prefix, seeds),
             store.summary(prefix, "bpc_at_stop", seeds).str(3),
             store.summary(prefix, "max_loss_spike", seeds).str(2),
             store.summary(prefix, "median_grad_norm", seeds).str(2),
             store.summary(prefix, "max_grad_norm", seeds).str(0),
             store.summary(prefix, "final_train_loss", seeds).str(3)});
    }
    const json& settings = preset.config;
    const std::string report =
        "# performer_stability (" + options.preset + ", " + std::to_string(seeds) +
        (seeds == 1 ? " seed" : " seeds") + ")\n\n" + "Causal KJV character LM (context " +
        settings["data"]["context_length"].dump() + ", d_model " +
        settings["model"]["d_model"].dump() + ", " + settings["model"]["layers"].dump() +
        " layers, " + settings["train"]["steps"].dump() + " steps at peak lr " +
        settings["train"]["lr"].dump() +
        ", clip 1.0), m = " + settings["model"]["attention"]["performer_features"].dump() +
        " orthogonal features per head for every Performer variant. Test bpc is the mean over "
        "the seeds that finished; \"bpc at stop\" includes diverged runs, evaluated with their "
        "last finite weights. Max loss spike: the largest rise of one step's training loss "
        "above the best loss before it (batch noise included: compare with vanilla). ‖g‖: the "
        "gradient norm before clipping, per step (clipping to 1.0 keeps a huge ‖g‖ from "
        "becoming a huge update, so it can flag instability that the loss hides).\n\n" +
        table.markdown() +
        "\nThe paper's setting (PG-19, 36-layer-scale models, 256 features, TPUs) is far larger; "
        "it does not state its redraw interval (papers.md §2.4); we redraw every " +
        std::to_string(preset.redraw_every) + " steps.\n\n" +
        "## The paper's claims, checked on these numbers\n\n" +
        claims(store, options.preset, seeds) +
        "\nQuotes: papers.md §2.5 (\"Instability\": on PG-19 TRIG \"becomes highly unstable\"; "
        "POS without redraw plateaus; \"trigonometric random features lead even to NaN values in "
        "training\") and §2.4 (\"Positive softmax with feature redrawing is necessary to match "
        "the Transformer\").\n";
    write_file_atomically(store.path("table.md"), report);
    plot_curves(store, options.preset, seeds, store.path("loss_curves.png"));
    std::printf("%s", report.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    attnlab::configure_process();  // first: OpenBLAS loads with its core type (engine/launch.h)
    return experiment_main(argc, argv, {kName, kHelp}, run);
}
