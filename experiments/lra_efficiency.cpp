// lra_efficiency.cpp — LRA's efficiency benchmark (Tay et al. 2021, arXiv 2011.04006, Table 2;
// docs/papers.md §3.2): training steps per second and peak memory of the byte-level text
// classifier at 1K, 2K, 3K and 4K tokens, each kind beside the Transformer.
//
// LRA's setup: its text model (4 layers, d = 256, 4 heads, d_ff = 1024, CLS pooling, two
// classes), batch 32 for every model, on 16 TPU v3 chips. Here: the same model and batch on this
// machine's cores, random bytes and labels (a step's cost does not depend on what the bytes say),
// AdamW. Each cell (kind, L) runs in its own child process, so its peak RSS above a baseline child
// is the cell's memory; a kind stops growing L after a cell fails or exceeds the time budget.
// The rows are LRA's models with LRA's settings where attnlab has them (Performer: generalized
// ReLU features; Linformer: k = 16; Synthesizer: dot-product + Random logits summed), then
// attnlab's own variants, labelled as such.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>

#include "engine/launch.h"
#include "engine/optim.h"
#include "experiments/lib/child_cells.h"
#include "experiments/lib/options.h"
#include "experiments/lib/results.h"
#include "experiments/lib/table.h"
#include "models/classifier.h"

using namespace attnlab;
using namespace attnlab::experiments;

