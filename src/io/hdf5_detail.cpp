#include "hdf5_detail.hpp"

#include "punctum/core/error.hpp"

#ifdef PUNCTUM_WITH_HDF5

namespace punctum::io::detail {

namespace {
herr_t collect_error(unsigned, const H5E_error2_t* error, void* data) {
  auto& text = *static_cast<std::string*>(data);
  if (!text.empty()) text += "; ";
  if (error->func_name) text += std::string(error->func_name) + "(): ";
  if (error->desc) text += error->desc;
  return 0;
}
}  // namespace

void require_linked_library() {
  unsigned major = 0, minor = 0, release = 0;
  H5get_libversion(&major, &minor, &release);
  if (major != H5_VERS_MAJOR || minor != H5_VERS_MINOR || release != H5_VERS_RELEASE)
    throw IoError("punctum was compiled against HDF5 " + std::to_string(H5_VERS_MAJOR) + "." +
                  std::to_string(H5_VERS_MINOR) + "." + std::to_string(H5_VERS_RELEASE) +
                  " but its HDF5 calls reach HDF5 " + std::to_string(major) + "." +
                  std::to_string(minor) + "." + std::to_string(release) +
                  ": another HDF5 library in this process (for example h5py's bundled copy, loaded "
                  "with RTLD_GLOBAL before punctum) interposes punctum's. Import punctum first, or "
                  "keep its RTLD_DEEPBIND isolation on (PUNCTUM_DEEPBIND unset); see "
                  "docs/output-format.md, 'HDF5 alongside h5py'.");
}

std::string error_stack() {
  std::string text;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_error, &text);
  H5Eclear2(H5E_DEFAULT);
  return text.empty() ? "no HDF5 error stack" : text;
}

void fail(std::string_view operation, std::string_view object, std::string_view file) {
  std::string message = "HDF5: " + std::string(operation);
  if (!object.empty()) message += " '" + std::string(object) + "'";
  message += " in " + std::string(file) + " failed: " + error_stack();
  throw IoError(message);
}

H5T_class_t type_class(hid_t type, std::string_view what, std::string_view file) {
  const H5T_class_t c = H5Tget_class(type);
  if (c == H5T_NO_CLASS) fail("get type class", what, file);
  return c;
}

std::size_t type_size(hid_t type, std::string_view what, std::string_view file) {
  const std::size_t n = H5Tget_size(type);
  if (n == 0) fail("get type size", what, file);
  return n;
}

H5T_sign_t type_sign(hid_t type, std::string_view what, std::string_view file) {
  const H5T_sign_t sign = H5Tget_sign(type);
  if (sign == H5T_SGN_ERROR) fail("get integer sign", what, file);
  return sign;
}

H5T_str_t string_padding(hid_t type, std::string_view what, std::string_view file) {
  const H5T_str_t pad = H5Tget_strpad(type);
  if (pad == H5T_STR_ERROR) fail("get string padding", what, file);
  return pad;
}

H5S_class_t space_class(hid_t space, std::string_view what, std::string_view file) {
  const H5S_class_t c = H5Sget_simple_extent_type(space);
  if (c == H5S_NO_CLASS) fail("get dataspace class", what, file);
  return c;
}

std::string absolute(std::string_view object, std::string_view what) {
  if (object.empty() || object == "/") {
    if (object == "/") return "/";
    throw InvalidParameter(std::string(what), "''", "a non-empty HDF5 path such as /observables",
                           "");
  }
  std::string path;
  path.reserve(object.size() + 1);
  if (object.front() != '/') path.push_back('/');
  path.append(object);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.find("//") != std::string::npos)
    throw InvalidParameter(std::string(what), "'" + std::string(object) + "'",
                           "an HDF5 path without empty components", "");
  return path;
}

std::string parent_of(const std::string& object) {
  const auto slash = object.find_last_of('/');
  if (slash == 0 || slash == std::string::npos) return "/";
  return object.substr(0, slash);
}

std::string join(const std::string& group, std::string_view name) {
  std::string path = group;
  if (path != "/") path.push_back('/');
  path.append(name);
  return path;
}

Handle string_type(std::string_view file) {
  Handle type(check(H5Tcopy(H5T_C_S1), "copy string type", "", file), H5Tclose);
  check_status(H5Tset_size(type, H5T_VARIABLE), "set string size", "", file);
  check_status(H5Tset_cset(type, H5T_CSET_UTF8), "set string charset", "", file);
  return type;
}

Handle bool_type(std::string_view file) {
  Handle type(check(H5Tenum_create(H5T_NATIVE_INT8), "create bool enum", "", file), H5Tclose);
  const std::int8_t no = 0, yes = 1;
  check_status(H5Tenum_insert(type, "FALSE", &no), "insert enum member", "FALSE", file);
  check_status(H5Tenum_insert(type, "TRUE", &yes), "insert enum member", "TRUE", file);
  return type;
}

