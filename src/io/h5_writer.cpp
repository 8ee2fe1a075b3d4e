// H5Writer: atomic HDF5 result files (temporary file + rename), see docs/output-format.md.
#include <chrono>
#include <cmath>
#include <ctime>
#include <functional>
#include <map>
#include <system_error>

#include "atomic_file.hpp"
#include "hdf5_detail.hpp"
#include "punctum/io/h5.hpp"
#include "punctum/io/xdmf.hpp"

#ifdef PUNCTUM_WITH_HDF5
#include <unistd.h>
#endif

namespace punctum::io {

namespace fs = std::filesystem;

#ifndef PUNCTUM_WITH_HDF5

namespace {
[[noreturn]] void unavailable() {
  throw IoError(
      "punctum was built without HDF5 (CMake option PUNCTUM_WITH_HDF5=OFF): HDF5 output, XDMF and "
      "checkpoints are unavailable; rebuild with -DPUNCTUM_WITH_HDF5=ON");
}
}  // namespace

bool hdf5_available() noexcept {
  return false;
}
std::string hdf5_library_version() {
  return {};
}
struct H5Writer::Impl {};
H5Writer::H5Writer(fs::path, WriterOptions) {
  unavailable();
}
H5Writer::~H5Writer() = default;
H5Writer::H5Writer(H5Writer&&) noexcept = default;
H5Writer& H5Writer::operator=(H5Writer&&) noexcept = default;
const fs::path& H5Writer::path() const {
  unavailable();
}
const fs::path& H5Writer::temporary_path() const {
  unavailable();
}
H5Writer::H5Writer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
H5Writer H5Writer::resume(const fs::path&, fs::path, WriterOptions) {
  unavailable();
}
void H5Writer::remove(std::string_view) {
  unavailable();
}
void H5Writer::save_partial(const fs::path&) {
  unavailable();
}
void H5Writer::create_group(std::string_view) {
  unavailable();
}
void H5Writer::set_attribute(std::string_view, std::string_view, std::string_view) {
  unavailable();
}
void H5Writer::set_attribute(std::string_view, std::string_view, double) {
  unavailable();
}
void H5Writer::set_attribute(std::string_view, std::string_view, std::int64_t) {
  unavailable();
}
void H5Writer::set_attribute(std::string_view, std::string_view, std::uint64_t) {
  unavailable();
}
void H5Writer::set_attribute(std::string_view, std::string_view, std::span<const double>) {
  unavailable();
}
void H5Writer::write_dataset(std::string_view, std::span<const double>, std::vector<std::size_t>,
                             std::string_view, std::vector<std::string>, DatasetOptions) {
  unavailable();
}
void H5Writer::write_dataset(std::string_view, std::span<const std::int64_t>,
                             std::vector<std::size_t>, std::string_view, std::vector<std::string>) {
  unavailable();
}
void H5Writer::write_table(std::string_view, const Table&) {
  unavailable();
}
void H5Writer::define_fields(std::string_view, const Grid3&, std::vector<FieldSpec>) {
  unavailable();
}
std::size_t H5Writer::append_fields(std::string_view, double,
                                    std::span<const std::span<const double>>) {
  unavailable();
}
std::size_t H5Writer::append_fields(std::string_view, double, const Field<double>&) {
  unavailable();
}
void H5Writer::write_provenance(const Provenance&) {
  unavailable();
}
void H5Writer::commit() {
  unavailable();
}
bool H5Writer::committed() const {
  unavailable();
}

#else  // PUNCTUM_WITH_HDF5

using detail::check;
using detail::check_status;
using detail::Handle;

bool hdf5_available() noexcept {
  return true;
}

std::string hdf5_library_version() {
  unsigned major = 0, minor = 0, release = 0;
  H5get_libversion(&major, &minor, &release);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release);
}

namespace {

struct FieldSeriesState {
  Grid3 grid;
  std::vector<FieldSpec> species;
  std::size_t snapshots = 0;
  double last_time = 0.0;
};

std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

void require_units(std::string_view units, const std::string& object) {
  if (units.empty())
    throw InvalidParameter("units of '" + object + "'", "''",
                           "a unit symbol (\"1\" for dimensionless)", "");
}

void require_name(const std::string& name, const std::string& what) {
  if (name.empty() || name.find('/') != std::string::npos || name.find(',') != std::string::npos ||
      name == "." || name == "..")
    throw InvalidParameter(what, "'" + name + "'", "a non-empty name without '/' or ','", "");
}

}  // namespace

