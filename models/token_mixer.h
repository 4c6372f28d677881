// token_mixer.h — the interface every sequence-mixing layer of the zoo implements.
//
// A token mixer maps x [B, L, d] → [B, L, d], mixing information across positions. Blocks hold a
// TokenMixer and never know which kind they hold; zoo.h builds one from its config name. Besides
// forward, a kind may answer optional hooks: the pictures `attnlab attention-map` draws, a redraw
// of random features, and incremental decoding (DecodeState below).
#pragma once

#include <memory>
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

// Incremental decoding of one causal layer for a batch of B sequences (TokenMixer::start_decoding):
// fed the mixer inputs of positions 0, 1, 2, ... one position at a time, it returns each
// position's output, the row that forward() gives that position on the whole prefix, at the cost
// of one new row (a key/value cache, running sums or a window: the kind keeps what it needs). Every
// row of the batch is at the same position, so there is no key padding: a caller with prompts of
// different lengths feeds each row its own token at each position. Inference only: it records no
// autograd history and applies no dropout. The layer must outlive its states and keep its
// parameters while they are in use (a FAVOR+ redraw does not reach a state already started).
class DecodeState {
  public:
    virtual ~DecodeState() = default;
    DecodeState(const DecodeState&) = delete;
    DecodeState& operator=(const DecodeState&) = delete;

    // x [B, 1, d]: the input at position() → its output [B, 1, d]; position() then advances.
    Tensor step(const Tensor& x);
    int64_t position() const { return position_; }
    int64_t batch() const { return batch_; }

  protected:
    // Throws unless `config` is causal (no layer that sees later tokens can decode one token at a
    // time) and batch >= 1, naming the kind.
    DecodeState(const AttentionConfig& config, int64_t batch);
    // The step at position(), x already checked.
    virtual Tensor advance(const Tensor& x) = 0;

    const std::string& kind() const { return kind_; }

  private:
    std::string kind_;
    int64_t batch_, d_model_, position_ = 0;
};

// Whether incremental decoding replaces the whole-prefix recomputation (the reference) in the
// generators built on it (LanguageModel and Seq2Seq decoding, train/sampling.h).
enum class Decoding { Incremental, WholePrefix };

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

    // A DecodeState for `batch` sequences. A kind that cannot decode incrementally throws an Error
    // naming itself: this default does, so a kind added later decodes only once it says how.
    virtual std::unique_ptr<DecodeState> start_decoding(int64_t batch) const;
};

}  // namespace attnlab
