// binding.hpp: what the binding files of `_poleloc` share.
//
// Python objects never hold a bare PoleView or GridView: a view points into
// its snapshot, so each Python Pole/Grid carries the shared_ptr that keeps the
// snapshot alive (a Pole stays valid after the database is closed or changed).
//
// GIL policy: calls that do real work (open, import, resolve, nearest, paging,
// within, every batch call) run with the GIL released; Python objects are made
// only after it is taken back. Lookups that cost less than releasing and
// re-taking the GIL (locate: one hash probe; grid_at: one point-in-polygon)
// keep it, which is also what makes them fast from many threads.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>  // optional/vector/pair casters: every file must see the same ones

#include <poleloc/poleloc.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace poleloc::python {

namespace py = pybind11;

using SnapshotPtr = std::shared_ptr<const Snapshot>;

struct Pole {
  SnapshotPtr snapshot;
  PoleView view;
};

struct Grid {
  SnapshotPtr snapshot;
  GridView view;
};

struct Nearby {
  Pole pole;
  double distance_m;
};

struct ResolvedCandidate {
  Pole pole;
  Candidate candidate;
};

// The Python-side snapshot: the C++ snapshot plus the Python strings of its
// grid ids, made once on first use by grid_ids / grid_ids_at, and of the pole
// numbers that pole_numbers / nearest_many have handed out (batch.cpp), each
// made when first named and shared by every later answer of this snapshot.
// Both are filled under the GIL only.
struct PySnapshot {
  SnapshotPtr snapshot;
  std::vector<py::object> grid_id_objects;
  std::vector<py::object> pole_number_objects;  // by pole index; null until named (or for none: empty)
  // pole_numbers' count of uses per pole, all zero between calls (kept: a
  // table of millions allocated per call cost more than the counting), and
  // whether a call (on another Python thread, the GIL released) has it now.
  std::vector<std::uint32_t> pole_uses;
  bool pole_uses_busy = false;
  const std::vector<py::object>& grid_ids();
};

// A failure from the core, carried to Python as the catalogue's exception class.
class StatusError : public std::exception {
 public:
  explicit StatusError(Status status) : status_(std::move(status)) {}
  const Status& status() const { return status_; }
  const char* what() const noexcept override { return status_.message().c_str(); }

 private:
  Status status_;
};

[[noreturn]] inline void raise(ErrorCode code, std::string message) {
  throw StatusError(Status(code, std::move(message)));
}
[[noreturn]] inline void raise(const Status& status) { throw StatusError(status); }

template <typename T>
T unwrap(Result<T>&& result) {
  if (!result) raise(result.status());
  return std::move(result).value();
}

inline void check(const Status& status) {
  if (!status) raise(status);
}

// Runs `call` (returning a Status) with the GIL released, then raises its error.
template <typename F>
void check_released(F&& call) {
  Status status;
  {
    py::gil_scoped_release release;
    status = call();
  }
  check(status);
}

// The Python-side Service (service.cpp; history.cpp adds the history calls).
struct PyService {
  std::shared_ptr<Service> service;  // null once closed; calls in flight hold their own reference
  std::string path;
  SnapshotPtr cached;
  py::object cached_object;

  std::shared_ptr<Service> get() const {
    if (!service) raise(ErrorCode::bad_request, "the database is closed");
    return service;
  }
  // The Python Snapshot of `snap`: the cached object while the C++ snapshot is the same one.
  py::object snapshot_object(SnapshotPtr snap) {
    if (snap != cached || !cached_object) {
      cached_object = py::cast(PySnapshot{snap, {}, {}, {}, false});
      cached = std::move(snap);
    }
    return cached_object;
  }
};

// Python values of the views (views.cpp).
// A non-negative Python int as a count, index or sequence: negative, huge or
// non-integer values raise BadRequest naming `what` instead of wrapping around.
std::size_t count_from(py::handle h, const char* what);
// Attribute values with their type: str, int, float or bool (docs/import.md "Attribute types").
py::object attribute_value(const Attribute& attribute);
py::dict attributes_dict(const Attributes& attributes);
// A Python value as an attribute: bool, int (and numpy integers), float, else its str();
// nullopt for None and NaN (pandas' missing value): no attribute.
std::optional<Attribute> attribute_from_python(std::string name, py::handle value);
py::dict geometry_dict(const MultiPolygon& geometry);  // GeoJSON Polygon or MultiPolygon
MultiPolygon geometry_from_python(py::handle geometry, const std::string& where);  // raises InvalidInput

void bind_errors(py::module_& m);
void bind_views(py::module_& m);
void bind_snapshot(py::module_& m, py::class_<PySnapshot>& cls);
void bind_batch(py::class_<PySnapshot>& cls);
void bind_service(py::module_& m);
void bind_history(py::class_<PyService>& cls);
void bind_geo(py::module_& m);
void bind_boundary(py::module_& m, py::class_<PySnapshot>& snapshot);  // after bind_views

}  // namespace poleloc::python