struct H5Writer::Impl {
  fs::path path;
  fs::path temporary;
  std::string name;  // for messages
  WriterOptions options;
  Handle file;
  bool committed = false;
  std::map<std::string, FieldSeriesState> series;

  void prepare(fs::path target, WriterOptions writer_options);
  detail::Handle access_list() const;

  void require_open() const {
    if (committed) throw IoError("H5Writer for " + path.string() + " was already committed");
  }

  void write_strings_attribute(const std::string& object, std::string_view attribute,
                               std::string_view value) {
    detail::write_string_attribute(file, object, attribute, value, name);
  }

  void write_numeric_attribute(const std::string& object, std::string_view attribute,
                               hid_t file_type, hid_t memory_type, const void* data,
                               std::size_t count, bool scalar) {
    Handle space;
    if (scalar) {
      space = Handle(check(H5Screate(H5S_SCALAR), "create dataspace", object, name), H5Sclose);
    } else {
      const hsize_t dims[1] = {count};
      space = Handle(check(H5Screate_simple(1, dims, nullptr), "create dataspace", object, name),
                     H5Sclose);
    }
    detail::write_attribute(file, object, attribute, file_type, space, data, name, memory_type);
  }

  /// Creates a dataset at `object` (parents created), writes `data` (memory type `memory_type`),
  /// and tags it with units and dims.
  void write_array(const std::string& object, hid_t file_type, hid_t memory_type, const void* data,
                   const std::vector<std::size_t>& shape, std::string_view units,
                   const std::vector<std::string>& dims, DatasetOptions options,
                   std::size_t element_bytes) {
    if (shape.empty() || shape.size() > 32)
      throw InvalidParameter("rank of dataset '" + object + "'", std::to_string(shape.size()),
                             "1 to 32 dimensions", "");
    if (!dims.empty() && dims.size() != shape.size())
      throw InvalidParameter("dims of dataset '" + object + "'", detail::join_names(dims),
                             std::to_string(shape.size()) + " names, one per axis", "");
    if (options.deflate_level > 9)
      throw InvalidParameter("deflate level of dataset '" + object + "'",
                             std::to_string(options.deflate_level), "0 to 9", "");
    detail::ensure_group(file, detail::parent_of(object), name);
    if (detail::exists(file, object, name))
      throw InvalidParameter("dataset", "'" + object + "'", "a path not already written", "");

    std::vector<hsize_t> dims_h(shape.begin(), shape.end());
    std::size_t count = 1;
    for (auto n : shape) count *= n;
    Handle space(check(H5Screate_simple(int(dims_h.size()), dims_h.data(), nullptr),
                       "create dataspace", object, name),
                 H5Sclose);
    Handle dcpl = detail::dataset_creation_list(object, name);
    const bool filtered = (options.deflate_level > 0 || options.checksum) && count > 0;
    if (filtered) {
      // Whole trailing rows per chunk, about 1 MiB each: large enough for zlib, small enough for
      // HDF5's default 1 MiB chunk cache.
      std::vector<hsize_t> chunk(dims_h);
      std::size_t row = element_bytes;
      for (std::size_t a = 1; a < shape.size(); ++a) row *= shape[a];
      const std::size_t target = std::size_t(1) << 20;
      chunk[0] = std::max<hsize_t>(
          1, std::min<hsize_t>(dims_h[0], target / std::max<std::size_t>(row, 1)));
      // A single row above HDF5's 4 GiB chunk limit: halve the next axes until it fits.
      const auto chunk_bytes = [&] {
        std::size_t bytes = element_bytes;
        for (auto n : chunk) bytes *= n;
        return bytes;
      };
      for (std::size_t a = 1; a < shape.size(); ++a)
        while (chunk_bytes() >= (std::size_t(1) << 31) && chunk[a] > 1)
          chunk[a] = (chunk[a] + 1) / 2;
      check_status(H5Pset_chunk(dcpl, int(chunk.size()), chunk.data()), "set chunking", object,
                   name);
      if (options.checksum)
        check_status(H5Pset_fletcher32(dcpl), "enable Fletcher-32", object, name);
      if (options.deflate_level > 0) {
        check_status(H5Pset_shuffle(dcpl), "enable shuffle", object, name);
        check_status(H5Pset_deflate(dcpl, options.deflate_level), "enable deflate", object, name);
      }
    }
    Handle dataset(
        check(H5Dcreate2(file, object.c_str(), file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
              "create dataset", object, name),
        H5Dclose);
    if (count > 0)
      check_status(H5Dwrite(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
                   "write dataset", object, name);
    dataset.reset();
    write_strings_attribute(object, "units", units);
    if (!dims.empty()) write_strings_attribute(object, "dims", detail::join_names(dims));
  }

  FieldSeriesState& series_for(const std::string& group) {
    auto it = series.find(group);
    if (it == series.end())
      throw InvalidParameter("field series group", "'" + group + "'",
                             "a group declared with define_fields in this writer", "");
    return it->second;
  }

  /// Grows the series by one snapshot and returns (file dataspace selecting it, its index).
  void append_time(const std::string& group, FieldSeriesState& state, double time) {
    const std::string object = detail::join(group, "time");
    Handle dataset(check(H5Dopen2(file, object.c_str(), H5P_DEFAULT), "open dataset", object, name),
                   H5Dclose);
    const hsize_t size[1] = {state.snapshots + 1};
    check_status(H5Dset_extent(dataset, size), "extend dataset", object, name);
    Handle file_space(check(H5Dget_space(dataset), "get dataspace", object, name), H5Sclose);
    const hsize_t start[1] = {state.snapshots}, count[1] = {1};
    check_status(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, nullptr, count, nullptr),
                 "select snapshot", object, name);
    Handle memory_space(
        check(H5Screate_simple(1, count, nullptr), "create dataspace", object, name), H5Sclose);
    check_status(H5Dwrite(dataset, H5T_NATIVE_DOUBLE, memory_space, file_space, H5P_DEFAULT, &time),
                 "write snapshot time", object, name);
  }

  /// Writes one species snapshot from memory laid out (nz, ny, pitch) with nx valid per line.
  void append_species(const std::string& object, const FieldSeriesState& state, const double* data,
                      std::size_t pitch) {
    const Grid3& g = state.grid;
    Handle dataset(check(H5Dopen2(file, object.c_str(), H5P_DEFAULT), "open dataset", object, name),
                   H5Dclose);
    const hsize_t size[4] = {state.snapshots + 1, g.nz(), g.ny(), g.nx()};
    check_status(H5Dset_extent(dataset, size), "extend dataset", object, name);
    Handle file_space(check(H5Dget_space(dataset), "get dataspace", object, name), H5Sclose);
    const hsize_t start[4] = {state.snapshots, 0, 0, 0}, count[4] = {1, g.nz(), g.ny(), g.nx()};
    check_status(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, nullptr, count, nullptr),
                 "select snapshot", object, name);
    const hsize_t memory_dims[3] = {g.nz(), g.ny(), pitch};
    Handle memory_space(
        check(H5Screate_simple(3, memory_dims, nullptr), "create dataspace", object, name),
        H5Sclose);
    const hsize_t memory_start[3] = {0, 0, 0}, memory_count[3] = {g.nz(), g.ny(), g.nx()};
    check_status(H5Sselect_hyperslab(memory_space, H5S_SELECT_SET, memory_start, nullptr,
                                     memory_count, nullptr),
                 "select field lines", object, name);
    check_status(H5Dwrite(dataset, H5T_NATIVE_DOUBLE, memory_space, file_space, H5P_DEFAULT, data),
                 "write snapshot", object, name);
  }

