// service_impl.hpp: what a Service holds, shared by the files that implement it
// (internal to the library).
//
// service.cpp opens, reads and publishes; service_import.cpp replaces the
// dataset from files or records; the write path of single writes and batches
// lives in service_writes.cpp.
//
// Thread-safety: writers hold write_mutex; readers only load `current`.
#pragma once

#include "overlay.hpp"
#include "side_thread.hpp"
#include "snapshot_builder.hpp"
#include "snapshot_data.hpp"
#include "store/store.hpp"

#include <poleloc/service.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace poleloc {

// Every record of a snapshot, as plain records.
struct Records {
  std::vector<PoleRecord> poles;
  std::vector<GridRecord> grids;
  std::vector<AliasRecord> aliases;
  std::vector<PlaceRecord> places;
  std::vector<RoadRecord> roads;
};

Records records_of(const Snapshot& snap);

// "N errors in the input; nothing was stored" and the first `max_listed` errors, one per line.
std::string error_list(const std::vector<InputError>& errors, std::size_t total, std::size_t max_listed);

// What an import is called in messages: the file names, or "the import" for records.
struct ImportLabels {
  std::string poles = "the import", grids = "the import";
};

// A base holding every live record of `snap` (its base and its overlay);
// its grid index read from or kept in `grid_index` (grid_index_file.hpp).
std::unique_ptr<SnapshotData> flatten(const Snapshot& snap, const index::GridIndexFile& grid_index = {});

// Reads every live record of `store` into a new snapshot.
// From a read-only store (which a service reloads when the database
// changes), the grid set built remembers a hash of the stored grids
// (GridSet::stored_hash); when `previous_grids` (a set loaded so before)
// has the hash of what is stored now, the new data shares that set instead
// of decoding and indexing the grids again (a reload after an import of
// poles only).
Result<std::unique_ptr<SnapshotData>> load_snapshot(store::Store& store, const index::GridIndexFile& grid_index = {},
                                                    std::shared_ptr<GridSet> previous_grids = nullptr);

struct Service::Impl {
  std::string path;
  std::unique_ptr<store::Store> store;
  // The grid index file beside the database: read by every open, written by a
  // read-write one (after an import, a merge that changed grids, or an open
  // that found it missing or stale).
  index::GridIndexFile grid_index_file() const {
    return {path + "/" + index::kGridIndexFileName, !store->read_only()};
  }
  std::atomic<std::shared_ptr<const Snapshot>> current;
  std::mutex write_mutex;  // serialises writers; readers never take it
  mutable std::mutex problem_mutex;  // guards write_problem only, never held across I/O
  Status write_problem;              // a copy of store->write_problem() for other threads

  // The write path (overlay.hpp): the base every snapshot shares and the
  // writes since it was built. Guarded by write_mutex.
  std::shared_ptr<const SnapshotData> base;
  OverlayEdits edits;
  std::chrono::steady_clock::time_point edits_since;  // when the oldest edit not merged was made
  std::chrono::steady_clock::time_point edits_last;   // when the newest was made
  // Builds a write's overlay while the writer syncs it to disk (commit()).
  std::unique_ptr<SideThread> build_side;
  // The background merge folds the edits into a new base (service_merge.cpp).
  std::mutex merge_mutex;            // guards the fields below
  std::condition_variable merge_wake;
  bool merge_stop = false;
  std::atomic<std::uint64_t> merges_done{0};  // bases built by the merge (Service::merge_activity)
  // What the merge thread is doing now: kMergeIdle, kMergeBuilding (a new
  // base), kMergeFreeing (retired snapshots).
  static constexpr int kMergeIdle = 0, kMergeBuilding = 1, kMergeFreeing = 2;
  std::atomic<int> merge_activity{kMergeIdle};
  std::thread merger;
  // The fold thread (service_merge.cpp, "Folding"): after a write leaves
  // edits in the recent layer, it builds a new delta from a copy of the
  // edits, so that the next write's recent layer is small again.
  std::condition_variable fold_wake;  // with merge_mutex
  bool fold_due = false;              // guarded by merge_mutex
  bool fold_urgent = false;           // guarded by merge_mutex: fold without waiting for writes to pause
  // From the moment a fold is due until the fold thread has nothing left to
  // fold: writes may meanwhile extend the recent layer up to
  // OverlayData::kRecentMaxPolesFolding pole writes instead of building the delta.
  std::atomic<bool> fold_pending{false};
  std::size_t recent_max_poles() const {
    return fold_pending.load(std::memory_order_relaxed) ? OverlayData::kRecentMaxPolesFolding
                                                        : OverlayData::kRecentMaxPoles;
  }
  std::atomic<std::uint64_t> folds_done{0};
  std::thread folder;

  ~Impl();

