// snapshot_builder.hpp: streams records into a SnapshotData and builds its indexes.
//
//   SnapshotBuilder b;
//   b.add_pole("TJH0001", {116.47, 39.92}, attrs);   // in strictly increasing number order
//   b.add_grid(std::move(grid));
//   b.add_alias({"团结湖", "TJH"});
//   std::unique_ptr<SnapshotData> data = b.finish(sequence);
//
// Poles are added column-wise (no PoleRecord per pole is kept), which is what
// keeps opening 2,000,000 poles within a few hundred MB.
#pragma once

#include "snapshot_data.hpp"
#include "store/record_encoding.hpp"

#include <poleloc/status.hpp>

#include <memory>
#include <string_view>
#include <unordered_map>

namespace poleloc {

class SnapshotBuilder {
 public:
  SnapshotBuilder();
  // Numbers must be canonical and strictly increasing (byte order).
  Status add_pole(std::string_view number, LonLat position, const store::AttributeViews& attributes);
  Status add_pole(const PoleRecord& pole);
  void add_grid(GridRecord&& grid);
  void add_alias(AliasRecord&& alias);
  std::unique_ptr<SnapshotData> finish(std::uint64_t sequence);

 private:
  std::unique_ptr<SnapshotData> data_;
  std::unordered_map<std::string, std::uint32_t> key_ids_;
  store::AttributeViews scratch_;
};

}  // namespace poleloc
