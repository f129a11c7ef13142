// twins.hpp: the audit of dangerous twins: pairs of stored pole numbers one
// likely mishearing apart (the resolver's confusion model, spoken/confusion.hpp:
// yi/qi, liu/jiu, si/shi, a digit dropped, added or two swapped) whose poles
// are in different grids or far apart. A caller reading one may be heard as
// the other, and a crew sent to the wrong street.
//
//   TwinAudit audit = find_dangerous_twins(data, {.min_distance_m = 500});
//   for (const Twin& t : audit.twins) ...   // highest risk first
//
// Risk of a pair: the confusion's weight (relative to hearing the number
// right, the larger of the two directions) × a distance factor
// min(20, max(1, distance / 500 m)), doubled when the two poles are in
// different grids. The suggestion names the pole to renumber: the one with
// more dangerous twins, on a tie the one later in number order (usually the
// newer). Thread-safety: pure function of the snapshot data.
#pragma once

#include "snapshot_data.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace poleloc::query {

struct Twin {
  std::uint32_t a = 0, b = 0;  // pole indexes, a before b in number order
  float weight = 0;            // the confusion's weight
  std::string explanation;     // "1 may be 7 (yi/qi)"
  double distance_m = 0;
  bool other_grid = false;
  double risk = 0;
  std::uint32_t renumber = 0;  // a or b
};

struct TwinAudit {
  std::vector<Twin> twins;             // the dangerous pairs, highest risk first, at most max_listed
  std::size_t dangerous_pairs = 0;     // all of them
  std::size_t poles_with_twin = 0;     // poles in at least one dangerous pair
};

struct TwinOptions {
  double min_distance_m = 500;  // in the same grid, pairs closer than this are not dangerous
  std::size_t max_listed = 1000;
};

TwinAudit find_dangerous_twins(const SnapshotData& data, const TwinOptions& options = {});

}  // namespace poleloc::query
