// output_dir.cpp — NewDirectories and the stale temporary sweep of output_dir.h.
#include "output_dir.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "engine/common.h"

namespace attnlab {

NewDirectories::NewDirectories(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code error;
    // The topmost missing directory on the way to `path` is the one to remove on failure.
    for (fs::path missing = fs::path(path).lexically_normal(); !missing.empty();
         missing = missing.parent_path()) {
        if (fs::exists(fs::symlink_status(missing, error))) break;
        created_ = missing;
        if (missing == missing.parent_path()) break;
    }
    fs::create_directories(path, error);
    if (error) {
        created_.clear();  // nothing usable was made; leave whatever exists alone
        throw Error(cat("cannot create the directory \"", path, "\": ", error.message()));
    }
}

NewDirectories::~NewDirectories() {
    if (created_.empty()) return;
    std::error_code ignored;
    std::filesystem::remove_all(created_, ignored);
}

bool is_temporary_name(const std::string& name, long* pid) {
    const size_t marker = name.rfind(".tmp.");
    if (marker == std::string::npos || marker == 0) return false;
    const std::string digits = name.substr(marker + 5);
    if (digits.empty() || digits.size() > 9) return false;
    for (char c : digits)
        if (c < '0' || c > '9') return false;
    if (pid) *pid = std::stol(digits);
    return true;
}

int remove_stale_temporaries(const std::string& directory) {
    namespace fs = std::filesystem;
    std::error_code error;
    int removed = 0;
    for (fs::directory_iterator it(directory, error), end; !error && it != end;
         it.increment(error)) {
        long pid = 0;
        if (!is_temporary_name(it->path().filename().string(), &pid)) continue;
        if (!it->is_regular_file(error) || pid == long(getpid())) continue;
        // kill(pid, 0) fails with ESRCH only when no such process exists.
        if (pid > 0 && kill(pid_t(pid), 0) != 0 && errno == ESRCH) {
            std::error_code ignored;
            removed += fs::remove(it->path(), ignored) ? 1 : 0;
        }
    }
    return removed;
}

}  // namespace attnlab
