// poleloc/validate.hpp: a report on the quality of a dataset that its owners can act on.
//
// ```cpp
// void check(poleloc::Service& service) {
//   auto report = poleloc::validate(*service.snapshot());
//   for (const auto& issue : report.issues) std::cout << issue.kind << ' ' << issue.message << '\n';
// }
// ```
//
// Errors (ok() is false while any is present):
//   "invalid_polygon"   a grid GEOS finds invalid (reason and location);
//   "overlap"           two grids share area (pair, area in m², a point inside;
//                       `sliver` in the message when it is long and thin);
//   "gap"               ground inside the outline of the grid map that no grid
//                       covers, between two or more grids (area, a point
//                       inside, its outline, the grids around it);
//   "sliver"            a gap that is long and thin or under 10 m²: two
//                       boundaries drawn twice that do not meet;
//   "orphan_pole"       a pole outside every grid;
//   "duplicate_number"  two stored numbers with the same canonical form.
// Warnings (listed, ok() stays true):
//   "hole"              ground no grid covers, bordered by one grid only: a
//                       hole cut in that grid, most likely on purpose (a park);
//   "area_code_mismatch" a pole whose area code differs from the one at least
//                       80 % of its grid's poles carry (grids of 5 poles or more);
//   "dangerous_twin"    two numbers one likely mishearing apart (yi/qi, liu/jiu,
//                       a digit dropped, added or swapped) in different grids
//                       or more than `twin_distance_m` apart, highest risk
//                       first, with the pole to renumber (see query/twins.hpp
//                       for the risk score).
//
// Thread-safety: validate() reads an immutable snapshot; it takes seconds on
// millions of poles (it unions every grid and tries every number's mishearings).
#pragma once

#include <poleloc/snapshot.hpp>

#include <optional>
#include <string>
#include <vector>

namespace poleloc {

struct ValidationIssue {
  std::string kind;
  std::string subject;   // grid id(s) or pole number(s), comma-separated
  std::string message;
  std::optional<LonLat> location;
  bool warning = false;               // see the kinds above
  std::optional<double> area_m2;      // overlap, gap, sliver
  std::optional<double> distance_m;   // dangerous_twin: between the two poles
  std::optional<LonLat> other_location;  // dangerous_twin: the second pole
  double risk = 0;                    // dangerous_twin
  std::string suggestion;             // what to do, when there is a clear step
  MultiPolygon shape;                 // gap, sliver, overlap: the area itself (may be empty)
};

struct ValidationReport {
  std::size_t poles = 0;
  std::size_t grids = 0;
  std::vector<ValidationIssue> issues;
  // Dangerous twins in all (issues lists the riskiest, at most ValidateOptions::max_twins).
  std::size_t dangerous_twins = 0;
  std::size_t poles_with_dangerous_twin = 0;
  std::size_t errors() const {
    std::size_t n = 0;
    for (const ValidationIssue& i : issues) n += !i.warning;
    return n;
  }
  bool ok() const { return errors() == 0; }
};

struct ValidateOptions {
  double twin_distance_m = 500;  // same-grid twins closer than this are not dangerous
  std::size_t max_twins = 1000;  // dangerous twins listed
};

ValidationReport validate(const Snapshot& snapshot, const ValidateOptions& options = {});

}  // namespace poleloc
