#include "record_checks.hpp"
#include "snapshot_builder.hpp"
#include "snapshot_data.hpp"
#include "store/store.hpp"

#include <poleloc/number.hpp>
#include <poleloc/service.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <unordered_set>

namespace poleloc {
namespace {

struct Records {
  std::vector<PoleRecord> poles;
  std::vector<GridRecord> grids;
  std::vector<AliasRecord> aliases;
};

Records records_of(const Snapshot& snap) {
  Records r;
  const SnapshotData& d = snap.data();
  r.poles.reserve(d.pole_count());
  for (std::uint32_t p = 0; p < d.pole_count(); ++p) r.poles.push_back(snap.pole_by_index(p).record());
  r.grids = d.grids;
  r.aliases = d.aliases;
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

}  // namespace

struct Service::Impl {
  std::string path;
  std::unique_ptr<store::Store> store;
  std::atomic<std::shared_ptr<const Snapshot>> current;
  std::mutex write_mutex;  // serialises writers; readers never take it

  void publish(std::unique_ptr<SnapshotData> data) {
    current.store(std::make_shared<const Snapshot>(std::move(data)));
  }

  // Applies `change` durably, then publishes a snapshot of `next`.
  Status commit(store::Change& change, Records next) {
    auto seq = store->apply(change);
    if (!seq) return seq.status();
    publish(build_snapshot_data(std::move(next.poles), std::move(next.grids), std::move(next.aliases), *seq));
    return Status::ok();
  }

