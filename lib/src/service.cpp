#include "geo/crs.hpp"
#include "io/readers.hpp"
#include "record_checks.hpp"
#include "snapshot_builder.hpp"
#include "snapshot_data.hpp"
#include "store/store.hpp"

#include <poleloc/number.hpp>
#include <poleloc/service.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <unordered_set>

namespace poleloc {
namespace {

struct Records {
  std::vector<PoleRecord> poles;
  std::vector<GridRecord> grids;
  std::vector<AliasRecord> aliases;
  std::vector<PlaceRecord> places;
};

Records records_of(const Snapshot& snap) {
  Records r;
  const SnapshotData& d = snap.data();
  r.poles.reserve(d.pole_count());
  for (std::uint32_t p = 0; p < d.pole_count(); ++p) r.poles.push_back(snap.pole_by_index(p).record());
  r.grids = d.grids;
  r.aliases = d.aliases;
  r.places = d.places;
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

// What an import is called in messages: the file names, or "the import" for records.
struct ImportLabels {
  std::string poles = "the import", grids = "the import";
};

// The safety rule of ImportOptions::replace: refuse an import that would
// leave nothing, or remove more than the allowed share of what is stored.
Status check_removals(const char* what, const std::string& label, std::size_t incoming, std::size_t stored,
                      std::size_t removed, std::size_t rejected, const ImportOptions& options) {
  const std::string held = label + " holds " + io::with_commas(incoming) + " " +
                           (incoming == 1 ? std::string(what, std::strlen(what) - 1) : std::string(what)) +
                           (rejected ? " that can be stored (" + io::with_commas(rejected) + " rejected)" : "");
  if (incoming == 0) {
    if (stored == 0) {
      return {ErrorCode::invalid_input, held + ": refusing to import a dataset without " + what +
                                            " (use --replace to import it anyway)"};
    }
    return {ErrorCode::invalid_input, held + "; the database has " + io::with_commas(stored) +
                                          ": refusing to remove them all (use --replace to replace the dataset anyway)"};
  }
  if (stored > 0 && static_cast<double>(removed) > options.max_remove_share * static_cast<double>(stored)) {
    const double percent = 100.0 * static_cast<double>(removed) / static_cast<double>(stored);
    const double allowed = 100.0 * options.max_remove_share;
    char share[64];
    std::snprintf(share, sizeof share, " (%.0f %%), more than the %.0f %% allowed", percent, allowed);
    return {ErrorCode::invalid_input, held + "; importing it would remove " + io::with_commas(removed) + " of the " +
                                          io::with_commas(stored) + " " + what + " in the database" + share +
                                          " by --max-remove-share: refusing (use --replace to replace the dataset "
                                          "anyway)"};
  }
  return Status::ok();
}

std::size_t rejects_in(const std::vector<InputError>& rejects, const std::string& file) {
  return static_cast<std::size_t>(
      std::count_if(rejects.begin(), rejects.end(), [&](const InputError& e) { return e.file == file; }));
}

// Reads every live record of `store` into a new snapshot.
Result<std::unique_ptr<SnapshotData>> load_snapshot(store::Store& store) {
  SnapshotBuilder builder;
  builder.reserve_poles(store.estimated_poles());
  store::LoadVisitor visitor;
  visitor.pole = [&](std::string_view number, const store::PoleValueView& v) {
    builder.add_pole(number, v.position, v.attributes);  // the store yields number order
  };
  visitor.grid = [&](GridRecord&& g) { builder.add_grid(std::move(g)); };
  visitor.alias = [&](AliasRecord&& a) { builder.add_alias(std::move(a)); };
  visitor.place = [&](PlaceRecord&& p) { builder.add_place(std::move(p)); };
  visitor.grids_done = [&] { builder.index_grids(); };  // overlaps with reading the poles
  if (auto st = store.load(visitor); !st) return st;
  return builder.finish(store.sequence());
}

}  // namespace

struct Service::Impl {
  std::string path;
  std::unique_ptr<store::Store> store;
  std::atomic<std::shared_ptr<const Snapshot>> current;
  std::mutex write_mutex;  // serialises writers; readers never take it
  mutable std::mutex problem_mutex;  // guards write_problem only, never held across I/O
  Status write_problem;              // a copy of store->write_problem() for other threads

