// service_replica.cpp: a read replica writes the primary's change feed with
// the primary's sequence numbers (Service::apply_replicated; docs/replicas.md).
// The store writes each sequence as a restore does (Store::restore: the
// versions, the change log entries, the time and the author in one synced
// batch); the snapshot then follows the log as a read-only service does.
#include "service_impl.hpp"

#include "store/record_encoding.hpp"

namespace poleloc {
namespace {

Result<store::DumpedVersion> version_of(const FeedChange& c) {
  store::DumpedVersion v;
  v.sequence = c.sequence;
  if (c.time) {
    v.unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(c.time->time_since_epoch()).count();
  }
  v.author = c.author;
  v.id = c.id;
  v.op = c.deleted ? store::ChangeOp::remove : store::ChangeOp::put;
  const std::string where = "sequence " + std::to_string(c.sequence) + ", " + c.kind + " '" + c.id + "'";
  if (c.kind == "pole") v.kind = store::RecordKind::pole;
  else if (c.kind == "grid") v.kind = store::RecordKind::grid;
  else if (c.kind == "alias") v.kind = store::RecordKind::alias;
  else if (c.kind == "place") v.kind = store::RecordKind::place;
  else return Status(ErrorCode::bad_request, where + ": unknown kind");
  if (c.deleted) {
    v.value = store::encode_tombstone();
    return v;
  }
  if (v.kind == store::RecordKind::pole && c.pole) v.value = store::encode_pole(*c.pole);
  else if (v.kind == store::RecordKind::grid && c.grid) v.value = store::encode_grid(*c.grid);
  else if (v.kind == store::RecordKind::alias && c.alias) v.value = store::encode_alias(*c.alias);
  else if (v.kind == store::RecordKind::place && c.place) v.value = store::encode_place(*c.place);
  else return Status(ErrorCode::bad_request, where + ": a put without its record");
  return v;
}

}  // namespace

std::uint64_t Service::sequence() const { return impl_->store->sequence(); }

Result<std::uint64_t> Service::apply_replicated(const std::vector<FeedChange>& changes) {
  if (read_only()) return Status(ErrorCode::read_only, impl_->path + " is open read-only");
  std::lock_guard lock(impl_->write_mutex);
  if (auto st = impl_->ready_for_writes(); !st) return st;
  const std::uint64_t served = impl_->current.load()->sequence();
  std::vector<store::DumpedVersion> group;
  auto flush = [&]() -> Status {
    if (group.empty()) return Status::ok();
    const auto& first = group.front();
    auto st = impl_->store->restore(first.sequence, first.unix_ms, first.author, group, true);
    group.clear();
    if (!st) impl_->note_write_problem();
    return st;
  };
  Status st = Status::ok();
  for (const FeedChange& c : changes) {
    if (c.sequence <= impl_->store->sequence()) continue;  // already stored
    if (!group.empty() && group.front().sequence != c.sequence) {
      if (st = flush(); !st) break;
    }
    auto v = version_of(c);
    if (!v) {
      st = v.status();
      break;
    }
    group.push_back(std::move(*v));
  }
  if (st) st = flush();
  // Publish what was stored, even when a later sequence failed.
  if (impl_->store->sequence() > served) {
    if (impl_->edits.empty()) impl_->edits_since = std::chrono::steady_clock::now();
    if (impl_->follow_log(served)) {
      impl_->maybe_wake_merger();
    } else {
      auto data = load_snapshot(*impl_->store, impl_->grid_index_file());
      if (!data) return data.status();
      impl_->publish(std::move(*data));
    }
  }
  if (!st) return st;
  return impl_->store->sequence();
}

}  // namespace poleloc
