// data_parallel.h — data-parallel training on top of distributed.h: each process takes its rows of
// every global batch, gradients are summed over the processes in buckets, metrics sums likewise.
//
// A global batch of B rows is cut into contiguous slices in rank order, the first B mod N ranks
// taking one row more (rank_rows). A rank trains on its slice with its loss weighted by its share
// of what the loss averages (Batch::target_count), so the gradients summed over the ranks are those
// of the global batch's mean loss; while it runs, ScopedBatchRows (engine/ops.h) keys dropout by
// the examples' global rows. What differs from one process is only the order of the sums.
//
// Gradients are summed while the backward still runs, bucket by bucket (as PyTorch's
// DistributedDataParallel does): the trainable parameters are cut, in reverse registration order
// (roughly the order in which the backward finishes them), into buckets of about bucket_bytes. The
// backward reports each parameter whose gradient is final (engine/autograd.h's LeafDone); once
// every parameter of the next bucket in order is final, the bucket's gradients are packed into one
// buffer and its all-reduce is started, and the backward goes on. finish() starts what is left
// (buckets holding a parameter this backward never reached), waits, and unpacks. Buckets start in
// the same order on every process, as MPI requires of collectives, whatever order their parameters
// finish in. Each packed buffer ends with one flag per parameter, 1 where this process has a
// gradient: a parameter that no process's backward reached keeps no gradient, as in a single
// process (an optimizer skips it); one that some process's reached gets the sum everywhere.
#pragma once

#include <functional>
#include <unordered_map>
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
    // A started sum over the processes: poll() moves it forward, wait() returns once the buffer
    // holds the sum.
    struct PendingSum {
        std::function<void()> poll, wait;
    };
    // Starts summing data[0, n) in place (distributed::start_allreduce_sum; tests pass others).
    using StartSum = std::function<PendingSum(real* data, int64_t n)>;

    GradientBuckets(const std::vector<Parameter>& params, int64_t bucket_bytes, StartSum start_sum);

    // Before the backward whose gradients are to be summed: no parameter is final yet.
    void begin();
    // The backward's LeafDone: `leaf`'s gradient is final (leaves that are no trainable parameter
    // are ignored). Starts the buckets that are complete, in order, and polls the started ones.
    void leaf_done(const TensorImpl* leaf);
    // Starts the remaining buckets, waits for every sum, and replaces every trainable parameter's
    // gradient by its sum over the processes.
    void finish();
    // Indices into params, bucket by bucket, in the order they are summed.
    const std::vector<std::vector<size_t>>& buckets() const { return buckets_; }

  private:
    void start(size_t bucket);

    std::vector<Parameter> params_;
    std::vector<std::vector<size_t>> buckets_;
    std::unordered_map<const TensorImpl*, size_t> bucket_of_;  // trainable parameter → bucket
    StartSum start_sum_;
    std::vector<std::vector<real>> staging_;  // per bucket: gradients, then one flag per parameter
    std::vector<size_t> final_count_;         // per bucket: parameters final in this backward
    std::vector<PendingSum> pending_;         // the started buckets' sums, in order
};

// Metrics sums (Task::evaluate_sums) summed over the processes, under rank 0's keys.
Metrics sum_over_ranks(const Metrics& sums);

}  // namespace attnlab
