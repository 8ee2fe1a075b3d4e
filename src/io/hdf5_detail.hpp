#pragma once
// Internals shared by the HDF5 writer, reader, XDMF and checkpoint code (not installed). Every
// HDF5 call goes through check(): a negative return becomes an io::IoError naming the operation,
// the object and the file, followed by HDF5's own error stack.
#ifdef PUNCTUM_WITH_HDF5

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "punctum/io/h5.hpp"

namespace punctum::io::detail {

/// HDF5 prints its error stack to stderr by default; punctum reports it in the exception instead.
/// Silences automatic printing for the lifetime of the scope and restores the caller's handler
/// afterwards (so an application's own HDF5 error settings survive a punctum call).
class QuietErrors {
 public:
  QuietErrors() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  QuietErrors(const QuietErrors&) = delete;
  QuietErrors& operator=(const QuietErrors&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

/// Throws IoError when the HDF5 answering punctum's calls is not the one punctum was compiled
/// against: another HDF5 in the process (h5py's bundled copy loaded with RTLD_GLOBAL, an
/// LD_PRELOAD) has interposed its symbols, and struct layouts may no longer agree.
void require_linked_library();

/// HDF5's current error stack, outermost call first, then cleared.
std::string error_stack();

/// An HDF5 identifier closed by the matching H5?close when it goes out of scope.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), closer_(o.closer_) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
      closer_ = o.closer_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset() {
    if (id_ >= 0 && closer_) closer_(id_);
    id_ = H5I_INVALID_HID;
  }
  /// Closes now and reports failure (files: the last chance to learn that a flush failed).
  herr_t close() {
    herr_t status = 0;
    if (id_ >= 0 && closer_) status = closer_(id_);
    id_ = H5I_INVALID_HID;
    return status;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

[[noreturn]] void fail(std::string_view operation, std::string_view object, std::string_view file);

inline hid_t check(hid_t id, std::string_view operation, std::string_view object,
                   std::string_view file) {
  if (id < 0) fail(operation, object, file);
  return id;
}
inline herr_t check_status(herr_t status, std::string_view operation, std::string_view object,
                           std::string_view file) {
  if (status < 0) fail(operation, object, file);
  return status;
}
inline htri_t check_tri(htri_t value, std::string_view operation, std::string_view object,
                        std::string_view file) {
  if (value < 0) fail(operation, object, file);
  return value;
}

/// Checked type queries (HDF5 reports failure through sentinel values here, not negative ids).
H5T_class_t type_class(hid_t type, std::string_view what, std::string_view file);
std::size_t type_size(hid_t type, std::string_view what, std::string_view file);
H5T_sign_t type_sign(hid_t type, std::string_view what, std::string_view file);
H5T_str_t string_padding(hid_t type, std::string_view what, std::string_view file);
H5S_class_t space_class(hid_t space, std::string_view what, std::string_view file);

/// "a/b" -> "/a/b"; rejects empty names.
std::string absolute(std::string_view object, std::string_view what);
/// "/a/b/c" -> "/a/b"; "/a" -> "/".
std::string parent_of(const std::string& object);
std::string join(const std::string& group, std::string_view name);

/// Variable-length UTF-8 string type (h5py reads it as str).
Handle string_type(std::string_view file);
/// int8 enum {FALSE = 0, TRUE = 1}: h5py's representation of numpy bool.
Handle bool_type(std::string_view file);

/// Dataset creation properties with object timestamps off: the same content gives the same bytes,
/// so reruns and restarts can be compared file to file.
Handle dataset_creation_list(std::string_view object, std::string_view file);

/// Creates `group` and any missing parents; the new groups remember link creation order.
void ensure_group(hid_t file, const std::string& group, std::string_view file_name);
bool exists(hid_t file, const std::string& object, std::string_view file_name);

/// Writes (or replaces) attribute `name` of `object`, stored as `type` and read from `data` as
/// `memory_type` (the stored type itself when negative).
void write_attribute(hid_t file, const std::string& object, std::string_view name, hid_t type,
                     hid_t space, const void* data, std::string_view file_name,
                     hid_t memory_type = -1);
void write_string_attribute(hid_t file, const std::string& object, std::string_view name,
                            std::string_view value, std::string_view file_name);

/// Reads a string from an attribute or dataset element of string type `type` (vlen or fixed).
std::string read_string_attribute(hid_t attribute, std::string_view what, std::string_view file);

std::string join_names(const std::vector<std::string>& names, char separator = ',');
std::vector<std::string> split_names(std::string_view text, char separator = ',');

}  // namespace punctum::io::detail

#endif  // PUNCTUM_WITH_HDF5
