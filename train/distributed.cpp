// distributed.cpp — distributed.h over Open MPI's C interface.
#include "distributed.h"

// The C interface only: without these, a C++ compiler also gets the deprecated C++ bindings,
// which live in a library (libmpi_cxx) we do not link.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <map>
#include <ostream>
#include <thread>
#include <vector>

#include "engine/common.h"

namespace attnlab::distributed {
namespace {

// Set by mpirun, mpiexec and srun for the processes they start; MPI_Init reads them.
constexpr const char* kLauncherVariables[] = {"PMIX_RANK", "PMI_RANK", "OMPI_COMM_WORLD_SIZE"};

bool launched_by_mpi_launcher() {
    for (const char* name : kLauncherVariables)
        if (std::getenv(name)) return true;
    return false;
}

void finalize_at_exit() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
}

struct World {
    bool launched = false;
    int rank = 0, size = 1;
};

const World& world() {
    static const World instance = [] {
        World w;
        w.launched = launched_by_mpi_launcher();
        if (!w.launched) return w;
        int provided = 0;
        ATTNLAB_CHECK(
            MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) == MPI_SUCCESS,
            "distributed: MPI_Init_thread failed");
        std::atexit(finalize_at_exit);
        // Errors end the job (the default) rather than return codes nobody could act on.
        MPI_Comm_rank(MPI_COMM_WORLD, &w.rank);
        MPI_Comm_size(MPI_COMM_WORLD, &w.size);
        return w;
    }();
    return instance;
}

// MPI counts are int: `call(offset, count)` for each piece of at most INT_MAX of n elements.
template <typename Call>
void in_pieces(int64_t n, const Call& call) {
    for (int64_t done = 0; done < n;) {
        const int count = int(std::min<int64_t>(n - done, INT_MAX));
        call(done, count);
        done += count;
    }
}

template <typename T>
void allreduce(T* data, int64_t n, MPI_Datatype type, MPI_Op op) {
    ATTNLAB_CHECK(n >= 0, "distributed: allreduce of ", n, " elements");
    if (world().size == 1) return;
    in_pieces(n, [&](int64_t offset, int count) {
        MPI_Allreduce(MPI_IN_PLACE, data + offset, count, type, op, MPI_COMM_WORLD);
    });
}

// The started sums, by Request; each holds one MPI request per INT_MAX-element piece.
std::map<Request, std::vector<MPI_Request>>& started_sums() {
    static std::map<Request, std::vector<MPI_Request>> requests;
    return requests;
}

template <typename T>
Request start_allreduce(T* data, int64_t n, MPI_Datatype type) {
    ATTNLAB_CHECK(n >= 0, "distributed: allreduce of ", n, " elements");
    if (world().size == 1 || n == 0) return -1;
    static Request next = 0;
    std::vector<MPI_Request>& pieces = started_sums()[next];
    in_pieces(n, [&](int64_t offset, int count) {
        pieces.emplace_back();
        MPI_Iallreduce(MPI_IN_PLACE, data + offset, count, type, MPI_SUM, MPI_COMM_WORLD,
                       &pieces.back());
    });
    return next++;
}

}  // namespace

bool launched() {
    return world().launched;
}
int rank() {
    return world().rank;
}
int size() {
    return world().size;
}

void allreduce_sum(float* data, int64_t n) {
    allreduce(data, n, MPI_FLOAT, MPI_SUM);
}
void allreduce_sum(double* data, int64_t n) {
    allreduce(data, n, MPI_DOUBLE, MPI_SUM);
}
void allreduce_max(double* data, int64_t n) {
    allreduce(data, n, MPI_DOUBLE, MPI_MAX);
}

Request start_allreduce_sum(float* data, int64_t n) {
    return start_allreduce(data, n, MPI_FLOAT);
}
Request start_allreduce_sum(double* data, int64_t n) {
    return start_allreduce(data, n, MPI_DOUBLE);
}

bool test(Request request) {
    const auto found = started_sums().find(request);
    if (found == started_sums().end()) return true;
    int finished = 0;
    MPI_Testall(int(found->second.size()), found->second.data(), &finished, MPI_STATUSES_IGNORE);
    return finished != 0;
}

void wait(Request request) {
    const auto found = started_sums().find(request);
    if (found == started_sums().end()) return;
    MPI_Waitall(int(found->second.size()), found->second.data(), MPI_STATUSES_IGNORE);
    started_sums().erase(found);
}

void broadcast(std::string& bytes, int root) {
    if (world().size == 1) return;
    ATTNLAB_CHECK(root >= 0 && root < world().size, "distributed: broadcast from rank ", root,
                  " of ", world().size);
    int64_t length = int64_t(bytes.size());
    MPI_Bcast(&length, 1, MPI_INT64_T, root, MPI_COMM_WORLD);
    bytes.resize(size_t(length));
    in_pieces(length, [&](int64_t offset, int count) {
        MPI_Bcast(bytes.data() + offset, count, MPI_CHAR, root, MPI_COMM_WORLD);
    });
}

std::vector<std::string> gather(const std::string& bytes, int root) {
    if (world().size == 1) return {bytes};
    ATTNLAB_CHECK(root >= 0 && root < world().size, "distributed: gather to rank ", root, " of ",
                  world().size);
    const bool receiving = world().rank == root;
    int64_t length = int64_t(bytes.size());
    std::vector<int64_t> lengths(receiving ? size_t(world().size) : 0);
    MPI_Gather(&length, 1, MPI_INT64_T, lengths.data(), 1, MPI_INT64_T, root, MPI_COMM_WORLD);
    if (!receiving) {
        in_pieces(length, [&](int64_t offset, int count) {
            MPI_Send(bytes.data() + offset, count, MPI_CHAR, root, 0, MPI_COMM_WORLD);
        });
        return {};
    }
    std::vector<std::string> all(size_t(world().size));
    for (int from = 0; from < world().size; ++from) {
        if (from == root) {
            all[size_t(from)] = bytes;
            continue;
        }
        std::string& received = all[size_t(from)];
        received.resize(size_t(lengths[size_t(from)]));
        in_pieces(lengths[size_t(from)], [&](int64_t offset, int count) {
            MPI_Recv(received.data() + offset, count, MPI_CHAR, from, 0, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
        });
    }
    return all;
}

void barrier() {
    if (world().size > 1) MPI_Barrier(MPI_COMM_WORLD);
}

void abort(int status) {
    if (world().launched) MPI_Abort(MPI_COMM_WORLD, status);
    std::_Exit(status);
}

void end_job(std::ostream& err, const std::string& program, const std::string& message,
             int status) {
    if (!is_root()) std::this_thread::sleep_for(std::chrono::seconds(2));
    std::string line = message;
    for (char& c : line)
        if (c == '\n' || c == '\r') c = ' ';
    err << program << ": " << (is_root() ? "" : "process " + std::to_string(rank()) + ": ") << line
        << std::endl;
    abort(status);
}

std::vector<std::string> child_environment() {
    std::vector<std::string> kept;
    for (char** entry = environ; *entry; ++entry) {
        const char* equals = std::strchr(*entry, '=');
        const size_t name_length = equals ? size_t(equals - *entry) : std::strlen(*entry);
        bool launcher = false;
        for (const char* name : kLauncherVariables)
            launcher = launcher || (std::strlen(name) == name_length &&
                                    std::strncmp(*entry, name, name_length) == 0);
        if (!launcher) kept.emplace_back(*entry);
    }
    return kept;
}

}  // namespace attnlab::distributed
