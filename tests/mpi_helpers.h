// mpi_helpers.h — starting the suite's own programs (build/<variant>/attnlab and grid_cells, next
// to the test binary) as separate processes, alone or under Open MPI's mpirun, with a time limit.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/temp_dir.h"

extern char** environ;

namespace attnlab::testing {

// A program built next to the test binary: "attnlab", "grid_cells".
inline std::string suite_program(const std::string& name) {
    return (std::filesystem::read_symlink("/proc/self/exe").parent_path() / name).string();
}
inline std::string attnlab_binary() {
    return suite_program("attnlab");
}

// mpirun with what a container or a root shell needs: --allow-run-as-root as root (Open MPI
// refuses root otherwise), --oversubscribe (more ranks than the cores it counts), no single-copy
// shared memory (CMA needs ptrace rights that containers often withhold), one OpenMP thread each.
inline std::vector<std::string> mpirun_command(int processes) {
    std::vector<std::string> command = {"mpirun"};
    if (geteuid() == 0) command.push_back("--allow-run-as-root");
    for (const char* arg : {"--oversubscribe", "--mca", "btl_vader_single_copy_mechanism", "none",
                            "-x", "OMP_NUM_THREADS=1", "-np"})
        command.push_back(arg);
    command.push_back(std::to_string(processes));
    return command;
}

inline std::vector<std::string> under_mpirun(int processes,
                                             const std::vector<std::string>& command) {
    std::vector<std::string> full = mpirun_command(processes);
    full.insert(full.end(), command.begin(), command.end());
    return full;
}

struct ProcessResult {
    int status = -1;  // the exit status, 128 + the signal that ended it, or -1 on a timeout
    double seconds = 0;
    std::string out, err;
};

// A running process in its own process group (a timeout ends the group: mpirun and its ranks).
class Process {
  public:
    Process(const std::vector<std::string>& command, const std::string& log_prefix)
        : out_path_(log_prefix + ".out"), err_path_(log_prefix + ".err") {
        posix_spawn_file_actions_t files;
        posix_spawn_file_actions_init(&files);
        posix_spawn_file_actions_addopen(&files, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0644);
        posix_spawn_file_actions_addopen(&files, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0644);
        posix_spawnattr_t attributes;
        posix_spawnattr_init(&attributes);
        posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
        posix_spawnattr_setpgroup(&attributes, 0);
        std::vector<char*> argv;
        for (const std::string& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
        argv.push_back(nullptr);
        start_ = std::chrono::steady_clock::now();
        if (posix_spawnp(&pid_, argv[0], &files, &attributes, argv.data(), environ) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&files);
        posix_spawnattr_destroy(&attributes);
    }
    ~Process() {
        if (pid_ > 0 && !done_) {
            kill(-pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    bool running() {
        if (pid_ <= 0 || done_) return false;
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) != pid_) return true;
        finish(status);
        return false;
    }
    // Waits up to `limit` seconds; then the group is killed and the status is -1.
    ProcessResult wait(double limit) {
        while (running()) {
            if (elapsed() > limit) {
                kill(-pid_, SIGKILL);
                waitpid(pid_, nullptr, 0);
                done_ = true;
                result_.status = -1;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        result_.seconds = elapsed();
        result_.out = read_file(out_path_);
        result_.err = read_file(err_path_);
        return result_;
    }

  private:
    double elapsed() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }
    void finish(int status) {
        done_ = true;
        result_.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

    std::string out_path_, err_path_;
    pid_t pid_ = -1;
    bool done_ = false;
    std::chrono::steady_clock::time_point start_;
    ProcessResult result_;
};

inline ProcessResult run_process(const std::vector<std::string>& command,
                                 const std::string& log_prefix, double limit) {
    Process process(command, log_prefix);
    return process.wait(limit);
}

// Whether mpirun can start two processes here at all (once per suite).
inline bool mpirun_works() {
    static const bool works = [] {
        TempDir dir;
        std::vector<std::string> command = mpirun_command(2);
        command.push_back("true");
        return run_process(command, dir.file("probe"), 60).status == 0;
    }();
    return works;
}

// True, with one warning per suite, when the tests that start processes under mpirun must skip.
inline bool mpi_skip() {
    if (mpirun_works()) return false;
    static bool said = false;
    if (!said) WARN("mpirun cannot start processes here: the tests under mpirun are skipped");
    said = true;
    return true;
}

}  // namespace attnlab::testing
