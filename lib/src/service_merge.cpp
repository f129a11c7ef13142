// service_merge.cpp: publishing writes as an overlay, and folding the overlay
// into a new base in the background (see overlay.hpp).
//
// A write publishes base + overlay at once (tens of µs for a pole write,
// however large the base and the overlay). When the overlay grows past
// kMergePoles poles or kMergeGrids grids, when writes have paused for
// kMergeQuiet, or when its oldest write is kMergeMaxAge old, the merge thread
// builds a new base from a snapshot (seconds for millions of poles, without
// any lock), then, under the write lock for a moment, makes it the base and
// keeps as overlay only the writes made meanwhile. Readers never wait; writers wait only for that moment.
//
// Folding. Between merges, a write builds only the overlay's recent layer
// (the edits after its delta). When that layer is full the writer would build
// the delta again from every edit: 1 ms with 16 grid writes, 5 ms with 64, more while a
// merge lags, on one grid write in five. So once a write leaves kFoldGrids
// grid writes or kFoldPoles pole writes in the recent layer, the fold thread
// copies the edits (under the write lock: 20-70 µs measured), builds
// their delta without the lock, and publishes the same data standing on it,
// its recent layer holding only the writes made meanwhile. It starts once no
// write came for kFoldQuiet. Writes then keep finding a small recent layer.
// When writes come back to back and the recent layer fills up
// (kRecentMaxPoles), the fold starts at once, and until it has published the
// writes keep extending the recent layer (up to kRecentMaxPolesFolding, a
// few hundred µs per write at most) instead of each building the delta of
// every edit (about 1 µs per edit: 3 ms at 3,000 on every 65th write).
// The fold copies only the latest edit per record (their records are
// shared): 0.13-0.6 ms at 3,000 edits, where a whole copy took 1.5-1.8 ms.
#include "service_impl.hpp"

#include "overlap_free.hpp"

#include <algorithm>
#include <iterator>
#include <utility>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace poleloc {
namespace {

constexpr std::size_t kMergePoles = 1024;
// A grid write copies the hundred or so poles of its grid into the overlay,
// and the delta of all of them (about 0.6 us per pole: 5 ms at 64 grids) is
// built by the fold thread once writes pause, or by every fifth write when
// they come back to back. Each merge builds a new base (0.2-0.3 s of the other
// core) and frees the old one, which disturbs the writes around it: at 10 grid
// writes/s, merging at 64 grids rather than 16 gave p99 3.2-5.5 ms instead of
// 5.3-7.5 ms (BM_PutGrid/3, three alternating runs each).
constexpr std::size_t kMergeGrids = 64;
// Under a steady stream of writes a merge runs only when the overlay is full
// (every ~10 s at 100 writes/s): each merge competes with readers for caches
// and memory bandwidth, so merging on a timer would cost reads for nothing.
// Once writes pause, the overlay is folded in while nobody is waiting on it.
// An overlay this far past due is merged at nice 19 instead of SCHED_IDLE.
constexpr std::size_t kUrgentPoles = 4 * kMergePoles;
constexpr std::size_t kUrgentGrids = 4 * kMergeGrids;
constexpr auto kMergeQuiet = std::chrono::seconds(1);
constexpr auto kMergeMaxAge = std::chrono::seconds(60);
// A grid write's recent layer costs about 50 µs per grid in it, a pole
// write's about 0.5 µs per pole: fold after every grid write, and after half
// of the pole writes the recent layer can hold.
constexpr std::size_t kFoldGrids = 1;
constexpr std::size_t kFoldPoles = OverlayData::kRecentMaxPoles / 2;
// A fold waits until no write came for this long: writes streaming back to
// back would outrun it, and its build would only take the core they need
// (they then build the delta themselves, as without folding).
constexpr auto kFoldQuiet = std::chrono::milliseconds(2);

// Whether `now` is an overlay on `base` with a recent layer: what a fold folds.
bool has_recent_layer(const Snapshot& now, const std::shared_ptr<const SnapshotData>& base) {
  return now.overlay() && now.overlay()->recent && now.base() == base;
}

}  // namespace

