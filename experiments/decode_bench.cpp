// decode_bench.cpp — generation speed and memory (issue 22): seconds per token and peak RSS of
// greedy generation from the causal LM against context length, incremental decoding (LmDecoding,
// models/lm.h) against the whole-prefix recomputation, for every causal kind; and the time of the
// encoder–decoder's greedy decoding of a test split both ways.
//
// An LM cell (kind, decoding, context C) runs in its own child process (experiments/lib/measure.h):
// an LM with max_len = C + N reads C random tokens, then generates N greedy tokens, timed; seconds
// per token = that time / N. Incremental decoding reads the context one step per token (its
// "prefill" time is reported apart); the whole-prefix path only needs the forward of each step.
// Peak RSS is the child's minus a baseline child's. A (kind, decoding) stops growing C after a cell
// fails (out of memory under the address-space limit) or takes longer than the time budget.
//
// Seq2seq: an untrained model of synthesizer_ablation's seq2seq task (reverse in quick, KJV word
// reversal in full) decodes the test split greedily in batches of 32, as Seq2SeqTask's evaluation
// does; both decodings emit the same tokens, so they run the same steps.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "engine/kernels/parallel.h"
#include "engine/launch.h"
#include "experiments/lib/child_cells.h"
#include "experiments/lib/options.h"
#include "experiments/lib/results.h"
#include "experiments/lib/table.h"
#include "models/zoo.h"
#include "train/config.h"
#include "train/plot.h"
#include "train/seq2seq_task.h"
#include "train/task.h"

using namespace attnlab;
using namespace attnlab::experiments;

