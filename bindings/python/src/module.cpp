// module.cpp: the private extension module `poleloc._poleloc`.
//
// Thin by design: it exposes the C++ facade (Service, Snapshot, views, batch
// queries, errors) and nothing Pythonic; the package `poleloc` (poleloc/
// __init__.py) adds open(), build(), DataFrame input and the Database class.
#include "binding.hpp"

PYBIND11_MODULE(_poleloc, m) {
  namespace py = pybind11;
  using namespace poleloc::python;
  m.doc() = "poleloc C++ core (private; use the `poleloc` package)";
  // numpy is imported by the batch calls when they first run (pybind11's array
  // support): the module imports, and answers every other call, without it.

  bind_errors(m);
  bind_views(m);
  py::class_<PySnapshot> snapshot(m, "Snapshot",
                                  "An immutable, fully indexed view of the dataset; all queries, no locks.");
  bind_snapshot(m, snapshot);
  bind_batch(snapshot);
  bind_boundary(m, snapshot);
  bind_service(m);
  bind_geo(m);
}
