#include "module.hpp"

namespace punctum::bindings {

void register_healing(py::module_& m) { (void)m; }

}  // namespace punctum::bindings
