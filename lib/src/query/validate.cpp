#include "geo/coverage.hpp"
#include "geo/polygon_check.hpp"
#include "query/twins.hpp"
#include "service_impl.hpp"
#include "snapshot_data.hpp"

#include <poleloc/number.hpp>
#include <poleloc/validate.hpp>

#include <cstdio>
#include <map>

namespace poleloc {
namespace {

std::string metres(double v, const char* unit) {
  char buf[64];
  std::snprintf(buf, sizeof buf, v < 10 ? "%.1f %s" : "%.0f %s", v, unit);
  return buf;
}

void grid_checks(const SnapshotData& d, ValidationReport& report) {
  // Every outline, as written (the snapshot may keep them snapped: GridSet::geometry()).
  std::vector<MultiPolygon> outlines;
  outlines.reserve(d.grids.size());
  for (std::uint32_t g = 0; g < d.grids.size(); ++g) outlines.push_back(d.grid_set->geometry(g));
  for (std::uint32_t i = 0; i < d.grids.size(); ++i) {
    const GridRecord& g = d.grids[i];
    if (auto problem = geo::polygon_problem(outlines[i])) {
      report.issues.push_back({.kind = "invalid_polygon", .subject = g.id,
                               .message = "grid '" + g.id + "': " + problem->reason, .location = problem->location});
    }
  }
  // Overlaps: only pairs whose boxes meet are intersected.
  for (std::uint32_t a = 0; a < d.grids.size(); ++a) {
    for (std::uint32_t b : d.grid_areas.candidates(d.grid_bboxes[a])) {
      if (b <= a) continue;
      auto shared = geo::shared_area(outlines[a], outlines[b]);
      if (!shared || shared->area_m2 < 0.01) continue;  // touching along a shared boundary is not an overlap
      const std::string& x = d.grids[a].id;
      const std::string& y = d.grids[b].id;
      report.issues.push_back({.kind = "overlap", .subject = x + "," + y,
                               .message = "grids '" + x + "' and '" + y + "' overlap by " + metres(shared->area_m2, "m²") +
                                          (shared->sliver() ? " (a sliver: their shared boundary was drawn twice)" : ""),
                               .location = shared->point,
                               .area_m2 = shared->area_m2,
                               .suggestion = "redraw the boundary between '" + x + "' and '" + y + "' once, shared by both",
                               .shape = std::move(shared->shape)});
    }
  }
  // Gaps: holes in the union of every grid.
  std::vector<const MultiPolygon*> all;
  for (const MultiPolygon& g : outlines) all.push_back(&g);
  for (geo::Patch& hole : geo::coverage_holes(all)) {
    // The grids around it: their boxes first, then whether they really meet it.
    std::vector<std::string> around;
    BBox box = geo::bounding_box(hole.shape);
    const double pad = 1e-6;
    box = {box.min_lon - pad, box.min_lat - pad, box.max_lon + pad, box.max_lat + pad};
    for (std::uint32_t g : d.grid_areas.candidates(box)) {
      if (geo::meet(hole.shape, outlines[g])) around.push_back(d.grids[g].id);
    }
    std::string subject;
    for (std::size_t i = 0; i < around.size() && i < 20; ++i) subject += (i ? "," : "") + around[i];
    const std::string area = metres(hole.area_m2, "m²");
    if (around.size() == 1) {
      // A hole cut in one grid (a park, a lake, a barracks): left out on purpose, most likely.
      report.issues.push_back({.kind = "hole", .subject = subject,
                               .message = "a hole of " + area + " in grid '" + subject + "' belongs to no grid",
                               .location = hole.point, .warning = true, .area_m2 = hole.area_m2,
                               .suggestion = "if nobody is responsible there on purpose (a park, a lake), nothing",
                               .shape = std::move(hole.shape)});
      continue;
    }
    const bool sliver = hole.sliver();
    report.issues.push_back(
        {.kind = sliver ? "sliver" : "gap",
         .subject = subject,
         .message = std::string(sliver ? "a sliver of " : "a gap of ") + area + " between grids " + subject +
                    " belongs to no grid" + (sliver ? " (long and thin: boundaries that do not meet)" : ""),
         .location = hole.point,
         .area_m2 = hole.area_m2,
         .suggestion = sliver ? "snap the neighbouring boundaries together" : "assign this area to a grid",
         .shape = std::move(hole.shape)});
  }
}

void pole_checks(const SnapshotData& d, ValidationReport& report) {
  for (std::uint32_t p = 0; p < d.pole_count(); ++p) {
    if (d.pole_grid[p] < 0) {
      report.issues.push_back({.kind = "orphan_pole", .subject = std::string(d.number(p)),
                               .message = "pole " + std::string(d.number(p)) + " is outside every grid",
                               .location = d.positions[p]});
    }
  }
  // Numbers that differ only in leading zeros (TJH372 and TJH0372) are the same number spoken.
  for (std::uint32_t p = 0; p < d.pole_count(); ++p) {
    const NumberParts parts = split_number(d.number(p));
    for (std::uint32_t q : d.numbers.find_serial(index::strip_leading_zeros(parts.serial))) {
      if (q <= p || split_number(d.number(q)).area != parts.area) continue;
      report.issues.push_back({.kind = "duplicate_number",
                               .subject = std::string(d.number(p)) + "," + std::string(d.number(q)),
                               .message = "numbers " + std::string(d.number(p)) + " and " + std::string(d.number(q)) +
                                          " differ only in leading zeros, so they are read out the same",
                               .location = d.positions[q]});
    }
  }
  // Area codes: a pole whose code differs from the one nearly all of its grid carries.
  for (std::uint32_t g = 0; g < d.grids.size(); ++g) {
    const std::uint32_t begin = d.grid_pole_offsets[g], end = d.grid_pole_offsets[g + 1];
    if (end - begin < 5) continue;
    std::map<std::string_view, std::uint32_t> codes;
    for (std::uint32_t i = begin; i < end; ++i) ++codes[split_number(d.number(d.grid_poles[i])).area];
    auto top = codes.begin();
    for (auto it = codes.begin(); it != codes.end(); ++it) {
      if (it->second > top->second) top = it;
    }
    if (codes.size() < 2 || top->second * 5 < (end - begin) * 4) continue;  // mixed grids are normal somewhere
    for (std::uint32_t i = begin; i < end; ++i) {
      const std::uint32_t p = d.grid_poles[i];
      const std::string_view area = split_number(d.number(p)).area;
      if (area == top->first) continue;
      const std::string n(d.number(p));
      report.issues.push_back(
          {.kind = "area_code_mismatch", .subject = n,
           .message = "pole " + n + " carries area code '" + std::string(area) + "' in grid '" + d.grids[g].id +
                      "', where " + std::to_string(top->second) + " of " + std::to_string(end - begin) +
                      " poles carry '" + std::string(top->first) + "'",
           .location = d.positions[p],
           .warning = true,
           .suggestion = "check the number or the position of " + n});
    }
  }
}

void twin_checks(const SnapshotData& d, const ValidateOptions& options, ValidationReport& report) {
  const query::TwinAudit audit =
      query::find_dangerous_twins(d, {.min_distance_m = options.twin_distance_m, .max_listed = options.max_twins});
  report.dangerous_twins = audit.dangerous_pairs;
  report.poles_with_dangerous_twin = audit.poles_with_twin;
  for (const query::Twin& t : audit.twins) {
    const std::string a(d.number(t.a)), b(d.number(t.b)), renumber(d.number(t.renumber));
    char risk[32];
    std::snprintf(risk, sizeof risk, "%.3f", t.risk);
    report.issues.push_back(
        {.kind = "dangerous_twin", .subject = a + "," + b,
         .message = a + " and " + b + " are one mishearing apart (" + t.explanation + "), " +
                    metres(t.distance_m, "m") + " apart" + (t.other_grid ? " in different grids" : "") + "; risk " + risk,
         .location = d.positions[t.a],
         .warning = true,
         .distance_m = t.distance_m,
         .other_location = d.positions[t.b],
         .risk = t.risk,
         .suggestion = "renumber " + renumber});
  }
}

}  // namespace

ValidationReport validate(const Snapshot& snapshot, const ValidateOptions& options) {
  // Recent writes sit in an overlay: check every record, as one base.
  std::unique_ptr<SnapshotData> flat;
  if (snapshot.overlay()) flat = flatten(snapshot);
  const SnapshotData& d = flat ? *flat : snapshot.data();
  ValidationReport report;
  report.poles = d.pole_count();
  report.grids = d.grids.size();
  grid_checks(d, report);
  pole_checks(d, report);
  twin_checks(d, options, report);
  return report;
}

}  // namespace poleloc
