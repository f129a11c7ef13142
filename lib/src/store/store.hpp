// store.hpp: the durable dataset in an embedded RocksDB.
//
//   auto store = store::Store::open("var/db", {.read_only = false});   // Result<unique_ptr<Store>>
//   store::Change change;
//   change.put_poles.push_back(pole);
//   auto seq = (*store)->apply(change);         // one WriteBatch, fsynced: all or nothing
//   (*store)->load(visitor);                    // newest version of every live record
//
// Column families: poles, grids, aliases (versioned keys, see
// record_encoding.hpp; the version is the store sequence that wrote it) and
// meta (schema_version, sequence, and per sequence its time, author and change
// log: see change_log.hpp). Every change is one atomic, synced WriteBatch that
// also bumps the sequence and records when it was written, who wrote it and
// what it touched, so after a crash either the whole change is there or none of it.
//
// History: load_at() reads the records as they stood at a sequence,
// history() lists the versions of one record, sequence_at() maps a time to
// the sequence current then, changes_after() pages through the change log.
//
// History retention: compact_history(before) deletes every stored version
// that stopped being current before `before` (the newest version of a live
// record always stays) and then compacts RocksDB so the space is returned.
//
// Storage failures: a write that fails because the disk is full returns
// storage_full, any other RocksDB I/O failure storage_unavailable. Either one
// takes the write side down (write_problem() says why) without touching the
// files again: RocksDB must not reuse a file writer that has failed once
// (its assertions abort the process). reopen_for_writes() then closes the
// database and opens it afresh, replaying the log, which brings back every
// acknowledged write and drops the torn tail of the failed one. With
// Options::read_only_on_storage_failure, an open whose write side cannot
// start (a full disk) opens read-only instead, so the data can still be served.
//
// Thread-safety: apply(), flush(), compact_history() and reopen_for_writes() must be serialised
// by the caller (Service does); load(), load_at() and the history readers may
// run concurrently with them and with each other.
#pragma once

#include "store/change_log.hpp"
#include "store/record_encoding.hpp"

#include <poleloc/status.hpp>
#include <poleloc/types.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace poleloc::store {

// 2: grid geometries may be stored compact (geo/compact_geometry.hpp). A
// version-1 database (WKB only) opens as it is for reading; a writable open
// marks it version 2 before anything is written, so that an older poleloc
// refuses it with schema_mismatch instead of failing on a compact value.
// 3: live records (below). A writable open of a version 1 or 2 database
// marks it 3, then fills the live families from the versions.
//
// Live records. Every version of a record is kept under `id 0x00 ~version`
// in its family (poles, grids, aliases), so reading the current records by
// walking the versions slows down with the history: 2,000,000 poles read in
// 0.35 s from a fresh import and 1.5-2.1 s after forty imports that each
// moved a tenth of them. The families live_poles, live_grids and live_aliases
// therefore hold the current version of every live record once more, under
// its stored id alone; a deletion removes it. Each write puts them in the same
// batch (or bulk load) as its versions, so they never disagree. load() reads
// them; load_at() an earlier sequence, history() and the feed read the
// versions. The meta key live_complete says they are complete: a writable
// open fills them when it is missing (a database from before them, or a
// filling cut short), and a read-only open without it reads the versions.
inline constexpr int kSchemaVersion = 3;
inline constexpr int kOldestSchemaVersion = 1;

using PoleVisitor = std::function<void(std::string_view number, LonLat position, const AttributeViews& attributes)>;

// What compact_history() did; sizes are the files of the database directory.
struct CompactStats {
  std::uint64_t versions_removed = 0;   // stored versions deleted, tombstones included
  std::uint64_t records_removed = 0;    // deleted records whose every version went (their tombstone too)
  std::uint64_t versions_kept = 0;      // stored versions left (current ones and those inside the window)
  std::uint64_t bytes_before = 0;
  std::uint64_t bytes_after = 0;
};

