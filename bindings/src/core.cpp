#include <pybind11/stl.h>

#include <punctum/core.hpp>

#include "module.hpp"

namespace punctum::bindings {

namespace {
PyObject* parameter_error_type = nullptr;

/// The Python ParameterError of a C++ InvalidParameter: the message is the core's, and the four
/// parts are attributes.
py::object to_parameter_error(const InvalidParameter& e) {
  py::object err = py::reinterpret_borrow<py::object>(parameter_error_type)(e.what());
  err.attr("parameter") = e.parameter();
  err.attr("value") = e.value();
  err.attr("allowed") = e.allowed();
  err.attr("unit") = e.unit();
  return err;
}
}  // namespace

void register_errors(py::module_& m) {
  // ParameterError is a ValueError that also carries .parameter, .value, .allowed and .unit.
  parameter_error_type =
      PyErr_NewExceptionWithDoc("punctum._core.ParameterError",
                                "A parameter is out of its allowed range; the message names the "
                                "parameter, its value, the allowed range and the unit.",
                                PyExc_ValueError, nullptr);
  static PyObject* numerical_error = PyErr_NewExceptionWithDoc(
      "punctum._core.NumericalError", "A solver met a non-finite value.", PyExc_ArithmeticError, nullptr);
  static PyObject* resource_error = PyErr_NewExceptionWithDoc(
      "punctum._core.ResourceError", "A request exceeds an estimated resource limit (memory).",
      PyExc_MemoryError, nullptr);
  m.attr("ParameterError") = py::handle(parameter_error_type);
  // Python-side checks build their errors here, so both languages word them the same way.
  m.def(
      "parameter_error",
      [](std::string parameter, std::string value, std::string allowed, std::string unit) {
        return to_parameter_error(InvalidParameter(std::move(parameter), std::move(value),
                                                   std::move(allowed), std::move(unit)));
      },
      py::arg("parameter"), py::arg("value"), py::arg("allowed"), py::arg("unit") = "",
      "The ParameterError for `parameter` = `value` (its text) outside `allowed`, in `unit`.");
  m.attr("NumericalError") = py::handle(numerical_error);
  m.attr("ResourceError") = py::handle(resource_error);

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InvalidParameter& e) {
      PyErr_SetObject(parameter_error_type, to_parameter_error(e).ptr());
    } catch (const NumericalError& e) {
      PyErr_SetString(numerical_error, e.what());
    } catch (const ResourceError& e) {
      PyErr_SetString(resource_error, e.what());
    }
  });
}

void register_core(py::module_& m) {
  py::class_<Grid3>(m, "Grid3", "Uniform grid over the treated patch (SI units, z into the skin).")
      .def(py::init<std::array<std::size_t, 3>, std::array<double, 3>, std::array<double, 3>,
                    std::array<bool, 3>>(),
           py::arg("shape"), py::arg("spacing_m"), py::arg("origin_m") = std::array<double, 3>{0, 0, 0},
           py::arg("periodic") = std::array<bool, 3>{true, true, false})
      .def_static("patch", &Grid3::patch, py::arg("width_m"), py::arg("depth_m"), py::arg("voxel_m"))
      .def_readonly("shape", &Grid3::shape)
      .def_readonly("spacing_m", &Grid3::spacing)
      .def_readonly("origin_m", &Grid3::origin)
      .def_readonly("periodic", &Grid3::periodic)
      .def_property_readonly("size", &Grid3::size)
      .def("__repr__", [](const Grid3& g) {
        return "Grid3(shape=(" + std::to_string(g.nx()) + ", " + std::to_string(g.ny()) + ", " +
               std::to_string(g.nz()) + "), spacing_um=" + ::punctum::detail::format_number(in_um(g.spacing[0])) + ")";
      });
}

}  // namespace punctum::bindings
