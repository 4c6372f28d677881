// output_dir.h — what a command that writes into a directory needs so that a failure leaves the
// directory as it was: directories created only when kept, and temporary files of killed writers
// cleaned away.
#pragma once

#include <filesystem>
#include <string>

namespace attnlab {

// Creates `path` and its missing parents (an Error naming `path` if it cannot). Unless keep() is
// called, the destructor removes the topmost directory it created, with whatever was written
// into it since, so a command that fails half-way leaves no new directory behind.
class NewDirectories {
  public:
    explicit NewDirectories(const std::string& path);
    ~NewDirectories();
    NewDirectories(const NewDirectories&) = delete;
    NewDirectories& operator=(const NewDirectories&) = delete;
    void keep() { created_.clear(); }

  private:
    std::filesystem::path created_;  // empty when nothing was created (or it is kept)
};

// Whether `name` is one of attnlab's atomic-write temporaries, "<file>.tmp.<pid>" (safetensors.h),
// and the pid it names.
bool is_temporary_name(const std::string& name, long* pid = nullptr);

// Removes from `directory` every regular file named "<file>.tmp.<pid>" whose writer process no
// longer exists (a write killed with SIGKILL cannot clean up after itself); returns how many.
int remove_stale_temporaries(const std::string& directory);

}  // namespace attnlab
