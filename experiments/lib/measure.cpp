// measure.cpp — medians of repeated timings, and child processes for isolated peak-RSS figures.
#include "measure.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "engine/common.h"
#include "experiments/lib/options.h"
#include "train/distributed.h"

namespace attnlab::experiments {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median_seconds(const std::function<void()>& work, int repeats, int warmup) {
    ATTNLAB_CHECK(repeats >= 1, "median_seconds: repeats must be >= 1, got ", repeats);
    for (int i = 0; i < warmup; ++i) work();
    std::vector<double> samples;
    for (int i = 0; i < repeats; ++i) {
        const auto start = std::chrono::steady_clock::now();
        work();
        samples.push_back(seconds_since(start));
    }
    std::nth_element(samples.begin(), samples.begin() + samples.size() / 2, samples.end());
    return samples[samples.size() / 2];
}

double own_peak_rss_mib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

ChildResult run_isolated(const std::vector<std::string>& arguments, int64_t memory_limit_mib) {
    if (distributed::size() > 1)
        throw UsageError(cat("measurements time child processes: run it without mpirun (",
                             distributed::size(), " processes would compete for the cores)"));
    // Built before the fork: a threaded process's child must not allocate before exec.
    const std::vector<std::string> environment = distributed::child_environment();
    std::vector<char*> child_environ;
    for (const std::string& entry : environment)
        child_environ.push_back(const_cast<char*>(entry.c_str()));
    child_environ.push_back(nullptr);
    std::vector<char*> argv = {const_cast<char*>("/proc/self/exe")};
    for (const std::string& a : arguments) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int pipe_fds[2];
    ATTNLAB_CHECK(pipe(pipe_fds) == 0, "run_isolated: pipe() failed");
    std::fflush(nullptr);
    const pid_t pid = fork();
    ATTNLAB_CHECK(pid >= 0, "run_isolated: fork() failed");
    if (pid == 0) {
        dup2(pipe_fds[1], STDOUT_FILENO);
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        if (memory_limit_mib > 0) {
            const rlim_t bytes = rlim_t(memory_limit_mib) << 20;
            const rlimit limit{bytes, bytes};
            setrlimit(RLIMIT_AS, &limit);
        }
        execve("/proc/self/exe", argv.data(), child_environ.data());
        _exit(127);
    }
    close(pipe_fds[1]);
    ChildResult result;
    char buffer[4096];
    ssize_t got;
    while ((got = read(pipe_fds[0], buffer, sizeof buffer)) > 0)
        result.output.append(buffer, size_t(got));
    close(pipe_fds[0]);
    int status = 0;
    rusage usage{};
    ATTNLAB_CHECK(wait4(pid, &status, 0, &usage) == pid, "run_isolated: wait4() failed");
    result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.peak_rss_mib = double(usage.ru_maxrss) / 1024.0;
    return result;
}

}  // namespace attnlab::experiments
