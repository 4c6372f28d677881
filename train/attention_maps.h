// attention_maps.h — the matrices `attnlab attention-map` draws: for one input, what every
// attention layer of a model attends to, one [rows, cols] matrix per head.
//
// Layers are found by walking Module::children() depth first for TransformerBlocks, so any model
// built from them (LanguageModel now, the encoders of Classifier and Seq2Seq alike) is covered in
// layer order; the model runs through Task::evaluate_batch, the one forward every task has.
//
// What each layer kind gives (MapChoice picks among the logit kinds' pictures):
//   logit kinds (attention.h)  "weights": P = softmax(S + mask) of the forward, [L, L];
//                              "alignment": softmax(S_c + causal mask) of each logit source c on
//                              its own (each component of a mixture separately). For random,
//                              fixed_random and factorized_random it does not depend on the input
//                              (the Synthesizer paper's picture); for vanilla and the dense kinds
//                              it is the per-input softmax of that source's logits.
//                              Auto: weights for vanilla, alignment for one Synthesizer kind, both
//                              for mixtures.
//   performer                  FAVOR+'s implicit attention D⁻¹ φ(Q) φ(K)ᵀ of the layer's input,
//                              [L, L] (PerformerAttention::implicit_attention), whatever the
//                              choice.
//   linformer                  P [L, k]: queries against the k projected keys (not positions).
//   convolutions               no attention matrix: the layer is skipped with a note.
// The model runs in eval mode (no dropout) with recording off; its mode is restored.
#pragma once

#include <string>
#include <vector>

#include "models/attention.h"
#include "models/block.h"
#include "train/task.h"

namespace attnlab {

enum class MapChoice { Auto, Weights, Alignment };

struct AttentionMap {
    int64_t layer = 0;
    std::string kind;   // the layer's attention kind ("random+vanilla", "performer", ...)
    std::string what;   // "weights", "alignment of random", "implicit attention", ...
    std::string label;  // a file-name part: "weights", "alignment_random", "implicit", ...
    Tensor matrix;      // [h, rows, cols]: queries down, keys across
    bool keys_are_positions = true;  // false for linformer's projected keys
};

struct AttentionMaps {
    std::vector<AttentionMap> maps;  // in layer order
    std::vector<std::string> notes;  // layers with nothing to draw, one line each
};

// Every TransformerBlock under `root`, depth first in registration order.
std::vector<TransformerBlock*> transformer_blocks(Module& root);

// softmax(S + causal mask) of one logit source for x [B, L, d] → [B or 1, h, L, L].
Tensor synthetic_alignment(LogitSource& source, const Tensor& x, bool causal);

// Runs the task's model on `example` and collects the maps of every block (see above).
AttentionMaps attention_maps(Task& task, const Example& example, MapChoice choice);

}  // namespace attnlab
