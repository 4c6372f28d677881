// lra_setup.cpp — lra_cpu's tasks and rows (lra_setup.h).
#include "experiments/lib/lra_setup.h"

#include <algorithm>
#include <map>

namespace attnlab::experiments {

namespace {

// LRA's optimiser on the text tasks (ListOps, Text, Retrieval): Adam with β2 = 0.98 and weight
// decay 0.1; Image and Pathfinder without weight decay. Its schedule (linear warm-up, then rsqrt
// decay from a peak of about 5e-4) is replaced by warm-up + cosine over our shorter runs.
json lra_train(int64_t steps, double lr, bool text_task, int64_t eval_batches) {
    return {{"steps", steps},
            {"batch_size", 32},
            {"lr", lr},
            {"schedule", {{"kind", "warmup_cosine"}, {"warmup", steps / 10}}},
            {"adam_beta2", 0.98},
            {"weight_decay", text_task ? 0.1 : 0.0},
            {"eval_every", std::max<int64_t>(1, steps / 10)},
            {"eval_batches", eval_batches},
            {"checkpoint_every", std::max<int64_t>(1, steps / 10)},
            {"log_every", std::max<int64_t>(1, steps / 50)}};
}

// The encoder: LRA's embedding scale N(0, 1), sinusoidal positions but on Image, its dropout 0.1.
json lra_model(int64_t d, int64_t heads, int64_t layers, int64_t d_ff, const char* pooling,
               const char* positions) {
    return {{"d_model", d},           {"heads", heads},      {"layers", layers},
            {"d_ff", d_ff},           {"dropout", 0.1},      {"pooling", pooling},
            {"positions", positions}, {"embedding_std", 1.0}};
}

// LRA's released base config per task (papers.md §3.4), for the settings table.
const char* const kLraListOps = "4 layers, d 512, 8 heads, d_ff 1024; 5K steps × 32";
const char* const kLraText = "4 layers, d 256, 4 heads, d_ff 1024; 20K steps × 32";
const char* const kLraRetrieval = "4 layers, d 128, 4 heads, d_ff 512; 5K steps × 32";
const char* const kLraImage = "1 layer, d 128, 8 heads, d_ff 128; 200 epochs × 256 (35K steps)";
const char* const kLraPathfinder = "4 layers, d 32, 4 heads, d_ff 32; 200 epochs × 512 (62K steps)";

json task_config(json data, json model, json train) {
    return {{"data", std::move(data)}, {"model", std::move(model)}, {"train", std::move(train)}};
}

std::vector<LraTask> full_tasks() {
    const json text_model = lra_model(64, 4, 2, 128, "cls", "sinusoidal");
    std::vector<LraTask> tasks;
    tasks.push_back({"listops", "ListOps", 0, "2K",
                     task_config({{"task", "listops"},
                                  {"min_length", 501},
                                  {"max_length", 1999},
                                  {"max_depth", 10},
                                  {"max_args", 10}},
                                 text_model, lra_train(2000, 1e-3, true, 8)),
                     kLraListOps});
    auto text = [&](const char* id, const char* title, int64_t bytes, int64_t steps) {
        return LraTask{id,
                       title,
                       bytes == 1000 ? 1 : -1,
                       bytes == 1000 ? "1K (released)" : "4K",
                       task_config({{"task", "kjv_classify"},
                                    {"label", "testament"},
                                    {"min_length", bytes},
                                    {"max_length", bytes}},
                                   text_model, lra_train(steps, 1e-3, true, 8)),
                       kLraText};
    };
    tasks.push_back(text("text", "Text", 1000, 500));
    tasks.push_back(
        {"retrieval", "Retrieval", 2, "2 × 4K",
         task_config({{"task", "kjv_retrieval"}, {"min_length", 4000}, {"max_length", 4000}},
                     text_model, lra_train(300, 1e-3, true, 8)),
         kLraRetrieval});
    tasks.push_back(
        {"image", "Image", 3, "1K (32 × 32)",
         task_config({{"task", "fashion_mnist"}, {"downsample", 1}},
                     lra_model(128, 8, 1, 128, "cls", "learned"), lra_train(800, 1e-3, false, 8)),
         kLraImage});
    tasks.push_back({"pathfinder", "Pathfinder", 4, "1K (32 × 32)",
                     task_config({{"task", "pathfinder"}, {"side", 32}, {"train_size", 40000}},
                                 lra_model(32, 4, 4, 32, "mean", "sinusoidal"),
                                 lra_train(5000, 1e-3, false, 8)),
                     kLraPathfinder});
    tasks.push_back(text("text4k", "Text 4K", 4000, 300));
    return tasks;
}

// A tenth of the lengths, a small model and short runs: every row on every task in minutes.
std::vector<LraTask> quick_tasks() {
    const json model = lra_model(32, 4, 1, 64, "cls", "sinusoidal");
    const json train = lra_train(60, 2e-3, true, 2);
    return {
        {"listops", "ListOps", 0, "2K",
         task_config(
             {{"task", "listops"}, {"min_length", 51}, {"max_length", 199}, {"train_size", 2000}},
             model, train),
         kLraListOps},
        {"text", "Text", 1, "1K",
         task_config({{"task", "kjv_classify"},
                      {"label", "testament"},
                      {"min_length", 100},
                      {"max_length", 100}},
                     model, train),
         kLraText},
        {"retrieval", "Retrieval", 2, "2 × 4K",
         task_config({{"task", "kjv_retrieval"}, {"min_length", 256}, {"max_length", 256}}, model,
                     train),
         kLraRetrieval},
        {"image", "Image", 3, "1K",
         task_config({{"task", "fashion_mnist"}, {"downsample", 2}},
                     lra_model(32, 4, 1, 64, "cls", "learned"), train),
         kLraImage},
        {"pathfinder", "Pathfinder", 4, "1K",
         task_config(
             {{"task", "pathfinder"}, {"side", 20}, {"contour_length", 6}, {"train_size", 2000}},
             lra_model(32, 4, 1, 32, "mean", "sinusoidal"), train),
         kLraPathfinder}};
}

}  // namespace

std::vector<LraTask> lra_tasks(const std::string& preset) {
    if (preset == "quick") return quick_tasks();
    if (preset == "full") return full_tasks();
    // Path-X: Pathfinder at 128 × 128, longer dashes for the larger canvas (pathfinder.h).
    return {{"pathx", "Path-X", -1, "16K (128 × 128)",
             task_config({{"task", "pathfinder"},
                          {"side", 128},
                          {"contour_length", 14},
                          {"paddle_length", 5},
                          {"gap", 3},
                          {"train_size", 40000}},
                         lra_model(32, 4, 4, 32, "mean", "sinusoidal"),
                         lra_train(3000, 1e-3, false, 8)),
             "as Pathfinder; every LRA model FAILs"}};
}

std::vector<LraRow> lra_rows() {
    // LRA's options beyond the kind are its kinds' defaults (block sizes, hashes, windows).
    return {
        {"transformer",
         "Transformer",
         {36.37, 64.27, 57.46, 42.44, 71.40, 54.39},
         {{"kind", "vanilla"}}},
        {"local",
         "Local Attention",
         {15.82, 52.98, 53.39, 41.46, 66.63, 46.06},
         {{"kind", "local"}}},
        {"sparse_transformer",
         "Sparse Trans.",
         {17.07, 63.58, 59.59, 44.24, 71.71, 51.24},
         {{"kind", "sparse_transformer"}}},
        {"longformer",
         "Longformer",
         {35.63, 62.85, 56.89, 42.22, 69.71, 53.46},
         {{"kind", "longformer"}}},
        {"linformer",
         "Linformer",
         {35.70, 53.94, 52.27, 38.56, 76.34, 51.36},
         {{"kind", "linformer"}, {"linformer_k", 16}}},
        {"reformer",
         "Reformer",
         {37.27, 56.10, 53.40, 38.07, 68.50, 50.67},
         {{"kind", "reformer"}}},
        {"sinkhorn",
         "Sinkhorn Trans.",
         {33.67, 61.20, 53.83, 41.23, 67.45, 51.39},
         {{"kind", "sinkhorn"}}},
        {"synthesizer",
         "Synthesizer",
         {36.99, 61.68, 54.67, 41.61, 69.45, 52.88},
         {{"kind", "random+vanilla"}, {"mixture_weights", "ones"}}},
        {"bigbird", "BigBird", {36.05, 64.02, 59.29, 40.83, 74.87, 55.01}, {{"kind", "bigbird"}}},
        {"linear_transformer",
         "Linear Trans.",
         {16.13, 65.90, 53.09, 42.34, 75.30, 50.55},
         {{"kind", "linear_transformer"}}},
        {"performer",
         "Performer",
         {18.01, 65.40, 53.82, 42.77, 77.05, 51.41},
         {{"kind", "performer"}, {"performer_feature_kind", "relu_deterministic"}}},
        {"favor_plus",
         "FAVOR+ m = 256 (attnlab)",
         {},
         {{"kind", "performer"}, {"performer_features", 256}}},
        {"synthesizer_learned",
         "Synthesizer, learned mix (attnlab)",
         {},
         {{"kind", "random+vanilla"}}},
        {"random", "Synthesizer Random (attnlab)", {}, {{"kind", "random"}}},
        {"dense", "Synthesizer Dense (attnlab)", {}, {{"kind", "dense"}}}};
}

json lra_attention(const LraRow& row, const LraTask& task) {
    // LRA's ListOps config alone switches its Performer to softmax FAVOR+ with two features,
    // redrawn on every call (papers.md §3.7).
    if (row.id == "performer" && task.id == "listops")
        return {{"kind", "performer"},
                {"performer_feature_kind", "softmax"},
                {"performer_features", 2},
                {"performer_redraw_every_call", true}};
    return row.attention;
}

}  // namespace attnlab::experiments