namespace {

constexpr const char* kName = "decode_bench";
constexpr int64_t kMemoryLimitMib = 20 * 1024;

const char* const kHelp =
    "decode_bench — generation speed and memory, incremental decoding against whole-prefix\n"
    "\n"
    "usage: decode_bench [--preset quick|full] [--out DIR]\n"
    "\n"
    "  quick  a smoke run: LM d 64, 2 heads, 2 layers; contexts 64 .. 256; 2 test batches of the\n"
    "         reverse task (seconds)\n"
    "  full   LM d 256, 4 heads, 4 layers, d_ff 1024, 256 FAVOR+ features; contexts 256 .. 16384\n"
    "         (each kind until it runs out of memory or time); the KJV word-reversal test split\n"
    "\n"
    "Per causal kind and decoding: seconds per generated token and peak RSS against the context\n"
    "length, each cell in its own process; then seq2seq test-set greedy decoding time. Writes\n"
    "results/decode_bench/{results.json,table.md,per_token.png}; reruns skip finished cells.\n";

const char* decoding_name(Decoding decoding) {
    return decoding == Decoding::Incremental ? "incremental" : "whole_prefix";
}
const std::vector<Decoding> kDecodings = {Decoding::Incremental, Decoding::WholePrefix};

std::vector<std::string> causal_kinds() {
    std::vector<std::string> kinds;
    for (const KindInfo* kind : registered_kinds())
        if (kind->causal && kind->decodes) kinds.push_back(kind->name);
    kinds.push_back("random+vanilla");
    return kinds;
}

struct Preset {
    int64_t d_model, heads, layers, d_ff, features;
    std::vector<int64_t> contexts;
    int64_t new_tokens, whole_prefix_tokens;  // generated per LM cell
    double time_budget_s;                     // per cell; beyond it, stop growing the context
    json seq2seq_model, seq2seq_data;
    int64_t seq2seq_batches;  // test batches decoded; 0 = the whole split
};

Preset make_preset(bool full) {
    const std::vector<int64_t> quick_contexts = {64, 128, 256},
                               full_contexts = {256, 512, 1024, 2048, 4096, 8192, 16384};
    if (!full)
        return {64, 2, 2, 128, 64, quick_contexts, 8, 4, 30,
                // synthesizer_ablation's seq2seq task and model, quick and full
                json{{"d_model", 64}, {"heads", 4}, {"layers", 2}, {"d_ff", 256}},
                json{{"task", "reverse"}, {"min_length", 4}, {"max_length", 10}}, 2};
    return {256, 4, 4, 1024, 256, full_contexts, 256, 4, 600,
            json{{"d_model", 128}, {"heads", 4}, {"layers", 2}, {"d_ff", 512}},
            // the whole test split
            json{{"task", "kjv_transduce"}}, 0};
}

LmConfig lm_config(const Preset& preset, const std::string& kind, int64_t max_len) {
    LmConfig config;
    config.stack.vocab = 256;
    config.stack.d_model = preset.d_model;
    config.stack.heads = preset.heads;
    config.stack.layers = preset.layers;
    config.stack.d_ff = preset.d_ff;
    config.stack.max_len = max_len;
    config.stack.attention.kind = kind;
    config.stack.attention.set("performer_features", preset.features);
    return config;
}

int32_t argmax(const Tensor& logits) {  // [1, ..., V]: the last row
    const int64_t V = logits.size(-1);
    const real* row = logits.data() + logits.numel() - V;
    return int32_t(std::max_element(row, row + V) - row);
}

// Child mode: one LM cell; prints {"seconds_per_token": ..., "prefill_seconds": ...}.
int measure_lm(const Preset& preset, const std::string& kind, Decoding decoding, int64_t context) {
    const int64_t n =
        decoding == Decoding::Incremental ? preset.new_tokens : preset.whole_prefix_tokens;
    Rng rng(1);
    LanguageModel model(lm_config(preset, kind, context + n), rng);
    model.set_training(false);
    NoGradGuard no_grad;
    std::vector<int32_t> tokens;
    for (int64_t i = 0; i < context; ++i) tokens.push_back(1 + int32_t(rng.below(255)));
    double prefill = 0, generation = 0;
    if (decoding == Decoding::Incremental) {
        auto started = std::chrono::steady_clock::now();
        LmDecoding state = model.start_decoding(1);
        Tensor logits;
        for (int32_t id : tokens) logits = state.step({id});
        prefill = seconds_since(started);
        started = std::chrono::steady_clock::now();
        for (int64_t i = 0; i < n; ++i) logits = state.step({argmax(logits)});
        generation = seconds_since(started);
    } else {
        const auto started = std::chrono::steady_clock::now();
        for (int64_t i = 0; i < n; ++i) {
            const int64_t L = int64_t(tokens.size());
            tokens.push_back(argmax(model.forward(IntTensor({1, L}, tokens))));
        }
        generation = seconds_since(started);
    }
    std::printf("{\"seconds_per_token\": %.9g, \"prefill_seconds\": %.9g}\n", generation / n,
                prefill);
    return 0;
}

// Child mode: the seq2seq test split; prints {"seconds": ..., "sequences": ...}.
int measure_seq2seq(const Preset& preset, const std::string& kind, Decoding decoding) {
    json model = preset.seq2seq_model;
    model["attention"] = {{"kind", kind}};
    const std::unique_ptr<Task> task =
        make_task(resolve_config({{"model", model}, {"data", preset.seq2seq_data}}));
    auto& seq2seq = dynamic_cast<Seq2SeqTask&>(*task);
    const Dataset& test = task->split("test");
    const int64_t batch_size = 32, batches = (test.size() + batch_size - 1) / batch_size;
    const int64_t decoded =
        preset.seq2seq_batches > 0 ? std::min(batches, preset.seq2seq_batches) : batches;
    double seconds = 0;
    int64_t sequences = 0;
    for (int64_t b = 0; b < decoded; ++b) {
        std::vector<int64_t> indices;
        for (int64_t i = b * batch_size; i < std::min(test.size(), (b + 1) * batch_size); ++i)
            indices.push_back(i);
        const Batch batch = make_batch(test, indices);
        const auto started = std::chrono::steady_clock::now();
        seq2seq.greedy_outputs(batch, decoding);
        seconds += seconds_since(started);
        sequences += int64_t(indices.size());
    }
    std::printf("{\"seconds\": %.9g, \"sequences\": %ld}\n", seconds, long(sequences));
    return 0;
}

std::string lm_key(const std::string& preset, const std::string& kind, Decoding decoding,
                   int64_t context) {
    return preset + "/lm/" + kind + "/" + decoding_name(decoding) + "/C" + std::to_string(context);
}
std::string seq2seq_key(const std::string& preset, const std::string& kind, Decoding decoding) {
    return preset + "/seq2seq/" + kind + "/" + decoding_name(decoding);
}

void measure_all(ResultStore& store, const std::string& preset_name, const Preset& preset,
                 const ChildResult& baseline) {
    for (const std::string& kind : causal_kinds())
        for (Decoding decoding : kDecodings)
            for (int64_t context : preset.contexts) {
                const std::string key = lm_key(preset_name, kind, decoding, context);
                const json metrics = measure_child_cell(
                    store, kName, key,
                    {"--lm", preset_name, kind, decoding_name(decoding), std::to_string(context)},
                    {{"kind", kind}, {"decoding", decoding_name(decoding)}, {"context", context}},
                    baseline, kMemoryLimitMib);
                if (metrics["status"] != "ok" || store.cell(key)["wall_s"] > preset.time_budget_s)
                    break;
            }
    for (const std::string& kind : causal_kinds())
        for (Decoding decoding : kDecodings)
            measure_child_cell(store, kName, seq2seq_key(preset_name, kind, decoding),
                               {"--seq2seq", preset_name, kind, decoding_name(decoding)},
                               {{"kind", kind}, {"decoding", decoding_name(decoding)}}, baseline,
                               kMemoryLimitMib);
}

std::string format(const char* pattern, double value) {
    if (value < 0) return "–";
    char text[64];
    std::snprintf(text, sizeof text, pattern, value);
    return text;
}

std::string lm_table(const ResultStore& store, const std::string& preset_name,
                     const Preset& preset) {
    Table table{{"kind", "context", "incremental ms/token", "whole-prefix ms/token", "speedup",
                 "incremental MiB", "whole-prefix MiB", "prefill s"},
                {}};
    for (const std::string& kind : causal_kinds())
        for (int64_t context : preset.contexts) {
            const std::string inc = lm_key(preset_name, kind, Decoding::Incremental, context),
                              whole = lm_key(preset_name, kind, Decoding::WholePrefix, context);
            const double a = child_cell_metric(store, inc, "seconds_per_token"),
                         b = child_cell_metric(store, whole, "seconds_per_token");
            table.rows.push_back(
                {kind, std::to_string(context), format("%.3f", a * 1e3), format("%.3f", b * 1e3),
                 format("%.1f×", a > 0 ? b / a : -1),
                 format("%.0f", child_cell_metric(store, inc, "peak_mib")),
                 format("%.0f", child_cell_metric(store, whole, "peak_mib")),
                 format("%.2f", child_cell_metric(store, inc, "prefill_seconds"))});
        }
    return table.markdown();
}

std::string seq2seq_table(const ResultStore& store, const std::string& preset_name,
                          double& worst_speedup) {
    Table table{{"kind", "whole-prefix s", "incremental s", "speedup"}, {}};
    worst_speedup = -1;
    for (const std::string& kind : causal_kinds()) {
        const double whole = child_cell_metric(
            store, seq2seq_key(preset_name, kind, Decoding::WholePrefix), "seconds");
        const double inc = child_cell_metric(
            store, seq2seq_key(preset_name, kind, Decoding::Incremental), "seconds");
        const double speedup = whole > 0 && inc > 0 ? whole / inc : -1;
        if (speedup > 0 && (worst_speedup < 0 || speedup < worst_speedup)) worst_speedup = speedup;
        table.rows.push_back(
            {kind, format("%.2f", whole), format("%.2f", inc), format("%.1f×", speedup)});
    }
    return table.markdown();
}

// The three numbers, checked on the measured cells.
std::string targets(const ResultStore& store, const std::string& preset_name, const Preset& preset,
                    double seq2seq_speedup) {
    double fastest = -1, slowest = -1;
    for (int64_t context : preset.contexts) {
        const double s = child_cell_metric(
            store, lm_key(preset_name, "performer", Decoding::Incremental, context),
            "seconds_per_token");
        if (s < 0) continue;
        fastest = fastest < 0 ? s : std::min(fastest, s);
        slowest = std::max(slowest, s);
    }
    const double flat = fastest > 0 ? slowest / fastest : -1;
    const double whole = child_cell_metric(
                     store, lm_key(preset_name, "vanilla", Decoding::WholePrefix, 2048),
                     "seconds_per_token"),
                 incremental = child_cell_metric(
                     store, lm_key(preset_name, "vanilla", Decoding::Incremental, 2048),
                     "seconds_per_token");
    const double vanilla = whole > 0 && incremental > 0 ? whole / incremental : -1;
    auto verdict = [](double measured, bool met) {
        return measured < 0 ? "not measured" : met ? "yes" : "no";
    };
    Table table{{"target", "measured", "met?"}, {}};
    table.rows.push_back({"FAVOR+ incremental ms/token: slowest / fastest over the contexts ≤ 1.2",
                          format("%.2f", flat), verdict(flat, flat <= 1.2)});
    table.rows.push_back({"vanilla at context 2048: incremental ≥ 10× faster per token",
                          format("%.1f×", vanilla), verdict(vanilla, vanilla >= 10)});
    table.rows.push_back({"seq2seq test-set greedy decoding ≥ 5× faster (slowest kind)",
                          format("%.1f×", seq2seq_speedup),
                          verdict(seq2seq_speedup, seq2seq_speedup >= 5)});
    return table.markdown();
}

// per_token.png: ms per generated token against the context, incremental for every kind and
// whole-prefix for vanilla and FAVOR+ (the references; all of them would crowd out the plot).
void write_per_token_plot(const ResultStore& store, const std::string& preset_name,
                          const Preset& preset) {
    Plot plot;
    plot.title = "greedy generation: time per new token";
    plot.x_label = "context length";
    plot.y_label = "ms per token";
    plot.log_x = plot.log_y = true;
    plot.extra = {"set key font ',8'"};
    for (const std::string& kind : causal_kinds())
        for (Decoding decoding : kDecodings) {
            if (decoding == Decoding::WholePrefix && kind != "vanilla" && kind != "performer")
                continue;
            Series series{
                kind + (decoding == Decoding::WholePrefix ? " (whole prefix)" : ""), {}, {}, {}};
            for (int64_t context : preset.contexts)
                if (const double s = child_cell_metric(
                        store, lm_key(preset_name, kind, decoding, context), "seconds_per_token");
                    s > 0) {
                    series.x.push_back(double(context));
                    series.y.push_back(s * 1e3);
                }
            if (!series.x.empty()) plot.series.push_back(series);
        }
    write_plot(plot, store.path("per_token.png"));
}

int run(const ExperimentOptions& options) {
    const Preset preset = make_preset(options.full());
    ResultStore store(options.out_dir, kName);
    const auto started = std::chrono::steady_clock::now();
    const ChildResult baseline = run_isolated({"--baseline"}, 0);
    ATTNLAB_CHECK(baseline.exit_status == 0, "the baseline child failed (exit ",
                  baseline.exit_status, ")");
    measure_all(store, options.preset, preset, baseline);
    store.record_run({{"preset", options.preset},
                      {"wall_s", seconds_since(started)},
                      {"baseline_rss_mib", baseline.peak_rss_mib}});

    double seq2seq_speedup = -1;
    const std::string seq2seq = seq2seq_table(store, options.preset, seq2seq_speedup);
    const std::string report =
        "# decode_bench (" + options.preset + ")\n\n" + "Greedy generation from a causal LM (d " +
        std::to_string(preset.d_model) + ", " + std::to_string(preset.heads) + " heads, " +
        std::to_string(preset.layers) +
        " layers, batch 1) after `context` tokens: ms per new token, peak RSS above a baseline "
        "process in MiB, and the incremental prefill (reading the context one token at a time). "
        "\"–\": not run (an earlier context ran out of memory or time) or failed.\n\n" +
        lm_table(store, options.preset, preset) +
        "\n## Seq2seq test-set greedy decoding (untrained model, batches of 32)\n\n" + seq2seq +
        "\n## Targets (issue 22)\n\n" + targets(store, options.preset, preset, seq2seq_speedup);
    write_file_atomically(store.path("table.md"), report);
    write_per_token_plot(store, options.preset, preset);
    std::printf("%s", report.c_str());
    return 0;
}

Decoding parse_decoding(const std::string& name) {
    ATTNLAB_CHECK(name == "incremental" || name == "whole_prefix", "unknown decoding \"", name,
                  "\"; valid: incremental, whole_prefix");
    return name == "incremental" ? Decoding::Incremental : Decoding::WholePrefix;
}

// The child modes: --baseline, --lm PRESET KIND DECODING CONTEXT, --seq2seq PRESET KIND DECODING.
int child(int argc, char** argv) {
    const std::string mode = argv[1];
    if (mode == "--baseline") {
        std::printf("{}\n");
        return 0;
    }
    // One thread: a decoding step is a chain of small ops, and with more threads OpenMP's barriers,
    // not the decoding path, would dominate what the incremental cells measure.
    const kernels::ScopedThreads one_thread(1);
    const Preset preset = make_preset(std::strcmp(argv[2], "full") == 0);
    if (mode == "--lm" && argc == 6)
        return measure_lm(preset, argv[3], parse_decoding(argv[4]), std::atol(argv[5]));
    return measure_seq2seq(preset, argv[3], parse_decoding(argv[4]));
}

}  // namespace

int main(int argc, char** argv) {
    attnlab::configure_process();  // first: OpenBLAS loads with its core type (engine/launch.h)
    const bool is_child = (argc == 2 && std::strcmp(argv[1], "--baseline") == 0) ||
                          (argc == 6 && std::strcmp(argv[1], "--lm") == 0) ||
                          (argc == 5 && std::strcmp(argv[1], "--seq2seq") == 0);
    if (is_child) {
        try {
            return child(argc, argv);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "%s %s: %s\n", kName, argv[1], e.what());
            return 1;
        }
    }
    return experiment_main(argc, argv, {kName, kHelp, {"quick", "full"}, false}, run);
}
