// fuzz_support.h — what the fuzz harnesses (tests/fuzz/fuzz_*.cpp) share.
//
// Each harness defines one entry point attnlab::fuzz::<name>_input(data, size) that feeds the bytes
// to a real parser and swallows only the project's own errors (attnlab::Error and its subclasses):
// anything else (a crash, a sanitizer report, another exception, a hang) is a finding. Compiled
// by clang with ATTNLAB_LIBFUZZER defined, a harness also defines libFuzzer's
// LLVMFuzzerTestOneInput (ATTNLAB_FUZZ_ENTRY); compiled into the test suites, the same entry
// points replay the seed and regression corpora (tests/test_fuzz_replay.cpp).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace attnlab::fuzz {

int safetensors_input(const uint8_t* data, size_t size);
int idx_input(const uint8_t* data, size_t size);
int config_input(const uint8_t* data, size_t size);
int text_input(const uint8_t* data, size_t size);
int listops_input(const uint8_t* data, size_t size);

// A property a parser promised but broke: not an attnlab::Error, so no harness swallows it.
struct BrokenPromise : std::logic_error {
    using std::logic_error::logic_error;
};

inline void require(bool ok, const char* what) {
    if (!ok) throw BrokenPromise(what);
}

// The error the last input got from the parser under test, empty if it was accepted; the replay
// test checks that each seed is accepted or rejected as its name says.
inline std::string& last_rejection() {
    static std::string message;
    return message;
}

// An anonymous in-memory file (memfd) with a path, "/proc/self/fd/N", for readers that only
// take a path: rewriting it costs no disk I/O and leaves nothing behind.
class MemoryFile {
  public:
    MemoryFile() : fd_(memfd_create("attnlab-fuzz", MFD_CLOEXEC)) {
        if (fd_ < 0) throw std::runtime_error("memfd_create failed");
        path_ = "/proc/self/fd/" + std::to_string(fd_);
    }
    ~MemoryFile() { close(fd_); }
    MemoryFile(const MemoryFile&) = delete;
    MemoryFile& operator=(const MemoryFile&) = delete;

    // Replaces the contents with `size` bytes of `data`.
    void assign(const uint8_t* data, size_t size) {
        if (ftruncate(fd_, 0) != 0) throw std::runtime_error("ftruncate failed");
        size_t done = 0;
        while (done < size) {
            const ssize_t wrote = pwrite(fd_, data + done, size - done, off_t(done));
            if (wrote <= 0) throw std::runtime_error("pwrite failed");
            done += size_t(wrote);
        }
    }
    const std::string& path() const { return path_; }

  private:
    int fd_;
    std::string path_;
};

}  // namespace attnlab::fuzz

#ifdef ATTNLAB_LIBFUZZER
#define ATTNLAB_FUZZ_ENTRY(function)                                          \
    extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { \
        return function(data, size);                                          \
    }
#else
#define ATTNLAB_FUZZ_ENTRY(function)
#endif
