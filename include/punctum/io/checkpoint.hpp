#pragma once
// Checkpoint and restart: the complete state a run needs to continue as if never interrupted
// (field arrays, step counters, RNG counters, the time step in force) saved losslessly and
// atomically. Doubles are stored as IEEE-754 binary64 and read back bit for bit (denormals and
// extremes included); compression is lossless (shuffle + zlib) and every chunk carries a
// Fletcher-32 checksum, so a damaged checkpoint fails to load instead of restarting wrongly.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace punctum::io {

struct NamedArray {
  std::vector<std::size_t> shape;  // C order, last index fastest
  std::vector<double> values;
};

using Scalar = std::variant<double, std::int64_t, std::uint64_t>;

struct Checkpoint {
  static constexpr std::int64_t format_version = 1;

  std::map<std::string, NamedArray> arrays;
  std::map<std::string, Scalar> scalars;  // step counts, RNG counters, current dt ...
  std::map<std::string, std::string> metadata;

  /// Writes atomically (temporary file, then rename). Throws InvalidParameter naming the array
  /// whose shape does not match its values, or an entry with an empty name or one containing '/'.
  void save(const std::filesystem::path& path) const;
  static void save(const std::filesystem::path& path,
                   const std::map<std::string, NamedArray>& arrays,
                   const std::map<std::string, Scalar>& scalars,
                   const std::map<std::string, std::string>& metadata);

  /// Reads a checkpoint written by save(). Throws IoError if the file is not a punctum checkpoint
  /// of a format this build reads, or if a checksum fails.
  static Checkpoint load(const std::filesystem::path& path);
};

}  // namespace punctum::io