std::unique_ptr<SnapshotData> flatten(const Snapshot& snap, const index::GridIndexFile& grid_index) {
  SnapshotBuilder b;
  // Every pole's grid is already known (the overlay derived it again for every
  // pole a write moved or a grid edit touched): the new base takes it over
  // instead of testing 2,000,000 points against the polygons again.
  std::vector<std::int32_t> new_index(snap.grid_index_end(), -1);
  if (!snap.overlay() || !snap.overlay()->changes_grids()) {
    // No grid written since the base: the new base shares its grids and their
    // index, numbered as they are.
    b.share_grids(snap.data().grid_set);
    for (std::size_t i = 0; i < snap.data().grids.size(); ++i) new_index[i] = static_cast<std::int32_t>(i);
  } else {
    b.keep_grid_index_in(grid_index);
    snap.for_each_grid([&](GridView g) { b.add_grid(GridRecord(g.record())); });
    b.index_grids();  // in id order, as the new base numbers them
    std::vector<std::pair<std::string_view, std::uint32_t>> by_id;
    snap.for_each_grid([&](GridView g) { by_id.emplace_back(g.id(), g.index()); });
    std::sort(by_id.begin(), by_id.end());
    for (std::size_t i = 0; i < by_id.size(); ++i) new_index[by_id[i].second] = static_cast<std::int32_t>(i);
    // A pole recorded in a grid put again (and not copied by its layer) is in the new version.
    for (auto [from, to] : snap.overlay()->grid_successors) new_index[from] = new_index[to];
  }
  std::vector<std::int32_t> grids;
  grids.reserve(snap.pole_count());
  b.reserve_poles(snap.pole_count());
  // The base's column names first: its poles' attributes are then copied as bytes.
  b.attribute_keys_from(snap.data());
  snap.for_each_pole_in_layers([&](const SnapshotData& layer, std::uint32_t p) {  // in number order
    b.add_pole_of(layer, p);
    const std::int32_t in_snapshot = layer.snapshot_grid(p);
    grids.push_back(in_snapshot >= 0 ? new_index[static_cast<std::size_t>(in_snapshot)] : -1);
  });
  b.set_pole_grids(std::move(grids));
  for (AliasRecord a : snap.data().aliases) b.add_alias(std::move(a));
  for (PlaceRecord p : snap.data().places) b.add_place(std::move(p));
  for (RoadRecord r : snap.data().roads) b.add_road(std::move(r));
  return b.finish(snap.sequence());
}

void Service::Impl::publish_edits(std::uint64_t sequence) {
  // The overlay published last, if on this base: a pole write adds to its recent layer.
  const std::shared_ptr<const Snapshot> now = current.load();
  const OverlayData* previous = now && now->base() == base ? now->overlay() : nullptr;
  replace_current(
      std::make_shared<const Snapshot>(base, build_overlay(*base, edits, sequence, previous, nullptr, recent_max_poles())));
  notify_published();
}

void Service::Impl::replace_current(std::shared_ptr<const Snapshot> next) {
  std::shared_ptr<const Snapshot> old = current.exchange(std::move(next));
  if (!old) return;
  {
    std::lock_guard lock(retired_mutex);
    retired.push_back(std::move(old));
  }
  if (!merger_running) (void)free_retired();
}

std::size_t Service::Impl::free_retired() {
  std::vector<std::shared_ptr<const Snapshot>> unused;
  std::size_t left = 0;
  {
    std::lock_guard lock(retired_mutex);
    // use_count() 1: only this list holds it, and nobody can take a new
    // reference (it is no longer `current`), so the count cannot rise again.
    auto held = std::partition(retired.begin(), retired.end(), [](const auto& s) { return s.use_count() > 1; });
    std::move(held, retired.end(), std::back_inserter(unused));
    retired.erase(held, retired.end());
    left = retired.size();
  }
  if (!unused.empty()) {
    merge_activity.store(kMergeFreeing, std::memory_order_relaxed);
    unused.clear();  // freed here, outside the lock
    merge_activity.store(kMergeIdle, std::memory_order_relaxed);
  }
  return left;
}

