// synthesizer_ablation.cpp — the Synthesizer paper's random-vs-learned attention ablation
// (Tay et al., ICML 2021, Tables 1–2 and §4), on three CPU-sized tasks:
//   (a) lm      subword LM on the KJV (kjv_bpe, a byte-pair vocabulary trained on the train
//               split): test perplexity per subword and bits per character, parameters, tokens/s;
//   (b) seq2seq a transduction task (reverse in quick, KJV word reversal otherwise): exact match
//               of greedy decoding on the test split (token accuracy beside it);
//   (c) mqar    multi-query associative recall (Zoology, arXiv 2312.04927), the task that needs
//               token-token interaction: accuracy at the query positions, swept over the number
//               of key-value pairs. Input-independent mixing (Random) cannot look a key up by
//               content, so it is not expected to beat 1/pairs unless a value's position is
//               fixed, as with 1 pair (train/data/associative_recall.h says why).
// Every kind trains the same model (size, steps, schedule, data order) on each task; only the
// attention kind differs. The scale preset repeats (a) and (b) at three model sizes
// (experiments/lib/size_sweep.h). Each cell is stored in results.json as soon as it finishes, so a
// rerun resumes where it stopped, and --only runs a piece of the grid.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "engine/launch.h"
#include "experiments/lib/ablation_claims.h"
#include "experiments/lib/kind_grid.h"
#include "experiments/lib/options.h"
#include "experiments/lib/results.h"
#include "experiments/lib/size_sweep.h"
#include "experiments/lib/table.h"
#include "experiments/lib/training_cell.h"

using namespace attnlab;
using namespace attnlab::experiments;