  void publish(std::unique_ptr<SnapshotData> data) {
    current.store(std::make_shared<const Snapshot>(std::move(data)));
  }

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
    if (store->sequence() != current.load()->stats().sequence) {
      auto data = load_snapshot(*store);
      if (!data) return data.status();
      publish(std::move(*data));
    }
    return Status::ok();
  }

  // Applies `change` durably, then publishes a snapshot of `next`.
  Status commit(store::Change& change, Records next) {
    auto seq = store->apply(change);
    if (!seq) {
      note_write_problem();
      return seq.status();
    }
    if (*seq == current.load()->data().sequence) return Status::ok();  // the same as stored: nothing changed
    publish(build_snapshot_data(std::move(next.poles), std::move(next.grids), std::move(next.aliases), *seq,
                                std::move(next.places)));
    return Status::ok();
  }

  // Replaces the dataset: `poles` sorted by number and unique; aliases and places kept when absent.
  Result<ImportReport> import(SnapshotBuilder poles, std::vector<GridRecord> grids,
                              std::optional<std::vector<AliasRecord>> aliases,
                              std::optional<std::vector<PlaceRecord>> places, std::vector<InputError> rejects,
                              const ImportOptions& options, const ImportLabels& labels);
};

Service::Service(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Service::~Service() = default;

Result<std::unique_ptr<Service>> Service::open(const std::string& path, const OpenOptions& options) {
  auto store = store::Store::open(
      path, {options.read_only, options.create_if_missing, options.read_only_on_storage_failure});
  if (!store) return store.status();
  auto data = load_snapshot(**store);
  if (!data) return data.status();
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->store = std::move(*store);
  impl->write_problem = impl->store->write_problem();
  impl->publish(std::move(*data));
  return std::unique_ptr<Service>(new Service(std::move(impl)));
}

std::shared_ptr<const Snapshot> Service::snapshot() const { return impl_->current.load(); }

Result<bool> Service::refresh() {
  if (!read_only()) return false;
  std::lock_guard lock(impl_->write_mutex);
  if (auto st = impl_->store->reopen_read_only(); !st) return st;
  if (impl_->store->sequence() == impl_->current.load()->data().sequence) return false;
  auto data = load_snapshot(*impl_->store);
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

namespace {

Status check_options(const ImportOptions& options) {
  if (!(options.max_remove_share >= 0 && options.max_remove_share <= 1)) {
    return {ErrorCode::invalid_argument, "max_remove_share must be a share between 0 and 1, e.g. 0.5 for 50 %"};
  }
  if (options.max_grid_vertices < 4 || options.max_property_depth < 1 || options.max_attribute_bytes < 1 ||
      options.max_properties_bytes < 1) {
    return {ErrorCode::invalid_argument, "import limits must be positive (max_grid_vertices at least 4)"};
  }
  return Status::ok();
}

}  // namespace

Result<ImportReport> Service::import(const ImportSources& sources, const ImportOptions& options) {
  if (read_only()) return Status(ErrorCode::read_only, impl_->path + " is open read-only");
  if (auto st = check_options(options); !st) return st;
  // Poles stream straight into snapshot columns: no record per pole is kept.
  io::ErrorSink errors(options.skip_invalid ? SIZE_MAX : options.max_listed_errors);
  SnapshotBuilder poles;
  std::vector<std::uint32_t> lines;
  std::vector<GridRecord> grids;
  std::vector<AliasRecord> aliases;
  std::vector<PlaceRecord> places;
  auto st = io::read_files(
      sources, options, errors,
      [&](PoleRecord&& p, std::size_t line) {
        poles.add_pole(p);
        lines.push_back(static_cast<std::uint32_t>(line));
      },
      [&](GridRecord&& g, std::size_t) { grids.push_back(std::move(g)); },
      [&](AliasRecord&& a, std::size_t) { aliases.push_back(std::move(a)); },
      [&](PlaceRecord&& p, std::size_t) { places.push_back(std::move(p)); });
  if (!st) return st;
  poles.keep_only(io::report_duplicates(
      poles.number_order(), [&](std::uint32_t i) { return poles.number(i); }, lines, sources.poles, errors));
  lines = {};
  std::vector<InputError> rejects = std::move(errors.errors());
  io::sort_errors(rejects, sources);
  // A file that could not be read to its end (syntax error, bad header) is never
  // imported in part, even with skip_invalid: the rows after the error would be removed.
  if (errors.count() > 0 && (!options.skip_invalid || errors.fatal_count() > 0)) {
    return Status(ErrorCode::invalid_input, error_list(rejects, errors.count(), options.max_listed_errors));
  }
  std::optional<std::vector<AliasRecord>> new_aliases;
  if (!sources.aliases.empty()) new_aliases = std::move(aliases);
  std::optional<std::vector<PlaceRecord>> new_places;
  if (!sources.places.empty()) new_places = std::move(places);
  return impl_->import(std::move(poles), std::move(grids), std::move(new_aliases), std::move(new_places),
                       std::move(rejects), options, {sources.poles, sources.grids});
}

Result<ImportReport> Service::import(Dataset dataset, const ImportOptions& options) {
  if (read_only()) return Status(ErrorCode::read_only, impl_->path + " is open read-only");
  if (auto st = check_options(options); !st) return st;
  std::vector<InputError> errors;
  std::size_t error_count = 0;
  auto reject = [&](const char* file, std::size_t index, std::string why) {
    ++error_count;
    InputError e{file, 0, index, "", std::move(why)};
    if (options.skip_invalid || errors.size() < options.max_listed_errors) errors.push_back(std::move(e));
  };
  // Records in another CRS are converted first, exactly as file imports are.
  auto crs = geo::CrsTransform::create(options.crs);
  if (!crs) return crs.status();
  if (!crs->is_identity()) {
    for (PoleRecord& p : dataset.poles) p.position = crs->to_wgs84(p.position);
    for (GridRecord& g : dataset.grids) {
      for (Polygon& poly : g.geometry) {
        for (Ring& ring : poly.rings) {
          for (LonLat& q : ring) q = crs->to_wgs84(q);
        }
      }
    }
  }
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
    if (auto why = check_grid(g, options.max_grid_vertices, options.max_attribute_bytes)) {
      return reject("grids", i, *why), false;
    }
    if (!ids.insert(g.id).second) return reject("grids", i, "id: duplicate grid id '" + g.id + "'"), false;
    return true;
  });
  keep_if(dataset.aliases, [&](AliasRecord& a, std::size_t i) {
    if (auto why = check_alias(a)) return reject("aliases", i, *why), false;
    return true;
  });
  std::unordered_set<std::string> place_names;
  keep_if(dataset.places, [&](PlaceRecord& p, std::size_t i) {
    if (auto why = check_place(p)) return reject("places", i, *why), false;
    if (!p.grid.empty() && !ids.count(p.grid)) return reject("places", i, "grid: no grid '" + p.grid + "'"), false;
    if (!place_names.insert(p.name).second) return reject("places", i, "name: duplicate place '" + p.name + "'"), false;
    return true;
  });
  if (error_count > 0 && !options.skip_invalid) {
    return Status(ErrorCode::invalid_input, error_list(errors, error_count, options.max_listed_errors));
  }
  SnapshotBuilder poles;
  poles.reserve_poles(dataset.poles.size());
  for (const PoleRecord& p : dataset.poles) poles.add_pole(p);
  dataset.poles = {};
  poles.keep_only(poles.number_order());
  std::optional<std::vector<AliasRecord>> aliases;
  if (dataset.has_aliases || !dataset.aliases.empty()) aliases = std::move(dataset.aliases);
  std::optional<std::vector<PlaceRecord>> places;
  if (dataset.has_places || !dataset.places.empty()) places = std::move(dataset.places);
  return impl_->import(std::move(poles), std::move(dataset.grids), std::move(aliases), std::move(places),
                       std::move(errors), options, {});
}

Result<ImportReport> Service::Impl::import(SnapshotBuilder poles, std::vector<GridRecord> grids,
                                           std::optional<std::vector<AliasRecord>> aliases,
                                           std::optional<std::vector<PlaceRecord>> places,
                                           std::vector<InputError> rejects, const ImportOptions& options,
                                           const ImportLabels& labels) {
  std::lock_guard lock(write_mutex);
  if (auto st = ready_for_writes(); !st) return st;
  auto before = current.load();
  const SnapshotData& old = before->data();
  if (options.progress) options.progress({"store", 0});

  store::Change change;
  ImportReport report;
  // Removed poles: both number lists are sorted, so one merge walk finds them.
  for (std::uint32_t o = 0, n = 0; o < old.pole_count(); ++o) {
    while (n < poles.pole_count() && poles.number(n) < old.number(o)) ++n;
    if (n == poles.pole_count() || poles.number(n) != old.number(o)) change.delete_poles.emplace_back(old.number(o));
  }
  {
    std::unordered_set<std::string_view> new_ids;
    for (const auto& g : grids) new_ids.insert(g.id);
    for (const auto& g : old.grids) {
      if (!new_ids.count(g.id)) change.delete_grids.push_back(g.id);
    }
  }
  if (aliases) {
    std::unordered_set<std::string_view> new_aliases;
    for (const auto& a : *aliases) new_aliases.insert(a.alias);
    for (const auto& a : old.aliases) {
      if (!new_aliases.count(a.alias)) change.delete_aliases.push_back(a.alias);
    }
    change.replace_aliases = std::move(*aliases);
  }
  if (places) {
    std::unordered_set<std::string_view> new_places;
    for (const auto& p : *places) new_places.insert(p.name);
    for (const auto& p : old.places) {
      if (!new_places.count(p.name)) change.delete_places.push_back(p.name);
    }
    change.replace_places = std::move(*places);
  }
  report.removed_poles = change.delete_poles.size();
  report.removed_grids = change.delete_grids.size();
  if (!options.replace) {
    if (auto st = check_removals("poles", labels.poles, poles.pole_count(), old.pole_count(), report.removed_poles,
                                 rejects_in(rejects, labels.poles), options);
        !st) {
      return st;
    }
    if (auto st = check_removals("grids", labels.grids, grids.size(), old.grids.size(), report.removed_grids,
                                 rejects_in(rejects, labels.grids), options);
        !st) {
      return st;
    }
  }
  change.put_pole_stream = [&](const store::PoleVisitor& visit) { poles.for_each_pole(visit); };
  change.put_grids = std::move(grids);
  auto seq = store->apply(change, &report.changed_records);
  if (!seq) {
    note_write_problem();
    return seq.status();
  }
  const bool unchanged = *seq == old.sequence;
  // Durable already (synced log); flushing spares the next open a replay of the
  // whole import. A failed flush (a full disk) loses nothing: the import stands,
  // and the write side comes back at the next write.
  if (!unchanged) {
    if (auto st = store->flush(); !st) note_write_problem();
  }
  report.poles = poles.pole_count();
  report.grids = change.put_grids.size();
  std::vector<AliasRecord> kept = change.replace_aliases ? std::move(*change.replace_aliases) : old.aliases;
  report.aliases = kept.size();
  std::vector<PlaceRecord> kept_places = change.replace_places ? std::move(*change.replace_places) : old.places;
  report.places = kept_places.size();
  report.rejects = std::move(rejects);
  if (unchanged) return report;  // the current snapshot already shows exactly this dataset
  if (options.progress) options.progress({"index", 0});
  before.reset();
  for (GridRecord& g : change.put_grids) poles.add_grid(std::move(g));
  for (AliasRecord& a : kept) poles.add_alias(std::move(a));
  for (PlaceRecord& p : kept_places) poles.add_place(std::move(p));
  change = {};
  publish(poles.finish(*seq));
  return report;
}

Status Service::put_pole(PoleRecord pole) {
  if (read_only()) return {ErrorCode::read_only, impl_->path + " is open read-only"};
  if (auto why = check_pole(pole)) return {ErrorCode::invalid_input, *why};
  std::lock_guard lock(impl_->write_mutex);
  if (auto st = impl_->ready_for_writes(); !st) return st;
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
  if (auto st = impl_->ready_for_writes(); !st) return st;
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
  if (auto st = impl_->ready_for_writes(); !st) return st;
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
  if (auto st = impl_->ready_for_writes(); !st) return st;
  auto snap = snapshot();
  auto grid = snap->grid(id);
  if (!grid) return {ErrorCode::not_found, "no grid with id '" + std::string(id) + "'"};
  Records next = records_of(*snap);
  next.grids.erase(next.grids.begin() + grid->index());
  store::Change change;
  change.delete_grids.emplace_back(id);
  return impl_->commit(change, std::move(next));
}

Result<CompactReport> Service::compact_history(std::chrono::seconds keep) {
  if (read_only()) return Status(ErrorCode::read_only, impl_->path + " is open read-only");
  if (keep.count() < 0) return Status(ErrorCode::invalid_argument, "the history to keep cannot be negative");
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
