#pragma once
// HDF5 output and input over the HDF5 C API (compiled when PUNCTUM_WITH_HDF5 is defined; without
// it every constructor throws io::IoError saying so). The layout these classes write is described
// in docs/output-format.md; the headers never include hdf5.h, so C++ users of punctum compile
// without HDF5 headers on their include path.
//
// Not thread-safe: one writer or reader per thread, and no two threads in HDF5 at once (the serial
// HDF5 library is not re-entrant).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "punctum/core/field.hpp"
#include "punctum/core/grid.hpp"
#include "punctum/core/version.hpp"
#include "punctum/io/table.hpp"

namespace punctum::io {

/// An HDF5 call failed, or punctum was built without HDF5. The message names the operation, the
/// object path inside the file, the file, and HDF5's own error stack.
class IoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// True when this build of punctum can read and write HDF5.
bool hdf5_available() noexcept;
/// Version of the HDF5 library punctum is linked against ("1.10.8"), or "" without HDF5.
std::string hdf5_library_version();

/// Attribute values as read back. Signed integers come back as int64, unsigned as uint64.
using AttributeValue = std::variant<std::string, double, std::int64_t, std::uint64_t,
                                    std::vector<double>, std::vector<std::int64_t>>;

/// A dense n-dimensional array of doubles, C order (last index fastest), with its unit.
struct Array {
  std::vector<std::size_t> shape;
  std::vector<double> values;
  std::string units;
  std::vector<std::string> dims;  // dimension names, from the `dims` attribute ("" if absent)
};

/// Filters for write_dataset. Compression and checksums need chunked storage, which the writer
/// chooses (about 1 MiB per chunk, whole rows).
struct DatasetOptions {
  unsigned deflate_level = 0;  // 0 = no compression, 1..9 = zlib level (with byte shuffle)
  bool checksum = false;       // Fletcher-32 per chunk: a corrupted file fails to read, loudly
};

/// One species of a field series.
struct FieldSpec {
  std::string name;
  std::string units;
  std::string description;
};

/// What a field-series group holds (read side).
struct FieldSeriesInfo {
  Grid3 grid;
  std::vector<double> times;  // s
  std::vector<FieldSpec> species;
  std::size_t value_bytes = 8;  // 8: float64 snapshots, 4: float32 (WriterOptions)
};

/// Provenance copied into every result file (PhysiCell's habit: the resolved config travels with
/// the output). created_utc and host are filled in at write time when left empty.
struct Provenance {
  std::string punctum_version = punctum::version;
  std::string config;                  // the resolved configuration, as text
  std::string config_format = "toml";  // "toml" or "json"
  std::uint64_t seed = 0;
  std::string created_utc;  // ISO 8601, e.g. 2026-11-21T19:30:00Z
  std::string host;
};

struct WriterOptions {
  /// Write `<stem>.xmf` next to the file at commit() when field series exist (ParaView opens it).
  bool xdmf_sidecar = true;
  /// zlib level for field snapshots (with byte shuffle); 0 stores them uncompressed.
  /// zlib level 1 keeps nearly all of level 4's ratio at lower cost (measured on a 100^3 field:
  /// 179 vs 199 ms per species-snapshot, ratio 1.71 vs 1.73).
  unsigned field_deflate_level = 1;
  /// Store snapshots as float32 (half the bytes and time; about 7 significant digits). Snapshots
  /// are for looking at; checkpoints, not snapshots, carry the exact state for restarts.
  bool field_single_precision = false;
};

/// Writes one HDF5 file atomically: everything goes to `<path>.tmp-<pid>`; commit() flushes,
/// closes and renames it onto `path`. A writer destroyed without commit() (an exception unwound
/// it) removes the temporary file and leaves any existing file at `path` untouched.
///
/// Object paths are absolute ("/observables/erythema_index"); missing parent groups are created.
class H5Writer {
 public:
  explicit H5Writer(std::filesystem::path path, WriterOptions options = {});
  ~H5Writer();
  H5Writer(H5Writer&&) noexcept;
  H5Writer& operator=(H5Writer&&) noexcept;
  H5Writer(const H5Writer&) = delete;
  H5Writer& operator=(const H5Writer&) = delete;

  const std::filesystem::path& path() const;
  /// The file being written until commit().
  const std::filesystem::path& temporary_path() const;

  void create_group(std::string_view group);

  void set_attribute(std::string_view object, std::string_view name, std::string_view value);
  void set_attribute(std::string_view object, std::string_view name, const char* value) {
    set_attribute(object, name, std::string_view(value));
  }
  void set_attribute(std::string_view object, std::string_view name, double value);
  void set_attribute(std::string_view object, std::string_view name, std::int64_t value);
  void set_attribute(std::string_view object, std::string_view name, std::uint64_t value);
  template <class I>
  requires(std::is_integral_v<I> && !std::is_same_v<I, bool> && !std::is_same_v<I, std::int64_t> &&
           !std::is_same_v<I, std::uint64_t>) void set_attribute(std::string_view object,
                                                                 std::string_view name, I value) {
    if constexpr (std::is_signed_v<I>)
      set_attribute(object, name, static_cast<std::int64_t>(value));
    else
      set_attribute(object, name, static_cast<std::uint64_t>(value));
  }
  void set_attribute(std::string_view object, std::string_view name,
                     std::span<const double> values);