  void check_time(const std::string& group, const FieldSeriesState& state, double time) const {
    if (!std::isfinite(time) || (state.snapshots > 0 && !(time > state.last_time)))
      throw InvalidParameter(
          "time of snapshot " + std::to_string(state.snapshots) + " of '" + group + "'",
          ::punctum::detail::format_number(time),
          state.snapshots > 0 ? "> " + ::punctum::detail::format_number(state.last_time) +
                                    " (strictly after the previous snapshot)"
                              : "a finite time",
          "s");
  }
};

void H5Writer::Impl::prepare(fs::path target, WriterOptions writer_options) {
  if (target.empty()) throw InvalidParameter("output path", "''", "a file path", "");
  if (writer_options.field_deflate_level > 9)
    throw InvalidParameter("field_deflate_level",
                           std::to_string(writer_options.field_deflate_level), "0 to 9", "");
  path = target;
  temporary = detail::temporary_beside(target);
  name = target.string();
  options = writer_options;
  const auto parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(parent))
    throw InvalidParameter("output path", "'" + target.string() + "'",
                           "a path in an existing directory", "");
}

detail::Handle H5Writer::Impl::access_list() const {
  Handle fapl(check(H5Pcreate(H5P_FILE_ACCESS), "create file access list", "", name), H5Pclose);
  // Strong close: closing the file closes every object still open in it, so the file on disk is
  // complete when H5Fclose returns and the rename can follow.
  check_status(H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG), "set close degree", "", name);
  return fapl;
}

