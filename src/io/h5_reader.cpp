// H5Reader: reads punctum result files and plain HDF5 files (h5py-written ones included).
#include "hdf5_detail.hpp"
#include "punctum/io/h5.hpp"

namespace punctum::io {

namespace fs = std::filesystem;

#ifndef PUNCTUM_WITH_HDF5

namespace {
[[noreturn]] void unavailable() {
  throw IoError(
      "punctum was built without HDF5 (CMake option PUNCTUM_WITH_HDF5=OFF): cannot read HDF5 "
      "files; rebuild with -DPUNCTUM_WITH_HDF5=ON");
}
}  // namespace

struct H5Reader::Impl {};
H5Reader::H5Reader(const fs::path&) {
  unavailable();
}
H5Reader::~H5Reader() = default;
H5Reader::H5Reader(H5Reader&&) noexcept = default;
H5Reader& H5Reader::operator=(H5Reader&&) noexcept = default;
const fs::path& H5Reader::path() const {
  unavailable();
}
bool H5Reader::contains(std::string_view) const {
  unavailable();
}
std::vector<std::string> H5Reader::children(std::string_view) const {
  unavailable();
}
bool H5Reader::is_group(std::string_view) const {
  unavailable();
}
std::vector<std::string> H5Reader::attribute_names(std::string_view) const {
  unavailable();
}
bool H5Reader::has_attribute(std::string_view, std::string_view) const {
  unavailable();
}
AttributeValue H5Reader::attribute(std::string_view, std::string_view) const {
  unavailable();
}
std::string H5Reader::string_attribute(std::string_view, std::string_view) const {
  unavailable();
}
double H5Reader::double_attribute(std::string_view, std::string_view) const {
  unavailable();
}
std::int64_t H5Reader::int_attribute(std::string_view, std::string_view) const {
  unavailable();
}
Array H5Reader::read_dataset(std::string_view) const {
  unavailable();
}
std::vector<std::int64_t> H5Reader::read_int_dataset(std::string_view,
                                                     std::vector<std::size_t>*) const {
  unavailable();
}
std::vector<std::string> H5Reader::read_string_dataset(std::string_view) const {
  unavailable();
}
std::vector<std::size_t> H5Reader::dataset_shape(std::string_view) const {
  unavailable();
}
Table H5Reader::read_table(std::string_view) const {
  unavailable();
}
FieldSeriesInfo H5Reader::field_series(std::string_view) const {
  unavailable();
}
std::vector<double> H5Reader::read_snapshot(std::string_view, std::string_view, std::size_t) const {
  unavailable();
}
void H5Reader::read_snapshot(std::string_view, std::size_t, Field<double>&) const {
  unavailable();
}
Provenance H5Reader::provenance() const {
  unavailable();
}

#else  // PUNCTUM_WITH_HDF5

using detail::check;
using detail::check_status;
using detail::check_tri;
using detail::Handle;

namespace {
herr_t collect_link(hid_t, const char* name, const H5L_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}
herr_t collect_attribute(hid_t, const char* name, const H5A_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}
}  // namespace

struct H5Reader::Impl {
  fs::path path;
  std::string name;
  Handle file;

  std::string object(std::string_view o) const { return detail::absolute(o, "HDF5 object"); }

  Handle open_dataset(const std::string& object) const {
    if (!detail::exists(file, object, name))
      throw InvalidParameter("dataset", "'" + object + "'", "a dataset present in " + name, "");
    return Handle(check(H5Dopen2(file, object.c_str(), H5P_DEFAULT), "open dataset", object, name),
                  H5Dclose);
  }

  std::vector<std::size_t> shape_of(hid_t dataset, const std::string& object) const {
    Handle space(check(H5Dget_space(dataset), "get dataspace", object, name), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space);
    if (rank < 0) detail::fail("get rank", object, name);
    std::vector<hsize_t> dims(std::size_t(rank), 0);
    if (rank > 0)
      check(H5Sget_simple_extent_dims(space, dims.data(), nullptr), "get extent", object, name);
    return {dims.begin(), dims.end()};
  }