bool Service::Impl::follow_log(std::uint64_t served) {
  if (!base) return false;
  const std::uint64_t target = store->sequence();
  auto page = store->changes_after(served, 0, kMergePoles + kMergeGrids + 1);
  if (!page || page->next_after < target || page->next_skip != 0) return false;  // too many, or not in the log
  OverlayEdits next = edits;
  for (const store::FeedEntry& e : page->entries) {
    store::Change one;
    if (e.kind == store::RecordKind::pole) {
      if (e.op == store::ChangeOp::remove) {
        one.delete_poles.push_back(e.id);
      } else {
        store::PoleValueView v;
        if (!store::decode_pole(e.value, v)) return false;
        PoleRecord p{e.id, v.position, {}};
        p.attributes.assign(v.attributes.begin(), v.attributes.end());
        one.put_poles.push_back(std::move(p));
      }
    } else if (e.kind == store::RecordKind::grid) {
      if (e.op == store::ChangeOp::remove) {
        one.delete_grids.push_back(e.id);
      } else {
        auto g = store::decode_grid(e.id, e.value);
        if (!g) return false;
        one.put_grids.push_back(std::move(*g));
      }
    } else {
      return false;  // aliases and places: a new base
    }
    next.add(one, e.sequence);
  }
  if (next.pole_count() > kMergePoles || next.grid_count() > kMergeGrids) return false;
  edits = std::move(next);
  publish_edits(target);
  return true;
}

void Service::Impl::maybe_wake_merger() {
  if (edits.pole_count() >= kMergePoles || edits.grid_count() >= kMergeGrids) merge_wake.notify_one();
}

void Service::Impl::maybe_wake_folder() {
  const std::shared_ptr<const Snapshot> now = current.load();
  if (has_recent_layer(*now, base)) maybe_wake_folder(*now->overlay());
}

void Service::Impl::maybe_wake_folder(const OverlayData& overlay) {
  if (!merger_running || !overlay.recent) return;
  const std::uint64_t below = overlay.layer->sequence;
  const std::size_t poles_after = edits.poles_after_count(below);
  if (edits.grids_after_count(below) < kFoldGrids && poles_after < kFoldPoles) return;
  {
    std::lock_guard lock(merge_mutex);
    fold_due = true;
    if (poles_after >= OverlayData::kRecentMaxPoles) fold_urgent = true;
  }
  fold_pending.store(true, std::memory_order_relaxed);
  fold_wake.notify_one();
}

std::optional<std::chrono::steady_clock::time_point> Service::Impl::fold_when_quiet(bool urgent) {
  OverlayEdits copy;
  std::shared_ptr<const SnapshotData> on;
  std::uint64_t sequence = 0;
  {
    std::lock_guard w(write_mutex);
    if (const auto quiet_at = edits_last + kFoldQuiet; !urgent && std::chrono::steady_clock::now() < quiet_at) {
      return quiet_at;
    }
    const std::shared_ptr<const Snapshot> now = current.load();
    if (!has_recent_layer(*now, base)) return std::nullopt;
    copy = edits.latest_only();
    on = base;
    sequence = now->sequence();  // every edit in `copy` is at most this
  }
  std::shared_ptr<const DeltaLayer> layer = build_delta_layer(*on, copy, sequence);
  std::lock_guard w(write_mutex);
  if (base != on) return std::nullopt;  // a merge, an import or a refresh replaced the base meanwhile
  edits.keep_lookups_of(copy);  // the next fold need not look them up again
  const std::shared_ptr<const Snapshot> now = current.load();
  auto folded = std::make_shared<const Snapshot>(
      base, build_overlay(*base, edits, now->sequence(), now->overlay(), std::move(layer),
                          OverlayData::kRecentMaxPolesFolding));
  // Counted before it is published: whoever sees the folded snapshot sees the count too.
  folds_done.fetch_add(1, std::memory_order_relaxed);
  replace_current(std::move(folded));
  maybe_wake_folder();  // the writes made meanwhile may call for the next fold already
  return std::nullopt;
}