H5Writer::H5Writer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

H5Writer::H5Writer(fs::path path, WriterOptions options) : impl_(std::make_unique<Impl>()) {
  detail::require_linked_library();
  detail::QuietErrors quiet;
  impl_->prepare(std::move(path), options);
  Handle fapl = impl_->access_list();
  impl_->file = Handle(check(H5Fcreate(impl_->temporary.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl),
                             "create file", impl_->temporary.string(), impl_->name),
                       H5Fclose);
}

H5Writer H5Writer::resume(const fs::path& partial, fs::path path, WriterOptions options) {
  detail::require_linked_library();
  auto impl = std::make_unique<Impl>();
  impl->prepare(std::move(path), options);
  // Learn the field series from the partial file before copying it.
  {
    const H5Reader reader(partial);
    const std::function<void(const std::string&)> visit = [&](const std::string& group) {
      if (reader.has_attribute(group, "punctum_kind") &&
          reader.string_attribute(group, "punctum_kind") == "field_series") {
        const FieldSeriesInfo info = reader.field_series(group);
        impl->series[group] = FieldSeriesState{info.grid, info.species, info.times.size(),
                                               info.times.empty() ? 0.0 : info.times.back()};
        return;
      }
      for (const auto& child : reader.children(group)) {
        const std::string object = detail::join(group, child);
        if (reader.is_group(object)) visit(object);
      }
    };
    visit("/");
  }
  H5Writer writer(std::move(impl));
  std::error_code error;
  fs::copy_file(partial, writer.impl_->temporary, fs::copy_options::overwrite_existing, error);
  if (error)
    throw IoError("cannot copy " + partial.string() + " to " + writer.impl_->temporary.string() +
                  ": " + error.message());
  detail::QuietErrors quiet;
  Handle fapl = writer.impl_->access_list();
  writer.impl_->file =
      Handle(check(H5Fopen(writer.impl_->temporary.c_str(), H5F_ACC_RDWR, fapl), "reopen file",
                   writer.impl_->temporary.string(), writer.impl_->name),
             H5Fclose);
  return writer;
}

void H5Writer::remove(std::string_view object_name) {
  detail::QuietErrors quiet;
  impl_->require_open();
  const std::string object = detail::absolute(object_name, "HDF5 object");
  if (object == "/" || !detail::exists(impl_->file, object, impl_->name))
    throw InvalidParameter("object to remove", "'" + object + "'",
                           "a dataset or group present in the file", "");
  for (const auto& [group, state] : impl_->series)
    if (object == group || group.rfind(object + "/", 0) == 0 || object.rfind(group + "/", 0) == 0)
      throw InvalidParameter("object to remove", "'" + object + "'",
                             "an object outside the field series '" + group + "'", "");
  check_status(H5Ldelete(impl_->file, object.c_str(), H5P_DEFAULT), "remove", object, impl_->name);
}