struct Change {
  std::vector<PoleRecord> put_poles;
  // Bulk puts (imports): called once with a visitor that adds each pole to the change.
  std::function<void(const PoleVisitor&)> put_pole_stream;
  std::vector<std::string> delete_poles;
  std::vector<GridRecord> put_grids;
  // Or, instead, grids held elsewhere and only read (an import's, which the
  // snapshot built meanwhile owns: not copied for the store).
  const std::vector<GridRecord>* put_grids_held = nullptr;
  const std::vector<GridRecord>& grids_to_put() const { return put_grids_held ? *put_grids_held : put_grids; }
  std::vector<std::string> delete_grids;
  std::optional<std::vector<AliasRecord>> replace_aliases;  // with delete_aliases
  std::vector<std::string> delete_aliases;
  std::optional<std::vector<PlaceRecord>> replace_places;    // with delete_places (names)
  std::vector<std::string> delete_places;
  std::optional<std::vector<RoadRecord>> replace_roads;      // with delete_roads (names)
  std::vector<std::string> delete_roads;
  std::string author;  // who made the change ("" = not known)
  // Set by a caller that compared every pole and grid of put_poles,
  // delete_poles, put_grids and delete_grids with the newest stored version
  // (Service::apply does, from the snapshot it serves) and found each of them
  // different: the store then writes them without reading those versions back
  // first (a seek into the table files, 0.1-0.5 ms of a single write).
  bool differ_from_stored = false;
  // Set by Service::apply, not stored: put_grids_overlap_none[i] says that
  // put_grids[i] overlaps no other grid (the write checked). A grid whose
  // outline is also unchanged moves no pole to another grid, and the
  // overlay copies none of its poles (overlay.hpp). Missing entries: not known.
  std::vector<bool> put_grids_overlap_none;
  bool empty() const {
    return put_poles.empty() && !put_pole_stream && delete_poles.empty() && grids_to_put().empty() && delete_grids.empty() &&
           !replace_aliases && delete_aliases.empty() && !replace_places && delete_places.empty() && !replace_roads && delete_roads.empty();
  }
};

// From how many bytes of current poles (on disk and in the memtables) a load
// reads them on two threads (LoadVisitor::pole_in): 4 MB, about 100,000
// poles. Tests lower it to read small stores in halves.
std::uint64_t split_read_min_bytes();
void set_split_read_min_bytes(std::uint64_t bytes);

// Called for each live record. `pole` runs on the calling thread; `grid`,
// `alias` and then `grids_done` run on a second thread at the same time, so
// that grid indexing overlaps with reading two million poles.
struct LoadVisitor {
  std::function<void(std::string_view number, const PoleValueView&)> pole;
  // Instead of `pole` when both are set and the store is large: the current
  // poles read in key ranges by several threads at once. pole_parts(n) first;
  // then each pole of part p (p < n) goes to pole_in(p, ...), from one thread
  // per part, each part in number order, and every number of part p sorts
  // before every number of part p + 1.
  std::function<void(std::size_t parts)> pole_parts;
  std::function<void(std::size_t part, std::string_view number, const PoleValueView&)> pole_in;
  std::function<void(GridRecord&&)> grid;
  // Instead of `grid` when both are set: the number of live grids, then each
  // grid with its place in id order, from several threads at once (distinct
  // places): the grids' outlines are decoded by the grid thread and, once the
  // poles are read, by the pole thread too (40 million vertices take a second).
  std::function<void(std::size_t count)> grids_counted;
  std::function<void(std::size_t place, GridRecord&&)> grid_at;
  // With grid_at, optional: asked first with each grid's place and the stored
  // bytes of its outline (geo::to_stored_geometry); when it answers true the
  // outline is not decoded and grid_at gets the record with an empty geometry
  // (the visitor has the outline already: a grid index file holds it).
  std::function<bool(std::size_t place, std::string_view stored_geometry)> grid_geometry_known;
  // With grid_at, optional: called on the grid thread once every live grid
  // is read, with a 128-bit hash of their stored bytes (each id and value, in
  // id order). When it answers true, no grid is decoded and neither
  // grids_counted nor grid_at is called: the visitor has these grids already
  // (a reload that finds the grids it loaded last time).
  std::function<bool(const std::array<std::uint64_t, 2>& stored_hash)> grids_read;
  std::function<void(AliasRecord&&)> alias;
  std::function<void(PlaceRecord&&)> place;
  std::function<void(RoadRecord&&)> road;
  std::function<void()> grids_done;
};

