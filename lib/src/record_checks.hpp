// record_checks.hpp: the checks a single record must pass before it is stored,
// shared by single writes (put_pole, put_grid) and in-memory imports.
//
//   if (auto why = check_pole(pole)) return Status(ErrorCode::invalid_input, *why);  // also canonicalises
#pragma once

#include <poleloc/import.hpp>
#include <poleloc/types.hpp>

#include <optional>
#include <string>

namespace poleloc {

// Canonicalises pole.number in place; the reason it cannot be stored otherwise.
std::optional<std::string> check_pole(PoleRecord& pole);
// Refuses grids beyond the import limits (poleloc/import.hpp defaults), so that
// single writes cannot store what an import would refuse. `geometry_valid`:
// the geometry is one already stored (every stored geometry passed this
// check), so GEOS need not validate it again (tens of µs). `valid_before`:
// the grid's stored outline (valid), of which the new one may be an edit
// (geo::polygon_problem(geometry, valid_before)).
std::optional<std::string> check_grid(const GridRecord& grid, std::size_t max_vertices = kDefaultMaxGridVertices,
                                      std::size_t max_attribute_bytes = kDefaultMaxAttributeBytes,
                                      bool geometry_valid = false, const MultiPolygon* valid_before = nullptr);
std::optional<std::string> check_alias(AliasRecord& alias);
std::optional<std::string> check_place(const PlaceRecord& place);
std::optional<std::string> check_road(const RoadRecord& road);

}  // namespace poleloc