void H5Writer::save_partial(const fs::path& copy) {
  detail::QuietErrors quiet;
  impl_->require_open();
  Impl& w = *impl_;
  // Close, copy, reopen: the writer continues from exactly the bytes a restart resumes from, so
  // the uninterrupted and the restarted run write byte-identical files.
  check_status(H5Fflush(w.file, H5F_SCOPE_GLOBAL), "flush file", w.temporary.string(), w.name);
  check_status(w.file.close(), "close file", w.temporary.string(), w.name);
  const fs::path staging = detail::temporary_beside(copy);
  std::string failure;
  std::error_code error;
  fs::copy_file(w.temporary, staging, fs::copy_options::overwrite_existing, error);
  if (error) {
    failure = error.message();
    fs::remove(staging, error);
  } else {
    try {
      detail::move_into_place(staging, copy);
    } catch (const std::exception& e) {
      failure = e.what();
    }
  }
  Handle fapl = w.access_list();
  w.file = Handle(check(H5Fopen(w.temporary.c_str(), H5F_ACC_RDWR, fapl), "reopen file",
                        w.temporary.string(), w.name),
                  H5Fclose);
  if (!failure.empty())
    throw IoError("cannot save a partial copy of " + w.name + " to " + copy.string() + ": " +
                  failure);
}

H5Writer::~H5Writer() {
  if (!impl_ || impl_->committed) return;
  detail::QuietErrors quiet;
  impl_->file.reset();
  std::error_code ignored;
  fs::remove(impl_->temporary, ignored);
}

H5Writer::H5Writer(H5Writer&&) noexcept = default;
H5Writer& H5Writer::operator=(H5Writer&& other) noexcept {
  if (this != &other) {
    H5Writer discarded(std::move(*this));
    impl_ = std::move(other.impl_);
  }
  return *this;
}

const fs::path& H5Writer::path() const {
  return impl_->path;
}
const fs::path& H5Writer::temporary_path() const {
  return impl_->temporary;
}
bool H5Writer::committed() const {
  return impl_->committed;
}

void H5Writer::create_group(std::string_view group) {
  detail::QuietErrors quiet;
  impl_->require_open();
  detail::ensure_group(impl_->file, detail::absolute(group, "HDF5 group"), impl_->name);
}

void H5Writer::set_attribute(std::string_view object, std::string_view name,
                             std::string_view value) {
  detail::QuietErrors quiet;
  impl_->require_open();
  impl_->write_strings_attribute(detail::absolute(object, "HDF5 object"), name, value);
}

void H5Writer::set_attribute(std::string_view object, std::string_view name, double value) {
  detail::QuietErrors quiet;
  impl_->require_open();
  impl_->write_numeric_attribute(detail::absolute(object, "HDF5 object"), name, H5T_IEEE_F64LE,
                                 H5T_NATIVE_DOUBLE, &value, 1, true);
}

void H5Writer::set_attribute(std::string_view object, std::string_view name, std::int64_t value) {
  detail::QuietErrors quiet;
  impl_->require_open();
  impl_->write_numeric_attribute(detail::absolute(object, "HDF5 object"), name, H5T_STD_I64LE,
                                 H5T_NATIVE_INT64, &value, 1, true);
}

void H5Writer::set_attribute(std::string_view object, std::string_view name, std::uint64_t value) {
  detail::QuietErrors quiet;
  impl_->require_open();
  impl_->write_numeric_attribute(detail::absolute(object, "HDF5 object"), name, H5T_STD_U64LE,
                                 H5T_NATIVE_UINT64, &value, 1, true);
}

void H5Writer::set_attribute(std::string_view object, std::string_view name,
                             std::span<const double> values) {
  detail::QuietErrors quiet;
  impl_->require_open();
  impl_->write_numeric_attribute(detail::absolute(object, "HDF5 object"), name, H5T_IEEE_F64LE,
                                 H5T_NATIVE_DOUBLE, values.data(), values.size(), false);
}

namespace {
void require_shape(const std::string& object, std::size_t values,
                   const std::vector<std::size_t>& shape) {
  std::size_t count = 1;
  for (auto n : shape) count *= n;
  if (shape.empty() || count != values)
    throw InvalidParameter(
        "shape of dataset '" + object + "'", shape_text(shape),
        "a shape whose product equals the " + std::to_string(values) + " values given", "");
}
}  // namespace

void H5Writer::write_dataset(std::string_view dataset, std::span<const double> values,
                             std::vector<std::size_t> shape, std::string_view units,
                             std::vector<std::string> dims, DatasetOptions options) {
  detail::QuietErrors quiet;
  impl_->require_open();
  const std::string object = detail::absolute(dataset, "HDF5 dataset");
  require_shape(object, values.size(), shape);
  require_units(units, object);
  impl_->write_array(object, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values.data(), shape, units, dims,
                     options, sizeof(double));
}