void Service::Impl::start_merger() {
  merger_running = true;
  folder = std::thread([this] {
    // Nice 10: a fold builds a delta of every edit (about 1 µs each) while
    // writes stream in; a writer whose sync has finished must get a core
    // before it, not wait for its slice (a stream of 3,000 pole writes: p99
    // 1.4-2.3 ms at nice 0, 0.8-1.4 ms at nice 10).
    (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 10);
    std::unique_lock lock(merge_mutex);
    bool retried = false;  // the last round found writes not paused yet, and waited for them
    while (!merge_stop) {
      if (!fold_due) {
        fold_wake.wait(lock);
        continue;
      }
      // A write has just asked for it (from its side thread, while it waits
      // for the disk with the write lock held): folding starts after a pause
      // of kFoldQuiet anyway, and waiting for it here keeps this thread off
      // the write lock, whose release would otherwise have to wake it.
      if (!retried && !fold_urgent) fold_wake.wait_for(lock, kFoldQuiet, [this] { return merge_stop || fold_urgent; });
      if (merge_stop) break;
      retried = false;
      fold_due = false;
      const bool urgent = std::exchange(fold_urgent, false);
      lock.unlock();
      std::optional<std::chrono::steady_clock::time_point> retry_at;
      try {
        retry_at = fold_when_quiet(urgent);
      } catch (...) {  // out of memory: the writes build the delta themselves, as without folding
      }
      lock.lock();
      if (retry_at) {  // writes have not paused yet
        fold_due = true;
        retried = true;
        fold_wake.wait_until(lock, *retry_at, [this] { return merge_stop || fold_urgent; });
      } else if (!fold_due) {
        fold_pending.store(false, std::memory_order_relaxed);  // nothing left to fold
      }
    }
  });
  merger = std::thread([this] {
    // Building a base takes a core for about a second: under a stream of
    // writes it must only use what readers leave. SCHED_IDLE (inherited by the
    // builder's threads) also tells the kernel that a core running it counts
    // as idle when a reader or a writer wakes, so they are not queued behind
    // the merge. Nice 19 otherwise, and where SCHED_IDLE is refused.
    const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
    (void)::setpriority(PRIO_PROCESS, tid, 19);
    auto set_policy = [](int policy) {
      sched_param none{};
      return ::pthread_setschedparam(::pthread_self(), policy, &none) == 0;
    };
    std::unique_lock lock(merge_mutex);
    while (!merge_stop) {
      merge_wake.wait_for(lock, std::chrono::milliseconds(500));
      if (merge_stop) break;
      lock.unlock();
      bool due = false, idle_class = false;
      {
        std::lock_guard w(write_mutex);
        const auto now = std::chrono::steady_clock::now();
        const bool full = edits.pole_count() >= kMergePoles || edits.grid_count() >= kMergeGrids;
        const bool urgent = edits.pole_count() >= kUrgentPoles || edits.grid_count() >= kUrgentGrids;
        due = full || (!edits.empty() && (now - edits_last >= kMergeQuiet || now - edits_since >= kMergeMaxAge));
        // Writes streaming in (the overlay filled up): the merge takes only
        // what readers leave. Writes paused, or the overlay far past due: nice
        // 19, which still gets a share of a saturated machine.
        idle_class = full && !urgent;
      }
      if (due) {
        // In a thread of its own: an unprivileged thread can enter SCHED_IDLE
        // but not leave it, and this one must stay free to choose next time.
        std::thread([&] {
          if (idle_class) (void)set_policy(SCHED_IDLE);
          (void)merge_now();  // a failure leaves the overlay as it is; the next round tries again
        }).join();
      }
      (void)free_retired();
      find_overlap_free_once();
      lock.lock();
    }
  });
}

void Service::Impl::find_overlap_free_once() {
  std::shared_ptr<const SnapshotData> published;
  {
    std::lock_guard w(write_mutex);
    published = base;
  }
  if (!published || published->grid_set->overlap_free.load()) return;
  try {
    if (auto free = find_overlap_free(*published->grid_set, &stopping)) {
      published->grid_set->overlap_free.store(std::make_shared<const std::vector<std::uint8_t>>(std::move(*free)));
    }
  } catch (...) {  // out of memory: writes check their neighbours, as before it is known
  }
}

