// poleloc/service.hpp: the facade every face uses.
//
// A Service owns the RocksDB store and the current Snapshot. Reads go through
// snapshot(); writes are durable (WAL synced) before they return, then a new
// snapshot is published atomically.
//
// ```cpp
// auto service = poleloc::Service::open("var/db");            // Result<std::unique_ptr<Service>>
// if (!service) { std::cerr << service.status().message(); return 1; }
// auto snap = (*service)->snapshot();                          // lock-free
// auto pole = snap->locate("TJH0372");
// auto put = (*service)->put_pole({"TJH9999", {116.47, 39.92}, {}});  // durable, then visible
// if (!put) std::cerr << put.message() << '\n';
// ```
//
// Storage failures: when the disk is full a write fails with storage_full
// (any other storage I/O failure: storage_unavailable) and nothing of it is
// stored; reads go on from the current snapshot. The next write tries to bring
// the write side back (it reopens the database once space is free), so writes
// resume by themselves; write_problem() says why they are refused meanwhile.
//
// Thread-safety: every member may be called from any thread. Writes are
// serialised; readers never wait for them.
#pragma once

#include <poleloc/import.hpp>
#include <poleloc/snapshot.hpp>
#include <poleloc/status.hpp>
#include <poleloc/types.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace poleloc {

struct OpenOptions {
  bool read_only = false;          // open without taking the write lock
  bool create_if_missing = true;   // ignored when read_only
  // When the database exists but cannot be opened for writing because its
  // storage fails (a full disk), open it read-only instead: reads work,
  // writes fail with write_problem() until a write finds space again.
  bool read_only_on_storage_failure = false;
};

// Who writes, and how (single writes and batches).
struct WriteOptions {
  std::string author;          // kept in the history with every version written ("" = not known);
                               // the HTTP server passes the token's name
  bool allow_overlap = false;  // a grid that overlaps another grid by more than 0.01 m² is refused unless set
};

// A batch of writes, applied by Service::apply() as one atomic, durable change.
// Poles and grids put are inserted or replaced; the order inside a list does
// not matter, but one id may appear only once across a record kind's puts and deletes.
struct ChangeSet {
  std::vector<PoleRecord> put_poles;
  std::vector<std::string> delete_poles;   // numbers, any printed form
  std::vector<GridRecord> put_grids;
  std::vector<std::string> delete_grids;   // ids
  bool empty() const { return put_poles.empty() && delete_poles.empty() && put_grids.empty() && delete_grids.empty(); }
};

// What Service::apply() did.
struct ApplyReport {
  std::uint64_t sequence = 0;  // the store sequence the change got (the current one when nothing differed)
  std::size_t written = 0;     // records written: new, different or deleted; 0 when all were as stored
  std::vector<std::string> overlaps;  // grids put that overlap others ("A overlaps B by 12.5 m²"), allowed by allow_overlap
};

// What Service::compact_history() did. Sizes are the bytes of the files in the
// database directory before and after.
struct CompactReport {
  std::uint64_t versions_removed = 0;  // stored versions deleted (replaced values and old tombstones)
  std::uint64_t records_removed = 0;   // deleted records whose whole history went
  std::uint64_t versions_kept = 0;     // stored versions left
  std::uint64_t bytes_before = 0;
  std::uint64_t bytes_after = 0;
};

// What Service::backup() (and backup_database, restore_backup) wrote.
struct BackupReport {
  std::string path;               // the directory written
  std::uint64_t sequence = 0;     // the store sequence the copy holds: every write up to it
  std::uint64_t bytes = 0;        // size of its files (hard-linked files counted in full)
  bool checkpoint = false;        // true: a RocksDB checkpoint; false: every key copied
};

// One version of a record in its history (Service::pole_history, grid_history).
struct RecordVersion {
  using time_point = std::chrono::system_clock::time_point;
  std::uint64_t sequence = 0;            // the store sequence that wrote it
  std::optional<time_point> valid_from;  // when it was written; nullopt when not recorded (compacted, or older poleloc)
  std::optional<time_point> valid_to;    // when the next version replaced it; nullopt while it is current
  std::string author;                    // the writer's name (the HTTP token's name); "" when not known
  bool deleted = false;                  // this version is a deletion (the record had no value from valid_from)
  std::optional<PoleRecord> pole;        // the pole as written (pole_history, unless deleted)
  std::optional<GridRecord> grid;        // the grid as written (grid_history, unless deleted)
};

// One change of the change feed: a record put or deleted by a sequence.
struct FeedChange {
  std::uint64_t sequence = 0;
  std::optional<std::chrono::system_clock::time_point> time;  // when the sequence was written
  std::string author;               // "" when not known
  std::string kind;                 // "pole", "grid", "alias", "place" or "road"
  std::string id;                   // number, grid id, alias text or place name
  bool deleted = false;             // op "delete"; else "put" with the record below
  std::optional<PoleRecord> pole;
  std::optional<GridRecord> grid;
  std::optional<AliasRecord> alias;
  std::optional<PlaceRecord> place;
  std::optional<RoadRecord> road;
};