void H5Writer::write_dataset(std::string_view dataset, std::span<const std::int64_t> values,
                             std::vector<std::size_t> shape, std::string_view units,
                             std::vector<std::string> dims) {
  detail::QuietErrors quiet;
  impl_->require_open();
  const std::string object = detail::absolute(dataset, "HDF5 dataset");
  require_shape(object, values.size(), shape);
  require_units(units, object);
  impl_->write_array(object, H5T_STD_I64LE, H5T_NATIVE_INT64, values.data(), shape, units, dims, {},
                     sizeof(std::int64_t));
}

void H5Writer::write_table(std::string_view group_name, const Table& table) {
  detail::QuietErrors quiet;
  impl_->require_open();
  const std::string group = detail::absolute(group_name, "table group");
  if (detail::exists(impl_->file, group, impl_->name))
    throw InvalidParameter("table group", "'" + group + "'", "a path not already written", "");
  detail::ensure_group(impl_->file, group, impl_->name);
  const std::size_t rows = table.rows();
  // Compressed in chunks of up to 64 Ki rows: puncture tables reach 10^5 rows per session.
  const DatasetOptions options{rows > 0 ? 4u : 0u, false};
  for (const Column& column : table.columns()) {
    const std::string object = detail::join(group, column.name);
    const std::vector<std::size_t> shape{rows};
    std::visit(
        [&](const auto& values) {
          using V = std::decay_t<decltype(values)>;
          if constexpr (std::is_same_v<V, std::vector<double>>) {
            impl_->write_array(object, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values.data(), shape,
                               column.units, {}, options, 8);
          } else if constexpr (std::is_same_v<V, std::vector<std::int64_t>>) {
            impl_->write_array(object, H5T_STD_I64LE, H5T_NATIVE_INT64, values.data(), shape,
                               column.units, {}, options, 8);
          } else if constexpr (std::is_same_v<V, std::vector<std::uint8_t>>) {
            impl_->write_array(object, H5T_STD_U8LE, H5T_NATIVE_UINT8, values.data(), shape,
                               column.units, {}, options, 1);
          } else if constexpr (std::is_same_v<V, std::vector<bool>>) {
            const std::vector<std::int8_t> bytes(values.begin(), values.end());
            Handle type = detail::bool_type(impl_->name);
            impl_->write_array(object, type, type, bytes.data(), shape, column.units, {}, options,
                               1);
          } else {
            std::vector<const char*> pointers;
            pointers.reserve(values.size());
            for (const auto& text : values) pointers.push_back(text.c_str());
            Handle type = detail::string_type(impl_->name);
            impl_->write_array(object, type, type, pointers.data(), shape, column.units, {},
                               options, sizeof(char*));
          }
        },
        column.values);
    if (!column.description.empty())
      impl_->write_strings_attribute(object, "description", column.description);
  }
  impl_->write_strings_attribute(group, "punctum_kind", "table");
  const auto rows64 = std::int64_t(rows);
  impl_->write_numeric_attribute(group, "rows", H5T_STD_I64LE, H5T_NATIVE_INT64, &rows64, 1, true);
}

