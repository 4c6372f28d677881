// token_mixer.h — the interface every sequence-mixing layer of the zoo implements.
//
// A token mixer maps x [B, L, d] → [B, L, d], mixing information across positions. Blocks hold a
// TokenMixer and never know which kind they hold; zoo.h builds one from its config name. Besides
// forward, a kind may answer two optional hooks: the pictures `attnlab attention-map` draws, and
// a redraw of random features.
#pragma once

#include <string>
#include <vector>

#include "attention_config.h"
#include "module.h"

namespace attnlab {

// Which matrices of a softmax-frame layer to draw (other kinds have one picture each).
enum class MapChoice {
    Auto,       // weights for vanilla, alignments for Synthesizer kinds, both for mixtures
    Weights,    // P = softmax(S + mask) of the forward
    Alignment,  // softmax(S_c + causal mask) of each logit source c on its own
};

// One matrix per head that a layer attends with, for one input.
struct AttentionPicture {
    std::string what;   // "weights", "alignment of random", "implicit attention", ...
    std::string label;  // a file-name part: "weights", "alignment_random", "implicit", ...
    Tensor matrix;      // [h, rows, cols]: queries down, keys across
    bool keys_are_positions = true;  // false when keys are projections (linformer)
};

class TokenMixer : public Module {
  public:
    // x [B, L, d] → [B, L, d]; key_padding (optional) [B, L] with 1 = real token, 0 = pad.
    virtual Tensor forward(const Tensor& x, const Tensor& key_padding = Tensor()) = 0;

    virtual const AttentionConfig& config() const = 0;

    // The pictures of this layer after a forward of one example whose mixer input was x [1, L, d];
    // empty when the kind mixes without attention weights (convolutions).
    virtual std::vector<AttentionPicture> attention_pictures(const Tensor& x, MapChoice choice) {
        return {};
    }

    // Redraws the layer's random features from `seed` and returns true, or returns false when the
    // kind has none.
    virtual bool redraw_features(uint64_t seed) { return false; }
};

}  // namespace attnlab
