// cli_attention_map.cpp — `attnlab attention-map`: heat maps of what every attention layer and
// head of a checkpoint attends to for one input (the matrices come from attention_maps.h; the
// pictures from train/plot.h).
#include <filesystem>
#include <set>

#include "engine/kernels/parallel.h"
#include "train/attention_maps.h"
#include "train/cli.h"
#include "train/cli_common.h"
#include "train/lm_task.h"
#include "train/output_dir.h"
#include "train/plot.h"

namespace attnlab {
namespace {

const char* kAttentionMapHelp =
    R"(usage: attnlab attention-map CHECKPOINT [--input TEXT | --example N [--split NAME]]
                             [--out DIR] [--what auto|weights|alignment] [--layers LIST]
                             [--heads LIST] [--threads N]

Runs the checkpoint's model on one input (eval mode, no dropout) and writes one PNG heat map per
layer and head, queries down and keys across, named DIR/layer<i>_head<j>_<what>.png (with the
.dat numbers and .gp gnuplot script beside it). Axes show the input's tokens as the task decodes
them (characters for text tasks: space as ␣, newline as ⏎); positions for inputs over 96 tokens.

What a layer draws depends on its kind:
  vanilla, dense, random, ... (and mixtures such as random+vanilla):
      weights    the attention weights P = softmax(logits + mask) of the forward
      alignment  softmax of each logit source's own logits (a mixture's components separately);
                 for random, fixed_random and factorized_random the learned pattern itself,
                 the same for every input
      auto       weights for vanilla, alignment for one Synthesizer kind, both for mixtures
  performer      FAVOR+'s implicit attention D⁻¹ φ(Q) φ(K)ᵀ (whatever --what says)
  linformer      the weights of the queries over the k projected keys, L × k
  lightweight_conv, dynamic_conv: no attention matrix; skipped with a note

options:
  --input TEXT       the input, encoded like sample's --prompt (language models only); cut to
                     the model's max_len with a note
  --example N        example N of a data split (default: example 0 of valid)
  --split NAME       train, valid or test (default valid)
  --out DIR          where the PNGs go (default: attention_maps/ beside the checkpoint)
  --what W           auto, weights or alignment (default auto)
  --layers LIST      comma-separated layer indices, e.g. 0,2 (default: all)
  --heads LIST       comma-separated head indices (default: all)
  --threads N        OpenMP threads (default: all)

example:
  attnlab attention-map runs/text/best.safetensors --input "In the beginning" --layers 0
)";

constexpr size_t kMaxLabelledTokens = 96;

MapChoice parse_what(const std::string& what) {
    if (what == "auto") return MapChoice::Auto;
    if (what == "weights") return MapChoice::Weights;
    if (what == "alignment") return MapChoice::Alignment;
    throw UsageError(
        cat("attention-map: --what must be auto, weights or alignment, got \"", what, "\""));
}

