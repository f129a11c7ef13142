// poleloc/validate.hpp: a report on the quality of a dataset.
//
// ```cpp
// void check(poleloc::Service& service) {
//   auto report = poleloc::validate(*service.snapshot());
//   for (const auto& issue : report.issues) std::cout << issue.kind << ' ' << issue.message << '\n';
// }
// ```
//
// Kinds: "invalid_polygon" (GEOS reason and location), "overlap" (two grids
// share area, with the area in m²), "orphan_pole" (a pole outside every grid),
// "duplicate_number" (two stored numbers with the same canonical form).
#pragma once

#include <poleloc/snapshot.hpp>

#include <string>
#include <vector>

namespace poleloc {

struct ValidationIssue {
  std::string kind;
  std::string subject;   // grid id(s) or pole number
  std::string message;
  std::optional<LonLat> location;
};

struct ValidationReport {
  std::size_t poles = 0;
  std::size_t grids = 0;
  std::vector<ValidationIssue> issues;
  bool ok() const { return issues.empty(); }
};

ValidationReport validate(const Snapshot& snapshot);

}  // namespace poleloc
