// data_parallel.h — data-parallel training on top of distributed.h: each process takes its rows of
// every global batch, gradients are summed over the processes in buckets, metrics sums likewise.
//
// A global batch of B rows is cut into contiguous slices in rank order, the first B mod N ranks
// taking one row more (rank_rows). A rank trains on its slice with its loss weighted by its share
// of what the loss averages (Batch::target_count), so the gradients summed over the ranks are those
// of the global batch's mean loss; while it runs, ScopedBatchRows (engine/ops.h) keys dropout by
// the examples' global rows. What differs from one process is only the order of the sums.
//
// Gradients are summed after the backward, bucket by bucket: the trainable parameters are cut, in
// reverse registration order (roughly the order in which the backward finishes them), into buckets
// of about bucket_bytes; each bucket's gradients are packed into one buffer, summed by one
// all-reduce, and unpacked. A parameter that no rank's backward reached keeps no gradient, as in a
// single process (an optimizer skips it); one that some rank's reached gets a gradient everywhere.
// The all-reduces run after the whole backward (no overlap with it).
#pragma once

#include <functional>
#include <vector>

#include "engine/optim.h"
#include "train/data/dataset.h"
#include "train/task.h"

namespace attnlab {

struct RowRange {
    int64_t begin = 0, end = 0;
    int64_t size() const { return end - begin; }
};

// The rows of a batch of `rows` that `rank` of `ranks` takes (empty when rows < ranks for the
// last ranks).
RowRange rank_rows(int64_t rows, int rank, int ranks);
// Rows [range.begin, range.end) of every field of `batch`, padding as it is (the same lengths).
Batch batch_rows(const Batch& batch, RowRange range);

class GradientBuckets {
  public:
    // Sums data[0, n) over the processes in place (distributed::allreduce_sum; tests pass others).
    using Reduce = std::function<void(real* data, int64_t n)>;

    GradientBuckets(const std::vector<Parameter>& params, int64_t bucket_bytes, Reduce reduce);

    // Replaces every trainable parameter's gradient by its sum over the processes.
    void reduce();
    // Indices into params, bucket by bucket, in the order they are reduced.
    const std::vector<std::vector<size_t>>& buckets() const { return buckets_; }

  private:
    std::vector<Parameter> params_;
    std::vector<std::vector<size_t>> buckets_;
    Reduce reduce_;
    std::vector<real> staging_;
};

// Metrics sums (Task::evaluate_sums) summed over the processes, under rank 0's keys.
Metrics sum_over_ranks(const Metrics& sums);

}  // namespace attnlab