namespace {

constexpr const char* kName = "synthesizer_ablation";

const char* const kHelp =
    "synthesizer_ablation — random vs learned attention (Synthesizer, Tay et al. 2021)\n"
    "\n"
    "usage: synthesizer_ablation [--preset quick|full|scale] [--seeds N]\n"
    "                            [--only LABEL=VALUE,...] [--out DIR]\n"
    "\n"
    "  quick  tiny models, 1 seed: a smoke run of a few minutes (make demo)\n"
    "  full   d = 128 subword LM, word reversal and MQAR, 3 seeds; about 6 hours of one thread:\n"
    "         run two pieces side by side on 2 cores, e.g. --only task=lm,task=seq2seq,\n"
    "         task=mqar_pairs1 and --only task=mqar,task=mqar_pairs2\n"
    "  scale  the LM and word reversal at three model sizes (d 128/2 layers to d 384/6 layers),\n"
    "         each size's learning rate swept on vanilla first; many hours: run it in pieces,\n"
    "         e.g. --only stage=lr,size=large then --only size=large,kind=random\n"
    "\n"
    "Kinds: vanilla, fixed_random, random, factorized_random, dense, factorized_dense,\n"
    "random+dense, random+vanilla, dense+vanilla (scale: the six with WMT BLEU in the paper).\n"
    "Cell labels for --only: stage (scale), task, size (scale), kind, seed, lr (scale).\n"
    "Writes results/synthesizer_ablation/{results.json,table.md,*.png}; reruns skip finished\n"
    "cells, and pieces may run in separate processes into one directory.\n";

const std::vector<std::string> kKinds = {"vanilla",           "fixed_random",   "random",
                                         "factorized_random", "dense",          "factorized_dense",
                                         "random+dense",      "random+vanilla", "dense+vanilla"};
// MQAR at 1 and 2 pairs, one seed: the content-blind kinds against vanilla and a mixture.
const std::vector<std::string> kPairSweepKinds = {"vanilla", "fixed_random", "random", "dense",
                                                  "random+vanilla"};
const std::vector<std::string> kScaleKinds = {"vanilla", "fixed_random", "random",
                                              "dense",   "random+dense", "random+vanilla"};

// The subword LM: 256 subwords of context (about 1,000 characters), 2,048 tokens a step.
KindTask lm_task(const json& model, int64_t context, int64_t steps, int64_t batch) {
    return {"lm",
            "KJV subword LM",
            "bpc",
            "test bits per character",
            false,
            {{"model", model},
             {"data", {{"task", "kjv_bpe"}, {"context_length", context}, {"vocab_size", 4000}}},
             {"train", cell_training(steps, 2e-3, batch)}}};
}

KindTask seq2seq_task(const json& model, bool quick) {
    return {"seq2seq",
            quick ? "reverse" : "KJV word reversal",
            "exact_match",
            "test exact match",
            true,
            {{"model", model},
             {"data", quick ? json{{"task", "reverse"}, {"min_length", 4}, {"max_length", 10}}
                            : json{{"task", "kjv_transduce"}}},
             {"train", cell_training(quick ? 400 : 600, 3e-3, 32)}}};
}

// MQAR as sized in docs/results/mqar_sizing (vanilla at 4 pairs, d = 64, 2 layers, leaves the
// 1/pairs plateau after 2,000–4,000 steps depending on the seed; at lr 3e-3 one seed of three
// never did in 12,000 steps, at 1e-3 all three did; quick: 2 pairs, too few steps to leave the
// plateau). `chance` is 1/pairs, what a kind earns by answering with one of the sequence's own
// values without matching its key: content-blind mixing can reach it, only a content match goes
// beyond.
KindTask mqar_task(bool quick, int64_t pairs, const std::string& id) {
    const int64_t alphabet = quick ? 16 : 64;
    const json model = {
        {"d_model", 64}, {"heads", 2}, {"layers", 2}, {"d_ff", 128}, {"dropout", 0.0}};
    json train = cell_training(quick ? 800 : 12000, quick ? 3e-3 : 1e-3, 64);
    train["weight_decay"] = 0.1;
    return {id,
            "MQAR, " + std::to_string(pairs) + (pairs == 1 ? " pair" : " pairs"),
            "accuracy",
            "test accuracy at the queries",
            true,
            {{"model", model},
             {"data",
              {{"task", "mqar"},
               {"pairs", pairs},
               {"length", quick ? 32 : 64},
               {"key_alphabet", alphabet},
               {"value_alphabet", alphabet},
               {"random_fillers", true}}},
             {"train", train}},
            1.0 / double(pairs)};
}

// (a), (b), (c) with every seed; then MQAR at fewer pairs, one seed (full only).
std::vector<KindTask> task_specs(bool quick) {
    const json model = {{"d_model", quick ? 64 : 128},
                        {"heads", 4},
                        {"layers", 2},
                        {"d_ff", quick ? 256 : 512},
                        {"dropout", 0.0}};  // runs this short do not overfit
    return {lm_task(model, quick ? 64 : 256, quick ? 300 : 1200, quick ? 16 : 8),
            seq2seq_task(model, quick), mqar_task(quick, quick ? 2 : 4, "mqar")};
}
std::vector<KindTask> pair_sweep(bool quick) {
    if (quick) return {};
    return {mqar_task(false, 1, "mqar_pairs1"), mqar_task(false, 2, "mqar_pairs2")};
}

SizeSweep scale_sweep() {
    const json model = json::object();  // the sweep sets the size, dropout and kind
    KindTask lm = lm_task(model, 256, 1200, 8);
    lm.metric = "loss";
    lm.metric_title = "test loss (nats per subword)";
    KindTask seq2seq = seq2seq_task(model, false);
    return {"scale",
            {{"small", 128, 2, 4, 512, {1e-3, 2e-3, 4e-3, 8e-3}, 3},
             {"medium", 256, 4, 4, 1024, {5e-4, 1e-3, 2e-3, 4e-3}, 3},
             {"large", 384, 6, 6, 1536, {3e-4, 6e-4, 1.2e-3}, 2}},
            {{lm, true, "relative log-perplexity gap to vanilla"},
             {seq2seq, false, "exact-match deficit to vanilla"}},
            kScaleKinds,
            0.1};
}

const std::map<std::string, std::string> kPaperBleu = {
    {"vanilla", "27.67"}, {"fixed_random", "23.89"}, {"random", "27.27"},
    {"dense", "27.43"},   {"random+dense", "27.68"}, {"random+vanilla", "28.47"}};

int run_scale(const ExperimentOptions& options) {
    const SizeSweep sweep = scale_sweep();
    ResultStore store(options.out_dir, kName);
    if (!run_grid(store, options, size_sweep_cells(store, options, sweep)))
        return 0;  // process 0 reports
    const std::string report =
        "# synthesizer_ablation (scale)\n\nEvery kind at three model sizes; per size the "
        "learning rate of " +
        sweep.kinds[0] +
        " (lowest validation loss) is used for every kind and task. LM: 1,200 steps of 8 × 256 "
        "subwords (2.46M tokens); word reversal: 600 steps of 32 pairs. Dropout 0.1.\n\n" +
        size_sweep_report(store, sweep);
    write_file_atomically(store.path("scale_table.md"), report);
    write_deficit_plots(store, sweep);
    std::printf("%s", report.c_str());
    return 0;
}

std::string ablation_table(const ResultStore& store, const ExperimentOptions& options,
                           const std::vector<KindTask>& tasks, const std::vector<KindTask>& sweep,
                           int64_t seeds) {
    std::vector<std::string> header = {"kind",
                                       "params (LM)",
                                       "LM bpc ↓",
                                       "LM perplexity ↓",
                                       "LM tokens/s",
                                       tasks[1].id + " exact match ↑",
                                       tasks[1].id + " token acc.",
                                       tasks[2].title + " ↑"};
    for (const KindTask& task : sweep) header.push_back(task.title + " (1 seed)");
    header.push_back("paper EnDe BLEU");
    Table table{header, {}};
    for (const std::string& kind : kKinds) {
        auto summary = [&](const KindTask& task, const std::string& metric, int64_t n) {
            return store.summary(kind_cell_prefix(options.preset, task, kind), metric, n);
        };
        std::vector<std::string> row = {kind,
                                        summary(tasks[0], "parameters", seeds).str(0),
                                        summary(tasks[0], "bpc", seeds).str(3),
                                        summary(tasks[0], "perplexity", seeds).str(1),
                                        summary(tasks[0], "tokens_per_s", seeds).str(0),
                                        summary(tasks[1], "exact_match", seeds).str(3),
                                        summary(tasks[1], "token_accuracy", seeds).str(3),
                                        summary(tasks[2], "accuracy", seeds).str(3)};
        for (const KindTask& task : sweep) row.push_back(summary(task, "accuracy", 1).str(3));
        const auto paper = kPaperBleu.find(kind);
        row.push_back(paper == kPaperBleu.end() ? "–" : paper->second);
        table.rows.push_back(row);
    }
    return table.markdown();
}

int run(const ExperimentOptions& options) {
    if (options.preset == "scale") return run_scale(options);
    const bool quick = options.quick();
    const int64_t seeds = options.seed_count();
    const std::vector<KindTask> tasks = task_specs(quick), sweep = pair_sweep(quick);
    ResultStore store(options.out_dir, kName);
    std::vector<Cell> cells = kind_grid_cells(options, tasks, kKinds, seeds);
    for (const Cell& cell : kind_grid_cells(options, sweep, kPairSweepKinds, 1))
        cells.push_back(cell);
    if (!run_grid(store, options, cells)) return 0;  // process 0 reports

    const std::string report =
        "# synthesizer_ablation (" + options.preset + ", " + std::to_string(seeds) +
        (seeds == 1 ? " seed" : " seeds") + ")\n\n" +
        "Test metrics after training every kind with the same model, steps and data; mean ± std "
        "over seeds. Tasks: (a) " +
        tasks[0].title + ", (b) " + tasks[1].title + ", (c) " + tasks[2].title +
        " (content-blind floor 1/pairs = " + Summary{tasks[2].chance, 0, 1}.str(3) +
        "; a uniform guess scores less)" + (quick ? "" : ", and MQAR at fewer pairs") + ".\n\n" +
        ablation_table(store, options, tasks, sweep, seeds) +
        "\nThe paper column is WMT'14 En-De BLEU (Synthesizer Table 1, via papers.md): a "
        "different task and scale, shown for its ordering only.\n\n"
        "## The paper's claims, checked on these numbers\n\n" +
        ablation_claims(store, options.preset, tasks, kKinds, seeds);
    write_file_atomically(store.path("table.md"), report);
    for (const KindTask& task : tasks)
        write_kind_bars(store, options.preset, task, kKinds, seeds, task.metric, task.metric_title,
                        store.path(task.id + "_" + task.metric + ".png"));
    std::printf("%s", report.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    attnlab::configure_process();  // first: OpenBLAS loads with its core type (engine/launch.h)
    return experiment_main(argc, argv, {kName, kHelp, {"quick", "full", "scale"}}, run);
}