Status Service::Impl::merge_now() {
  std::shared_ptr<const Snapshot> snap;
  std::shared_ptr<const SnapshotData> from;
  {
    std::lock_guard w(write_mutex);
    if (edits.empty()) return Status::ok();
    snap = current.load();
    from = base;
  }
  merge_activity.store(kMergeBuilding, std::memory_order_relaxed);
  // Only a merge of grid edits builds a new grid set (flatten): one of pole
  // edits keeps the set and what is known of it, and needs no carry (the id
  // of every grid copied for nothing).
  std::optional<OverlapFreeCarry> carry;
  if (snap->overlay() && snap->overlay()->changes_grids()) carry = overlap_free_carry(*snap);
  std::shared_ptr<const SnapshotData> merged = flatten(*snap, grid_index_file());
  // What the old set knew, carried over to the new one before it is
  // published (9 ms on the 2M city, 0.1 s with grids of 50,000 vertices):
  // a grid write that comes right after the merge then skips the neighbour
  // check as before it. Found after publishing, a write in the next few tens
  // of milliseconds (the old base is freed first) checked its neighbours.
  if (carry && merged->grid_set != from->grid_set && !merged->grid_set->overlap_free.load()) {
    try {
      if (auto free = find_overlap_free(*merged->grid_set, &stopping, &*carry)) {
        merged->grid_set->overlap_free.store(std::make_shared<const std::vector<std::uint8_t>>(std::move(*free)));
      }
    } catch (...) {  // out of memory: found after publishing, by a whole search
    }
  }
  merge_activity.store(kMergeIdle, std::memory_order_relaxed);
  const std::uint64_t merged_sequence = merged->sequence;
  snap.reset();
  // The writes made while the new base was built get their delta on it here,
  // also without the write lock, from a copy of the edits. Built under the
  // lock (publish_edits() did) it held up the next write: about 0.2 ms per
  // grid written meanwhile, and a merge under a stream of writes takes
  // seconds. Under the lock below only the writes made during this build go
  // into the recent layer.
  std::shared_ptr<const DeltaLayer> meanwhile;
  {
    OverlayEdits copy;
    std::uint64_t upto = 0;
    {
      std::lock_guard w(write_mutex);
      if (base != from) return Status::ok();  // an import or a refresh replaced the base meanwhile
      copy = edits.latest_only();  // all build_delta_layer() reads
      upto = current.load()->sequence();
    }
    copy.drop_through(merged_sequence);
    if (!copy.empty()) meanwhile = build_delta_layer(*merged, copy, upto);
  }
  std::lock_guard w(write_mutex);
  if (base != from) return Status::ok();  // an import or a refresh replaced the base meanwhile
  const std::uint64_t now = current.load()->sequence();
  base = std::move(merged);
  from.reset();
  edits.drop_through(merged_sequence);
  if (edits.empty()) {
    replace_current(std::make_shared<const Snapshot>(base, nullptr));
  } else {
    replace_current(std::make_shared<const Snapshot>(
        base, build_overlay(*base, edits, now, nullptr, std::move(meanwhile), recent_max_poles())));
    notify_published();
  }
  merges_done.fetch_add(1, std::memory_order_relaxed);
  return Status::ok();
}

Service::MergeActivity Service::merge_activity() const {
  const int now = impl_->merge_activity.load(std::memory_order_relaxed);
  return {impl_->merges_done.load(std::memory_order_relaxed), now == Impl::kMergeBuilding, now == Impl::kMergeFreeing,
          impl_->folds_done.load(std::memory_order_relaxed)};
}

Service::Impl::~Impl() {
  {
    std::lock_guard lock(merge_mutex);
    merge_stop = true;
  }
  stopping.store(true);
  merge_wake.notify_all();
  fold_wake.notify_all();
  if (merger.joinable()) merger.join();
  if (folder.joinable()) folder.join();
}

}  // namespace poleloc