// One stored version of a record (Store::history()).
struct StoredVersion {
  std::uint64_t sequence = 0;            // the store sequence that wrote it
  std::optional<std::int64_t> unix_ms;   // when that sequence was written; nullopt if not recorded
  std::string author;                    // who wrote it; "" when not known
  bool deleted = false;                  // a tombstone: the record was deleted here
  std::string value;                     // the encoded record (record_encoding.hpp); a tombstone when deleted
};

// One item of the change log with the record as that sequence wrote it.
struct FeedEntry {
  std::uint64_t sequence = 0;
  RecordKind kind = RecordKind::pole;
  ChangeOp op = ChangeOp::put;
  std::string id;     // number, grid id, alias, place name
  std::string value;  // the encoded record for a put; empty for a delete
};

// A page of changes_after(): resume with after = next_after, skip = next_skip.
struct FeedPage {
  std::vector<FeedEntry> entries;   // in sequence order, then in the order of the change
  std::uint64_t next_after = 0;     // every change up to this sequence was delivered...
  std::uint64_t next_skip = 0;      // ...and this many items of sequence next_after + 1
  std::uint64_t sequence = 0;       // the store's sequence when the page was read
};

// One stored version as dump_versions() visits it and restore() writes it back.
struct DumpedVersion {
  std::uint64_t sequence = 0;           // the sequence that wrote it
  std::optional<std::int64_t> unix_ms;  // when that sequence was written; nullopt if not recorded
  std::string author;                   // "" when not known
  RecordKind kind = RecordKind::pole;
  ChangeOp op = ChangeOp::put;
  std::string id;                       // number, grid id, alias text or place name (no key prefix)
  std::string value;                    // the encoded record (record_encoding.hpp); a tombstone for a delete
};

// What a dump starts with: the store's sequence and changelog_from().
struct DumpHeader {
  std::uint64_t sequence = 0;
  std::uint64_t changelog_from = 0;
};

// What Store::backup() wrote.
struct BackupStats {
  bool checkpoint = false;  // true: a RocksDB checkpoint (table files hard-linked); false: every key copied
};

class BulkLoad;

class Store {
 public:
  struct Options {
    bool read_only = false;
    bool create_if_missing = true;
    // When the write side cannot be opened because storage fails (disk full,
    // I/O error) on an existing database, open read-only instead and report
    // the failure through write_problem().
    bool read_only_on_storage_failure = false;
  };
  static Result<std::unique_ptr<Store>> open(const std::string& path, const Options& options);
  ~Store();

  // Visits the newest live version of every pole (in number order), grid and
  // alias, all from one consistent RocksDB snapshot. The grids and aliases are
  // read on a thread of their own; the poles of a large store on two, each
  // reading a key range (LoadVisitor::pole_in; the middle key from RocksDB's
  // estimate of the bytes below a key), which cuts the read of 2,000,000 poles
  // from about 0.5 to 0.35 s here.
  Status load(const LoadVisitor& visitor) const;

  // The same as load() for the records as they stood just after `sequence`:
  // of each record the newest version written at or before it (a tombstone
  // hides the record). History removed by compact_history() is not there.
  Status load_at(std::uint64_t sequence, const LoadVisitor& visitor) const;

