// data_parallel.cpp — batch slices, gradient buckets and metric sums of data_parallel.h.
#include "data_parallel.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "train/distributed.h"

namespace attnlab {
namespace {

IntTensor int_rows(const IntTensor& x, RowRange range) {
    if (x.shape.empty()) return x;
    const int64_t per_row = x.shape[0] > 0 ? x.numel() / x.shape[0] : 0;
    Shape shape = x.shape;
    shape[0] = range.size();
    return IntTensor(shape, std::vector<int32_t>(x.values.begin() + range.begin * per_row,
                                                 x.values.begin() + range.end * per_row));
}

Tensor real_rows(const Tensor& x, RowRange range) {
    if (!x.defined()) return x;
    const int64_t per_row = x.size(0) > 0 ? x.numel() / x.size(0) : 0;
    Shape shape = x.shape();
    shape[0] = range.size();
    return Tensor::from_vector(
        shape, std::vector<real>(x.data() + range.begin * per_row, x.data() + range.end * per_row));
}

}  // namespace

RowRange rank_rows(int64_t rows, int rank, int ranks) {
    ATTNLAB_CHECK(ranks >= 1 && rank >= 0 && rank < ranks && rows >= 0, "rank_rows: rank ", rank,
                  " of ", ranks, " for ", rows, " rows");
    const int64_t base = rows / ranks, extra = rows % ranks;
    const int64_t begin = rank * base + std::min<int64_t>(rank, extra);
    return {begin, begin + base + (rank < extra ? 1 : 0)};
}

Batch batch_rows(const Batch& batch, RowRange range) {
    ATTNLAB_CHECK(range.begin >= 0 && range.begin <= range.end && range.end <= batch.size(),
                  "batch_rows: rows [", range.begin, ", ", range.end, ") of a batch of ",
                  batch.size());
    Batch out;
    out.input = int_rows(batch.input, range);
    out.input_mask = real_rows(batch.input_mask, range);
    out.second = int_rows(batch.second, range);
    out.second_mask = real_rows(batch.second_mask, range);
    out.target = int_rows(batch.target, range);
    out.labels = int_rows(batch.labels, range);
    return out;
}

GradientBuckets::GradientBuckets(const std::vector<Parameter>& params, int64_t bucket_bytes,
                                 StartSum start_sum)
    : params_(params), start_sum_(std::move(start_sum)) {
    ATTNLAB_CHECK(bucket_bytes > 0, "GradientBuckets: bucket of ", bucket_bytes, " bytes");
    const int64_t capacity = std::max<int64_t>(1, bucket_bytes / int64_t(sizeof(real)));
    int64_t filled = 0;
    for (size_t k = params_.size(); k-- > 0;) {
        if (!params_[k].trainable) continue;
        if (buckets_.empty() || filled >= capacity) {
            buckets_.emplace_back();
            filled = 0;
        }
        buckets_.back().push_back(k);
        bucket_of_[params_[k].tensor.impl()] = buckets_.size() - 1;
        filled += params_[k].tensor.numel();
    }
    staging_.resize(buckets_.size());
    final_count_.assign(buckets_.size(), 0);
}

void GradientBuckets::begin() {
    ATTNLAB_CHECK(pending_.empty(), "GradientBuckets: begin() before the last finish()");
    std::fill(final_count_.begin(), final_count_.end(), 0);
}

void GradientBuckets::leaf_done(const TensorImpl* leaf) {
    const auto found = bucket_of_.find(leaf);
    if (found == bucket_of_.end()) return;
    ++final_count_[found->second];
    while (pending_.size() < buckets_.size() &&
           final_count_[pending_.size()] == buckets_[pending_.size()].size())
        start(pending_.size());
    for (PendingSum& sum : pending_) sum.poll();
}

void GradientBuckets::start(size_t bucket) {
    const std::vector<size_t>& members = buckets_[bucket];
    std::vector<real>& buffer = staging_[bucket];
    int64_t total = 0;
    for (size_t k : members) total += params_[k].tensor.numel();
    buffer.assign(size_t(total) + members.size(), 0);
    real* cursor = buffer.data();
    real* flags = buffer.data() + total;
    for (size_t k : members) {
        const int64_t n = params_[k].tensor.numel();
        if (const real* grad = params_[k].tensor.grad_data()) {
            std::memcpy(cursor, grad, size_t(n) * sizeof(real));
            *flags = 1;
        }
        cursor += n;
        ++flags;
    }
    pending_.push_back(start_sum_(buffer.data(), int64_t(buffer.size())));
}

void GradientBuckets::finish() {
    while (pending_.size() < buckets_.size()) start(pending_.size());
    for (size_t bucket = 0; bucket < buckets_.size(); ++bucket) {
        pending_[bucket].wait();
        const std::vector<real>& buffer = staging_[bucket];
        const real* cursor = buffer.data();
        const real* flags = buffer.data() + buffer.size() - buckets_[bucket].size();
        for (size_t k : buckets_[bucket]) {
            const int64_t n = params_[k].tensor.numel();
            if (*flags++ > 0)  // some process has a gradient: the sum is everyone's
                std::memcpy(params_[k].tensor.ensure_grad(), cursor, size_t(n) * sizeof(real));
            cursor += n;
        }
    }
    pending_.clear();
}

Metrics sum_over_ranks(const Metrics& sums) {
    if (distributed::size() == 1) return sums;
    std::string keys;
    for (const auto& entry : sums) keys += entry.first + '\n';
    distributed::broadcast(keys);
    std::vector<std::string> names;
    std::istringstream lines(keys);
    for (std::string name; std::getline(lines, name);) names.push_back(name);
    std::vector<double> values;
    for (const std::string& name : names) {
        const auto found = sums.find(name);
        values.push_back(found == sums.end() ? 0.0 : found->second);
    }
    distributed::allreduce_sum(values.data(), int64_t(values.size()));
    Metrics total;
    for (size_t k = 0; k < names.size(); ++k) total[names[k]] = values[k];
    return total;
}

}  // namespace attnlab
