// dataset.cpp — padding collation and the epoch-seeded batch order of dataset.h.
#include "dataset.h"

#include <algorithm>
#include <numeric>

#include "engine/rng.h"

namespace attnlab {

const char* task_kind_name(TaskKind kind) {
    switch (kind) {
        case TaskKind::LanguageModel:
            return "language_model";
        case TaskKind::Classification:
            return "classification";
        case TaskKind::PairClassification:
            return "pair_classification";
        case TaskKind::Seq2Seq:
            return "seq2seq";
    }
    return "?";
}

std::string Dataset::decode(const std::vector<int32_t>& ids) const {
    std::string out;
    for (int32_t id : ids) out += (out.empty() ? "" : " ") + std::to_string(id);
    return out;
}

int64_t Batch::target_count() const {
    if (target.values.empty()) return size();
    return int64_t(std::count_if(target.values.begin(), target.values.end(),
                                 [](int32_t t) { return t != kIgnoreIndex; }));
}

namespace {

// Right-pads the `field` of every example into [B, longest] ids (and a 1/0 mask if asked).
IntTensor pad(const std::vector<Example>& examples, const std::vector<int32_t> Example::*field,
              int32_t pad_value, Tensor* mask) {
    const int64_t B = int64_t(examples.size());
    size_t longest = 0;
    for (const Example& e : examples) longest = std::max(longest, (e.*field).size());
    const bool used = longest > 0;
    for (const Example& e : examples)
        ATTNLAB_CHECK((e.*field).empty() != used,
                      "collate: some examples have an empty sequence "
                      "where others have tokens (mixed tasks?)");
    if (!used) return IntTensor();
    const int64_t L = int64_t(longest);
    IntTensor ids({B, L}, std::vector<int32_t>(size_t(B * L), pad_value));
    if (mask) *mask = Tensor::zeros({B, L});
    for (int64_t b = 0; b < B; ++b) {
        const std::vector<int32_t>& tokens = examples[size_t(b)].*field;
        for (size_t t = 0; t < tokens.size(); ++t) {
            ids.values[size_t(b * L) + t] = tokens[t];
            if (mask) mask->data()[b * L + int64_t(t)] = 1;
        }
    }
    return ids;
}

}  // namespace

Batch collate(const std::vector<Example>& examples) {
    ATTNLAB_CHECK(!examples.empty(), "collate: no examples");
    Batch batch;
    batch.input = pad(examples, &Example::input, kPadId, &batch.input_mask);
    ATTNLAB_CHECK(!batch.input.values.empty(), "collate: examples have no input tokens");
    batch.second = pad(examples, &Example::second, kPadId, &batch.second_mask);
    batch.target = pad(examples, &Example::target, kIgnoreIndex, nullptr);
    const bool labelled = examples.front().label >= 0;
    for (const Example& e : examples)
        ATTNLAB_CHECK((e.label >= 0) == labelled,
                      "collate: some examples have a label and others not (mixed tasks?)");
    if (labelled) {
        std::vector<int32_t> labels;
        for (const Example& e : examples) labels.push_back(e.label);
        batch.labels = IntTensor({int64_t(labels.size())}, labels);
    }
    return batch;
}

BatchSampler::BatchSampler(int64_t dataset_size, int64_t batch_size, uint64_t seed, bool shuffle)
    : dataset_size_(dataset_size), batch_size_(batch_size), seed_(seed), shuffle_(shuffle) {
    ATTNLAB_CHECK(dataset_size > 0 && batch_size > 0, "BatchSampler: dataset size ", dataset_size,
                  " and batch size ", batch_size, " must be positive");
    ATTNLAB_CHECK(batch_size <= kMaxBatchSize, "BatchSampler: batch size ", batch_size,
                  " must be at most ", kMaxBatchSize);
    reshuffle();
}

void BatchSampler::reshuffle() {
    order_.resize(size_t(dataset_size_));
    std::iota(order_.begin(), order_.end(), int64_t(0));
    if (!shuffle_) return;
    Rng rng(mix(seed_, uint64_t(epoch_)));
    for (int64_t i = dataset_size_ - 1; i > 0; --i)  // Fisher–Yates
        std::swap(order_[size_t(i)], order_[size_t(rng.below(uint64_t(i + 1)))]);
}

std::vector<int64_t> BatchSampler::next() {
    std::vector<int64_t> indices;
    while (int64_t(indices.size()) < batch_size_) {
        if (position_ == dataset_size_) {
            ++epoch_;
            position_ = 0;
            reshuffle();
        }
        indices.push_back(order_[size_t(position_++)]);
    }
    return indices;
}

void BatchSampler::seek(int64_t epoch, int64_t position) {
    ATTNLAB_CHECK(epoch >= 0 && position >= 0 && position <= dataset_size_, "BatchSampler::seek: (",
                  epoch, ", ", position, ") outside epoch >= 0, 0 <= position <= ", dataset_size_);
    epoch_ = epoch;
    position_ = position;
    reshuffle();
}

Batch make_batch(const Dataset& dataset, const std::vector<int64_t>& indices) {
    std::vector<Example> examples;
    for (int64_t i : indices) {
        ATTNLAB_CHECK(i >= 0 && i < dataset.size(), "make_batch: index ", i, " outside [0, ",
                      dataset.size(), ") of ", dataset.name());
        examples.push_back(dataset.example(i));
    }
    return collate(examples);
}

}  // namespace attnlab