  Handle open_attribute(const std::string& object, std::string_view attribute) const {
    const std::string attr_name(attribute);
    if (!detail::exists(file, object, name) ||
        check_tri(H5Aexists_by_name(file, object.c_str(), attr_name.c_str(), H5P_DEFAULT),
                  "look up attribute", object + "@" + attr_name, name) <= 0)
      throw InvalidParameter("attribute", "'" + object + "@" + attr_name + "'",
                             "an attribute present in " + name, "");
    return Handle(
        check(H5Aopen_by_name(file, object.c_str(), attr_name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
              "open attribute", object + "@" + attr_name, name),
        H5Aclose);
  }

  std::string optional_string(const std::string& object, std::string_view attribute) const {
    const std::string attr_name(attribute);
    if (check_tri(H5Aexists_by_name(file, object.c_str(), attr_name.c_str(), H5P_DEFAULT),
                  "look up attribute", object + "@" + attr_name, name) <= 0)
      return {};
    Handle attr = open_attribute(object, attribute);
    return detail::read_string_attribute(attr, object + "@" + attr_name, name);
  }

  std::vector<std::string> strings(hid_t dataset, const std::string& object,
                                   std::size_t count) const {
    Handle type(check(H5Dget_type(dataset), "get type", object, name), H5Tclose);
    if (detail::type_class(type, object, name) != H5T_STRING)
      throw IoError("dataset '" + object + "' in " + name + " does not hold strings");
    std::vector<std::string> values;
    values.reserve(count);
    if (count == 0) return values;
    if (check_tri(H5Tis_variable_str(type), "inspect string type", object, name) > 0) {
      Handle memory(check(H5Tcopy(H5T_C_S1), "copy string type", object, name), H5Tclose);
      check_status(H5Tset_size(memory, H5T_VARIABLE), "set string size", object, name);
      check_status(H5Tset_cset(memory, H5Tget_cset(type)), "set string charset", object, name);
      std::vector<char*> pointers(count, nullptr);
      check_status(H5Dread(dataset, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()),
                   "read dataset", object, name);
      for (char* p : pointers) values.emplace_back(p ? p : "");
      Handle space(check(H5Dget_space(dataset), "get dataspace", object, name), H5Sclose);
#if H5_VERSION_GE(1, 12, 0)
      check_status(H5Treclaim(memory, space, H5P_DEFAULT, pointers.data()), "free strings", object,
                   name);
#else
      check_status(H5Dvlen_reclaim(memory, space, H5P_DEFAULT, pointers.data()), "free strings",
                   object, name);
#endif
      return values;
    }
    const std::size_t size = detail::type_size(type, object, name);
    std::vector<char> buffer(size * count);
    Handle memory(check(H5Tcopy(type), "copy string type", object, name), H5Tclose);
    check_status(H5Dread(dataset, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()),
                 "read dataset", object, name);
    const bool space_padded = detail::string_padding(type, object, name) == H5T_STR_SPACEPAD;
    for (std::size_t i = 0; i < count; ++i) {
      std::string text(buffer.data() + i * size, size);
      const auto end = text.find('\0');
      if (end != std::string::npos) text.resize(end);
      if (space_padded)
        while (!text.empty() && text.back() == ' ') text.pop_back();
      values.push_back(std::move(text));
    }
    return values;
  }
};

H5Reader::H5Reader(const fs::path& path) : impl_(std::make_unique<Impl>()) {
  detail::QuietErrors quiet;
  detail::require_linked_library();
  impl_->path = path;
  impl_->name = path.string();
  if (!fs::exists(path))
    throw InvalidParameter("HDF5 file", "'" + path.string() + "'", "an existing file", "");
  impl_->file = Handle(
      check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open file", "", impl_->name),
      H5Fclose);
}

H5Reader::~H5Reader() {
  if (impl_) {
    detail::QuietErrors quiet;
    impl_->file.reset();
  }
}
H5Reader::H5Reader(H5Reader&&) noexcept = default;
H5Reader& H5Reader::operator=(H5Reader&& other) noexcept {
  if (this != &other) {
    H5Reader discarded(std::move(*this));
    impl_ = std::move(other.impl_);
  }
  return *this;
}

const fs::path& H5Reader::path() const {
  return impl_->path;
}

bool H5Reader::contains(std::string_view object) const {
  detail::QuietErrors quiet;
  return detail::exists(impl_->file, impl_->object(object), impl_->name);
}

bool H5Reader::is_group(std::string_view object_name) const {
  detail::QuietErrors quiet;
  const std::string object = impl_->object(object_name);
  if (!detail::exists(impl_->file, object, impl_->name)) return false;
  H5O_info_t info;
#if H5_VERSION_GE(1, 12, 0)
  check_status(
      H5Oget_info_by_name3(impl_->file, object.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT),
      "inspect object", object, impl_->name);
#else
  check_status(
      H5Oget_info_by_name2(impl_->file, object.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT),
      "inspect object", object, impl_->name);
#endif
  return info.type == H5O_TYPE_GROUP;
}

std::vector<std::string> H5Reader::children(std::string_view group_name) const {
  detail::QuietErrors quiet;
  const std::string group = impl_->object(group_name);
  if (!is_group(group))
    throw InvalidParameter("HDF5 group", "'" + group + "'", "a group present in " + impl_->name,
                           "");
  Handle handle(
      check(H5Gopen2(impl_->file, group.c_str(), H5P_DEFAULT), "open group", group, impl_->name),
      H5Gclose);
  Handle gcpl(check(H5Gget_create_plist(handle), "get group properties", group, impl_->name),
              H5Pclose);
  unsigned order = 0;
  check_status(H5Pget_link_creation_order(gcpl, &order), "get creation order", group, impl_->name);
  const H5_index_t index = (order & H5P_CRT_ORDER_INDEXED) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
  std::vector<std::string> names;
  hsize_t position = 0;
#if H5_VERSION_GE(1, 12, 0)
  check_status(H5Literate1(handle, index, H5_ITER_INC, &position, collect_link, &names),
               "list group", group, impl_->name);
#else
  check_status(H5Literate(handle, index, H5_ITER_INC, &position, collect_link, &names),
               "list group", group, impl_->name);
#endif
  return names;
}

std::vector<std::string> H5Reader::attribute_names(std::string_view object_name) const {
  detail::QuietErrors quiet;
  const std::string object = impl_->object(object_name);
  if (!detail::exists(impl_->file, object, impl_->name))
    throw InvalidParameter("HDF5 object", "'" + object + "'", "an object present in " + impl_->name,
                           "");
  Handle handle(
      check(H5Oopen(impl_->file, object.c_str(), H5P_DEFAULT), "open object", object, impl_->name),
      H5Oclose);
  std::vector<std::string> names;
  hsize_t position = 0;
  check_status(
      H5Aiterate2(handle, H5_INDEX_NAME, H5_ITER_INC, &position, collect_attribute, &names),
      "list attributes", object, impl_->name);
  return names;
}

bool H5Reader::has_attribute(std::string_view object_name, std::string_view attribute) const {
  detail::QuietErrors quiet;
  const std::string object = impl_->object(object_name);
  if (!detail::exists(impl_->file, object, impl_->name)) return false;
  const std::string attr(attribute);
  return check_tri(H5Aexists_by_name(impl_->file, object.c_str(), attr.c_str(), H5P_DEFAULT),
                   "look up attribute", object + "@" + attr, impl_->name) > 0;
}

AttributeValue H5Reader::attribute(std::string_view object_name,
                                   std::string_view attribute_name) const {
  detail::QuietErrors quiet;
  const std::string object = impl_->object(object_name);
  const std::string where = object + "@" + std::string(attribute_name);
  const std::string& file = impl_->name;
  Handle attr = impl_->open_attribute(object, attribute_name);
  Handle type(check(H5Aget_type(attr), "get attribute type", where, file), H5Tclose);
  Handle space(check(H5Aget_space(attr), "get attribute space", where, file), H5Sclose);
  const bool scalar = detail::space_class(space, where, file) == H5S_SCALAR;
  const hssize_t count = H5Sget_simple_extent_npoints(space);
  if (count < 0) detail::fail("count attribute elements", where, file);
  const H5T_class_t type_class = detail::type_class(type, where, file);
  switch (type_class) {
    case H5T_STRING:
      if (!scalar && count != 1)
        throw IoError("attribute '" + where + "' in " + file +
                      " is an array of strings; punctum reads single strings");
      return detail::read_string_attribute(attr, where, file);
    case H5T_FLOAT: {
      std::vector<double> values(static_cast<std::size_t>(count));
      if (count > 0)
        check_status(H5Aread(attr, H5T_NATIVE_DOUBLE, values.data()), "read attribute", where,
                     file);
      if (scalar) return values.at(0);
      return values;
    }
    case H5T_INTEGER:
    case H5T_ENUM: {
      const bool is_unsigned =
          type_class == H5T_INTEGER && detail::type_sign(type, where, file) == H5T_SGN_NONE;
      if (type_class == H5T_ENUM) {
        // h5py's bool: an int8 enum, read in its native form.
        if (detail::type_size(type, where, file) != 1)
          throw IoError("attribute '" + where + "' in " + file + " is an enum wider than one byte");
        std::vector<std::int64_t> values(static_cast<std::size_t>(count));
        std::vector<std::int8_t> raw(static_cast<std::size_t>(count));
        Handle memory(
            check(H5Tget_native_type(type, H5T_DIR_ASCEND), "get native type", where, file),
            H5Tclose);
        if (count > 0)
          check_status(H5Aread(attr, memory, raw.data()), "read attribute", where, file);
        for (std::size_t i = 0; i < values.size(); ++i) values[i] = raw[i];
        if (scalar) return values.at(0);
        return values;
      }
      if (scalar && is_unsigned) {
        std::uint64_t value = 0;
        check_status(H5Aread(attr, H5T_NATIVE_UINT64, &value), "read attribute", where, file);
        return value;
      }
      std::vector<std::int64_t> values(static_cast<std::size_t>(count));
      if (count > 0)
        check_status(H5Aread(attr, H5T_NATIVE_INT64, values.data()), "read attribute", where, file);
      if (scalar) return values.at(0);
      return values;
    }
    default:
      throw IoError("attribute '" + where + "' in " + file +
                    " has a type punctum does not read (string, float, integer or bool only)");
  }
}

std::string H5Reader::string_attribute(std::string_view object, std::string_view name) const {
  auto value = attribute(object, name);
  if (auto* text = std::get_if<std::string>(&value)) return *text;
  throw IoError("attribute '" + impl_->object(object) + "@" + std::string(name) + "' in " +
                impl_->name + " is not a string");
}

double H5Reader::double_attribute(std::string_view object, std::string_view name) const {
  auto value = attribute(object, name);
  if (auto* v = std::get_if<double>(&value)) return *v;
  if (auto* v = std::get_if<std::int64_t>(&value)) return double(*v);
  if (auto* v = std::get_if<std::uint64_t>(&value)) return double(*v);
  throw IoError("attribute '" + impl_->object(object) + "@" + std::string(name) + "' in " +
                impl_->name + " is not a number");
}

std::int64_t H5Reader::int_attribute(std::string_view object, std::string_view name) const {
  auto value = attribute(object, name);
  if (auto* v = std::get_if<std::int64_t>(&value)) return *v;
  if (auto* v = std::get_if<std::uint64_t>(&value)) return std::int64_t(*v);
  throw IoError("attribute '" + impl_->object(object) + "@" + std::string(name) + "' in " +
                impl_->name + " is not an integer");
}

std::vector<std::size_t> H5Reader::dataset_shape(std::string_view dataset) const {
  detail::QuietErrors quiet;
  const std::string object = impl_->object(dataset);
  Handle handle = impl_->open_dataset(object);
  return impl_->shape_of(handle, object);
}

Array H5Reader::read_dataset(std::string_view dataset) const {
  detail::QuietErrors quiet;
  const std::string object = impl_->object(dataset);
  const std::string& file = impl_->name;
  Handle handle = impl_->open_dataset(object);
  Handle type(check(H5Dget_type(handle), "get type", object, file), H5Tclose);
  const H5T_class_t type_class = detail::type_class(type, object, file);
  if (type_class != H5T_FLOAT && type_class != H5T_INTEGER)
    throw IoError("dataset '" + object + "' in " + file + " does not hold numbers");
  Array array;
  array.shape = impl_->shape_of(handle, object);
  std::size_t count = 1;
  for (auto n : array.shape) count *= n;
  array.values.resize(count);
  if (count > 0)
    check_status(
        H5Dread(handle, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, array.values.data()),
        "read dataset", object, file);
  handle.reset();
  array.units = impl_->optional_string(object, "units");
  const std::string dims = impl_->optional_string(object, "dims");
  array.dims = detail::split_names(dims);
  return array;
}

std::vector<std::int64_t> H5Reader::read_int_dataset(std::string_view dataset,
                                                     std::vector<std::size_t>* shape) const {
  detail::QuietErrors quiet;
  const std::string object = impl_->object(dataset);
  const std::string& file = impl_->name;
  Handle handle = impl_->open_dataset(object);
  Handle type(check(H5Dget_type(handle), "get type", object, file), H5Tclose);
  if (detail::type_class(type, object, file) != H5T_INTEGER)
    throw IoError("dataset '" + object + "' in " + file + " does not hold integers");
  const auto dims = impl_->shape_of(handle, object);
  std::size_t count = 1;
  for (auto n : dims) count *= n;
  std::vector<std::int64_t> values(count);
  if (count > 0)
    check_status(H5Dread(handle, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                 "read dataset", object, file);
  if (shape) *shape = dims;
  return values;
}

std::vector<std::string> H5Reader::read_string_dataset(std::string_view dataset) const {
  detail::QuietErrors quiet;
  const std::string object = impl_->object(dataset);
  Handle handle = impl_->open_dataset(object);
  std::size_t count = 1;
  for (auto n : impl_->shape_of(handle, object)) count *= n;
  return impl_->strings(handle, object, count);
}

Table H5Reader::read_table(std::string_view group_name) const {
  detail::QuietErrors quiet;
  const std::string group = impl_->object(group_name);
  const std::string& file = impl_->name;
  Table table;
  for (const auto& column : children(group)) {
    const std::string object = detail::join(group, column);
    Handle handle = impl_->open_dataset(object);
    const auto shape = impl_->shape_of(handle, object);
    if (shape.size() != 1)
      throw IoError("table column '" + object + "' in " + file + " is not one-dimensional");
    const std::size_t rows = shape[0];
    Handle type(check(H5Dget_type(handle), "get type", object, file), H5Tclose);
    ColumnValues values;
    switch (detail::type_class(type, object, file)) {
      case H5T_FLOAT: {
        std::vector<double> v(rows);
        if (rows)
          check_status(H5Dread(handle, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()),
                       "read dataset", object, file);
        values = std::move(v);
        break;
      }
      case H5T_INTEGER: {
        if (detail::type_size(type, object, file) == 1 &&
            detail::type_sign(type, object, file) == H5T_SGN_NONE) {
          std::vector<std::uint8_t> v(rows);
          if (rows)
            check_status(H5Dread(handle, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()),
                         "read dataset", object, file);
          values = std::move(v);
        } else {
          std::vector<std::int64_t> v(rows);
          if (rows)
            check_status(H5Dread(handle, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()),
                         "read dataset", object, file);
          values = std::move(v);
        }
        break;
      }
      case H5T_ENUM: {
        if (detail::type_size(type, object, file) != 1)
          throw IoError("table column '" + object + "' in " + file + " is an enum other than bool");
        Handle memory(
            check(H5Tget_native_type(type, H5T_DIR_ASCEND), "get native type", object, file),
            H5Tclose);
        std::vector<std::int8_t> raw(rows);
        if (rows)
          check_status(H5Dread(handle, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()),
                       "read dataset", object, file);
        std::vector<bool> v(rows);
        for (std::size_t i = 0; i < rows; ++i) v[i] = raw[i] != 0;
        values = std::move(v);
        break;
      }
      case H5T_STRING:
        values = impl_->strings(handle, object, rows);
        break;
      default:
        throw IoError("table column '" + object + "' in " + file +
                      " has a type punctum does not read");
    }
    handle.reset();
    table.add_as_read(column, impl_->optional_string(object, "units"), std::move(values),
                      impl_->optional_string(object, "description"));
  }
  return table;
}

FieldSeriesInfo H5Reader::field_series(std::string_view group_name) const {
  detail::QuietErrors quiet;
  const std::string group = impl_->object(group_name);
  if (!has_attribute(group, "punctum_kind") ||
      string_attribute(group, "punctum_kind") != "field_series")
    throw InvalidParameter("field series group", "'" + group + "'",
                           "a group written by H5Writer::define_fields", "");
  FieldSeriesInfo info;
  const auto as_vector = [&](std::string_view attr) {
    auto value = attribute(group, attr);
    if (auto* d = std::get_if<std::vector<double> >(&value)) return *d;
    if (auto* i = std::get_if<std::vector<std::int64_t> >(&value))
      return std::vector<double>(i->begin(), i->end());
    throw IoError("attribute '" + group + "@" + std::string(attr) + "' in " + impl_->name +
                  " is not an array");
  };
  const auto origin = as_vector("origin_xyz_m"), spacing = as_vector("spacing_xyz_m"),
             shape = as_vector("shape_xyz"), periodic = as_vector("periodic_xyz");
  if (origin.size() != 3 || spacing.size() != 3 || shape.size() != 3 || periodic.size() != 3)
    throw IoError("grid attributes of '" + group + "' in " + impl_->name +
                  " do not hold 3 values each");
  info.grid = Grid3({std::size_t(shape[0]), std::size_t(shape[1]), std::size_t(shape[2])},
                    {spacing[0], spacing[1], spacing[2]}, {origin[0], origin[1], origin[2]},
                    {periodic[0] != 0, periodic[1] != 0, periodic[2] != 0});
  info.times = read_dataset(detail::join(group, "time")).values;
  for (const auto& name : detail::split_names(string_attribute(group, "species"))) {
    const std::string object = detail::join(group, name);
    info.species.push_back({name, impl_->optional_string(object, "units"),
                            impl_->optional_string(object, "description")});
    Handle dataset = impl_->open_dataset(object);
    Handle type(check(H5Dget_type(dataset), "get type", object, impl_->name), H5Tclose);
    info.value_bytes = detail::type_size(type, object, impl_->name);
  }
  return info;
}

namespace {
void read_hyperslab(hid_t dataset, const std::string& object, const std::string& file,
                    std::size_t index, const Grid3& g, double* data, std::size_t pitch) {
  Handle file_space(check(H5Dget_space(dataset), "get dataspace", object, file), H5Sclose);
  const hsize_t start[4] = {index, 0, 0, 0}, count[4] = {1, g.nz(), g.ny(), g.nx()};
  check_status(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, nullptr, count, nullptr),
               "select snapshot", object, file);
  const hsize_t memory_dims[3] = {g.nz(), g.ny(), pitch};
  Handle memory_space(
      check(H5Screate_simple(3, memory_dims, nullptr), "create dataspace", object, file), H5Sclose);
  const hsize_t memory_start[3] = {0, 0, 0}, memory_count[3] = {g.nz(), g.ny(), g.nx()};
  check_status(H5Sselect_hyperslab(memory_space, H5S_SELECT_SET, memory_start, nullptr,
                                   memory_count, nullptr),
               "select field lines", object, file);
  check_status(H5Dread(dataset, H5T_NATIVE_DOUBLE, memory_space, file_space, H5P_DEFAULT, data),
               "read snapshot", object, file);
}
}  // namespace

std::vector<double> H5Reader::read_snapshot(std::string_view group_name, std::string_view species,
                                            std::size_t index) const {
  detail::QuietErrors quiet;
  const std::string group = impl_->object(group_name);
  const FieldSeriesInfo info = field_series(group);
  if (index >= info.times.size())
    throw InvalidParameter("snapshot index in '" + group + "'", std::to_string(index),
                           "0 to " + std::to_string(info.times.size()) + " (exclusive)", "");
  bool known = false;
  for (const auto& s : info.species) known = known || s.name == species;
  if (!known)
    throw InvalidParameter("species of '" + group + "'", "'" + std::string(species) + "'",
                           "one of the series' species", "");
  const std::string object = detail::join(group, species);
  Handle dataset = impl_->open_dataset(object);
  std::vector<double> values(info.grid.size());
  read_hyperslab(dataset, object, impl_->name, index, info.grid, values.data(), info.grid.nx());
  return values;
}

void H5Reader::read_snapshot(std::string_view group_name, std::size_t index,
                             Field<double>& field) const {
  detail::QuietErrors quiet;
  const std::string group = impl_->object(group_name);
  const FieldSeriesInfo info = field_series(group);
  if (index >= info.times.size())
    throw InvalidParameter("snapshot index in '" + group + "'", std::to_string(index),
                           "0 to " + std::to_string(info.times.size()) + " (exclusive)", "");
  if (!(field.grid().shape == info.grid.shape) || field.species() != info.species.size())
    throw InvalidParameter("field read from '" + group + "'", "another grid shape or species count",
                           "the stored grid and species count", "");
  for (std::size_t s = 0; s < info.species.size(); ++s) {
    const std::string object = detail::join(group, info.species[s].name);
    Handle dataset = impl_->open_dataset(object);
    read_hyperslab(dataset, object, impl_->name, index, info.grid, field.species_data(s),
                   field.pitch());
  }
}

Provenance H5Reader::provenance() const {
  detail::QuietErrors quiet;
  const std::string group = "/provenance";
  if (!is_group(group))
    throw InvalidParameter("provenance group", "'/provenance'", "present in " + impl_->name, "");
  Provenance p;
  p.punctum_version = string_attribute(group, "punctum_version");
  p.config = string_attribute(group, "config");
  p.config_format = string_attribute(group, "config_format");
  auto seed = attribute(group, "seed");
  if (auto* u = std::get_if<std::uint64_t>(&seed))
    p.seed = *u;
  else
    p.seed = std::uint64_t(int_attribute(group, "seed"));
  p.created_utc = string_attribute(group, "created_utc");
  p.host = string_attribute(group, "host");
  return p;
}

#endif  // PUNCTUM_WITH_HDF5

}  // namespace punctum::io