// A page of Service::changes_after(): ask again with after = next_after, skip = next_skip.
struct ChangeFeedPage {
  std::vector<FeedChange> changes;  // in sequence order, then in the order of the change
  std::uint64_t next_after = 0;     // every change up to this sequence is delivered...
  std::uint64_t next_skip = 0;      // ...and this many of sequence next_after + 1 (a large import spans pages)
  std::uint64_t sequence = 0;       // the newest sequence when the page was read
};

class Service {
 public:
  // Opens (or creates) the database at `path` and builds the first snapshot.
  // Errors: conflict (locked by another process), schema_mismatch, corruption,
  // storage_full, storage_unavailable, io_error.
  static Result<std::unique_ptr<Service>> open(const std::string& path, const OpenOptions& options = {});

  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // The current snapshot. Never null.
  std::shared_ptr<const Snapshot> snapshot() const;

  // Replaces the dataset with the files' content in one atomic commit.
  // invalid_input (nothing stored) unless options.skip_invalid.
  Result<ImportReport> import(const ImportSources& sources, const ImportOptions& options = {});
  // The same from records already in memory (in options.crs, like files), validated the same way.
  Result<ImportReport> import(Dataset dataset, const ImportOptions& options = {});

  // Single writes: durable before they return and visible to the next
  // snapshot() at once. put_* inserts or replaces. Every write (imports too)
  // may fail with storage_full or storage_unavailable.
  Status put_pole(PoleRecord pole, const WriteOptions& options = {});
  Status delete_pole(std::string_view number, const WriteOptions& options = {});  // not_found if absent
  // invalid_input on a bad polygon, or an overlap with another grid unless options.allow_overlap.
  Status put_grid(GridRecord grid, const WriteOptions& options = {});
  Status delete_grid(std::string_view id, const WriteOptions& options = {});      // not_found if absent

  // Applies a batch atomically and durably: every item or none, one new
  // sequence. invalid_input (nothing stored) lists every bad item, one per
  // line, as "put_poles[3] (TJH0372): lon/lat: ..." or "delete_grids[0] (G9): no grid 'G9'" (the HTTP and
  // Python faces read the list and position back from these lines).
  // An empty batch is bad_request.
  Result<ApplyReport> apply(ChangeSet changes, const WriteOptions& options = {});

  // History retention: deletes the stored versions of poles, grids, aliases
  // and places that stopped being current more than `keep` ago (replaced or
  // deleted then), keeps the newest version of every live record, and
  // compacts the database so the space goes back to the file system. No
  // current answer changes; the snapshot stays. keep = 0 keeps only the
  // current versions. Writes wait while it runs (it takes the write lock).
  // Errors: read_only, bad_request (negative keep), storage_full,
  // storage_unavailable.
  Result<CompactReport> compact_history(std::chrono::seconds keep);

  // History and as-of (see docs/history.md). None of it costs current queries anything.
  //
  // The data as it stood at time `t`: the snapshot of the newest sequence
  // written at or before `t`. A `t` at or after the latest change gives the
  // current snapshot; as-of snapshots are built from the stored versions on
  // first use (as long as an import takes to open) and the last few are cached.
  // A `t` before the first change of a database that started empty gives an
  // empty snapshot (sequence 0). Errors: not_found when the history of `t` is
  // not kept (compacted by compact_history, or written by a poleloc that did
  // not record times), overloaded while another as-of snapshot is being built
  // (one at a time, so that many distinct times cannot exhaust memory), storage errors.
  Result<std::shared_ptr<const Snapshot>> snapshot_at(std::chrono::system_clock::time_point t) const;

  // Every stored version of a pole (any printed number) or grid, oldest first,
  // deletions included. not_found when none was ever stored (or all were compacted);
  // bad_request for a text that is not a pole number.
  Result<std::vector<RecordVersion>> pole_history(std::string_view number) const;
  Result<std::vector<RecordVersion>> grid_history(std::string_view id) const;

  // The change feed: changes after sequence `after` (skipping the first `skip`
  // of sequence after+1), at most `limit` (1..10000), oldest first. Errors:
  // bad_request for a bad limit; not_found when the log does not reach
  // back to `after` (compacted, or written before this poleloc kept a log):
  // a follower then starts again from an export.
  Result<ChangeFeedPage> changes_after(std::uint64_t after, std::size_t limit, std::uint64_t skip = 0) const;
  static constexpr std::size_t kMaxFeedPage = 10000;

