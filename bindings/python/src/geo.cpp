// geo.cpp: the coordinate helpers of poleloc/geo.hpp and poleloc/number.hpp.
// Lon, lat in degrees; WGS84 unless the name says GCJ-02.
#include "binding.hpp"


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
  m.def("geodesic_distance_m", [](double lon1, double lat1, double lon2, double lat2) {
    return geodesic_distance_m({lon1, lat1}, {lon2, lat2});
  }, py::arg("lon1"), py::arg("lat1"), py::arg("lon2"), py::arg("lat2"), "metres on the WGS84 ellipsoid");
  m.def("canonical_number", [](std::string_view printed) { return canonical_number(printed); },
        py::arg("printed"), "'tjh-0372号' -> 'TJH0372'; None if the text is not a printed pole number");
}

}  // namespace poleloc::python
