#include "geo/polygon_check.hpp"
#include "service_impl.hpp"
#include "snapshot_data.hpp"

#include <poleloc/number.hpp>
#include <poleloc/validate.hpp>

#include <cstdio>

namespace poleloc {

ValidationReport validate(const Snapshot& snapshot) {
  // Recent writes sit in an overlay: check every record, as one base.
  std::unique_ptr<SnapshotData> flat;
  if (snapshot.overlay()) flat = flatten(snapshot);
  const SnapshotData& d = flat ? *flat : snapshot.data();
  ValidationReport report;
  report.poles = d.pole_count();
  report.grids = d.grids.size();

  for (const GridRecord& g : d.grids) {
    if (auto problem = geo::polygon_problem(g.geometry)) {
      report.issues.push_back({"invalid_polygon", g.id, "grid '" + g.id + "': " + problem->reason, problem->location});
    }
  }
  // Overlaps: only pairs whose boxes meet are intersected.
  for (std::uint32_t a = 0; a < d.grids.size(); ++a) {
    for (std::uint32_t b : d.grid_areas.candidates(d.grid_bboxes[a])) {
      if (b <= a) continue;
      const double m2 = geo::overlap_area_m2(d.grids[a].geometry, d.grids[b].geometry);
      if (m2 < 0.01) continue;  // touching along a shared boundary is not an overlap
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.1f", m2);
      report.issues.push_back({"overlap", d.grids[a].id + "," + d.grids[b].id,
                               "grids '" + d.grids[a].id + "' and '" + d.grids[b].id + "' overlap by " + buf + " m²",
                               geo::overlap_point(d.grids[a].geometry, d.grids[b].geometry)});
    }
  }
  for (std::uint32_t p = 0; p < d.pole_count(); ++p) {
    if (d.pole_grid[p] < 0) {
      report.issues.push_back({"orphan_pole", std::string(d.number(p)),
                               "pole " + std::string(d.number(p)) + " is outside every grid", d.positions[p]});
    }
  }
  // Numbers that differ only in leading zeros (TJH372 and TJH0372) are the same number spoken.
  for (std::uint32_t p = 0; p < d.pole_count(); ++p) {
    const NumberParts parts = split_number(d.number(p));
    for (std::uint32_t q : d.numbers.find_serial(index::strip_leading_zeros(parts.serial))) {
      if (q <= p || split_number(d.number(q)).area != parts.area) continue;
      report.issues.push_back({"duplicate_number", std::string(d.number(p)) + "," + std::string(d.number(q)),
                               "numbers " + std::string(d.number(p)) + " and " + std::string(d.number(q)) +
                                   " differ only in leading zeros, so they are read out the same",
                               d.positions[q]});
    }
  }
  return report;
}

}  // namespace poleloc