  /// An n-dimensional double dataset (C order, last index fastest) with a `units` attribute and,
  /// if `dims` is given (one name per axis), a `dims` attribute "time,depth". Throws
  /// InvalidParameter naming the dataset when the shape does not match the values.
  void write_dataset(std::string_view dataset, std::span<const double> values,
                     std::vector<std::size_t> shape, std::string_view units,
                     std::vector<std::string> dims = {}, DatasetOptions options = {});
  /// 1-D shorthand.
  void write_dataset(std::string_view dataset, std::span<const double> values,
                     std::string_view units, std::vector<std::string> dims = {}) {
    write_dataset(dataset, values, {values.size()}, units, std::move(dims));
  }
  /// Integer counts (n-dimensional, C order).
  void write_dataset(std::string_view dataset, std::span<const std::int64_t> values,
                     std::vector<std::size_t> shape, std::string_view units,
                     std::vector<std::string> dims = {});

  /// A columnar table as a group: one 1-D dataset per column (with `units`), columns in order.
  void write_table(std::string_view group, const Table& table);

  /// Declares a growable series of 3-D field snapshots under `group`: for each species a dataset
  /// (time, z, y, x), chunked one snapshot per chunk and compressed; `group/time` (s) grows with
  /// it; `group/x|y|z` hold voxel centres (m); the grid is stored as group attributes.
  void define_fields(std::string_view group, const Grid3& grid, std::vector<FieldSpec> species);
  /// Appends one snapshot at `time_s` (strictly later than the previous one). `values[s]` holds
  /// species s densely, x fastest (nz*ny*nx values). Returns the snapshot index.
  std::size_t append_fields(std::string_view group, double time_s,
                            std::span<const std::span<const double>> values);
  /// Same from a Field<double> (line padding skipped); species in the order of define_fields.
  std::size_t append_fields(std::string_view group, double time_s, const Field<double>& field);

  /// Writes group /provenance (attributes punctum_version, config, config_format, seed,
  /// created_utc, host, hdf5_version).
  void write_provenance(const Provenance& provenance);

  /// Removes a dataset or group written earlier (for example observables rewritten after a
  /// restart). Field series cannot be removed.
  void remove(std::string_view object);

  /// Writes a complete, readable copy of the file as it stands to `copy` (atomically: temporary
  /// file, then rename) and keeps writing. Saved together with a Checkpoint, it lets a restarted
  /// run continue the output where it stood (resume()); the writer closes and reopens its file
  /// around the copy, so the uninterrupted and the resumed run end byte-identical (tested).
  void save_partial(const std::filesystem::path& copy);

  /// Continues a file saved by save_partial(): copies `partial` to `<path>.tmp-<pid>` and reopens
  /// it for writing; field series keep their snapshots, counts and last times, so appending the
  /// remaining snapshots gives the content of an uninterrupted run.
  static H5Writer resume(const std::filesystem::path& partial, std::filesystem::path path,
                         WriterOptions options = {});

  /// Flushes, closes and renames the temporary file onto path(); then writes the XDMF sidecar if
  /// field series exist and WriterOptions::xdmf_sidecar is set. Further calls throw.
  void commit();
  bool committed() const;

  struct Impl;

 private:
  explicit H5Writer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Reads files written by H5Writer (and plain HDF5 files written by h5py).
class H5Reader {
 public:
  explicit H5Reader(const std::filesystem::path& path);
  ~H5Reader();
  H5Reader(H5Reader&&) noexcept;
  H5Reader& operator=(H5Reader&&) noexcept;

  const std::filesystem::path& path() const;

  bool contains(std::string_view object) const;
  /// Names of the links in `group`, in creation order where the group tracks it, else by name.
  std::vector<std::string> children(std::string_view group) const;
  bool is_group(std::string_view object) const;
  std::vector<std::string> attribute_names(std::string_view object) const;
  bool has_attribute(std::string_view object, std::string_view name) const;
  AttributeValue attribute(std::string_view object, std::string_view name) const;
  std::string string_attribute(std::string_view object, std::string_view name) const;
  double double_attribute(std::string_view object, std::string_view name) const;
  std::int64_t int_attribute(std::string_view object, std::string_view name) const;

  /// Any numeric dataset converted to double, with its shape, `units` ("" if absent) and dims.
  Array read_dataset(std::string_view dataset) const;
  /// Any integer dataset converted to int64 (values only, C order) and its shape.
  std::vector<std::int64_t> read_int_dataset(std::string_view dataset,
                                             std::vector<std::size_t>* shape = nullptr) const;
  std::vector<std::string> read_string_dataset(std::string_view dataset) const;
  std::vector<std::size_t> dataset_shape(std::string_view dataset) const;

  Table read_table(std::string_view group) const;

  FieldSeriesInfo field_series(std::string_view group) const;
  /// Snapshot `index` of one species, dense, x fastest (nz*ny*nx values).
  std::vector<double> read_snapshot(std::string_view group, std::string_view species,
                                    std::size_t index) const;
  /// Snapshot `index` of every species into `field` (its grid and species count must match).
  void read_snapshot(std::string_view group, std::size_t index, Field<double>& field) const;

  Provenance provenance() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace punctum::io
