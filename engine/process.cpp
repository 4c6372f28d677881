// process.cpp — run_process: posix_spawnp with pipes, and a poll loop that feeds the child's
// standard input while draining its output, so neither side can block the other.
#include "engine/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "engine/common.h"

extern char** environ;

namespace attnlab {
namespace {

// A file descriptor closed when it goes out of scope (or on reset).
struct Fd {
    int fd = -1;
    Fd() = default;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }
    void reset() {
        if (fd >= 0) close(fd);
        fd = -1;
    }
};

struct Pipe {
    Fd read, write;
    Pipe() {
        int fds[2];
        ATTNLAB_CHECK(pipe2(fds, O_CLOEXEC) == 0,
                      "run_process: cannot create a pipe: ", std::strerror(errno));
        read.fd = fds[0];
        write.fd = fds[1];
    }
};

// While alive, SIGPIPE is blocked in this thread, so writing to a child that exited early fails
// with EPIPE instead of killing attnlab; a SIGPIPE that such a write raised is then swallowed.
class SigpipeBlocked {
  public:
    SigpipeBlocked() {
        sigemptyset(&pipe_);
        sigaddset(&pipe_, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_, &previous_);
    }
    ~SigpipeBlocked() {
        if (raised_) {
            const timespec zero = {0, 0};
            while (sigtimedwait(&pipe_, nullptr, &zero) > 0) {
            }
        }
        pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
    }
    void raised() { raised_ = true; }

  private:
    sigset_t pipe_, previous_;
    bool raised_ = false;
};

// Writes `input` to `to_child` (non-blocking) and reads `from_child` until both are done.
std::string exchange(Fd& to_child, Fd& from_child, const std::string& input) {
    SigpipeBlocked sigpipe;
    std::string output;
    size_t written = 0;
    char buffer[1 << 16];
    while (from_child.fd >= 0 || to_child.fd >= 0) {
        pollfd fds[2];
        nfds_t count = 0;
        if (from_child.fd >= 0) fds[count++] = {from_child.fd, POLLIN, 0};
        if (to_child.fd >= 0) fds[count++] = {to_child.fd, POLLOUT, 0};
        if (poll(fds, count, -1) < 0) {
            ATTNLAB_CHECK(errno == EINTR, "run_process: poll failed: ", std::strerror(errno));
            continue;
        }
        for (nfds_t i = 0; i < count; ++i) {
            if (fds[i].revents == 0) continue;
            if (fds[i].fd == from_child.fd) {
                const ssize_t got = read(from_child.fd, buffer, sizeof buffer);
                if (got > 0)
                    output.append(buffer, size_t(got));
                else if (got == 0 || (errno != EINTR && errno != EAGAIN))
                    from_child.reset();
            } else {
                const ssize_t put =
                    write(to_child.fd, input.data() + written, input.size() - written);
                if (put > 0) written += size_t(put);
                if (put < 0 && errno == EPIPE) sigpipe.raised();
                if (written == input.size() || (put < 0 && errno != EINTR && errno != EAGAIN))
                    to_child.reset();  // done, or the child stopped reading
            }
        }
    }
    return output;
}

// The spawn's redirections: stdin from `input_pipe` (or /dev/null), stdout to `output_pipe`.
void redirect(posix_spawn_file_actions_t* actions, const Pipe* input_pipe, const Pipe& output_pipe,
              ChildStderr child_stderr) {
    if (input_pipe)
        posix_spawn_file_actions_adddup2(actions, input_pipe->read.fd, 0);
    else
        posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(actions, output_pipe.write.fd, 1);
    if (child_stderr == ChildStderr::Capture)
        posix_spawn_file_actions_adddup2(actions, output_pipe.write.fd, 2);
    else if (child_stderr == ChildStderr::Discard)
        posix_spawn_file_actions_addopen(actions, 2, "/dev/null", O_WRONLY, 0);
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input,
                          ChildStderr child_stderr) {
    ATTNLAB_CHECK(!argv.empty() && !argv[0].empty(), "run_process: no program given");
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);

    std::unique_ptr<Pipe> input_pipe;
    if (!input.empty()) input_pipe = std::make_unique<Pipe>();
    Pipe output_pipe;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    redirect(&actions, input_pipe.get(), output_pipe, child_stderr);
    pid_t pid = -1;
    const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ProcessResult result;
    if (spawned == ENOENT || spawned == EACCES || spawned == ENOTDIR) {
        result.not_found = true;
        return result;
    }
    ATTNLAB_CHECK(spawned == 0, "run_process: cannot start ", argv[0], ": ",
                  std::strerror(spawned));

    output_pipe.write.reset();  // the child's ends: ours must close so reads see EOF
    Fd to_child;
    if (input_pipe) {
        input_pipe->read.reset();
        std::swap(to_child.fd, input_pipe->write.fd);
        fcntl(to_child.fd, F_SETFL, fcntl(to_child.fd, F_GETFL) | O_NONBLOCK);
    }
    result.output = exchange(to_child, output_pipe.read, input);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        ATTNLAB_CHECK(errno == EINTR, "run_process: waitpid failed: ", std::strerror(errno));
    result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

}  // namespace attnlab