  // Blocks until a snapshot newer than sequence `seq` is published or
  // `timeout` passes; returns the sequence of the current snapshot (> seq when one came).
  std::uint64_t wait_for_sequence_after(std::uint64_t seq, std::chrono::milliseconds timeout) const;

  // Writes the current dataset in the import formats (aliases and places when a path is given).
  Status export_to(const std::string& poles_csv, const std::string& grids_geojson,
                   const std::string& aliases_csv = {}, const std::string& places_csv = {}) const;

  // Dump and restore with history (docs/history.md, "Dump and restore with
  // history"). export_history writes every stored version of every pole,
  // grid, alias and place as NDJSON, ordered by sequence, from one consistent
  // view of the store (writes may go on meanwhile), streaming: only the ids of
  // versions older than the change log are held in memory. The file is written
  // to `path`.tmp and renamed when complete. Errors: io_error, storage errors.
  Status export_history(const std::string& path) const;
  // Restores such a dump into a new database at `db_path`, which must not
  // exist or be an empty directory (bad_request otherwise): every
  // version with its original sequence, time and author, and the change log.
  // It is written into `db_path`.restoring (removed first if an interrupted
  // restore left it) and renamed to `db_path` only when the whole dump is in,
  // so a bad dump leaves no database behind. Errors: invalid_input naming the
  // line of the dump ("dump.ndjson:12: ..."), a truncated dump (no end line)
  // included; io_error; storage errors.
  static Status restore_history(const std::string& db_path, const std::string& dump_path);

  // Replication (a read replica, docs/replicas.md): writes the changes of
  // whole sequences of another database's change feed (changes_after() there)
  // with their original sequence numbers, times and authors, so that the
  // history, as-of answers and this database's own feed are the primary's.
  // `changes` hold complete sequences in order, each after sequence(); a
  // change of a sequence at or before the current one is skipped (a page read
  // twice after a reconnect). Each sequence is one atomic, durable write; the
  // new snapshot is published after the last. Records are stored as given
  // (the primary checked them). Errors: read_only, bad_request (a change
  // without its record), storage errors. Returns the sequence reached.
  Result<std::uint64_t> apply_replicated(const std::vector<FeedChange>& changes);
  // The sequence of the stored data (the snapshot's, once published).
  std::uint64_t sequence() const;
  // Backups (docs/operations.md, "Back up and restore"). backup() writes a
  // consistent copy of the database, every version and the change log
  // included, into the new directory `out` (which must not exist): on a
  // service open for writing a RocksDB checkpoint (hard links, seconds even
  // for millions of poles) holding every write acknowledged before the call;
  // on a read-only service a key-by-key copy of what it has read. The copy is
  // made in `out`.partial, opened to check it, then renamed to `out`.
  // Writes go on meanwhile. Errors: bad_request (`out` exists), io_error,
  // storage_full, storage errors.
  Result<BackupReport> backup(const std::string& out) const;
  // The same for the database at `db_path` without loading it: when no other
  // process holds it, a checkpoint; while one does (a running `poleloc
  // serve`), a copy from a read-only open, which holds every write
  // acknowledged before the open. `poleloc backup` calls it.
  static Result<BackupReport> backup_database(const std::string& db_path, const std::string& out);
  // Makes the backup at `backup_dir` the database at `db_path`, which must not
  // exist or be an empty directory: the backup is checked (it opens, its
  // schema is this poleloc's), copied into `db_path`.restoring and renamed.
  // The backup is left as it was. Errors: not_found, bad_request,
  // schema_mismatch, io_error, storage errors.
  static Result<BackupReport> restore_backup(const std::string& backup_dir, const std::string& db_path);

  const std::string& path() const;
  // Opened read-only on purpose (OpenOptions::read_only).
  bool read_only() const;

  // A read-only service catches up with the database: an import or writes by
  // another process since it was opened become the new snapshot. Returns true
  // when the snapshot changed. A read-write service is always current (false).
  // `poleloc serve` without a token file calls it every second.
  Result<bool> refresh();
  // Why writes are refused right now: ok while they work (and on a database
  // opened read-only on purpose), else storage_full or storage_unavailable
  // with a message for people. Never waits for a write in progress.
  Status write_problem() const;

  // The background merge that folds recent writes into a new base: how many
  // bases it built since open, and what it is doing at this moment (building
  // one, or freeing a replaced one). For /metrics and for benchmarks that
  // split read latency by it. Lock-free; a read-only service never merges.
  struct MergeActivity {
    std::uint64_t merges = 0;
    bool building = false;
    bool freeing = false;
    std::uint64_t folds = 0;  // the recent writes folded into a new overlay delta in the background
  };
  MergeActivity merge_activity() const;

 private:
  struct Impl;
  explicit Service(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace poleloc