bool exists(hid_t file, const std::string& object, std::string_view file_name) {
  if (object == "/") return true;
  // H5Lexists fails (rather than answering false) when a parent is missing: walk down.
  std::size_t pos = 1;
  while (true) {
    const auto slash = object.find('/', pos);
    const std::string prefix = object.substr(0, slash);
    if (check_tri(H5Lexists(file, prefix.c_str(), H5P_DEFAULT), "look up link", prefix,
                  file_name) <= 0)
      return false;
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  return check_tri(H5Oexists_by_name(file, object.c_str(), H5P_DEFAULT), "look up object", object,
                   file_name) > 0;
}

Handle dataset_creation_list(std::string_view object, std::string_view file) {
  Handle dcpl(check(H5Pcreate(H5P_DATASET_CREATE), "create dataset property list", object, file),
              H5Pclose);
  check_status(H5Pset_obj_track_times(dcpl, 0), "disable timestamps", object, file);
  return dcpl;
}

void ensure_group(hid_t file, const std::string& group, std::string_view file_name) {
  if (exists(file, group, file_name)) {
    H5O_info_t info;
#if H5_VERSION_GE(1, 12, 0)
    check_status(H5Oget_info_by_name3(file, group.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT),
                 "inspect object", group, file_name);
#else
    check_status(H5Oget_info_by_name2(file, group.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT),
                 "inspect object", group, file_name);
#endif
    if (info.type != H5O_TYPE_GROUP)
      throw InvalidParameter("HDF5 group", "'" + group + "'",
                             "a path not already used by a dataset", "");
    return;
  }
  const std::string parent = parent_of(group);
  if (parent != "/") ensure_group(file, parent, file_name);
  Handle gcpl(check(H5Pcreate(H5P_GROUP_CREATE), "create group property list", group, file_name),
              H5Pclose);
  check_status(H5Pset_obj_track_times(gcpl, 0), "disable timestamps", group, file_name);
  check_status(H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
               "track creation order", group, file_name);
  Handle created(check(H5Gcreate2(file, group.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT),
                       "create group", group, file_name),
                 H5Gclose);
}

void write_attribute(hid_t file, const std::string& object, std::string_view name, hid_t type,
                     hid_t space, const void* data, std::string_view file_name,
                     hid_t memory_type) {
  const std::string attr_name(name);
  const std::string where = object + "@" + attr_name;
  Handle target(check(H5Oopen(file, object.c_str(), H5P_DEFAULT), "open object", object, file_name),
                H5Oclose);
  if (check_tri(H5Aexists(target, attr_name.c_str()), "look up attribute", where, file_name) > 0)
    check_status(H5Adelete(target, attr_name.c_str()), "replace attribute", where, file_name);
  Handle attribute(
      check(H5Acreate2(target, attr_name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
            "create attribute", where, file_name),
      H5Aclose);
  check_status(H5Awrite(attribute, memory_type < 0 ? type : memory_type, data), "write attribute",
               where, file_name);
}

void write_string_attribute(hid_t file, const std::string& object, std::string_view name,
                            std::string_view value, std::string_view file_name) {
  Handle type = string_type(file_name);
  Handle space(check(H5Screate(H5S_SCALAR), "create dataspace", object, file_name), H5Sclose);
  const std::string text(value);
  const char* pointer = text.c_str();
  write_attribute(file, object, name, type, space, &pointer, file_name);
}

std::string read_string_attribute(hid_t attribute, std::string_view what, std::string_view file) {
  Handle type(check(H5Aget_type(attribute), "get attribute type", what, file), H5Tclose);
  if (check_tri(H5Tis_variable_str(type), "inspect string type", what, file) > 0) {
    Handle memory(check(H5Tcopy(H5T_C_S1), "copy string type", what, file), H5Tclose);
    check_status(H5Tset_size(memory, H5T_VARIABLE), "set string size", what, file);
    check_status(H5Tset_cset(memory, H5Tget_cset(type)), "set string charset", what, file);
    char* text = nullptr;
    check_status(H5Aread(attribute, memory, &text), "read attribute", what, file);
    std::string value = text ? text : "";
    if (text) H5free_memory(text);
    return value;
  }
  const std::size_t size = type_size(type, what, file);
  std::string value(size, '\0');
  Handle memory(check(H5Tcopy(type), "copy string type", what, file), H5Tclose);
  check_status(H5Aread(attribute, memory, value.data()), "read attribute", what, file);
  const auto end = value.find('\0');
  if (end != std::string::npos) value.resize(end);
  if (string_padding(type, what, file) == H5T_STR_SPACEPAD)
    while (!value.empty() && value.back() == ' ') value.pop_back();
  return value;
}

std::string join_names(const std::vector<std::string>& names, char separator) {
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) text += separator;
    text += names[i];
  }
  return text;
}

std::vector<std::string> split_names(std::string_view text, char separator) {
  std::vector<std::string> names;
  if (text.empty()) return names;
  std::size_t start = 0;
  while (true) {
    const auto end = text.find(separator, start);
    names.emplace_back(text.substr(start, end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return names;
}

}  // namespace punctum::io::detail

#endif  // PUNCTUM_WITH_HDF5