  // Every stored version of one record, oldest first; empty when none is.
  // Errors: storage_unavailable while the database is closed, corruption.
  Result<std::vector<StoredVersion>> history(RecordKind kind, std::string_view id) const;

  // The newest sequence written at or before `unix_ms`; 0 when none was
  // (sequences without a recorded time are not considered).
  Result<std::uint64_t> sequence_at(std::int64_t unix_ms) const;
  // The oldest sequence with a recorded time and that time, or nullopt when no time is recorded.
  Result<std::optional<std::pair<std::uint64_t, std::int64_t>>> first_recorded() const;
  // When `seq` was written, or nullopt.
  std::optional<std::int64_t> time_of(std::uint64_t seq) const;
  // Who wrote `seq`; "" when not known.
  std::string author_of(std::uint64_t seq) const;

  // The change log after position (after, skip): every change of sequences
  // greater than `after`, skipping the first `skip` items of sequence after+1,
  // at most `limit` items. Errors: not_found when the log no longer reaches
  // back to `after` (older than changelog_from(): compacted away, or written
  // before this poleloc logged changes), bad_request for a limit of 0.
  Result<FeedPage> changes_after(std::uint64_t after, std::uint64_t skip, std::size_t limit) const;
  // The first sequence whose changes are in the log (sequence() + 1 when none is yet).
  std::uint64_t changelog_from() const;

  // Applies `change` atomically and durably; returns the new sequence. Puts
  // equal to the newest stored version are skipped; when nothing differs,
  // nothing is written and the current sequence is returned. `written` (if
  // given) receives the number of records written.
  // Errors: read_only; write_problem() while the write side is down;
  // storage_full / storage_unavailable when this write fails (nothing of it is
  // stored, and the write side goes down).
  //
  // An import (put_pole_stream) into a store without any record or history
  // (a new database) is bulk loaded: the same keys are written as table files
  // and ingested in one atomic, synced step (bulk_load.hpp) instead of going
  // through the write-ahead log and memtables. What is stored afterwards is
  // the same either way.
  Result<std::uint64_t> apply(const Change& change, std::size_t* written = nullptr);
  // For tests: false makes apply() always use a WriteBatch.
  void set_bulk_loads(bool on) { bulk_loads_ = on; }

  // Dump and restore with history (docs/history.md). dump_versions() calls
  // `header` once, then `version` for every stored version of every record
  // from one consistent RocksDB snapshot, ordered by sequence. Versions of
  // sequences in the change log come in the log's order (the order of the
  // change); older ones (written before the log began, or left by
  // compact_history) come by kind, then id. Memory: the ids of the versions
  // older than the log are held (sorted) while they are visited; values are
  // read one at a time. A callback's error stops the walk and is returned.
  Status dump_versions(const std::function<Status(const DumpHeader&)>& header,
                       const std::function<Status(const DumpedVersion&)>& version) const;

  // Writes the versions of one sequence exactly as a dump holds them: under
  // sequence `seq` (which must be greater than sequence(): bad_request
  // otherwise), with its time and author, in one synced batch; the items go
  // to the change log in the given order when `logged`. No equality check
  // (unlike apply()). For restoring a dump into an empty store only.
  Status restore(std::uint64_t seq, std::optional<std::int64_t> unix_ms, const std::string& author,
                 const std::vector<DumpedVersion>& items, bool logged);
  // Ends a restore: sets the sequence (at least the last one restored) and,
  // when changelog_from <= sequence, where the change log begins.
  Status finish_restore(std::uint64_t sequence, std::uint64_t changelog_from);

  // Writes the memtables to SST files, so that the next open need not replay
  // the log (a large import is otherwise replayed at every start). A failure
  // loses nothing (the log holds the data) but takes the write side down.
  Status flush();

