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

#include "punctum/core/error.hpp"
#include "punctum/core/field.hpp"

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

/// A field's valid voxels as an array of shape (species, nz, ny, nx), line padding dropped
/// (a float field's values widen exactly).
template <class T>
NamedArray to_named_array(const Field<T>& field) {
  const Grid3& g = field.grid();
  NamedArray array{{field.species(), g.nz(), g.ny(), g.nx()}, {}};
  array.values.reserve(field.species() * g.size());
  for (std::size_t s = 0; s < field.species(); ++s)
    for (std::size_t k = 0; k < g.nz(); ++k)
      for (std::size_t j = 0; j < g.ny(); ++j)
        for (T v : field.line(s, j, k)) array.values.push_back(double(v));
  return array;
}

/// Copies an array made by to_named_array back into `field`; throws InvalidParameter naming
/// `name` unless its shape is (field.species(), nz, ny, nx) of the field's grid. Into a float
/// field, the values of a float field's array narrow back exactly; the caller makes sure the
/// array came from a field of the same precision (run_course: the checkpoint's fingerprint).
template <class T>
void fill_field(const NamedArray& array, Field<T>& field, const std::string& name) {
  const Grid3& g = field.grid();
  const std::vector<std::size_t> expected{field.species(), g.nz(), g.ny(), g.nx()};
  if (array.shape != expected || array.values.size() != field.species() * g.size()) {
    std::string shape = "(";
    for (std::size_t i = 0; i < array.shape.size(); ++i)
      shape += (i ? ", " : "") + std::to_string(array.shape[i]);
    throw InvalidParameter("shape of checkpoint array '" + name + "'", shape + ")",
                           "(" + std::to_string(expected[0]) + ", " + std::to_string(expected[1]) +
                               ", " + std::to_string(expected[2]) + ", " +
                               std::to_string(expected[3]) + ") (species, nz, ny, nx of the field)",
                           "");
  }
  const double* source = array.values.data();
  for (std::size_t s = 0; s < field.species(); ++s)
    for (std::size_t k = 0; k < g.nz(); ++k)
      for (std::size_t j = 0; j < g.ny(); ++j)
        for (T& v : field.line(s, j, k)) v = T(*source++);
}

}  // namespace punctum::io
