// record_snapshot.cpp: a Snapshot from records in memory (see the header).
#include <poleloc/record_snapshot.hpp>

#include "snapshot_builder.hpp"
#include "snapshot_data.hpp"

namespace poleloc {

std::shared_ptr<const Snapshot> snapshot_from_records(const std::vector<PoleRecord>& poles,
                                                      std::vector<GridRecord> grids) {
  SnapshotBuilder builder;
  builder.reserve_poles(poles.size());
  for (const PoleRecord& p : poles) builder.add_pole(p);
  builder.keep_only(builder.number_order());
  for (GridRecord& g : grids) builder.add_grid(std::move(g));
  builder.index_grids();
  std::shared_ptr<const SnapshotData> data = builder.finish(0, true);
  return std::make_shared<const Snapshot>(std::move(data), nullptr);
}

}  // namespace poleloc
