#include "module.hpp"

namespace punctum::bindings {

void register_io(py::module_& m) { (void)m; }

}  // namespace punctum::bindings
