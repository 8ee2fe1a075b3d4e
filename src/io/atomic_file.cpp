#include "atomic_file.hpp"

#include <cerrno>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

#include "punctum/io/h5.hpp"

namespace punctum::io::detail {

namespace fs = std::filesystem;

fs::path temporary_beside(const fs::path& target) {
  fs::path temporary = target;
  temporary += ".tmp-" + std::to_string(::getpid());
  return temporary;
}

namespace {

/// Durability: fsync of a file, or of a directory (where the filesystem allows it). A failure to
/// sync a file is an IoError; a directory that cannot be opened is skipped.
void sync_path(const fs::path& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) {
    if (directory) return;  // some filesystems refuse to open directories; the data is synced
    throw IoError("cannot open " + path.string() +
                  " to sync it: " + std::generic_category().message(errno));
  }
  const int status = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (status != 0 && !directory)
    throw IoError("fsync of " + path.string() +
                  " failed: " + std::generic_category().message(error));
}

}  // namespace

void move_into_place(const fs::path& temporary, const fs::path& target) {
  std::error_code error;
  try {
    sync_path(temporary, false);
    fs::rename(temporary, target, error);
  } catch (...) {
    fs::remove(temporary, error);
    throw;
  }
  if (error) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw IoError("cannot move " + temporary.string() + " onto " + target.string() + ": " +
                  error.message() + " (the previous file, if any, is untouched)");
  }
  sync_path(target.has_parent_path() ? target.parent_path() : fs::path("."), true);
}

}  // namespace punctum::io::detail
