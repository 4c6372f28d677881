// distributed.h — the one door to MPI (Open MPI): which process of how many this is, and the
// collective operations data-parallel training (train/data_parallel.h builds on them) and
// experiment grids spread over processes need.
// Nothing else includes <mpi.h>, so the trainer, the tests and the experiments never call MPI.
//
// MPI starts on the first call, and only in a process that an MPI launcher started (mpirun,
// mpiexec, Slurm's srun): launchers hand their processes a rank through the PMIx/PMI variables
// that MPI_Init itself reads (PMIX_RANK, PMI_RANK, OMPI_COMM_WORLD_SIZE). Any other process is rank
// 0 of 1, calls no MPI function and every collective below is the identity: a plain `attnlab train`
// behaves as before and skips Open MPI's singleton start-up, which forks a helper daemon. MPI is
// finalised at exit. Calls come from one thread only (MPI_THREAD_FUNNELED; OpenMP threads never
// communicate).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace attnlab::distributed {

bool launched();  // started by an MPI launcher (then MPI is initialised)
int rank();       // 0-based; 0 when not launched
int size();       // processes in the job; 1 when not launched
inline bool is_root() {
    return rank() == 0;
}

// data[i] ← Σ over ranks of data[i], in place; the same bits on every rank.
void allreduce_sum(float* data, int64_t n);
void allreduce_sum(double* data, int64_t n);
// data[i] ← max over ranks.
void allreduce_max(double* data, int64_t n);

// A sum started without waiting for it (MPI_Iallreduce), so that computation can go on meanwhile:
// data[i] ← Σ over ranks once it has finished; data must not be touched before. Every rank starts
// its sums in the same order (MPI's rule for collectives). Open MPI moves a started collective
// forward only inside MPI calls, so a caller with work to do calls test() now and then.
using Request = int;  // what start_allreduce_sum returned; -1 for a sum with nothing to do
Request start_allreduce_sum(float* data, int64_t n);
Request start_allreduce_sum(double* data, int64_t n);
bool test(Request request);  // moves it forward; true once finished
void wait(Request request);  // returns once finished; the request is then spent
// Every rank's `bytes` becomes root's.
void broadcast(std::string& bytes, int root = 0);
// Every rank's `bytes`, in rank order, on root; an empty vector on the other ranks.
std::vector<std::string> gather(const std::string& bytes, int root = 0);
void barrier();
// Ends every process of the job with `status` (MPI_Abort), or this process when not launched.
// The caller prints the reason first.
[[noreturn]] void abort(int status);
// Ends the job after an error with one line on `err`, "<program>: <message>" (line breaks
// flattened), then abort(status). Process 0 prints at once; any other process waits 2 s first and
// says "process <rank>: ", so an error every process raises alike (a config error) is printed
// once, by process 0, whose abort ends the waiting ones.
[[noreturn]] void end_job(std::ostream& err, const std::string& program, const std::string& message,
                          int status);

// This process's environment ("NAME=value" each) without the variables by which a launcher hands
// a process its rank: a child started with it (a measurement in a process of its own) is not
// taken for a process of the job.
std::vector<std::string> child_environment();

}  // namespace attnlab::distributed