  // Publishes a new base holding every record (an open, an import, a refresh): no overlay.
  void publish(std::unique_ptr<SnapshotData> data) {
    base = std::shared_ptr<const SnapshotData>(std::move(data));
    edits.clear();
    replace_current(std::make_shared<const Snapshot>(base, nullptr));
    notify_published();
  }
  // Makes `next` the snapshot readers get (with write_mutex held). The one it
  // replaces is retired, not dropped: a reader still holding it would
  // otherwise free its overlay, or a whole base of millions of poles after a
  // merge, inside a query. The merge thread frees retired snapshots once no
  // reader holds them (free_retired); without one, the publisher does.
  void replace_current(std::shared_ptr<const Snapshot> next);
  // Frees the retired snapshots no reader holds any more; returns how many remain.
  std::size_t free_retired();
  std::mutex retired_mutex;  // guards `retired`, never held while freeing
  std::vector<std::shared_ptr<const Snapshot>> retired;
  bool merger_running = false;  // set before the merge thread starts; then constant
  // Publishes the base with the overlay of `edits` as of `sequence`; with write_mutex held.
  void publish_edits(std::uint64_t sequence);
  // Starts the background merge thread (read-write services).
  void start_merger();
  // On the merge thread, once per grid set not known yet (after an open or an
  // import; a merge finds its new set from what the old one knew before it
  // publishes it): which grids of the published base overlap no other
  // (overlap_free.hpp), for the writes that keep an outline.
  void find_overlap_free_once();
  std::atomic<bool> stopping{false};  // set when the Service closes: background work ends early
  // A read-only service: adds the changes after `served` from the store's
  // change log to the overlay and publishes it. False (nothing published) when
  // they are too many for an overlay, or not all poles and grids, or the log
  // does not reach back: the caller then reloads every record. With write_mutex held.
  bool follow_log(std::uint64_t served);
  // Wakes the merge thread when the edits are due for a merge (with write_mutex held).
  void maybe_wake_merger();
  // Wakes the fold thread when the published overlay's recent layer is worth folding (with write_mutex held).
  void maybe_wake_folder();
  // The same for a write that will publish `overlay` on `base`: called by
  // commit()'s side thread once it built it, while the writer waits for the
  // disk (edits are not changed meanwhile), so that the writer does not pay
  // for waking the fold thread (20-40 µs on this VM).
  void maybe_wake_folder(const OverlayData& overlay);
  // Folds the recent layer into a new delta once no write came for
  // kFoldQuiet (at once when `urgent`: the recent layer is full): copies the
  // edits under write_mutex, builds without it, and publishes under it unless
  // a merge or an import replaced the base meanwhile. When a write came later
  // than that, folds nothing and returns the time to try again; nullopt
  // otherwise (folded, or nothing to fold).
  std::optional<std::chrono::steady_clock::time_point> fold_when_quiet(bool urgent);
  // Folds the current edits into a new base now (the merge thread, or a caller that needs a flat snapshot).
  // Takes write_mutex for the two short moments it needs it.
  Status merge_now();

  // History (service_history.cpp): the as-of snapshots built lately (most
  // recently used first) and the wake-up of wait_for_sequence_after().
  mutable std::mutex as_of_mutex;
  mutable std::mutex as_of_build_mutex;  // one as-of snapshot built at a time
  mutable std::list<std::shared_ptr<const Snapshot>> as_of_cache;
  mutable std::mutex published_mutex;
  mutable std::condition_variable published;
  void notify_published();

  void note_write_problem() {
    std::lock_guard lock(problem_mutex);
    write_problem = store->write_problem();
  }

  // Called with write_mutex held before every write: brings the write side
  // back after a storage failure. If a write that was reported as failed did
  // reach the log after all, the reopened store is ahead of the snapshot, and
  // the snapshot is rebuilt from the store so that both agree.
  Status ready_for_writes() {
    if (store->write_problem().is_ok()) return Status::ok();
    auto st = store->reopen_for_writes();
    note_write_problem();
    if (!st) return st;
    if (store->sequence() != current.load()->sequence()) {
      auto data = load_snapshot(*store, grid_index_file());
      if (!data) return data.status();
      publish(std::move(*data));
    }
    return Status::ok();
  }

  // Applies `change` (checked already) durably, then publishes a snapshot
  // showing it. Returns the new sequence (the old one when nothing differed).
  // `parts`: as OverlayEdits::add() takes them (the large grids of change.put_grids, indexed already).
  Result<std::uint64_t> commit(store::Change& change, std::size_t* written = nullptr,
                               const std::vector<index::GridIndex::Part>* parts = nullptr);

  // Replaces the dataset: `poles` sorted by number and unique; aliases, places and roads kept when absent.
  Result<ImportReport> import(SnapshotBuilder poles, std::vector<GridRecord> grids,
                              std::optional<std::vector<AliasRecord>> aliases,
                              std::optional<std::vector<PlaceRecord>> places,
                              std::optional<std::vector<RoadRecord>> roads, std::vector<InputError> rejects,
                              const ImportOptions& options, const ImportLabels& labels);
};

}  // namespace poleloc