  Result<ImportReport> import(Dataset dataset, std::vector<InputError> rejects, const ImportOptions& options);
};

Service::Service(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Service::~Service() = default;

Result<std::unique_ptr<Service>> Service::open(const std::string& path, const OpenOptions& options) {
  auto store = store::Store::open(path, {options.read_only, options.create_if_missing});
  if (!store) return store.status();
  SnapshotBuilder builder;
  Status add_status = Status::ok();
  store::LoadVisitor visitor;
  visitor.pole = [&](std::string_view number, const store::PoleValueView& v) {
    if (add_status) add_status = builder.add_pole(number, v.position, v.attributes);
  };
  visitor.grid = [&](GridRecord&& g) { builder.add_grid(std::move(g)); };
  visitor.alias = [&](AliasRecord&& a) { builder.add_alias(std::move(a)); };
  if (auto st = (*store)->load(visitor); !st) return st;
  if (!add_status) return Status(ErrorCode::corruption, path + ": " + add_status.message());
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  const std::uint64_t seq = (*store)->sequence();
  impl->store = std::move(*store);
  impl->publish(builder.finish(seq));
  return std::unique_ptr<Service>(new Service(std::move(impl)));
}

std::shared_ptr<const Snapshot> Service::snapshot() const { return impl_->current.load(); }
const std::string& Service::path() const { return impl_->path; }
bool Service::read_only() const { return impl_->store->read_only(); }

Result<ImportReport> Service::import(const ImportSources& sources, const ImportOptions& options) {
  if (read_only()) return Status(ErrorCode::read_only, impl_->path + " is open read-only");
  auto parsed = read_input(sources, options);
  if (!parsed) return parsed.status();
  if (parsed->error_count > 0 && !options.skip_invalid) {
    return Status(ErrorCode::invalid_input, error_list(parsed->errors, parsed->error_count, options.max_listed_errors));
  }
  return impl_->import(std::move(parsed->dataset), std::move(parsed->errors), options);
}

Result<ImportReport> Service::import(Dataset dataset, const ImportOptions& options) {
  if (read_only()) return Status(ErrorCode::read_only, impl_->path + " is open read-only");
  std::vector<InputError> errors;
  std::size_t error_count = 0;
  auto reject = [&](const char* file, std::size_t index, std::string why) {
    ++error_count;
    InputError e{file, 0, index, "", std::move(why)};
    if (options.skip_invalid || errors.size() < options.max_listed_errors) errors.push_back(std::move(e));
  };
  std::unordered_set<std::string> numbers, ids;
  auto keep_if = [](auto& records, auto&& ok) {
    std::size_t w = 0;
    for (std::size_t r = 0; r < records.size(); ++r) {
      if (ok(records[r], r)) {
        if (w != r) records[w] = std::move(records[r]);
        ++w;
      }
    }
    records.resize(w);
  };
  keep_if(dataset.poles, [&](PoleRecord& p, std::size_t i) {
    if (auto why = check_pole(p)) return reject("poles", i, *why), false;
    if (!numbers.insert(p.number).second) return reject("poles", i, "number: duplicate number " + p.number), false;
    return true;
  });
  keep_if(dataset.grids, [&](GridRecord& g, std::size_t i) {
    if (auto why = check_grid(g)) return reject("grids", i, *why), false;
    if (!ids.insert(g.id).second) return reject("grids", i, "id: duplicate grid id '" + g.id + "'"), false;
    return true;
  });
  keep_if(dataset.aliases, [&](AliasRecord& a, std::size_t i) {
    if (auto why = check_alias(a)) return reject("aliases", i, *why), false;
    return true;
  });
  if (error_count > 0 && !options.skip_invalid) {
    return Status(ErrorCode::invalid_input, error_list(errors, error_count, options.max_listed_errors));
  }
  return impl_->import(std::move(dataset), std::move(errors), options);
}

Result<ImportReport> Service::Impl::import(Dataset dataset, std::vector<InputError> rejects,
                                           const ImportOptions& options) {
  std::lock_guard lock(write_mutex);
  auto before = current.load();
  const SnapshotData& old = before->data();
  if (options.progress) options.progress({"store", 0});

  store::Change change;
  ImportReport report;
  {
    std::unordered_set<std::string_view> new_numbers, new_ids;
    for (const auto& p : dataset.poles) new_numbers.insert(p.number);
    for (const auto& g : dataset.grids) new_ids.insert(g.id);
    for (std::uint32_t p = 0; p < old.pole_count(); ++p) {
      if (!new_numbers.count(old.number(p))) change.delete_poles.emplace_back(old.number(p));
    }
    for (const auto& g : old.grids) {
      if (!new_ids.count(g.id)) change.delete_grids.push_back(g.id);
    }
  }
  if (dataset.has_aliases) {
    std::unordered_set<std::string_view> new_aliases;
    for (const auto& a : dataset.aliases) new_aliases.insert(a.alias);
    for (const auto& a : old.aliases) {
      if (!new_aliases.count(a.alias)) change.delete_aliases.push_back(a.alias);
    }
    change.replace_aliases = std::move(dataset.aliases);
  }
  report.removed_poles = change.delete_poles.size();
  report.removed_grids = change.delete_grids.size();
  change.put_poles = std::move(dataset.poles);
  change.put_grids = std::move(dataset.grids);
  auto seq = store->apply(change);
  if (!seq) return seq.status();
  report.poles = change.put_poles.size();
  report.grids = change.put_grids.size();
  std::vector<AliasRecord> aliases = change.replace_aliases ? std::move(*change.replace_aliases) : old.aliases;
  report.aliases = aliases.size();
  report.rejects = std::move(rejects);
  if (options.progress) options.progress({"index", 0});
  before.reset();
  publish(build_snapshot_data(std::move(change.put_poles), std::move(change.put_grids), std::move(aliases), *seq));
  return report;
}

Status Service::put_pole(PoleRecord pole) {
  if (read_only()) return {ErrorCode::read_only, impl_->path + " is open read-only"};
  if (auto why = check_pole(pole)) return {ErrorCode::invalid_input, *why};
  std::lock_guard lock(impl_->write_mutex);
  Records next = records_of(*snapshot());
  auto it = std::lower_bound(next.poles.begin(), next.poles.end(), pole.number,
                             [](const PoleRecord& p, const std::string& n) { return p.number < n; });
  if (it != next.poles.end() && it->number == pole.number) {
    *it = pole;
  } else {
    next.poles.insert(it, pole);
  }
  store::Change change;
  change.put_poles.push_back(std::move(pole));
  return impl_->commit(change, std::move(next));
}

Status Service::delete_pole(std::string_view number) {
  if (read_only()) return {ErrorCode::read_only, impl_->path + " is open read-only"};
  std::lock_guard lock(impl_->write_mutex);
  auto snap = snapshot();
  auto pole = snap->locate(number);
  if (!pole) return {ErrorCode::not_found, "no pole with number '" + std::string(number) + "'"};
  Records next = records_of(*snap);
  next.poles.erase(next.poles.begin() + pole->index());
  store::Change change;
  change.delete_poles.emplace_back(pole->number());
  return impl_->commit(change, std::move(next));
}

Status Service::put_grid(GridRecord grid) {
  if (read_only()) return {ErrorCode::read_only, impl_->path + " is open read-only"};
  if (auto why = check_grid(grid)) return {ErrorCode::invalid_input, *why};
  std::lock_guard lock(impl_->write_mutex);
  Records next = records_of(*snapshot());
  auto it = std::find_if(next.grids.begin(), next.grids.end(), [&](const GridRecord& g) { return g.id == grid.id; });
  if (it != next.grids.end()) {
    *it = grid;
  } else {
    next.grids.push_back(grid);
  }
  store::Change change;
  change.put_grids.push_back(std::move(grid));
  return impl_->commit(change, std::move(next));
}

Status Service::delete_grid(std::string_view id) {
  if (read_only()) return {ErrorCode::read_only, impl_->path + " is open read-only"};
  std::lock_guard lock(impl_->write_mutex);
  auto snap = snapshot();
  auto grid = snap->grid(id);
  if (!grid) return {ErrorCode::not_found, "no grid with id '" + std::string(id) + "'"};
  Records next = records_of(*snap);
  next.grids.erase(next.grids.begin() + grid->index());
  store::Change change;
  change.delete_grids.emplace_back(id);
  return impl_->commit(change, std::move(next));
}

Status Service::export_to(const std::string& poles_csv, const std::string& grids_geojson,
                          const std::string& aliases_csv) const {
  Records r = records_of(*snapshot());
  if (auto st = write_poles_csv(poles_csv, r.poles); !st) return st;
  if (auto st = write_grids_geojson(grids_geojson, r.grids); !st) return st;
  if (!aliases_csv.empty()) return write_aliases_csv(aliases_csv, r.aliases);
  return Status::ok();
}

}  // namespace poleloc
