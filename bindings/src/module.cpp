#include "module.hpp"

#include <punctum/core/version.hpp>

PYBIND11_MODULE(_core, m) {
  m.doc() = "punctum's C++ core (private: import punctum instead)";
  m.attr("__version__") = punctum::version;
  using namespace punctum::bindings;
  register_errors(m);
  register_core(m);
  register_skin(m);
  register_patient(m);
  register_mechanics(m);
  register_healing(m);
  register_io(m);
  register_course(m);
}
