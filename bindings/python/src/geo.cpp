// geo.cpp: the coordinate helpers of poleloc/geo.hpp and poleloc/number.hpp.
// Lon, lat in degrees; WGS84 unless the name says GCJ-02.
#include "binding.hpp"

#include <pybind11/numpy.h>

namespace poleloc::python {

void bind_geo(py::module_& m) {
  m.def("wgs84_to_gcj02", [](double lon, double lat) {
    const LonLat p = wgs84_to_gcj02({lon, lat});
    return py::make_tuple(p.lon, p.lat);
  }, py::arg("lon"), py::arg("lat"), "WGS84 -> GCJ-02 (what Chinese web maps show); identity outside China");
  m.def("gcj02_to_wgs84", [](double lon, double lat) {
    const LonLat p = gcj02_to_wgs84({lon, lat});
    return py::make_tuple(p.lon, p.lat);
  }, py::arg("lon"), py::arg("lat"), "GCJ-02 -> WGS84, iterated to < 1e-7 degrees");
  // Vectorised forms, for poleloc.gcj02_to_wgs84 / wgs84_to_gcj02 on numpy
  // arrays: 1-D float64 in (the package flattens and broadcasts), two new
  // arrays out; the GIL is released while converting.
  using Doubles = py::array_t<double, py::array::c_style | py::array::forcecast>;
  auto many = [](LonLat (*convert)(LonLat)) {
    return [convert](const Doubles& lons, const Doubles& lats) {
      if (lons.ndim() != 1 || lats.ndim() != 1 || lons.shape(0) != lats.shape(0)) {
        raise(ErrorCode::bad_request, "lons and lats must be 1-D arrays of one length");
      }
      const py::ssize_t n = lons.shape(0);
      Doubles out_lon(n), out_lat(n);
      const double* x = lons.data();
      const double* y = lats.data();
      double* ox = out_lon.mutable_data();
      double* oy = out_lat.mutable_data();
      {
        py::gil_scoped_release release;
        for (py::ssize_t i = 0; i < n; ++i) {
          const LonLat p = convert({x[i], y[i]});
          ox[i] = p.lon;
          oy[i] = p.lat;
        }
      }
      return py::make_tuple(out_lon, out_lat);
    };
  };
  m.def("_wgs84_to_gcj02_many", many(&wgs84_to_gcj02), py::arg("lons"), py::arg("lats"));
  m.def("_gcj02_to_wgs84_many", many(&gcj02_to_wgs84), py::arg("lons"), py::arg("lats"));
  m.def("geodesic_distance_m", [](double lon1, double lat1, double lon2, double lat2) {
    return geodesic_distance_m({lon1, lat1}, {lon2, lat2});
  }, py::arg("lon1"), py::arg("lat1"), py::arg("lon2"), py::arg("lat2"), "metres on the WGS84 ellipsoid");
  m.def("canonical_number", [](std::string_view printed) { return canonical_number(printed); },
        py::arg("printed"), "'tjh-0372号' -> 'TJH0372'; None if the text is not a printed pole number");
}

}  // namespace poleloc::python
