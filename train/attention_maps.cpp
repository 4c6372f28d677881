// attention_maps.cpp — finds the attention layers of a model, runs it once and reads off each
// layer's matrices (see attention_maps.h for what each kind gives).
#include "attention_maps.h"

#include "engine/autograd.h"

namespace attnlab {
namespace {

void collect_blocks(Module& module, std::vector<TransformerBlock*>& out) {
    for (const auto& [name, child] : module.children()) {
        if (auto* block = dynamic_cast<TransformerBlock*>(child))
            out.push_back(block);
        else
            collect_blocks(*child, out);
    }
}

}  // namespace

std::vector<TransformerBlock*> transformer_blocks(Module& root) {
    std::vector<TransformerBlock*> blocks;
    collect_blocks(root, blocks);
    return blocks;
}

AttentionMaps attention_maps(Task& task, const Example& example, MapChoice choice) {
    Module& model = task.model();
    const std::vector<TransformerBlock*> blocks = transformer_blocks(model);
    ATTNLAB_CHECK(!blocks.empty(), "attention_maps: the model of task ", task.name(),
                  " has no Transformer blocks");
    const bool was_training = model.training();
    model.set_training(false);
    NoGradGuard no_grad;
    for (TransformerBlock* block : blocks) block->set_keep_mixer_input(true);
    task.evaluate_batch(collate({example}));
    for (TransformerBlock* block : blocks) block->set_keep_mixer_input(false);
    model.set_training(was_training);

    AttentionMaps out;
    for (size_t i = 0; i < blocks.size(); ++i) {
        const int64_t layer = int64_t(i);
        TokenMixer& mixer = blocks[i]->attention();
        const std::string& kind = mixer.config().kind;
        const Tensor& x = blocks[i]->last_mixer_input();  // [1, L, d]
        std::vector<AttentionPicture> pictures = mixer.attention_pictures(x, choice);
        if (pictures.empty())
            out.notes.push_back(cat("layer ", layer, ": ", kind,
                                    " mixes tokens without attention weights; skipped"));
        for (AttentionPicture& picture : pictures)
            out.maps.push_back({layer, kind, std::move(picture.what), std::move(picture.label),
                                std::move(picture.matrix), picture.keys_are_positions});
    }
    return out;
}

}  // namespace attnlab