namespace {

constexpr const char* kName = "lra_efficiency";
constexpr int64_t kMemoryLimitMib = 20 * 1024;

const char* const kHelp =
    "lra_efficiency — LRA's efficiency table (Tay et al. 2021, Table 2): training steps per\n"
    "second and peak memory of the byte-level text classifier against sequence length\n"
    "\n"
    "usage: lra_efficiency [--preset quick|full] [--out DIR]\n"
    "\n"
    "  quick  d = 64, 2 layers, batch 4, L = 256 and 512 (seconds)\n"
    "  full   LRA's text model (4 layers, d = 256, 4 heads, d_ff = 1024), batch 32,\n"
    "         L = 1024, 2048, 3072, 4096; 2 timed steps after 1 warm-up per cell\n"
    "\n"
    "Each cell runs in its own process (its peak RSS is the cell's memory). Writes\n"
    "results/lra_efficiency/{results.json,table.md}; reruns skip finished cells.\n";

struct Arm {
    std::string label;  // the row: LRA's model name, or attnlab's variant
    std::string kind;
    std::vector<std::pair<std::string, OptionValue>> options;  // AttentionConfig options
};

const std::vector<Arm> kArms = {
    {"Transformer", "vanilla", {}},
    {"Local Attention", "local", {}},
    {"Linformer (k = 16)", "linformer", {{"linformer_k", 16}}},
    {"Reformer", "reformer", {}},
    {"Sinkhorn Trans.", "sinkhorn", {}},
    {"Synthesizer", "random+vanilla", {{"mixture_weights", "ones"}}},
    {"Synthesizer (random + vanilla, learned mix)", "random+vanilla", {}},
    {"BigBird", "bigbird", {}},
    {"Linear Trans.", "linear_transformer", {}},
    {"Performer (ReLU features)", "performer", {{"performer_feature_kind", "relu_deterministic"}}},
    {"Performer FAVOR+ m = 256 (attnlab)", "performer", {{"performer_features", 256}}},
    {"Longformer (attnlab)", "longformer", {}},
    {"Sparse Trans. (attnlab)", "sparse_transformer", {}}};

// LRA's Table 2 (steps/s at 1K..4K, then memory in GB at 1K..4K) for the rows it has.
const std::map<std::string, std::vector<double>> kLra = {
    {"Transformer", {8.1, 4.9, 2.3, 1.4, 0.85, 2.65, 5.51, 9.48}},
    {"Local Attention", {9.2, 8.4, 7.4, 7.4, 0.42, 0.76, 1.06, 1.37}},
    {"Linformer (k = 16)", {9.3, 9.1, 8.5, 7.7, 0.37, 0.55, 0.99, 0.99}},
    {"Reformer", {4.4, 2.2, 1.5, 1.1, 0.48, 0.99, 1.53, 2.28}},
    {"Sinkhorn Trans.", {9.1, 7.9, 6.6, 5.3, 0.47, 0.83, 1.13, 1.48}},
    {"Synthesizer", {8.7, 5.7, 6.6, 1.9, 0.65, 1.98, 4.09, 6.99}},
    {"BigBird", {7.4, 3.9, 2.7, 1.5, 0.77, 1.49, 2.18, 2.88}},
    {"Linear Trans.", {9.1, 9.3, 8.6, 7.8, 0.37, 0.57, 0.80, 1.03}},
    {"Performer (ReLU features)", {9.5, 9.4, 8.7, 8.0, 0.37, 0.59, 0.82, 1.06}}};

struct Preset {
    int64_t d_model, heads, layers, d_ff, batch;
    std::vector<int64_t> lengths;
    int steps;             // timed, after one warm-up step
    double time_budget_s;  // per step; beyond it, stop growing L
};

Preset make_preset(const std::string& name) {
    if (name == "full") return {256, 4, 4, 1024, 32, {1024, 2048, 3072, 4096}, 2, 600};
    return {64, 2, 2, 128, 4, {256, 512}, 2, 30};
}

const Arm& arm_named(const std::string& label) {
    for (const Arm& arm : kArms)
        if (arm.label == label) return arm;
    throw Error(cat(kName, ": no arm \"", label, "\""));
}

// Child mode `--measure PRESET ARM L`: prints {"seconds_per_step": ...}; ARM "none" builds nothing
// (the baseline).
int measure(const std::string& preset_name, const std::string& label, int64_t L) {
    if (label == "none") {
        std::printf("{}\n");
        return 0;
    }
    const Preset preset = make_preset(preset_name);
    const Arm& arm = arm_named(label);
    ClassifierConfig config;
    config.stack.vocab = 257;  // bytes + padding, as LRA's byte-level text
    config.stack.d_model = preset.d_model;
    config.stack.heads = preset.heads;
    config.stack.layers = preset.layers;
    config.stack.d_ff = preset.d_ff;
    config.stack.max_len = L + 1;  // the CLS token goes first
    config.stack.attention.kind = arm.kind;
    for (const auto& [key, value] : arm.options) config.stack.attention.set(key, value);
    config.num_classes = 2;
    config.pooling = "cls";
    Rng rng(1);
    Classifier model(config, rng);
    AdamW optimizer(model.parameters());
    std::vector<int32_t> bytes(size_t(preset.batch * L)), classes(size_t(preset.batch));
    for (int32_t& byte : bytes) byte = 1 + int32_t(rng.below(256));
    for (int32_t& target : classes) target = int32_t(rng.below(2));
    const IntTensor ids({preset.batch, L}, bytes), labels({preset.batch}, classes);
    const Tensor no_padding;
    const double seconds = median_seconds(
        [&] {
            optimizer.zero_grad();
            model.loss(ids, no_padding, labels).backward();
            optimizer.step(1e-3);
        },
        preset.steps);
    std::printf("{\"seconds_per_step\": %.9g}\n", seconds);
    return 0;
}

std::string cell_key(const std::string& preset, const Arm& arm, int64_t L) {
    return preset + "/" + arm.kind + "/" + arm.label + "/L" + std::to_string(L);
}

void measure_arm(ResultStore& store, const std::string& preset_name, const Preset& preset,
                 const Arm& arm, const ChildResult& baseline) {
    for (int64_t L : preset.lengths) {
        const json metrics =
            measure_child_cell(store, kName, cell_key(preset_name, arm, L),
                               {"--measure", preset_name, arm.label, std::to_string(L)},
                               {{"kind", arm.kind},
                                {"arm", arm.label},
                                {"L", L},
                                {"batch", preset.batch},
                                {"d", preset.d_model},
                                {"layers", preset.layers},
                                {"steps", preset.steps},
                                {"memory_limit_mib", kMemoryLimitMib}},
                               baseline, kMemoryLimitMib);
        if (metrics["status"] != "ok" ||
            metrics["seconds_per_step"].get<double>() > preset.time_budget_s)
            break;
    }
}

// Steps/s (× the Transformer's) and peak memory per length, LRA's figures in brackets.
Table efficiency_table(const ResultStore& store, const std::string& preset_name,
                       const Preset& preset) {
    Table table{{"model"}, {}};
    for (int64_t L : preset.lengths) table.header.push_back("steps/s L=" + std::to_string(L));
    for (int64_t L : preset.lengths) table.header.push_back("MiB L=" + std::to_string(L));
    for (const Arm& arm : kArms) {
        std::vector<std::string> row = {arm.label};
        const auto lra = kLra.find(arm.label);
        for (size_t i = 0; i < preset.lengths.size(); ++i) {
            const int64_t L = preset.lengths[i];
            const double s =
                child_cell_metric(store, cell_key(preset_name, arm, L), "seconds_per_step");
            const double v =
                child_cell_metric(store, cell_key(preset_name, kArms[0], L), "seconds_per_step");
            std::string text = s == -2 ? "failed" : s < 0 ? "–" : formatted("%.3f", 1 / s);
            if (s > 0 && v > 0) text += formatted(" (%.1f×)", v / s);
            if (lra != kLra.end() && preset_name == "full")
                text += formatted(" [%.1f]", lra->second[i]);
            row.push_back(text);
        }
        for (size_t i = 0; i < preset.lengths.size(); ++i) {
            const double mib =
                child_cell_metric(store, cell_key(preset_name, arm, preset.lengths[i]), "peak_mib");
            std::string text = mib == -2 ? "failed" : mib < 0 ? "–" : formatted("%.0f", mib);
            if (lra != kLra.end() && preset_name == "full")
                text += formatted(" [%.2f GB]", lra->second[4 + i]);
            row.push_back(text);
        }
        table.rows.push_back(row);
    }
    return table;
}

int run(const ExperimentOptions& options) {
    const Preset preset = make_preset(options.preset);
    ResultStore store(options.out_dir, kName);
    const auto started = std::chrono::steady_clock::now();
    const ChildResult baseline = run_isolated({"--measure", options.preset, "none", "0"}, 0);
    ATTNLAB_CHECK(baseline.exit_status == 0, "the baseline child failed (exit ",
                  baseline.exit_status, ")");
    for (const Arm& arm : kArms) measure_arm(store, options.preset, preset, arm, baseline);
    store.record_run({{"preset", options.preset},
                      {"wall_s", seconds_since(started)},
                      {"baseline_rss_mib", baseline.peak_rss_mib}});
    const std::string report =
        "# lra_efficiency (" + options.preset +
        ")\n\nTraining steps per second (× the Transformer's) and peak RSS above a baseline "
        "process, byte-level text classifier, batch " +
        std::to_string(preset.batch) + ", d = " + std::to_string(preset.d_model) + ", " +
        std::to_string(preset.layers) + " layers; median of " + std::to_string(preset.steps) +
        " steps after one warm-up. [LRA's Table 2 on 16 TPU v3 chips, steps/s and GB per "
        "device.] \"–\": not run (a shorter L failed or ran out of time).\n\n" +
        efficiency_table(store, options.preset, preset).markdown();
    write_file_atomically(store.path("table.md"), report);
    std::printf("%s", report.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    attnlab::configure_process();  // first: OpenBLAS loads with its core type (engine/launch.h)
    if (argc == 5 && std::strcmp(argv[1], "--measure") == 0) {
        try {
            return measure(argv[2], argv[3], std::atol(argv[4]));
        } catch (const std::exception& e) {
            std::fprintf(stderr, "%s --measure: %s\n", kName, e.what());
            return 1;
        }
    }
    return experiment_main(argc, argv, {kName, kHelp, {"quick", "full"}}, run);
}
