// performer_transfer.cpp — the Performer paper's backward-compatibility check (Choromanski et al.,
// ICLR 2021, §4.3, Fig. 5 left; docs/papers.md §2.5): train a vanilla causal character LM on the
// KJV (kjv_char), put its weights into the same LM with FAVOR+ attention (positive orthogonal
// features), and measure test bits per character right after the swap and during a short fine-tune,
// for several numbers of random features m.
//
// Per seed: one vanilla pretraining cell (train_cell), then one fine-tune cell per target: the
// Performer for each m, and vanilla itself as the control (the same extra steps without a swap).
// A fine-tune cell loads the vanilla run's last.safetensors, copies every weight into the target
// model (vanilla's q/k projections live under "<block>.attn.vanilla.w_q", the Performer's under
// "<block>.attn.w_q"; every other name is the same), checks that every trainable target parameter
// got a value of the right shape, then trains with the Trainer, evaluating the test split at fixed
// fine-tune steps. A scratch cell per m trains the same Performer from random weights for as many
// steps as the fine-tune, at the pretraining learning rate: the baseline the fine-tune must beat.
// Cells are stored in results.json as they finish, so a rerun resumes.
#include <cstdio>
#include <set>

#include "engine/common.h"
#include "engine/launch.h"
#include "experiments/lib/options.h"
#include "experiments/lib/results.h"
#include "experiments/lib/table.h"
#include "experiments/lib/training_cell.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/plot.h"
#include "train/trainer.h"

using namespace attnlab;
using namespace attnlab::experiments;

