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
                                 Reduce reduce)
    : params_(params), reduce_(std::move(reduce)) {
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
        filled += params_[k].tensor.numel();
    }
}

void GradientBuckets::reduce() {
    // Which gradients exist anywhere: the same set on every rank before packing.
    std::vector<real> present(params_.size(), 0);
    for (size_t k = 0; k < params_.size(); ++k)
        present[k] = params_[k].trainable && params_[k].tensor.grad_data() ? 1 : 0;
    reduce_(present.data(), int64_t(present.size()));
    for (const std::vector<size_t>& bucket : buckets_) {
        int64_t total = 0;
        for (size_t k : bucket)
            if (present[k] > 0) total += params_[k].tensor.numel();
        if (total == 0) continue;
        staging_.resize(size_t(total));
        real* cursor = staging_.data();
        for (size_t k : bucket) {
            if (present[k] == 0) continue;
            const int64_t n = params_[k].tensor.numel();
            std::memcpy(cursor, params_[k].tensor.ensure_grad(), size_t(n) * sizeof(real));
            cursor += n;
        }
        reduce_(staging_.data(), total);
        cursor = staging_.data();
        for (size_t k : bucket) {
            if (present[k] == 0) continue;
            const int64_t n = params_[k].tensor.numel();
            std::memcpy(params_[k].tensor.grad_data(), cursor, size_t(n) * sizeof(real));
            cursor += n;
        }
    }
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
