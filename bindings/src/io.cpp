// punctum._core.io: the HDF5 writer/reader and checkpoints for Python. Arrays cross as numpy
// arrays (C order, copied into the C++ call); paths as str or os.PathLike. IoError is an OSError.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cstring>
#include <limits>
#include <optional>
#include <punctum/io.hpp>

#include "module.hpp"

namespace punctum::bindings {

namespace {

using namespace punctum::io;
namespace fs = std::filesystem;
using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;
using IntArray = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

std::vector<std::size_t> shape_of(const py::array& a) {
  return std::vector<std::size_t>(a.shape(), a.shape() + a.ndim());
}

template <class T>
py::array_t<T> to_numpy(const std::vector<T>& values, const std::vector<std::size_t>& shape) {
  py::array_t<T> out(std::vector<py::ssize_t>(shape.begin(), shape.end()));
  if (!values.empty()) std::memcpy(out.mutable_data(), values.data(), values.size() * sizeof(T));
  return out;
}

py::object attribute_to_python(const AttributeValue& value) {
  return std::visit(
      [](const auto& v) -> py::object {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::vector<double>> ||
                      std::is_same_v<V, std::vector<std::int64_t>>)
          return to_numpy(v, {v.size()});
        else
          return py::cast(v);
      },
      value);
}

/// A Python int: int64 when it fits, uint64 above (seeds, RNG counters).
Scalar integer_scalar(const py::handle& value, const std::string& name) {
  const py::int_ integer = py::reinterpret_borrow<py::object>(value);
  if (integer < py::int_(0)) {
    if (integer < py::int_(std::numeric_limits<std::int64_t>::min()))
      throw InvalidParameter(name, py::str(value).cast<std::string>(), ">= -2^63", "1");
    return integer.cast<std::int64_t>();
  }
  if (integer <= py::int_(std::numeric_limits<std::int64_t>::max()))
    return integer.cast<std::int64_t>();
  if (integer <= py::int_(std::numeric_limits<std::uint64_t>::max()))
    return integer.cast<std::uint64_t>();
  throw InvalidParameter(name, py::str(value).cast<std::string>(), "< 2^64", "1");
}

Scalar python_scalar(const py::handle& value, const std::string& name) {
  const py::module_ numpy = py::module_::import("numpy");
  if (py::isinstance<py::bool_>(value) || py::isinstance(value, numpy.attr("bool_")))
    return std::int64_t(value.cast<bool>());
  if (py::isinstance(value, numpy.attr("unsignedinteger"))) return value.cast<std::uint64_t>();
  if (py::isinstance(value, numpy.attr("integer"))) return value.cast<std::int64_t>();
  if (py::isinstance<py::int_>(value)) return integer_scalar(value, name);
  if (py::isinstance<py::float_>(value) || py::isinstance(value, numpy.attr("floating")))
    return value.cast<double>();
  throw InvalidParameter(name, py::str(py::type::of(value)).cast<std::string>(), "int or float",
                         "");
}

py::object scalar_to_python(const Scalar& s) {
  return std::visit([](auto v) { return py::cast(v); }, s);
}

ColumnValues column_values(const std::string& name, const py::handle& values) {
  const py::array a = py::array::ensure(values);
  if (!a)
    throw InvalidParameter("table column '" + name + "'", "not array-like", "a 1-D sequence", "");
  if (a.ndim() != 1)
    throw InvalidParameter("table column '" + name + "' rank", std::to_string(a.ndim()), "1", "");
  const char kind = a.dtype().kind();
  if (kind == 'b') {
    auto b = a.cast<py::array_t<bool, py::array::c_style | py::array::forcecast>>();
    return std::vector<bool>(b.data(), b.data() + b.size());
  }
  if (kind == 'u' && a.dtype().itemsize() == 1) {
    auto u = a.cast<py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast>>();
    return std::vector<std::uint8_t>(u.data(), u.data() + u.size());
  }
  if (kind == 'i' || kind == 'u') {
    auto i = a.cast<IntArray>();
    return std::vector<std::int64_t>(i.data(), i.data() + i.size());
  }
  if (kind == 'f') {
    auto d = a.cast<DoubleArray>();
    return std::vector<double>(d.data(), d.data() + d.size());
  }
  if (kind == 'U' || kind == 'O' || kind == 'S') {
    std::vector<std::string> text;
    for (const auto& item : values) {
      if (py::isinstance<py::bytes>(item))
        text.push_back(item.cast<std::string>());
      else
        text.push_back(py::str(item).cast<std::string>());
    }
    return text;
  }
  throw InvalidParameter("table column '" + name + "' dtype",
                         py::str(a.dtype()).cast<std::string>(), "float, int, uint8, bool or str",
                         "");
}

py::object column_to_python(const Column& c) {
  return std::visit(
      [](const auto& v) -> py::object {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::vector<bool>>) {
          py::array_t<bool> out(py::ssize_t(v.size()));
          for (std::size_t i = 0; i < v.size(); ++i) out.mutable_data()[i] = v[i];
          return out;
        } else if constexpr (std::is_same_v<V, std::vector<std::string>>) {
          return py::cast(v);
        } else {
          return to_numpy(v, {v.size()});
        }
      },
      c.values);
}