namespace {

constexpr const char* kName = "performer_transfer";
constexpr int64_t kTestBatches = 16;

const char* const kHelp =
    "performer_transfer — vanilla LM weights in a Performer: bpc right after the swap and after\n"
    "a short fine-tune (Performer, Choromanski et al. 2021, §4.3 backward compatibility)\n"
    "\n"
    "usage: performer_transfer [--preset quick|full] [--seeds N] [--only LABEL=VALUE,...]\n"
    "       [--out DIR]\n"
    "\n"
    "  quick  tiny causal KJV character LM, 1 seed: 1 minute measured on 2 quiet cores\n"
    "  full   larger model, longer runs, 3 seeds: 21 min measured (18 on 1 thread, then the\n"
    "         scratch baselines 3 on 2 threads)\n"
    "\n"
    "Features m: 16, 64, 256 (positive, orthogonal). Control: vanilla fine-tuned for the same\n"
    "steps. Baseline: the same Performer trained from scratch for as many steps. Writes\n"
    "results/performer_transfer/{results.json,table.md,finetune_bpc.png}; reruns skip finished\n"
    "cells.\n";

const std::vector<int64_t> kFeatures = {16, 64, 256};

struct Preset {
    json model, data;
    int64_t pretrain_steps, finetune_steps;
    std::vector<int64_t>
        eval_steps;  // fine-tune steps (updates taken) at which test bpc is measured
};

Preset make_preset(bool full) {
    Preset preset;
    preset.model = {{"d_model", full ? 128 : 64},
                    {"heads", 4},
                    {"layers", 2},
                    {"d_ff", full ? 512 : 256},
                    {"dropout", 0.0}};  // runs this short do not overfit
    preset.data = {{"task", "kjv_char"}, {"context_length", full ? 128 : 64}};
    preset.pretrain_steps = full ? 2000 : 1500;
    preset.finetune_steps = full ? 400 : 300;
    const int64_t n = preset.finetune_steps;
    preset.eval_steps = {0, n / 32, n / 16, n / 8, n / 4, n / 2, n};
    return preset;
}

json train_settings(int64_t steps, double lr, int64_t seed, bool full) {
    return {{"steps", steps},
            {"batch_size", 16},
            {"lr", lr},
            {"schedule", {{"kind", "warmup_cosine"}, {"warmup", steps / 10}}},
            {"eval_every", steps},
            {"eval_batches", 4},
            {"checkpoint_every", steps},
            {"log_every", std::max<int64_t>(1, steps / 40)},
            {"seed", seed},
            {"threads", full ? 0 : 1}};  // tiny quick models: one thread is as fast, and robust
}

// A target: "performer" with m features, or "vanilla" (the control, m = 0).
std::string target_id(int64_t m) {
    return m > 0 ? "performer_m" + std::to_string(m) : "vanilla";
}

std::string pretrain_prefix(const std::string& preset) {
    return preset + "/pretrain/";
}
std::string finetune_prefix(const std::string& preset, int64_t m) {
    return preset + "/finetune/" + target_id(m) + "/";
}
std::string scratch_prefix(const std::string& preset, int64_t m) {
    return preset + "/scratch/" + target_id(m) + "/";
}
std::string run_dir(const ExperimentOptions& options, const std::string& prefix, int64_t seed) {
    return cell_run_dir(options, prefix + "seed" + std::to_string(seed));
}

// The checkpoint name of the vanilla tensor that feeds target parameter `name`.
std::string source_name(const std::string& name) {
    for (const char* projection : {"attn.w_q.", "attn.w_k."}) {
        const size_t at = name.find(projection);
        if (at != std::string::npos)
            return "model." + name.substr(0, at) + "attn.vanilla." + name.substr(at + 5);
    }
    return "model." + name;
}

// Copies the vanilla checkpoint's weights into `model` (a vanilla or Performer LM of the same
// sizes). Every trainable parameter must get a tensor of its shape, and every checkpoint tensor
// must be used; frozen parameters without a source (the Performer's projection) keep their draw.
void transplant(const Checkpoint& checkpoint, Module& model) {
    const NamedTensors& tensors = checkpoint.file.tensors;
    std::set<std::string> used;
    std::vector<std::pair<Tensor, Tensor>> copies;  // (source, target), checked before any copy
    for (const Parameter& parameter : model.parameters()) {
        const std::string source = source_name(parameter.name);
        const auto found = tensors.find(source);
        if (found == tensors.end()) {
            ATTNLAB_CHECK(!parameter.trainable, "performer_transfer: ", checkpoint.path,
                          " has no tensor \"", source, "\" for the trainable parameter \"",
                          parameter.name, "\"");
            continue;
        }
        ATTNLAB_CHECK(found->second.shape() == parameter.tensor.shape(), "performer_transfer: \"",
                      source, "\" is ", shape_str(found->second.shape()), " in ", checkpoint.path,
                      " but \"", parameter.name, "\" is ", shape_str(parameter.tensor.shape()));
        used.insert(source);
        copies.emplace_back(found->second, parameter.tensor);
    }
    for (const auto& [name, tensor] : tensors)
        ATTNLAB_CHECK(name.rfind("model.", 0) != 0 || used.count(name), "performer_transfer: \"",
                      name, "\" of ", checkpoint.path, " has no place in the target model");
    for (const auto& [source, target] : copies)  // in place: the optimizer holds these buffers
        std::copy(source.data(), source.data() + source.numel(), target.data());
}

// The user config of one stage's cell: the preset's model and data, `attention`, and a warmup +
// cosine schedule over `steps` from `lr`.
json stage_config(const Preset& preset, const json& attention, int64_t steps, double lr,
                  int64_t seed, bool full) {
    json user = {{"model", preset.model},
                 {"data", preset.data},
                 {"train", train_settings(steps, lr, seed, full)}};
    user["model"]["attention"] = attention;
    return user;
}

json attention_of(int64_t m) {
    return m > 0 ? json{{"kind", "performer"}, {"performer_features", m}}
                 : json{{"kind", "vanilla"}};
}

json pretrain_config(const Preset& preset, int64_t seed, bool full) {
    return stage_config(preset, attention_of(0), preset.pretrain_steps, 3e-3, seed, full);
}

// The Performer with m features trained from random weights for the fine-tune's step count, with
// the pretraining's learning rate (warmup + cosine over those steps).
json scratch_config(const Preset& preset, int64_t m, int64_t seed, bool full) {
    return stage_config(preset, attention_of(m), preset.finetune_steps, 3e-3, seed, full);
}

json finetune_config(const Preset& preset, int64_t m, int64_t seed, bool full) {
    return stage_config(preset, attention_of(m), preset.finetune_steps, 1e-3, seed, full);
}

// A cell that trains `user` from random weights in its own run directory.
Cell from_scratch(const ExperimentOptions& options, const std::string& key, const json& user,
                  std::map<std::string, std::string> labels) {
    Cell cell{key, "bpc",
              [user, run_dir = cell_run_dir(options, key)] {
                  return train_cell(user, run_dir, kTestBatches);
              },
              std::move(labels)};
    cell.config = user;
    return cell;
}

TrainedCell finetune_cell(const ExperimentOptions& options, const Preset& preset, json user,
                          int64_t m, int64_t seed) {
    const std::string source = run_dir(options, pretrain_prefix(options.preset), seed);
    const Checkpoint checkpoint = read_checkpoint(source + "/last.safetensors");
    user["train"]["out_dir"] = run_dir(options, finetune_prefix(options.preset, m), seed);
    TrainedCell cell;
    cell.resolved = resolve_config(user);
    json curve = json::array();
    auto test_bpc = [&](Trainer& trainer) {
        Task& task = trainer.task();
        return task.evaluate(task.split("test"), kTestBatches, 16).at("bpc");
    };
    TrainerOptions trainer_options;
    trainer_options.data_parallel = false;  // a grid cell: this process alone
    trainer_options.overwrite = true;  // an unfinished cell from an interrupted run starts over
    trainer_options.before_step = [&](int64_t step, Trainer& trainer) {
        for (int64_t at : preset.eval_steps)
            if (at == step) curve.push_back({step, test_bpc(trainer)});
    };
    Trainer trainer(cell.resolved, trainer_options);
    transplant(checkpoint, trainer.task().model());
    ATTNLAB_CHECK(trainer.run(), "fine-tuning in ", user["train"]["out_dir"].get<std::string>(),
                  " was interrupted");
    curve.push_back({trainer.step(), test_bpc(trainer)});
    cell.metrics["bpc_curve"] = curve;
    cell.metrics["bpc_at_swap"] = curve.front()[1];
    cell.metrics["bpc"] = curve.back()[1];
    for (const json& point : curve)
        cell.metrics["bpc_at_" + std::to_string(point[0].get<int64_t>())] = point[1];
    cell.metrics["source"] = source;
    cell.metrics["parameters"] = trainer.task().model().count_parameters();
    return cell;
}

std::string claims(const ResultStore& store, const std::string& preset, const Preset& settings,
                   int64_t seeds) {
    const double vanilla = store.summary(pretrain_prefix(preset), "bpc", seeds).mean;
    const double control = store.summary(finetune_prefix(preset, 0), "bpc", seeds).mean;
    auto mean = [&](int64_t m, const std::string& metric) {
        return store.summary(finetune_prefix(preset, m), metric, seeds).mean;
    };
    const int64_t n = settings.finetune_steps;
    std::string out =
        "| paper's claim (papers.md §2.5) | m | our numbers | holds here? |\n|---|---|---|---|\n";
    char text[512];
    for (int64_t m : kFeatures) {
        const double swap = mean(m, "bpc_at_swap");
        std::snprintf(text, sizeof text,
                      "| the swap alone loses accuracy (Fig. 5: starts at accuracy 0.07) | %ld | "
                      "%.3f after the swap vs vanilla %.3f (%+.1f%%) | %s |\n",
                      long(m), swap, vanilla, 100 * (swap / vanilla - 1),
                      swap > 1.05 * vanilla ? "yes (> 5% worse)" : "no (within 5%)");
        out += text;
    }
    for (int64_t m : kFeatures) {
        const double swap = mean(m, "bpc_at_swap"), tuned = mean(m, "bpc");
        const double closed = swap > vanilla ? (swap - tuned) / (swap - vanilla) : 1.0;
        std::snprintf(
            text, sizeof text,
            "| recovers \"in a small fraction of the original number of gradient steps\" | %ld | "
            "after %ld steps (%.0f%% of the %ld pretraining steps): %.3f vs vanilla %.3f "
            "(control: vanilla + %ld steps %.3f); %.0f%% of the swap's gap closed | %s |\n",
            long(m), long(n), 100.0 * double(n) / double(settings.pretrain_steps),
            long(settings.pretrain_steps), tuned, vanilla, long(n), control, 100 * closed,
            tuned <= 1.02 * vanilla ? "yes (within 2% of vanilla)"
                                    : (closed >= 0.5 ? "partly (most of the gap closed)" : "no"));
        out += text;
    }
    for (int64_t m : kFeatures) {
        const double scratch = store.summary(scratch_prefix(preset, m), "bpc", seeds).mean;
        const double tuned = mean(m, "bpc");
        std::snprintf(text, sizeof text,
                      "| fine-tuning beats training from scratch for the same steps | %ld | test "
                      "bpc after %ld steps: fine-tuned %.3f, from scratch %.3f | %s |\n",
                      long(m), long(n), tuned, scratch, tuned < scratch ? "yes" : "no");
        out += text;
    }
    bool monotone = true;
    std::string swaps;
    for (size_t i = 0; i < kFeatures.size(); ++i) {
        if (i && mean(kFeatures[i], "bpc_at_swap") > mean(kFeatures[i - 1], "bpc_at_swap"))
            monotone = false;
        std::snprintf(text, sizeof text, "%sm %ld: %.3f", i ? ", " : "", long(kFeatures[i]),
                      mean(kFeatures[i], "bpc_at_swap"));
        swaps += text;
    }
    return out +
           "| more features approximate softmax better (§2.2, MSE ∝ 1/m), so the swap costs less |"
           " all | " +
           swaps + " | " + (monotone ? "yes (bpc after the swap falls with m)" : "no") + " |\n";
}

void plot_finetune(const ResultStore& store, const std::string& preset, const Preset& settings,
                   int64_t seeds, const std::string& png) {
    Plot plot;
    plot.title = "Vanilla LM weights in FAVOR+: test bpc during fine-tuning (" + preset + ")";
    plot.x_label = "fine-tune steps after the swap";
    plot.y_label = "test bits per character";
    plot.extra = {"set linetype 9 lc rgb 'black' lw 2 dashtype 2"};  // the reference line
    std::vector<int64_t> targets = kFeatures;
    targets.push_back(0);
    for (int64_t m : targets) {
        Series series{m > 0 ? "performer m = " + std::to_string(m) : "vanilla, no swap (control)",
                      {},
                      {},
                      {}};
        for (int64_t step : settings.eval_steps) {
            const Summary s =
                store.summary(finetune_prefix(preset, m), "bpc_at_" + std::to_string(step), seeds);
            if (s.count == 0) continue;
            series.x.push_back(double(step));
            series.y.push_back(s.mean);
            series.error.push_back(s.std);
        }
        if (!series.x.empty()) plot.series.push_back(series);
    }
    const Summary vanilla = store.summary(pretrain_prefix(preset), "bpc", seeds);
    plot.series.push_back({"vanilla before fine-tuning",
                           {0.0, double(settings.finetune_steps)},
                           {vanilla.mean, vanilla.mean},
                           {}});
    write_plot(plot, png);
}

int run(const ExperimentOptions& options) {
    const bool full = options.full();
    const int64_t seeds = options.seed_count();
    const Preset preset = make_preset(full);
    ResultStore store(options.out_dir, kName);
    std::vector<Cell> cells;
    std::vector<int64_t> targets = kFeatures;
    targets.push_back(0);
    for (int64_t seed = 0; seed < seeds; ++seed) {
        const std::string seed_label = std::to_string(seed);
        const std::string pretrained = pretrain_prefix(options.preset) + "seed" + seed_label;
        cells.push_back(from_scratch(options, pretrained, pretrain_config(preset, seed, full),
                                     {{"stage", "pretrain"}, {"seed", seed_label}}));
        for (int64_t m : targets) {
            const json user = finetune_config(preset, m, seed, full);
            Cell cell{finetune_prefix(options.preset, m) + "seed" + seed_label,
                      "bpc",
                      [&, user, m, seed] { return finetune_cell(options, preset, user, m, seed); },
                      {{"stage", "finetune"}, {"target", target_id(m)}, {"seed", seed_label}},
                      {pretrained}};
            cell.config = user;
            cells.push_back(std::move(cell));
        }
        for (int64_t m : kFeatures)
            cells.push_back(from_scratch(
                options, scratch_prefix(options.preset, m) + "seed" + seed_label,
                scratch_config(preset, m, seed, full),
                {{"stage", "scratch"}, {"target", target_id(m)}, {"seed", seed_label}}));
    }
    if (!run_grid(store, options, cells)) return 0;  // process 0 reports

    const int64_t n = preset.finetune_steps;
    const std::string quarter = "bpc_at_" + std::to_string(n / 4);
    Table table{{"model", "test bpc after pretraining / swap ↓",
                 "after " + std::to_string(n / 4) + " fine-tune steps",
                 "after " + std::to_string(n) + " fine-tune steps"},
                {}};
    table.rows.push_back(
        {"vanilla (pretrained " + std::to_string(preset.pretrain_steps) + " steps)",
         store.summary(pretrain_prefix(options.preset), "bpc", seeds).str(3),
         store.summary(finetune_prefix(options.preset, 0), quarter, seeds).str(3),
         store.summary(finetune_prefix(options.preset, 0), "bpc", seeds).str(3)});
    for (int64_t m : kFeatures) {
        const std::string prefix = finetune_prefix(options.preset, m);
        table.rows.push_back({"performer, m = " + std::to_string(m),
                              store.summary(prefix, "bpc_at_swap", seeds).str(3),
                              store.summary(prefix, quarter, seeds).str(3),
                              store.summary(prefix, "bpc", seeds).str(3)});
    }
    const std::string report =
        "# performer_transfer (" + options.preset + ", " + std::to_string(seeds) +
        (seeds == 1 ? " seed" : " seeds") + ")\n\n" +
        "A vanilla causal KJV character LM (d_model " + preset.model["d_model"].dump() + ", " +
        preset.model["layers"].dump() + " layers, context " + preset.data["context_length"].dump() +
        ") trained " + std::to_string(preset.pretrain_steps) +
        " steps at lr 3e-3, its weights copied into the same LM with FAVOR+ attention (positive "
        "orthogonal features, m per head), then fine-tuned " +
        std::to_string(n) +
        " steps at lr 1e-3 (warmup + cosine). The vanilla row's fine-tune columns are the control: "
        "the same extra steps without a swap. The baseline for fine-tuning is the same Performer "
        "trained from random weights for those " +
        std::to_string(n) + " steps at lr 3e-3. Test bpc, mean ± std over seeds.\n\n" +
        table.markdown() +
        "\nThe paper (papers.md §2.5, Fig. 5 left) transfers an LM1B Transformer: the Performer "
        "starts at accuracy 0.07 and recovers \"in a small fraction of the original number of "
        "gradient steps\", even with trig features. Our model and data are far smaller; the "
        "paper's numbers are a curve, so only the shape is compared.\n\n"
        "## The paper's claims, checked on these numbers\n\n" +
        claims(store, options.preset, preset, seeds);
    write_file_atomically(store.path("table.md"), report);
    plot_finetune(store, options.preset, preset, seeds, store.path("finetune_bpc.png"));
    std::printf("%s", report.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    attnlab::configure_process();  // first: OpenBLAS loads with its core type (engine/launch.h)
    return experiment_main(argc, argv, {kName, kHelp}, run);
}