// "0,2" → {0, 2}, each in [0, count); empty text → all.
std::set<int64_t> parse_indices(const std::string& option, const std::string& text, int64_t count) {
    std::set<int64_t> out;
    if (text.empty()) {
        for (int64_t i = 0; i < count; ++i) out.insert(i);
        return out;
    }
    size_t start = 0;
    while (start <= text.size()) {
        const size_t comma = std::min(text.find(',', start), text.size());
        const std::string item = text.substr(start, comma - start);
        size_t used = 0;
        int64_t index = -1;
        try {
            index = std::stoll(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (item.empty() || used != item.size() || index < 0 || index >= count)
            throw UsageError(cat("attention-map: --", option, " \"", text,
                                 "\": expected comma-separated indices in 0..", count - 1));
        out.insert(index);
        start = comma + 1;
    }
    return out;
}

// A tick label for one token: visible stand-ins for blanks and control characters.
std::string visible(const std::string& token) {
    if (token.empty()) return "<pad>";
    std::string out;
    for (unsigned char c : token) {
        if (c == ' ')
            out += "␣";
        else if (c == '\n')
            out += "⏎";
        else if (c == '\t')
            out += "⇥";
        else if (c < 0x20 || c == 0x7f)
            out += cat("\\x", "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15]);
        else
            out += char(c);
    }
    return out;
}

// The example to draw: --input text (language models) or --example N of --split.
Example choose_example(const Args& parsed, Task& task, std::ostream& out) {
    if (!parsed.has("input")) {
        const Dataset& data = task.split(parsed.get("split", "valid"));
        const int64_t index = parsed.get_int("example", 0);
        if (index < 0 || index >= data.size())
            throw UsageError(cat("attention-map: --example ", index, " outside 0..",
                                 data.size() - 1, " of ", data.name()));
        return data.example(index);
    }
    auto* lm = dynamic_cast<LmTask*>(&task);
    if (!lm)
        throw UsageError(cat("attention-map: --input needs a language model; task ", task.name(),
                             " takes --example N"));
    std::vector<int32_t> ids;
    try {
        ids = lm->encode(parsed.get("input", ""));
    } catch (const Error& e) {
        throw UsageError(cat("attention-map: --input: ", e.what()));
    }
    if (ids.empty()) throw UsageError("attention-map: --input is empty");
    const size_t max_len = size_t(lm->lm().config().stack.max_len);
    if (ids.size() > max_len) {
        out << "note: --input has " << ids.size() << " tokens; using the first " << max_len
            << " (the model's max_len)" << std::endl;
        ids.resize(max_len);
    }
    // Next-token targets (the forward's loss is not reported); the last one is unknown.
    Example example;
    example.input = ids;
    example.target.assign(ids.begin() + 1, ids.end());
    example.target.push_back(kIgnoreIndex);
    return example;
}

}  // namespace

int cli_attention_map(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const Args parsed("attention-map", args,
                      {"input", "example", "split", "out", "what", "layers", "heads", "threads"},
                      {}, 1);
    if (parsed.has("help")) {
        out << kAttentionMapHelp;
        return kExitOk;
    }
    if (parsed.positional().empty())
        throw UsageError("attention-map needs a CHECKPOINT (see attnlab attention-map --help)");
    if (parsed.has("input") && (parsed.has("example") || parsed.has("split")))
        throw UsageError("attention-map: give --input or --example/--split, not both");
    const MapChoice choice = parse_what(parsed.get("what", "auto"));
    const kernels::ScopedThreads threads(threads_option(parsed));
    const std::string checkpoint = parsed.positional()[0];
    std::unique_ptr<Task> task = load_task(checkpoint);
    const Example example = choose_example(parsed, *task, out);
    const AttentionMaps maps = attention_maps(*task, example, choice);

    const int64_t layers = int64_t(transformer_blocks(task->model()).size());
    const int64_t heads = maps.maps.empty() ? 0 : maps.maps.front().matrix.size(0);
    const std::set<int64_t> chosen_layers =
        parse_indices("layers", parsed.get("layers", ""), layers);
    const std::set<int64_t> chosen_heads = parse_indices("heads", parsed.get("heads", ""), heads);
    const std::filesystem::path directory =
        parsed.has("out") ? std::filesystem::path(parsed.get("out", ""))
                          : std::filesystem::path(checkpoint).parent_path() / "attention_maps";
    NewDirectories created(directory.string());  // removed again if drawing fails

    const Dataset& data = task->split("train");
    std::vector<std::string> tokens;
    if (example.input.size() <= kMaxLabelledTokens)
        for (int32_t id : example.input) tokens.push_back(visible(data.decode({id})));
    out << "input (" << example.input.size() << " tokens): " << data.decode(example.input)
        << std::endl;
    for (const std::string& note : maps.notes) out << "note: " << note << std::endl;
    int64_t written = 0;
    for (const AttentionMap& map : maps.maps) {
        if (!chosen_layers.count(map.layer)) continue;
        const int64_t rows = map.matrix.size(1), cols = map.matrix.size(2);
        for (int64_t head : chosen_heads) {
            Heatmap heatmap;
            heatmap.title =
                cat("layer ", map.layer, ", head ", head, " — ", map.kind, " (", map.what, ")");
            if (!map.keys_are_positions) heatmap.x_label = "projected key";
            heatmap.rows = rows;
            heatmap.cols = cols;
            const real* values = map.matrix.data() + head * rows * cols;
            heatmap.values.assign(values, values + rows * cols);
            if (int64_t(tokens.size()) == rows) heatmap.row_labels = tokens;
            if (map.keys_are_positions && int64_t(tokens.size()) == cols)
                heatmap.col_labels = tokens;
            write_heatmap(heatmap, (directory /
                                    cat("layer", map.layer, "_head", head, "_", map.label, ".png"))
                                       .string());
            ++written;
        }
    }
    created.keep();
    out << "wrote " << written << " attention maps to " << directory.string() << std::endl;
    return kExitOk;
}

}  // namespace attnlab
