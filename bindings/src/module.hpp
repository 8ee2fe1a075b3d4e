#pragma once
// Shared declarations for the binding translation units: each C++ module registers its types.
#include <pybind11/pybind11.h>

namespace punctum::bindings {
namespace py = pybind11;
void register_errors(py::module_& m);
void register_core(py::module_& m);
void register_skin(py::module_& m);
void register_patient(py::module_& m);
void register_mechanics(py::module_& m);  // mechanics + devices (bindings/src/mechanics.cpp)
void register_healing(py::module_& m);    // bindings/src/healing.cpp
void register_io(py::module_& m);         // bindings/src/io.cpp
void register_course(py::module_& m);     // bindings/src/course.cpp
}  // namespace punctum::bindings
