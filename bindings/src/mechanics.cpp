#include "module.hpp"

namespace punctum::bindings {

void register_mechanics(py::module_& m) { (void)m; }

}  // namespace punctum::bindings
