// classifier.cpp — pooling (masked mean or CLS), the one/two-tower features and the MLP head.
#include "classifier.h"

#include "engine/init.h"
#include "engine/ops.h"

namespace attnlab {

ClassifierHead::ClassifierHead(int64_t features, int64_t hidden, int64_t num_classes,
                               bool second_hidden, Rng& rng)
    : mlp_(features, hidden, rng),
      mlp2_(second_hidden ? std::make_unique<Linear>(hidden, hidden / 2, rng) : nullptr),
      logits_(second_hidden ? hidden / 2 : hidden, num_classes, rng) {
    register_module("mlp", mlp_);
    if (mlp2_) register_module("mlp2", *mlp2_);
    register_module("logits", logits_);
}

Tensor ClassifierHead::forward(const Tensor& x) const {
    Tensor h = relu(mlp_.forward(x));
    if (mlp2_) h = relu(mlp2_->forward(h));
    return logits_.forward(h);
}

// Checks the classifier's own options before the members are built.
static const ClassifierConfig& checked(const ClassifierConfig& config) {
    ATTNLAB_CHECK(config.pooling == "mean" || config.pooling == "cls", "Classifier: pooling \"",
                  config.pooling, "\" is not one of \"mean\", \"cls\"");
    ATTNLAB_CHECK(config.towers == 1 || config.towers == 2, "Classifier: towers ", config.towers,
                  " (expected 1 = one sequence, or 2 = a pair through the shared encoder)");
    ATTNLAB_CHECK(config.num_classes >= 2, "Classifier: num_classes ", config.num_classes,
                  " (expected at least 2)");
    ATTNLAB_CHECK(config.towers == 1 || config.stack.d_ff >= 2, "Classifier: d_ff ",
                  config.stack.d_ff, " too small for the two-tower head's d_ff / 2 hidden units");
    return config;
}

// The CLS vector N(0, 0.02²) for "cls" pooling (drawn after the encoder, before the head).
static Tensor make_cls(const ClassifierConfig& config, Rng& rng) {
    if (config.pooling != "cls") return Tensor();
    Tensor cls = Tensor::empty({config.stack.d_model});
    init::normal(cls, rng, 0, 0.02);
    return cls;
}

Classifier::Classifier(const ClassifierConfig& config, Rng& rng)
    : config_(checked(config)),
      encoder_(config.stack, rng),
      cls_(make_cls(config, rng)),
      head_((config.towers == 2 ? 4 : 1) * config.stack.d_model, config.stack.d_ff,
            config.num_classes, config.towers == 2, rng) {
    register_module("encoder", encoder_);
    if (cls_.defined()) cls_ = register_parameter("cls", cls_);
    register_module("head", head_);
}

Tensor Classifier::summary(const IntTensor& ids, const Tensor& mask) {
    ATTNLAB_CHECK(ids.shape.size() == 2, "Classifier: ids ", shape_str(ids.shape),
                  " (expected [B, L])");
    const int64_t B = ids.shape[0], L = ids.shape[1], d = config_.stack.d_model;
    if (config_.pooling == "mean") {
        const Tensor h = encoder_.forward(ids, mask);  // [B, L, d]
        if (!mask.defined()) return mean(h, 1);
        // Σ_t mask_t · h_t / Σ_t mask_t; the encoder has checked every row has a real token.
        const Tensor counts = sum(mask, 1, true);  // [B, 1], a constant
        return div(sum(mul(h, reshape(mask, {B, L, 1})), 1), counts);
    }
    ATTNLAB_CHECK(L >= 1 && L + 1 <= config_.stack.max_len, "Classifier: sequence length ", L,
                  " + 1 (the CLS token at position 0) exceeds max_len ", config_.stack.max_len,
                  " (or is empty)");
    // [B, 1, d] copies of cls (broadcast by add; its gradient sums over the batch).
    const Tensor cls = add(reshape(cls_, {1, 1, d}), Tensor::zeros({B, 1, d}));
    const Tensor x = concat({cls, encoder_.embed(ids)}, 1);  // [B, L + 1, d]
    Tensor keep;
    if (mask.defined()) {
        ATTNLAB_CHECK(mask.shape() == Shape({B, L}), "Classifier: mask ", shape_str(mask.shape()),
                      " (expected [B, L] = [", B, ", ", L, "])");
        keep = concat({Tensor::ones({B, 1}), mask}, 1);  // the CLS position is always real
    }
    const Tensor h = encoder_.forward_embedded(x, keep);  // [B, L + 1, d]
    return reshape(slice(h, 1, 0, 1), {B, d});
}

Tensor Classifier::forward(const IntTensor& ids, const Tensor& mask) {
    ATTNLAB_CHECK(config_.towers == 1,
                  "Classifier: towers = 2 needs a pair of sequences; call "
                  "forward(ids, mask, ids2, mask2)");
    return head_.forward(summary(ids, mask));
}

Tensor Classifier::forward(const IntTensor& ids, const Tensor& mask, const IntTensor& ids2,
                           const Tensor& mask2) {
    ATTNLAB_CHECK(config_.towers == 2,
                  "Classifier: towers = 1 takes one sequence; call forward(ids, mask)");
    ATTNLAB_CHECK(ids.shape.size() == 2 && ids2.shape.size() == 2 && ids.shape[0] == ids2.shape[0],
                  "Classifier: the pair's batch sizes differ: ids ", shape_str(ids.shape),
                  " vs ids2 ", shape_str(ids2.shape), " (expected [B, L] and [B, L2])");
    const Tensor u = summary(ids, mask), v = summary(ids2, mask2);  // [B, d] each
    return head_.forward(concat({u, v, mul(u, v), sub(u, v)}, 1));  // [B, 4d] → [B, C]
}

Tensor Classifier::loss(const IntTensor& ids, const Tensor& mask, const IntTensor& labels) {
    return labelled_loss(forward(ids, mask), labels);
}

Tensor Classifier::loss(const IntTensor& ids, const Tensor& mask, const IntTensor& ids2,
                        const Tensor& mask2, const IntTensor& labels) {
    return labelled_loss(forward(ids, mask, ids2, mask2), labels);
}

Tensor Classifier::labelled_loss(const Tensor& logits, const IntTensor& labels) const {
    ATTNLAB_CHECK(labels.shape == Shape({logits.size(0)}), "Classifier::loss: labels ",
                  shape_str(labels.shape), " (expected [B] = [", logits.size(0), "])");
    return cross_entropy(logits, labels);
}

double accuracy(const Tensor& logits, const IntTensor& labels) {
    ATTNLAB_CHECK(logits.ndim() == 2 && labels.shape == Shape({logits.size(0)}),
                  "accuracy: logits ", shape_str(logits.shape()), " and labels ",
                  shape_str(labels.shape), " (expected [B, C] and [B])");
    const int64_t B = logits.size(0), C = logits.size(1);
    int64_t correct = 0;
    for (int64_t b = 0; b < B; ++b) {
        const real* row = logits.data() + b * C;
        int64_t best = 0;
        for (int64_t c = 1; c < C; ++c)
            if (row[c] > row[best]) best = c;
        correct += best == labels.values[size_t(b)];
    }
    return B == 0 ? 0.0 : double(correct) / double(B);
}

}  // namespace attnlab
