// service_history.cpp: history, as-of snapshots and the change feed
// (Service::snapshot_at, pole_history, grid_history, changes_after,
// wait_for_sequence_after). Reads only: the store keeps every version and the
// change log (store/change_log.hpp); nothing here runs on the current-time
// query path.
#include "service_impl.hpp"

#include <poleloc/number.hpp>

#include <algorithm>

namespace poleloc {
namespace {

using Clock = std::chrono::system_clock;

// As-of snapshots kept: each one is a whole index, so only a few.
constexpr std::size_t kAsOfCacheSize = 4;

Clock::time_point from_unix_ms(std::int64_t ms) { return Clock::time_point(std::chrono::milliseconds(ms)); }

std::int64_t to_unix_ms(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string iso_time(std::int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<std::unique_ptr<SnapshotData>> load_snapshot_at(const store::Store& store, std::uint64_t sequence) {
  SnapshotBuilder builder;
  builder.reserve_poles(store.estimated_poles());
  store::LoadVisitor visitor;
  visitor.pole = [&](std::string_view number, const store::PoleValueView& v) {
    builder.add_pole(number, v.position, v.attributes);
  };
  visitor.grid = [&](GridRecord&& g) { builder.add_grid(std::move(g)); };
  visitor.alias = [&](AliasRecord&& a) { builder.add_alias(std::move(a)); };
  visitor.place = [&](PlaceRecord&& p) { builder.add_place(std::move(p)); };
  visitor.road = [&](RoadRecord&& r) { builder.add_road(std::move(r)); };
  visitor.grids_done = [&] { builder.index_grids(); };
  if (auto st = store.load_at(sequence, visitor); !st) return st;
  return builder.finish(sequence);
}

Result<PoleRecord> decode_pole_record(std::string_view number, std::string_view value) {
  store::PoleValueView view;
  if (auto st = store::decode_pole(value, view); !st) {
    return Status(ErrorCode::corruption, "stored pole '" + std::string(number) + "' cannot be decoded");
  }
  PoleRecord p{std::string(number), view.position, {}};
  p.attributes.assign(view.attributes.begin(), view.attributes.end());
  return p;
}

Result<std::vector<RecordVersion>> versions_of(const store::Store& store, store::RecordKind kind, std::string_view id,
                                               std::string_view what) {
  auto stored = store.history(kind, id);
  if (!stored) return stored.status();
  if (stored->empty()) return Status(ErrorCode::not_found, "no history of " + std::string(what) + " '" + std::string(id) + "'");
  std::vector<RecordVersion> out;
  out.reserve(stored->size());
  for (std::size_t i = 0; i < stored->size(); ++i) {
    const store::StoredVersion& s = (*stored)[i];
    RecordVersion v;
    v.sequence = s.sequence;
    if (s.unix_ms) v.valid_from = from_unix_ms(*s.unix_ms);
    if (i + 1 < stored->size()) {
      const auto& next = (*stored)[i + 1];
      // The next version's time; when it is not recorded, the next recorded one after it.
      v.valid_to = next.unix_ms ? std::optional(from_unix_ms(*next.unix_ms)) : std::nullopt;
      if (!v.valid_to) {
        if (auto t = store.time_of(next.sequence)) v.valid_to = from_unix_ms(*t);
      }
    }
    v.author = s.author;
    v.deleted = s.deleted;
    if (!s.deleted) {
      if (kind == store::RecordKind::pole) {
        auto p = decode_pole_record(id, s.value);
        if (!p) return p.status();
        v.pole = std::move(*p);
      } else {
        auto g = store::decode_grid(id, s.value);
        if (!g) return g.status();
        v.grid = std::move(*g);
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

void Service::Impl::notify_published() {
  // Taking the mutex orders this wake-up after a waiter's check of the
  // sequence, so none is lost between the check and the wait.
  { std::lock_guard lock(published_mutex); }
  published.notify_all();
}

std::uint64_t Service::wait_for_sequence_after(std::uint64_t seq, std::chrono::milliseconds timeout) const {
  auto now_seq = [&] { return impl_->current.load()->sequence(); };
  std::unique_lock lock(impl_->published_mutex);
  impl_->published.wait_for(lock, timeout, [&] { return now_seq() > seq; });
  return now_seq();
}

Result<std::shared_ptr<const Snapshot>> Service::snapshot_at(Clock::time_point t) const {
  auto current = impl_->current.load();
  const std::uint64_t current_seq = current->sequence();
  const store::Store& store = *impl_->store;
  const std::int64_t ms = to_unix_ms(t);
  auto seq = store.sequence_at(ms);
  if (!seq) return seq.status();
  if (*seq >= current_seq) return current;
  if (*seq == 0) {
    // Before the first recorded change: an empty registry if it started then,
    // else history that is not kept.
    auto first = store.first_recorded();
    if (!first) return first.status();
    if (!*first) {
      if (current_seq == 0) return current;
      return Status(ErrorCode::not_found, "this database holds no change times (written by an older poleloc), so "
                                          "it cannot answer as of a time");
    }
    if ((*first)->first != 1) {
      return Status(ErrorCode::not_found, std::string("no history is kept before ") + iso_time((*first)->second) +
                                              " (the oldest change kept; see poleloc compact --keep-history)");
    }
  }
  // A sequence with a recorded time has all its data: compact_history() drops
  // the time of every sequence whose versions it may remove.
  {
    std::lock_guard lock(impl_->as_of_mutex);
    auto& cache = impl_->as_of_cache;
    for (auto it = cache.begin(); it != cache.end(); ++it) {
      if ((*it)->sequence() == *seq) {
        cache.splice(cache.begin(), cache, it);
        return *it;
      }
    }
  }
  // Built outside the cache lock: other as-of queries (of cached times) go on
  // meanwhile. One build at a time: each holds a whole index (hundreds of MB
  // at millions of poles), so queries of many distinct times cannot exhaust
  // memory; the others are told to retry.
  std::unique_lock building(impl_->as_of_build_mutex, std::try_to_lock);
  if (!building.owns_lock()) {
    return Status(ErrorCode::overloaded,
                  "another as-of snapshot is being built; ask again in a moment (times already asked are cached)");
  }
  auto data = load_snapshot_at(store, *seq);
  if (!data) return data.status();
  std::shared_ptr<const Snapshot> snap = std::make_shared<const Snapshot>(std::move(*data));
  std::lock_guard lock(impl_->as_of_mutex);
  auto& cache = impl_->as_of_cache;
  std::erase_if(cache, [&](const auto& s) { return s->sequence() == *seq; });
  cache.push_front(snap);
  if (cache.size() > kAsOfCacheSize) cache.pop_back();
  return snap;
}

Result<std::vector<RecordVersion>> Service::pole_history(std::string_view number) const {
  auto canonical = canonical_number(number);
  if (!canonical) {
    return Status(ErrorCode::bad_request,
                  std::string("'").append(number.substr(0, 40)) + "' is not a pole number; a number is letters then digits");
  }
  return versions_of(*impl_->store, store::RecordKind::pole, *canonical, "pole");
}

Result<std::vector<RecordVersion>> Service::grid_history(std::string_view id) const {
  return versions_of(*impl_->store, store::RecordKind::grid, id, "grid");
}

Result<ChangeFeedPage> Service::changes_after(std::uint64_t after, std::size_t limit, std::uint64_t skip) const {
  if (limit == 0 || limit > kMaxFeedPage) {
    return Status(ErrorCode::bad_request,
                  std::string("limit must be 1..") + std::to_string(kMaxFeedPage) + ", not " + std::to_string(limit));
  }
  const store::Store& store = *impl_->store;
  auto page = store.changes_after(after, skip, limit);
  if (!page) return page.status();
  ChangeFeedPage out;
  out.next_after = page->next_after;
  out.next_skip = page->next_skip;
  out.sequence = page->sequence;
  out.changes.reserve(page->entries.size());
  // Time and author per sequence, read once for each run of the same sequence.
  std::uint64_t last_seq = 0;
  std::optional<Clock::time_point> time;
  std::string author;
  for (store::FeedEntry& e : page->entries) {
    if (e.sequence != last_seq) {
      last_seq = e.sequence;
      auto t = store.time_of(e.sequence);
      time = t ? std::optional(from_unix_ms(*t)) : std::nullopt;
      author = store.author_of(e.sequence);
    }
    FeedChange c;
    c.sequence = e.sequence;
    c.time = time;
    c.author = author;
    c.kind = std::string(store::kind_name(e.kind));
    c.id = e.id;
    c.deleted = e.op == store::ChangeOp::remove;
    if (!c.deleted) {
      switch (e.kind) {
        case store::RecordKind::pole: {
          auto p = decode_pole_record(e.id, e.value);
          if (!p) return p.status();
          c.pole = std::move(*p);
          break;
        }
        case store::RecordKind::grid: {
          auto g = store::decode_grid(e.id, e.value);
          if (!g) return g.status();
          c.grid = std::move(*g);
          break;
        }
        case store::RecordKind::alias: {
          auto a = store::decode_alias(e.id, e.value);
          if (!a) return a.status();
          c.alias = std::move(*a);
          break;
        }
        case store::RecordKind::place: {
          auto p = store::decode_place(store::place_key(e.id), e.value);
          if (!p) return p.status();
          c.place = std::move(*p);
          break;
        }
        case store::RecordKind::road: {
          auto r = store::decode_road(store::road_key(e.id), e.value);
          if (!r) return r.status();
          c.road = std::move(*r);
          break;
        }
      }
    }
    out.changes.push_back(std::move(c));
  }
  return out;
}

}  // namespace poleloc