/// The writer behind a Python object: discard() drops it (the temporary file is removed) without
/// waiting for garbage collection.
struct PyWriter {
  std::optional<H5Writer> writer;
  H5Writer& get() {
    if (!writer) throw IoError("this H5Writer was discarded or committed");
    return *writer;
  }
};

struct PyReader {
  std::optional<H5Reader> reader;
  const H5Reader& get() const {
    if (!reader) throw IoError("this H5Reader was closed");
    return *reader;
  }
};

}  // namespace

void register_io(py::module_& root) {
  static PyObject* io_error = PyErr_NewExceptionWithDoc(
      "punctum._core.IoError",
      "An HDF5 operation failed (the message names the operation, object, file and HDF5's error "
      "stack), or punctum was built without HDF5.",
      PyExc_OSError, nullptr);
  root.attr("IoError") = py::handle(io_error);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const IoError& e) {
      PyErr_SetString(io_error, e.what());
    }
  });

  py::module_ m = root.def_submodule("io", "HDF5 output, XDMF sidecars, checkpoints (C++ side).");
  m.def("hdf5_available", &hdf5_available, "True when this build can read and write HDF5.");
  m.def("hdf5_library_version", &hdf5_library_version,
        "Version of the HDF5 library the extension links (independent of h5py's own copy).");

  py::class_<PyWriter>(
      m, "H5Writer",
      "Atomic HDF5 writer: writes <path>.tmp-<pid>, commit() renames it onto path. "
      "As a context manager it commits on success and discards on an exception.")
      .def(py::init([](const fs::path& path, bool xdmf_sidecar, unsigned field_deflate_level,
                       bool field_single_precision) {
             auto w = std::make_unique<PyWriter>();
             w->writer.emplace(
                 path, WriterOptions{xdmf_sidecar, field_deflate_level, field_single_precision});
             return w;
           }),
           py::arg("path"), py::arg("xdmf_sidecar") = true, py::arg("field_deflate_level") = 1,
           py::arg("field_single_precision") = false)
      .def_property_readonly("path", [](PyWriter& w) { return w.get().path(); })
      .def_property_readonly("temporary_path", [](PyWriter& w) { return w.get().temporary_path(); })
      .def(
          "create_group",
          [](PyWriter& w, const std::string& group) { w.get().create_group(group); },
          py::arg("group"))
      .def(
          "set_attribute",
          [](PyWriter& w, const std::string& object, const std::string& name,
             const py::object& value) {
            H5Writer& writer = w.get();
            if (py::isinstance<py::str>(value)) {
              writer.set_attribute(object, name, value.cast<std::string>());
            } else if (py::isinstance<py::array>(value) || py::isinstance<py::list>(value) ||
                       py::isinstance<py::tuple>(value)) {
              const auto a = value.cast<DoubleArray>();
              writer.set_attribute(object, name,
                                   std::span<const double>(a.data(), std::size_t(a.size())));
            } else {
              std::visit([&](auto v) { writer.set_attribute(object, name, v); },
                         python_scalar(value, "attribute '" + name + "'"));
            }
          },
          py::arg("object"), py::arg("name"), py::arg("value"),
          "str, int (int64, or uint64 above 2^63), float, or a sequence of floats.")
      .def(
          "write_dataset",
          [](PyWriter& w, const std::string& dataset, const py::array& values,
             const std::string& units, std::vector<std::string> dims, unsigned deflate_level,
             bool checksum) {
            const char kind = values.dtype().kind();
            if (kind == 'i' || kind == 'u' || kind == 'b') {
              const auto a = values.cast<IntArray>();
              w.get().write_dataset(dataset,
                                    std::span<const std::int64_t>(a.data(), std::size_t(a.size())),
                                    shape_of(a), units, std::move(dims));
            } else {
              const auto a = values.cast<DoubleArray>();
              w.get().write_dataset(
                  dataset, std::span<const double>(a.data(), std::size_t(a.size())), shape_of(a),
                  units, std::move(dims), DatasetOptions{deflate_level, checksum});
            }
          },
          py::arg("dataset"), py::arg("values"), py::arg("units"),
          py::arg("dims") = std::vector<std::string>{}, py::arg("deflate_level") = 0,
          py::arg("checksum") = false,
          "An n-D float64 (or int64 for integer input) dataset with a `units` attribute and "
          "optional dims.")
      .def(
          "write_table",
          [](PyWriter& w, const std::string& group, const py::dict& columns, const py::dict& units,
             const py::dict& descriptions) {
            Table table;
            for (const auto& [key, values] : columns) {
              const auto name = key.cast<std::string>();
              const std::string unit = units.contains(key) ? units[key].cast<std::string>() : "";
              const std::string description =
                  descriptions.contains(key) ? descriptions[key].cast<std::string>() : "";
              table.add(name, unit, column_values(name, values), description);
            }
            w.get().write_table(group, table);
          },
          py::arg("group"), py::arg("columns"), py::arg("units"),
          py::arg("descriptions") = py::dict(),
          "columns: {name: 1-D array (float, int, uint8, bool) or list of str}; units: {name: "
          "unit}.")
      .def(
          "define_fields",
          [](PyWriter& w, const std::string& group, const Grid3& grid,
             const std::vector<std::tuple<std::string, std::string>>& species) {
            std::vector<FieldSpec> specs;
            for (const auto& [name, units] : species) specs.push_back({name, units, ""});
            w.get().define_fields(group, grid, std::move(specs));
          },
          py::arg("group"), py::arg("grid"), py::arg("species"),
          "species: [(name, units), ...]; snapshots are stored as (time, z, y, x).")
      .def(
          "append_fields",
          [](PyWriter& w, const std::string& group, double time_s,
             const std::vector<DoubleArray>& arrays) {
            std::vector<std::span<const double>> spans;
            for (const auto& a : arrays) spans.emplace_back(a.data(), std::size_t(a.size()));
            py::gil_scoped_release release;
            return w.get().append_fields(group, time_s, spans);
          },
          py::arg("group"), py::arg("time_s"), py::arg("arrays"),
          "One array per species, each (nz, ny, nx) C order; returns the snapshot index.")
      .def(
          "write_provenance",
          [](PyWriter& w, const std::string& config, const std::string& config_format,
             std::uint64_t seed, const std::string& created_utc, const std::string& host) {
            Provenance p;
            p.config = config;
            p.config_format = config_format;
            p.seed = seed;
            p.created_utc = created_utc;
            p.host = host;
            w.get().write_provenance(p);
          },
          py::arg("config"), py::arg("config_format") = "toml", py::arg("seed") = 0,
          py::arg("created_utc") = "", py::arg("host") = "")
      .def(
          "remove", [](PyWriter& w, const std::string& object) { w.get().remove(object); },
          py::arg("object"), "Remove a dataset or group written earlier (not a field series).")
      .def(
          "save_partial", [](PyWriter& w, const fs::path& copy) { w.get().save_partial(copy); },
          py::arg("copy"),
          "Atomically save a readable copy of the file as it stands (pair it with a checkpoint).")
      .def_static(
          "resume",
          [](const fs::path& partial, const fs::path& path, bool xdmf_sidecar,
             unsigned field_deflate_level, bool field_single_precision) {
            auto w = std::make_unique<PyWriter>();
            w->writer.emplace(H5Writer::resume(
                partial, path,
                WriterOptions{xdmf_sidecar, field_deflate_level, field_single_precision}));
            return w;
          },
          py::arg("partial"), py::arg("path"), py::arg("xdmf_sidecar") = true,
          py::arg("field_deflate_level") = 1, py::arg("field_single_precision") = false,
          "Continue writing from a copy made by save_partial(); commits to path.")
      .def("commit",
           [](PyWriter& w) {
             w.get().commit();
             w.writer.reset();
           })
      .def(
          "discard", [](PyWriter& w) { w.writer.reset(); },
          "Drop the unfinished file (the temporary file is removed; any file at path is "
          "untouched).")
      .def(
          "__enter__", [](PyWriter& w) -> PyWriter& { return w; },
          py::return_value_policy::reference)
      .def("__exit__",
           [](PyWriter& w, const py::object& type, const py::object&, const py::object&) {
             if (type.is_none() && w.writer) {
               w.writer->commit();
             }
             w.writer.reset();
             return false;
           });

  py::class_<PyReader>(m, "H5Reader",
                       "Reads HDF5 files (punctum's and h5py's) with punctum's HDF5 library.")
      .def(py::init([](const fs::path& path) {
             auto r = std::make_unique<PyReader>();
             r->reader.emplace(path);
             return r;
           }),
           py::arg("path"))
      .def("contains", [](const PyReader& r, const std::string& o) { return r.get().contains(o); })
      .def(
          "children", [](const PyReader& r, const std::string& g) { return r.get().children(g); },
          py::arg("group") = "/")
      .def(
          "attributes",
          [](const PyReader& r, const std::string& object) {
            py::dict out;
            for (const auto& name : r.get().attribute_names(object))
              out[py::str(name)] = attribute_to_python(r.get().attribute(object, name));
            return out;
          },
          py::arg("object"))
      .def(
          "read_dataset",
          [](const PyReader& r, const std::string& dataset) {
            Array a = r.get().read_dataset(dataset);
            py::dict out;
            out["values"] = to_numpy(a.values, a.shape);
            out["units"] = a.units;
            out["dims"] = a.dims;
            return out;
          },
          py::arg("dataset"), "{'values': float64 ndarray, 'units': str, 'dims': [str]}")
      .def("read_strings",
           [](const PyReader& r, const std::string& d) { return r.get().read_string_dataset(d); })
      .def(
          "read_table",
          [](const PyReader& r, const std::string& group) {
            py::dict columns, units;
            const Table table = r.get().read_table(group);
            for (const auto& c : table.columns()) {
              columns[py::str(c.name)] = column_to_python(c);
              units[py::str(c.name)] = c.units;
            }
            return py::make_tuple(columns, units);
          },
          py::arg("group"), "(columns, units) as dicts keyed by column name, in stored order.")
      .def(
          "read_snapshot",
          [](const PyReader& r, const std::string& group, const std::string& species,
             std::size_t index) {
            const auto info = r.get().field_series(group);
            const auto values = r.get().read_snapshot(group, species, index);
            return to_numpy(values, {info.grid.nz(), info.grid.ny(), info.grid.nx()});
          },
          py::arg("group"), py::arg("species"), py::arg("index"))
      .def("close", [](PyReader& r) { r.reader.reset(); })
      .def(
          "__enter__", [](PyReader& r) -> PyReader& { return r; },
          py::return_value_policy::reference)
      .def("__exit__", [](PyReader& r, const py::object&, const py::object&, const py::object&) {
        r.reader.reset();
        return false;
      });

  m.def(
      "save_checkpoint",
      [](const fs::path& path, const py::dict& arrays, const py::dict& scalars,
         const py::dict& metadata) {
        Checkpoint c;
        for (const auto& [key, value] : arrays) {
          const auto a = py::reinterpret_borrow<py::object>(value).cast<DoubleArray>();
          c.arrays[key.cast<std::string>()] =
              NamedArray{shape_of(a), std::vector<double>(a.data(), a.data() + a.size())};
        }
        for (const auto& [key, value] : scalars) {
          const auto name = key.cast<std::string>();
          c.scalars[name] = python_scalar(value, "checkpoint scalar '" + name + "'");
        }
        for (const auto& [key, value] : metadata)
          c.metadata[key.cast<std::string>()] = value.cast<std::string>();
        py::gil_scoped_release release;
        c.save(path);
      },
      py::arg("path"), py::arg("arrays"), py::arg("scalars") = py::dict(),
      py::arg("metadata") = py::dict(),
      "Atomic, lossless checkpoint: arrays {name: float64 ndarray}, scalars {name: int|float}, "
      "metadata {name: str}.");
  m.def(
      "load_checkpoint",
      [](const fs::path& path) {
        const Checkpoint c = Checkpoint::load(path);
        py::dict arrays, scalars;
        for (const auto& [name, a] : c.arrays) arrays[py::str(name)] = to_numpy(a.values, a.shape);
        for (const auto& [name, s] : c.scalars) scalars[py::str(name)] = scalar_to_python(s);
        return py::make_tuple(arrays, scalars, py::cast(c.metadata));
      },
      py::arg("path"), "(arrays, scalars, metadata) as written by save_checkpoint.");
  m.def(
      "write_xdmf", [](const fs::path& h5, const fs::path& xmf) { return write_xdmf(h5, xmf); },
      py::arg("h5_path"), py::arg("xmf_path") = fs::path());
}

}  // namespace punctum::bindings
