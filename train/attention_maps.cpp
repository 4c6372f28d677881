// attention_maps.cpp — finds the attention layers of a model, runs it once and reads off each
// layer's matrices (see attention_maps.h for what each kind gives).
#include "attention_maps.h"

#include <limits>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "models/attn_lightweight_conv.h"
#include "models/attn_linformer.h"
#include "models/attn_mixture.h"
#include "models/attn_performer.h"

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

bool is_synthesizer(const std::string& kind) {
    return kind == "random" || kind == "fixed_random" || kind == "factorized_random" ||
           kind == "dense" || kind == "factorized_dense";
}

// [1, h, rows, cols] → [h, rows, cols] (a batch of one example).
Tensor first_example(const Tensor& t) {
    ATTNLAB_CHECK(t.ndim() == 4 && t.size(0) == 1,
                  "attention_maps: expected [1, h, rows, cols], got ", shape_str(t.shape()));
    return reshape(t, {t.size(1), t.size(2), t.size(3)});
}

// The maps of one logit-kind layer whose mixer input was `x`.
void logit_layer_maps(int64_t layer, MultiHeadAttention& attention, const Tensor& x,
                      MapChoice choice, AttentionMaps& out) {
    const std::string& kind = attention.config().kind;
    std::vector<LogitSource*> sources;
    if (dynamic_cast<MixtureLogits*>(&attention.source())) {
        for (const auto& [name, child] : attention.source().children())
            if (auto* component = dynamic_cast<LogitSource*>(child)) sources.push_back(component);
    } else {
        sources.push_back(&attention.source());
    }
    const bool mixture = sources.size() > 1;
    const bool weights = choice == MapChoice::Weights ||
                         (choice == MapChoice::Auto && (mixture || !is_synthesizer(kind)));
    const bool alignment = choice == MapChoice::Alignment ||
                           (choice == MapChoice::Auto && (mixture || is_synthesizer(kind)));
    if (weights)
        out.maps.push_back(
            {layer, kind, "weights", "weights", first_example(attention.last_weights())});
    if (alignment)
        for (LogitSource* source : sources) {
            const std::string name = source->name();
            out.maps.push_back(
                {layer, kind, mixture ? "alignment of " + name : "alignment",
                 mixture ? "alignment_" + name : "alignment",
                 first_example(synthetic_alignment(*source, x, attention.config().causal))});
        }
}

}  // namespace

std::vector<TransformerBlock*> transformer_blocks(Module& root) {
    std::vector<TransformerBlock*> blocks;
    collect_blocks(root, blocks);
    return blocks;
}

Tensor synthetic_alignment(LogitSource& source, const Tensor& x, bool causal) {
    const Tensor logits = source.logits(x);  // [B or 1, h, L, L]
    const int64_t L = logits.size(-1);
    Tensor mask;
    if (causal) {
        mask = Tensor::zeros({1, 1, L, L});
        for (int64_t i = 0; i < L; ++i)
            for (int64_t j = i + 1; j < L; ++j)
                mask.data()[i * L + j] = -std::numeric_limits<real>::infinity();
    }
    return softmax(logits, mask);
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
        const Tensor& x = blocks[i]->last_mixer_input();  // [1, L, d]
        if (auto* attention = dynamic_cast<MultiHeadAttention*>(&mixer)) {
            logit_layer_maps(layer, *attention, x, choice, out);
        } else if (auto* performer = dynamic_cast<PerformerAttention*>(&mixer)) {
            out.maps.push_back({layer, "performer", "implicit attention", "implicit",
                                first_example(performer->implicit_attention(x))});
        } else if (auto* linformer = dynamic_cast<LinformerAttention*>(&mixer)) {
            out.maps.push_back({layer, "linformer", "weights over projected keys", "weights",
                                first_example(linformer->last_weights()), false});
        } else if (auto* convolution = dynamic_cast<ConvolutionMixer*>(&mixer)) {
            out.notes.push_back(cat("layer ", layer, ": ", convolution->config().kind,
                                    " mixes tokens with a kernel, not attention weights; skipped"));
        } else {
            out.notes.push_back(
                cat("layer ", layer, ": its token mixer has no attention matrix; skipped"));
        }
    }
    return out;
}

}  // namespace attnlab
