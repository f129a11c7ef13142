// poleloc/record_snapshot.hpp: a small Snapshot built in memory from records,
// without a database: what a Python Pole or Grid is unpickled into, and a
// quick way to query a handful of records in tests.
//
//   auto snap = poleloc::snapshot_from_records({{"TJH0372", {116.4712, 39.9251}, {}}}, {grid});
//   auto pole = snap->locate("TJH0372");   // its grid() is `grid` when the grid contains it
//
// Records are taken as they are (WGS84 lon/lat, canonical numbers, valid
// polygons: no checks, unlike an import); the snapshot's sequence is 0.
// Building costs what an import's index build costs: meant for small sets.
//
// Thread-safety: a pure function; the snapshot is immutable like any other.
#pragma once

#include <poleloc/snapshot.hpp>
#include <poleloc/types.hpp>

#include <memory>
#include <vector>

namespace poleloc {

std::shared_ptr<const Snapshot> snapshot_from_records(const std::vector<PoleRecord>& poles,
                                                      std::vector<GridRecord> grids);

}  // namespace poleloc
