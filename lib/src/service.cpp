#include "service_impl.hpp"

#include "io/readers.hpp"
#include "record_checks.hpp"

#include <poleloc/number.hpp>
#include <poleloc/service.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <unordered_set>

namespace poleloc {

Records records_of(const Snapshot& snap) {
  Records r;
  const SnapshotData& d = snap.data();
  r.poles.reserve(snap.pole_count());
  snap.for_each_pole([&](PoleView p) { r.poles.push_back(p.record()); });
  snap.for_each_grid([&](GridView g) { r.grids.push_back(g.record()); });
  r.aliases = d.aliases;
  r.places = d.places;
  r.roads = d.roads;
  return r;
}

std::string error_list(const std::vector<InputError>& errors, std::size_t total, std::size_t max_listed) {
  std::string msg = std::to_string(total) + (total == 1 ? " error" : " errors") + " in the input; nothing was stored";
  for (std::size_t i = 0; i < errors.size() && i < max_listed; ++i) msg += "\n  " + errors[i].to_string();
  if (total > std::min(errors.size(), max_listed)) {
    msg += "\n  … and " + std::to_string(total - std::min(errors.size(), max_listed)) + " more";
  }
  return msg;
}

Result<std::unique_ptr<SnapshotData>> load_snapshot(store::Store& store, const index::GridIndexFile& grid_index,
                                                    std::shared_ptr<GridSet> previous_grids) {
  const bool hash_grids = store.read_only();
  SnapshotBuilder builder;
  builder.keep_grid_index_in(grid_index);
  builder.reserve_poles(store.estimated_poles());
  store::LoadVisitor visitor;
  visitor.pole = [&](std::string_view number, const store::PoleValueView& v) {
    builder.add_pole(number, v.position, v.attributes);  // the store yields number order
  };
  // A large store's poles in key ranges on several threads, one builder each, joined in order.
  std::vector<std::unique_ptr<SnapshotBuilder>> parts;
  visitor.pole_parts = [&](std::size_t n) {
    const std::size_t share = store.estimated_poles() / n;
    for (std::size_t p = 1; p < n; ++p) {
      parts.push_back(std::make_unique<SnapshotBuilder>());
      parts.back()->reserve_poles(share + share / 4);
    }
  };
  visitor.pole_in = [&](std::size_t part, std::string_view number, const store::PoleValueView& v) {
    (part == 0 ? builder : *parts[part - 1]).add_pole(number, v.position, v.attributes);
  };
  visitor.grid = [&](GridRecord&& g) { builder.add_grid(std::move(g)); };
  visitor.grids_counted = [&](std::size_t n) { builder.expect_grids(n); };
  visitor.grid_at = [&](std::size_t place, GridRecord&& g) { builder.set_grid(place, std::move(g)); };
  visitor.grid_geometry_known = [&](std::size_t place, std::string_view stored) {
    return builder.grid_geometry_known(place, stored);
  };
  visitor.alias = [&](AliasRecord&& a) { builder.add_alias(std::move(a)); };
  visitor.place = [&](PlaceRecord&& p) { builder.add_place(std::move(p)); };
  visitor.road = [&](RoadRecord&& r) { builder.add_road(std::move(r)); };
  std::array<std::uint64_t, 2> grids_hash{0, 0};
  bool grids_shared = false;  // the stored grids are previous_grids': not decoded, not indexed
  if (hash_grids) {
    visitor.grids_read = [&](const std::array<std::uint64_t, 2>& stored) {
      grids_hash = stored;
      grids_shared = previous_grids && previous_grids->stored_hash == stored;
      return grids_shared;
    };
  }
  visitor.grids_done = [&] {  // overlaps with reading the poles
    if (!grids_shared) builder.index_grids();
  };
  if (auto st = store.load(visitor); !st) return st;
  for (auto& part : parts) {
    builder.append_poles(std::move(*part));
    part.reset();
  }
  if (grids_shared) {
    SnapshotBuilder with_grids;
    with_grids.share_grids(std::move(previous_grids));
    with_grids.take_records_of(std::move(builder));
    return with_grids.finish(store.sequence());
  }
  auto data = builder.finish(store.sequence());
  if (hash_grids) data->grid_set->stored_hash = grids_hash;
  return data;
}

Result<std::uint64_t> Service::Impl::commit(store::Change& change, std::size_t* written,
                                            const std::vector<index::GridIndex::Part>* parts) {
  // A change known to differ from what is stored will be stored as the next
  // sequence: its overlay is built on the side thread while this one waits
  // for the store to sync it to disk (the sync is about half of a write; the
  // side thread runs on this core while this thread sleeps in the sync), and
  // published only once it is durable. Should the store fail, or store it
  // under another sequence, the edit is undone and nothing built is published.
  const bool first_edit = edits.empty();
  std::shared_ptr<const OverlayData> built;
  Result<std::uint64_t> seq = Status(ErrorCode::internal, "not stored");
  if (change.differ_from_stored && !change.put_pole_stream && base) {
    if (!build_side) build_side = std::make_unique<SideThread>();
    const std::uint64_t expected = store->sequence() + 1;
    auto undo = edits.add_undoable(change, expected, parts);
    const std::shared_ptr<const Snapshot> now = current.load();
    const OverlayData* previous = now && now->base() == base ? now->overlay() : nullptr;
    build_side->start([&] {
      try {
        built = build_overlay(*base, edits, expected, previous, nullptr, recent_max_poles());
        // Should the store fail, the fold thread wakes for nothing and finds nothing to fold.
        if (built) maybe_wake_folder(*built);
      } catch (...) {  // out of memory: built again below, on this thread, once stored
        built.reset();
      }
    });
    {
      // The side thread reads this frame: wait for it however apply() ends.
      struct Joined {
        SideThread& side;
        ~Joined() { side.wait(); }
      } joined{*build_side};
      seq = store->apply(change, written);
    }
    if (!seq || *seq != expected || !built) {
      edits.undo(std::move(undo));
      built.reset();
    }
  } else {
    seq = store->apply(change, written);
  }
  if (!seq) {
    note_write_problem();
    return seq.status();
  }
  if (*seq == current.load()->sequence()) return seq;  // the same as stored: nothing changed
  edits_last = std::chrono::steady_clock::now();
  if (first_edit) edits_since = edits_last;
  if (built) {
    replace_current(std::make_shared<const Snapshot>(base, std::move(built)));
    notify_published();
  } else {
    edits.add(change, *seq, parts);
    publish_edits(*seq);
  }
  maybe_wake_merger();
  if (!built) maybe_wake_folder();  // else the side thread did
  return seq;
}

Service::Service(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Service::~Service() = default;

Result<std::unique_ptr<Service>> Service::open(const std::string& path, const OpenOptions& options) {
  auto store = store::Store::open(
      path, {options.read_only, options.create_if_missing, options.read_only_on_storage_failure});
  if (!store) return store.status();
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->store = std::move(*store);
  auto data = load_snapshot(*impl->store, impl->grid_index_file());
  if (!data) return data.status();
  impl->write_problem = impl->store->write_problem();
  impl->publish(std::move(*data));
  if (!impl->store->read_only()) impl->start_merger();
  return std::unique_ptr<Service>(new Service(std::move(impl)));
}

std::shared_ptr<const Snapshot> Service::snapshot() const { return impl_->current.load(); }

Result<bool> Service::refresh() {
  if (!read_only()) return false;
  std::lock_guard lock(impl_->write_mutex);
  if (auto st = impl_->store->reopen_read_only(); !st) return st;
  const std::uint64_t served = impl_->current.load()->sequence();
  if (impl_->store->sequence() == served) return false;
  // A few writes since: read them from the change log into the overlay, as
  // the writer did, instead of reloading every record.
  if (impl_->store->sequence() > served && impl_->follow_log(served)) return true;
  // Everything again; the grids only if they changed (an import of poles keeps them).
  auto data = load_snapshot(*impl_->store, impl_->grid_index_file(), impl_->current.load()->base()->grid_set);
  if (!data) return data.status();
  impl_->publish(std::move(*data));
  return true;
}
const std::string& Service::path() const { return impl_->path; }
bool Service::read_only() const { return impl_->store->read_only(); }
Status Service::write_problem() const {
  std::lock_guard lock(impl_->problem_mutex);
  return impl_->write_problem;
}

Result<CompactReport> Service::compact_history(std::chrono::seconds keep) {
  if (read_only()) return Status(ErrorCode::read_only, impl_->path + " is open read-only");
  if (keep.count() < 0) return Status(ErrorCode::bad_request, "the history to keep cannot be negative");
  std::lock_guard lock(impl_->write_mutex);
  if (auto st = impl_->ready_for_writes(); !st) return st;
  const auto before = std::chrono::system_clock::now() - keep;
  auto stats = impl_->store->compact_history(before);
  if (!stats) {
    impl_->note_write_problem();
    return stats.status();
  }
  return CompactReport{stats->versions_removed, stats->records_removed, stats->versions_kept, stats->bytes_before,
                       stats->bytes_after};
}

Status Service::export_to(const std::string& poles_csv, const std::string& grids_geojson,
                          const std::string& aliases_csv, const std::string& places_csv) const {
  Records r = records_of(*snapshot());
  if (auto st = write_poles_csv(poles_csv, r.poles); !st) return st;
  if (auto st = write_grids_geojson(grids_geojson, r.grids); !st) return st;
  if (!aliases_csv.empty()) {
    if (auto st = write_aliases_csv(aliases_csv, r.aliases); !st) return st;
  }
  if (!places_csv.empty()) return write_places_csv(places_csv, r.places);
  return Status::ok();
}

}  // namespace poleloc
