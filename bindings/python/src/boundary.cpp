// boundary.cpp: boundary-aware answers in Python (poleloc/boundary.hpp,
// docs/boundary.md): Boundary and NeighbourGrid, Pole.boundary(),
// Pole.boundary_distance_m, Pole.neighbour_grids and Snapshot.boundary().
//
// Distances are metres on the WGS84 ellipsoid. `boundary_m` (default 15) is
// how near another grid's edge must be to be named; outside [0, 1000] it
// raises BadRequest naming boundary_m. One point costs a few microseconds, so
// the GIL is kept (as for grid_at).
#include "binding.hpp"

#include <cstdio>

namespace poleloc::python {
namespace {

struct PyNeighbourGrid {
  Grid grid;
  double distance_m;
};

struct PyBoundary {
  bool inside;
  double boundary_distance_m;
  std::vector<PyNeighbourGrid> neighbour_grids;
};

std::optional<PyBoundary> to_python(const SnapshotPtr& snap, const std::optional<GridBoundary>& b) {
  if (!b) return std::nullopt;
  PyBoundary out{b->inside, b->boundary_distance_m, {}};
  for (const NeighbourGrid& n : b->neighbour_grids) out.neighbour_grids.push_back({Grid{snap, n.grid}, n.distance_m});
  return out;
}

double checked_within(double boundary_m) {
  check(check_boundary_within(boundary_m, "boundary_m"));
  return boundary_m;
}

std::string metres(double m) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", m);
  return buf;
}

std::string neighbour_repr(const PyNeighbourGrid& n) {
  return "NeighbourGrid(" + py::repr(py::str(std::string(n.grid.view.id()))).cast<std::string>() +
         ", distance_m=" + metres(n.distance_m) + ")";
}

}  // namespace

void bind_boundary(py::module_& m, py::class_<PySnapshot>& snapshot) {
  py::class_<PyNeighbourGrid>(m, "NeighbourGrid", "Another grid whose edge is near the point, and how near (metres, WGS84).")
      .def_readonly("grid", &PyNeighbourGrid::grid)
      .def_readonly("distance_m", &PyNeighbourGrid::distance_m)
      .def("__repr__", &neighbour_repr);

  py::class_<PyBoundary>(m, "Boundary",
                         "How far a point is from the edge of its grid, and the other grids within boundary_m "
                         "(docs/boundary.md). Metres, WGS84.")
      .def_readonly("inside", &PyBoundary::inside, "the point lies in a grid")
      .def_readonly("boundary_distance_m", &PyBoundary::boundary_distance_m,
                    "to the nearest edge of the point's grid (0 on the edge); outside every grid: to the nearest grid")
      .def_readonly("neighbour_grids", &PyBoundary::neighbour_grids,
                    "the other grids whose edge is within boundary_m, nearest first")
      .def("__repr__", [](const PyBoundary& b) {
        std::string s = std::string("Boundary(inside=") + (b.inside ? "True" : "False") +
                        ", boundary_distance_m=" + metres(b.boundary_distance_m) + ", neighbour_grids=[";
        for (std::size_t i = 0; i < b.neighbour_grids.size(); ++i) {
          s += (i ? ", " : "") + neighbour_repr(b.neighbour_grids[i]);
        }
        return s + "])";
      });

  auto pole = py::reinterpret_borrow<py::class_<Pole>>(m.attr("Pole"));
  pole.def("boundary", [](const Pole& p, double boundary_m) {
        return to_python(p.snapshot, p.snapshot->boundary(p.view, checked_within(boundary_m)));
      }, py::arg("boundary_m") = kBoundaryNeighbourDefaultM,
      "How far the pole is from the edge of its grid and the other grids within boundary_m metres "
      "(default 15), or None outside every grid with none within 10 km. BadRequest for boundary_m outside 0..1000.")
      .def_property_readonly("boundary_distance_m", [](const Pole& p) -> std::optional<double> {
        auto b = p.snapshot->boundary(p.view);
        if (!b) return std::nullopt;
        return b->boundary_distance_m;
      }, "metres to the nearest edge of the pole's grid (outside every grid: to the nearest grid), or None")
      .def_property_readonly("neighbour_grids", [](const Pole& p) {
        auto b = to_python(p.snapshot, p.snapshot->boundary(p.view));
        return b ? b->neighbour_grids : std::vector<PyNeighbourGrid>{};
      }, "the other grids whose edge is within 15 m of the pole, nearest first (boundary() for another distance)");

  snapshot.def("boundary", [](const PySnapshot& s, double lon, double lat, double boundary_m) {
        return to_python(s.snapshot, s.snapshot->boundary(LonLat{lon, lat}, checked_within(boundary_m)));
      }, py::arg("lon"), py::arg("lat"), py::arg("boundary_m") = kBoundaryNeighbourDefaultM,
      "The Boundary of a point (WGS84 degrees): how far the edge of its grid is and the other grids within "
      "boundary_m metres; None for an invalid point or outside every grid with none within 10 km.");
}

}  // namespace poleloc::python
