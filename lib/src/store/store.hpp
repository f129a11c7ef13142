// store.hpp: the durable dataset in an embedded RocksDB.
//
//   auto store = store::Store::open("var/db", {.read_only = false});   // Result<unique_ptr<Store>>
//   store::Change change;
//   change.put_poles.push_back(pole);
//   auto seq = (*store)->apply(change);         // one WriteBatch, fsynced: all or nothing
//   (*store)->load(visitor);                    // newest version of every live record
//
// Column families: poles, grids, aliases (versioned keys, see
// record_encoding.hpp) and meta (schema_version, sequence). Every change is
// one atomic, synced WriteBatch that also bumps the sequence, so after a crash
// either the whole change is there or none of it.
//
// Thread-safety: apply() calls must be serialised by the caller (Service does);
// load() may run concurrently with apply().
#pragma once

#include "store/record_encoding.hpp"

#include <poleloc/status.hpp>
#include <poleloc/types.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace poleloc::store {

inline constexpr int kSchemaVersion = 1;

using PoleVisitor = std::function<void(std::string_view number, LonLat position, const AttributeViews& attributes)>;

struct Change {
  std::vector<PoleRecord> put_poles;
  // Bulk puts (imports): called once with a visitor that adds each pole to the change.
  std::function<void(const PoleVisitor&)> put_pole_stream;
  std::vector<std::string> delete_poles;
  std::vector<GridRecord> put_grids;
  std::vector<std::string> delete_grids;
  std::optional<std::vector<AliasRecord>> replace_aliases;  // with delete_aliases
  std::vector<std::string> delete_aliases;
  bool empty() const {
    return put_poles.empty() && !put_pole_stream && delete_poles.empty() && put_grids.empty() && delete_grids.empty() &&
           !replace_aliases && delete_aliases.empty();
  }
};

// Called for each live record. `pole` runs on the calling thread; `grid`,
// `alias` and then `grids_done` run on a second thread at the same time, so
// that grid indexing overlaps with reading two million poles.
struct LoadVisitor {
  std::function<void(std::string_view number, const PoleValueView&)> pole;
  std::function<void(GridRecord&&)> grid;
  std::function<void(AliasRecord&&)> alias;
  std::function<void()> grids_done;
};

class Store {
 public:
  struct Options {
    bool read_only = false;
    bool create_if_missing = true;
  };
  static Result<std::unique_ptr<Store>> open(const std::string& path, const Options& options);
  ~Store();

  // Visits the newest live version of every pole (in number order), grid and
  // alias, all from one consistent RocksDB snapshot.
  Status load(const LoadVisitor& visitor) const;

  // Applies `change` atomically and durably; returns the new sequence. Puts
  // equal to the newest stored version are skipped; when nothing differs,
  // nothing is written and the current sequence is returned. `written` (if
  // given) receives the number of records written.
  Result<std::uint64_t> apply(const Change& change, std::size_t* written = nullptr);

  // Writes the memtables to SST files, so that the next open need not replay
  // the log (a large import is otherwise replayed at every start).
  Status flush();

  // RocksDB's estimate of the number of stored pole versions (for reserving memory).
  std::size_t estimated_poles() const;

  std::uint64_t sequence() const { return sequence_; }
  bool read_only() const { return read_only_; }

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::uint64_t sequence_ = 0;
  bool read_only_ = false;
};

}  // namespace poleloc::store