  // Merges each live family that RocksDB holds as `at_least` or more sorted
  // runs (files of level 0, and non-empty deeper levels) into one. Every
  // re-import written as table files is ingested as a run of its own above
  // the others, which nothing merges (they are far below the sizes that
  // start a compaction), and every load reads through all of them. Skipped
  // for a family whose size twice over, and 64 MB, is more than the disk has
  // free. A failure takes the write side down as flush() does. A no-op when
  // read-only.
  Status merge_live_runs(std::size_t at_least);

  // Why writes are refused now: ok while the write side works (or the store
  // was opened read-only on purpose), else storage_full / storage_unavailable.
  const Status& write_problem() const { return write_problem_; }

  // After a storage failure: closes the database and opens it for writing
  // again. ok when writes work again (sequence() is then re-read from disk and
  // may be newer than before if a write reported as failed had in fact reached
  // the log). Cheap when the disk is still full: free space is checked first.
  Status reopen_for_writes();

  // A read-only store sees what other processes wrote since it was opened:
  // it closes and opens the database again, read-only (RocksDB replays the
  // newer log), and rereads the sequence. A no-op for a read-write store, and
  // when none of the files a write changes (CURRENT, the manifest, the
  // write-ahead logs) changed since the last open: a reopen costs 15-22 ms at
  // 2,000,000 poles, which a server following its database paid every second.
  Status reopen_read_only();
  // How many times reopen_read_only() did open the database again.
  std::uint64_t reopens() const { return reopens_; }

  // Deletes the stored versions that stopped being current before `before`:
  // a version goes when the version that replaced it was written before
  // `before`; a tombstone written before `before` goes with every version
  // under it. The newest version of a live record always stays, so every
  // current answer is unchanged. Versions written before this store recorded
  // times (no seqtime entry) count as old. Then compacts every column family
  // (RocksDB CompactRange, bottommost level forced) so the space is returned.
  // Deletions of one record are in one synced batch: a crash midway leaves
  // a consistent store with less history removed. Errors: read_only,
  // write_problem(), storage_full / storage_unavailable (the write side goes
  // down, as for apply()).
  Result<CompactStats> compact_history(std::chrono::system_clock::time_point before);

  // Writes a consistent copy of the database, history and change log
  // included, into the directory `out`, which must not exist. A store open
  // for writing takes a RocksDB checkpoint: table files are hard-linked (copied
  // when `out` is on another file system), the write-ahead log is copied and
  // nothing is flushed, so it holds every write acknowledged before the call
  // and no part of a later one. A read-only store (another process may be
  // writing) copies every key of every column family from one read into a new
  // database: it holds what this store saw when it was opened (or last
  // reopened). May run concurrently with apply() and the readers.
  // Errors: bad_request when `out` exists, storage_full /
  // io_error when writing it fails (a partial `out` is removed).
  Result<BackupStats> backup(const std::string& out) const;

  // RocksDB's estimate of the number of stored pole versions (for reserving memory).
  std::size_t estimated_poles() const;

  std::uint64_t sequence() const { return sequence_.load(); }
  bool read_only() const { return read_only_; }

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  Status read_sequence();
  Result<std::uint64_t> apply_with(const Change& change, std::size_t* written, BulkLoad* bulk);
  void take_write_side_down(const Status& why);
  template <class Fn>
  auto with_db(Fn&& fn) const;
  std::atomic<std::uint64_t> sequence_ = 0;
  std::atomic<std::uint64_t> changelog_from_ = 0;  // 0: not recorded yet
  std::int64_t last_time_ms_ = 0;                 // the newest recorded seqtime (times never go back)
  bool read_only_ = false;
  bool bulk_loads_ = true;
  std::uint64_t reopens_ = 0;
  Status write_problem_;
};

// Free bytes on the file system holding `path` (for an unprivileged user); nullopt if unknown.
std::optional<std::uint64_t> free_bytes(const std::string& path);

// Bytes of every file under `dir` (SST files, logs, manifest): what a database costs on disk.
std::uint64_t directory_bytes(const std::string& dir);

}  // namespace poleloc::store