void H5Writer::define_fields(std::string_view group_name, const Grid3& grid,
                             std::vector<FieldSpec> species) {
  detail::QuietErrors quiet;
  impl_->require_open();
  const std::string group = detail::absolute(group_name, "field series group");
  grid.validate();
  if (species.empty())
    throw InvalidParameter("species of field series '" + group + "'", "0", ">= 1 species", "");
  std::vector<std::string> names;
  for (const auto& s : species) {
    require_name(s.name, "species name in field series '" + group + "'");
    if (s.name == "time" || s.name == "x" || s.name == "y" || s.name == "z")
      throw InvalidParameter("species name in field series '" + group + "'", "'" + s.name + "'",
                             "a name other than time, x, y, z (the coordinates)", "");
    for (const auto& n : names)
      if (n == s.name)
        throw InvalidParameter("species name in field series '" + group + "'", "'" + s.name + "'",
                               "a name not already used", "");
    require_units(s.units, detail::join(group, s.name));
    names.push_back(s.name);
  }
  const std::size_t chunk_bytes =
      grid.size() * (impl_->options.field_single_precision ? sizeof(float) : sizeof(double));
  if (chunk_bytes >= (std::size_t(1) << 32))
    throw InvalidParameter("voxels per snapshot of '" + group + "'", std::to_string(grid.size()),
                           "< 536870912 (one snapshot is one HDF5 chunk, limited to 4 GiB)",
                           "voxels");
  if (detail::exists(impl_->file, group, impl_->name))
    throw InvalidParameter("field series group", "'" + group + "'", "a path not already written",
                           "");
  detail::ensure_group(impl_->file, group, impl_->name);
  const std::string& name = impl_->name;

  // Time axis: growable, 512 times per chunk.
  {
    const std::string object = detail::join(group, "time");
    const hsize_t dims[1] = {0}, max_dims[1] = {H5S_UNLIMITED}, chunk[1] = {512};
    Handle space(check(H5Screate_simple(1, dims, max_dims), "create dataspace", object, name),
                 H5Sclose);
    Handle dcpl = detail::dataset_creation_list(object, name);
    check_status(H5Pset_chunk(dcpl, 1, chunk), "set chunking", object, name);
    Handle dataset(check(H5Dcreate2(impl_->file, object.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT,
                                    dcpl, H5P_DEFAULT),
                         "create dataset", object, name),
                   H5Dclose);
    dataset.reset();
    impl_->write_strings_attribute(object, "units", "s");
    impl_->write_strings_attribute(object, "dims", "time");
  }
  // Voxel-centre coordinates, m.
  const char* axis_names[3] = {"x", "y", "z"};
  for (int axis = 0; axis < 3; ++axis) {
    std::vector<double> centres(grid.shape[axis]);
    for (std::size_t i = 0; i < centres.size(); ++i) centres[i] = grid.centre(axis, i);
    impl_->write_array(detail::join(group, axis_names[axis]), H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                       centres.data(), {centres.size()}, "m", {axis_names[axis]}, {}, 8);
  }
  for (const auto& s : species) {
    const std::string object = detail::join(group, s.name);
    const hsize_t dims[4] = {0, grid.nz(), grid.ny(), grid.nx()};
    const hsize_t max_dims[4] = {H5S_UNLIMITED, grid.nz(), grid.ny(), grid.nx()};
    const hsize_t chunk[4] = {1, grid.nz(), grid.ny(), grid.nx()};  // one chunk per snapshot
    Handle space(check(H5Screate_simple(4, dims, max_dims), "create dataspace", object, name),
                 H5Sclose);
    Handle dcpl = detail::dataset_creation_list(object, name);
    check_status(H5Pset_chunk(dcpl, 4, chunk), "set chunking", object, name);
    if (impl_->options.field_deflate_level > 0) {
      check_status(H5Pset_shuffle(dcpl), "enable shuffle", object, name);
      check_status(H5Pset_deflate(dcpl, impl_->options.field_deflate_level), "enable deflate",
                   object, name);
    }
    Handle dataset(
        check(H5Dcreate2(impl_->file, object.c_str(),
                         impl_->options.field_single_precision ? H5T_IEEE_F32LE : H5T_IEEE_F64LE,
                         space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
              "create dataset", object, name),
        H5Dclose);
    dataset.reset();
    impl_->write_strings_attribute(object, "units", s.units);
    impl_->write_strings_attribute(object, "dims", "time,z,y,x");
    if (!s.description.empty())
      impl_->write_strings_attribute(object, "description", s.description);
  }
  impl_->write_strings_attribute(group, "punctum_kind", "field_series");
  impl_->write_strings_attribute(group, "species", detail::join_names(names));
  impl_->write_numeric_attribute(group, "origin_xyz_m", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                                 grid.origin.data(), 3, false);
  impl_->write_numeric_attribute(group, "spacing_xyz_m", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                                 grid.spacing.data(), 3, false);
  const std::int64_t shape[3] = {std::int64_t(grid.nx()), std::int64_t(grid.ny()),
                                 std::int64_t(grid.nz())};
  impl_->write_numeric_attribute(group, "shape_xyz", H5T_STD_I64LE, H5T_NATIVE_INT64, shape, 3,
                                 false);
  const std::int64_t periodic[3] = {grid.periodic[0], grid.periodic[1], grid.periodic[2]};
  impl_->write_numeric_attribute(group, "periodic_xyz", H5T_STD_I64LE, H5T_NATIVE_INT64, periodic,
                                 3, false);
  impl_->series[group] = FieldSeriesState{grid, std::move(species), 0, 0.0};
}

std::size_t H5Writer::append_fields(std::string_view group_name, double time_s,
                                    std::span<const std::span<const double>> values) {
  detail::QuietErrors quiet;
  impl_->require_open();
  const std::string group = detail::absolute(group_name, "field series group");
  FieldSeriesState& state = impl_->series_for(group);
  impl_->check_time(group, state, time_s);
  if (values.size() != state.species.size())
    throw InvalidParameter("species arrays given to '" + group + "'", std::to_string(values.size()),
                           std::to_string(state.species.size()) + " (one per declared species)",
                           "");
  for (std::size_t s = 0; s < values.size(); ++s)
    if (values[s].size() != state.grid.size())
      throw InvalidParameter("values of '" + detail::join(group, state.species[s].name) + "'",
                             std::to_string(values[s].size()),
                             std::to_string(state.grid.size()) + " (nz*ny*nx of the declared grid)",
                             "values");
  for (std::size_t s = 0; s < values.size(); ++s)
    impl_->append_species(detail::join(group, state.species[s].name), state, values[s].data(),
                          state.grid.nx());
  impl_->append_time(group, state, time_s);
  state.last_time = time_s;
  return state.snapshots++;
}

std::size_t H5Writer::append_fields(std::string_view group_name, double time_s,
                                    const Field<double>& field) {
  detail::QuietErrors quiet;
  impl_->require_open();
  const std::string group = detail::absolute(group_name, "field series group");
  FieldSeriesState& state = impl_->series_for(group);
  impl_->check_time(group, state, time_s);
  if (!(field.grid().shape == state.grid.shape))
    throw InvalidParameter("grid shape of the field appended to '" + group + "'",
                           shape_text({field.grid().nx(), field.grid().ny(), field.grid().nz()}),
                           shape_text({state.grid.nx(), state.grid.ny(), state.grid.nz()}) +
                               " (the declared grid, x y z)",
                           "voxels");
  if (field.species() != state.species.size())
    throw InvalidParameter("species of the field appended to '" + group + "'",
                           std::to_string(field.species()),
                           std::to_string(state.species.size()) + " (as declared)", "");
  for (std::size_t s = 0; s < field.species(); ++s)
    impl_->append_species(detail::join(group, state.species[s].name), state, field.species_data(s),
                          field.pitch());
  impl_->append_time(group, state, time_s);
  state.last_time = time_s;
  return state.snapshots++;
}

void H5Writer::write_provenance(const Provenance& provenance) {
  detail::QuietErrors quiet;
  impl_->require_open();
  if (provenance.config_format != "toml" && provenance.config_format != "json")
    throw InvalidParameter("provenance config_format", "'" + provenance.config_format + "'",
                           "toml or json", "");
  const std::string group = "/provenance";
  detail::ensure_group(impl_->file, group, impl_->name);
  impl_->write_strings_attribute(group, "punctum_version", provenance.punctum_version);
  impl_->write_strings_attribute(group, "config", provenance.config);
  impl_->write_strings_attribute(group, "config_format", provenance.config_format);
  impl_->write_numeric_attribute(group, "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, &provenance.seed,
                                 1, true);
  impl_->write_strings_attribute(
      group, "created_utc", provenance.created_utc.empty() ? utc_now() : provenance.created_utc);
  impl_->write_strings_attribute(group, "host",
                                 provenance.host.empty() ? host_name() : provenance.host);
  impl_->write_strings_attribute(group, "hdf5_version", hdf5_library_version());
}

void H5Writer::commit() {
  detail::QuietErrors quiet;
  impl_->require_open();
  Impl& w = *impl_;
  const auto discard = [&w] {
    w.file.reset();
    std::error_code ignored;
    fs::remove(w.temporary, ignored);
  };
  try {
    check_status(H5Fflush(w.file, H5F_SCOPE_GLOBAL), "flush file", w.temporary.string(), w.name);
    check_status(w.file.close(), "close file", w.temporary.string(), w.name);
    detail::move_into_place(w.temporary, w.path);
  } catch (...) {
    discard();
    throw;
  }
  w.committed = true;
  if (w.options.xdmf_sidecar && !w.series.empty()) write_xdmf(w.path);
}

#endif  // PUNCTUM_WITH_HDF5

}  // namespace punctum::io
