// attention_maps.h — the matrices `attnlab attention-map` draws: for one input, what every
// attention layer of a model attends to, one [rows, cols] matrix per head.
//
// Layers are found by walking Module::children() depth first for TransformerBlocks, so any model
// built from them (LanguageModel now, the encoders of Classifier and Seq2Seq alike) is covered in
// layer order; the model runs through Task::evaluate_batch, the one forward every task has.
//
// What each layer gives is its token mixer's attention_pictures hook (models/token_mixer.h):
// softmax-frame layers their weights P and/or each logit source's alignment (MapChoice), the
// Performer its implicit attention D⁻¹ φ(Q) φ(K)ᵀ, Linformer its weights over the k projected keys;
// a layer with no pictures (the convolutions) is skipped with a note.
// The model runs in eval mode (no dropout) with recording off; its mode is restored.
#pragma once

#include <string>
#include <vector>

#include "models/block.h"
#include "train/task.h"

namespace attnlab {

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

// Runs the task's model on `example` and collects the maps of every block (see above).
AttentionMaps attention_maps(Task& task, const Example& example, MapChoice choice);

}  // namespace attnlab
