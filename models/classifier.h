// classifier.h — sequence classification with the encoder of encoder.h, one tower or two (LRA,
// Tay et al. 2021, §2.2: ListOps, Text and Image use one; Retrieval a dual encoder).
//
// Pooling turns the encoder output into one summary vector per sequence:
//   - "mean": the mean of the outputs at REAL tokens only (weighted by the key padding mask), so
//     padding never changes the result. (LRA's code averages over all positions, pads included.)
//   - "cls": a learned vector "cls" [d] is prepended at position 0, so the encoder sees L + 1
//     positions and L + 1 <= max_len is required; its final state is the summary.
// One tower:  logits = head(s),                s = pool(encoder(ids))
// Two towers: logits = head([u, v, u ⊙ v, u − v]) with u, v the summaries of ids and ids2 from the
//             SAME encoder (shared weights, no cross-attention), LRA's "NLI" interaction.
// The head follows LRA's classifier_head / classifier_head_dual (common_layers.py), with
// mlp_dim = d_ff and no dropout:
//   one tower:  Linear(d, d_ff) → ReLU → Linear(d_ff, C)
//   two towers: Linear(4d, d_ff) → ReLU → Linear(d_ff, d_ff/2) → ReLU → Linear(d_ff/2, C)
//
// Parameters: "cls" [d] (N(0, 0.02²), "cls" pooling only; listed first, as a module's own
// parameters precede its children's), "encoder.*" (encoder.h),
// "head.mlp.*", "head.mlp2.*" (two towers only), "head.logits.*" (Linear: "weight", "bias").
// Count: encoder + (d if cls) + head,
//   encoder           = V·d + max_len·d (learned positions only) + layers · block + 2d (encoder.h)
//   head (one tower)  = d·F + F + F·C + C                              F = d_ff
//   head (two towers) = 4d·F + F + F·(F/2) + F/2 + (F/2)·C + C
#pragma once

#include <memory>
#include <string>

#include "encoder.h"

namespace attnlab {

struct ClassifierConfig {
    // The encoder's sizes, dropout and attention kind (stack_config.h; the encoder is
    // bidirectional). stack.d_ff is also the head's hidden width.
    StackConfig stack;
    int64_t num_classes = 2;
    std::string pooling = "mean";  // "mean" or "cls"
    int64_t towers = 1;            // 1: one sequence; 2: a pair through the shared encoder
};

// The MLP from the pooled features to the class logits (see above). Parameters "mlp.*",
// "mlp2.*" (two towers only), "logits.*".
class ClassifierHead : public Module {
  public:
    ClassifierHead(int64_t features, int64_t hidden, int64_t num_classes, bool second_hidden,
                   Rng& rng);
    Tensor forward(const Tensor& x) const;  // [B, features] → [B, C]

  private:
    Linear mlp_;
    std::unique_ptr<Linear> mlp2_;
    Linear logits_;
};

class Classifier : public Module {
  public:
    // Initialises, in order: the encoder (embed, pos, blocks), cls, then the head, from `rng`.
    Classifier(const ClassifierConfig& config, Rng& rng);

    // One tower: ids [B, L], mask [B, L] (1 = token, 0 = pad; undefined = no padding) →
    // logits [B, C].
    Tensor forward(const IntTensor& ids, const Tensor& mask);
    // Two towers: the pair (ids, mask), (ids2, mask2) (lengths may differ) → logits [B, C].
    Tensor forward(const IntTensor& ids, const Tensor& mask, const IntTensor& ids2,
                   const Tensor& mask2);
    // Mean cross-entropy of forward(...)'s logits against labels [B], for one tower and for two.
    Tensor loss(const IntTensor& ids, const Tensor& mask, const IntTensor& labels);
    Tensor loss(const IntTensor& ids, const Tensor& mask, const IntTensor& ids2,
                const Tensor& mask2, const IntTensor& labels);

    // The pooled summary [B, d] of one sequence (what the head sees per tower).
    Tensor summary(const IntTensor& ids, const Tensor& mask);

    const ClassifierConfig& config() const { return config_; }
    Encoder& encoder() { return encoder_; }

  private:
    Tensor labelled_loss(const Tensor& logits, const IntTensor& labels) const;

    ClassifierConfig config_;
    Encoder encoder_;
    Tensor cls_;
    ClassifierHead head_;
};

// The fraction of rows of logits [B, C] whose arg max (first on ties) equals labels [B].
double accuracy(const Tensor& logits, const IntTensor& labels);

}  // namespace attnlab
