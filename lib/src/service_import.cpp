// service_import.cpp: Service::import, replacing the dataset from files or
// records in one atomic commit, with the removal safeguards of ImportOptions.
#include "service_impl.hpp"

#include "geo/crs.hpp"
#include "geo/grid_overlaps.hpp"
#include "io/readers.hpp"
#include "io/roads_geojson.hpp"
#include "record_checks.hpp"

#include <poleloc/number.hpp>

#include <algorithm>
#include <future>
#include <iterator>
#include <cstdio>
#include <cstring>
#include <deque>
#include <unordered_set>

namespace poleloc {
namespace {

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

Status check_options(const ImportOptions& options) {
  if (options.replace && options.merge) {
    return {ErrorCode::bad_request, "replace and merge contradict each other: a merge removes nothing"};
  }
  if (!(options.max_remove_share >= 0 && options.max_remove_share <= 1)) {
    return {ErrorCode::bad_request, "max_remove_share must be a share between 0 and 1, e.g. 0.1 for 10 %"};
  }
  if (options.max_grid_vertices < 4 || options.max_property_depth < 1 || options.max_attribute_bytes < 1 ||
      options.max_properties_bytes < 1) {
    return {ErrorCode::bad_request, "import limits must be positive (max_grid_vertices at least 4)"};
  }
  return Status::ok();
}

// A merge keeps the stored grids the import does not name: the grids it adds or
// reshapes must not overlap those, as put_grid checks (the file's grids among
// themselves were checked while reading). Without allow_overlap an overlap
// refuses the import, or with skip_invalid drops the incoming grid as a reject;
// with it the overlap is listed in `allowed`.
Status check_merge_overlaps(const SnapshotData& old, std::vector<GridRecord>& grids, std::vector<InputError>& rejects,
                            std::vector<std::string>& allowed, const ImportOptions& options,
                            const ImportLabels& labels) {
  std::unordered_set<std::string_view> named;
  for (const GridRecord& g : grids) named.insert(g.id);
  // Shapes: the incoming grids with a new geometry first, then the stored grids that stay.
  std::vector<const MultiPolygon*> shapes;
  std::vector<std::size_t> incoming;  // index into `grids` of each of the first shapes
  for (std::size_t i = 0; i < grids.size(); ++i) {
    auto it = old.grid_by_id.find(grids[i].id);
    if (it != old.grid_by_id.end() && old.grid_set->geometry_is(it->second, grids[i].geometry)) continue;
    shapes.push_back(&grids[i].geometry);
    incoming.push_back(i);
  }
  if (incoming.empty()) return Status::ok();
  std::vector<const GridRecord*> stays;
  std::deque<MultiPolygon> stay_outlines;  // rebuilt (GridSet::geometry()): stable addresses
  for (std::uint32_t i = 0; i < old.grids.size(); ++i) {
    const GridRecord& g = old.grids[i];
    if (named.count(g.id)) continue;
    shapes.push_back(&stay_outlines.emplace_back(old.grid_set->geometry(i)));
    stays.push_back(&g);
  }
  if (stays.empty()) return Status::ok();
  const std::size_t n = incoming.size();
  std::vector<InputError> found;
  std::vector<char> drop(grids.size(), 0);
  for (const geo::Overlap& o : geo::find_overlaps(shapes)) {
    if (o.a >= n || o.b < n) continue;  // both incoming (checked while reading) or both stored
    const GridRecord& g = grids[incoming[o.a]];
    char buf[160];
    if (o.point) {
      std::snprintf(buf, sizeof buf, " by %.1f m² near %.7f %.7f", o.area_m2, o.point->lon, o.point->lat);
    } else {
      std::snprintf(buf, sizeof buf, " by %.1f m²", o.area_m2);
    }
    std::string text = "grid '" + g.id + "' overlaps stored grid '" + stays[o.b - n]->id + "'" + buf;
    if (options.allow_overlap) {
      allowed.push_back(std::move(text));
    } else {
      found.push_back({labels.grids, 0, std::nullopt, "geometry", text + " (--allow-overlap accepts it)"});
      drop[incoming[o.a]] = 1;
    }
  }
  if (found.empty()) return Status::ok();
  if (!options.skip_invalid) {
    std::string message = error_list(found, found.size(), options.max_listed_errors);
    if (found.size() > options.max_listed_errors) found.resize(options.max_listed_errors);
    return Status(ErrorCode::invalid_input, std::move(message), std::move(found));
  }
  std::size_t w = 0;
  for (std::size_t r = 0; r < grids.size(); ++r) {
    if (drop[r]) continue;
    if (w != r) grids[w] = std::move(grids[r]);
    ++w;
  }
  grids.resize(w);
  for (InputError& e : found) rejects.push_back(std::move(e));
  return Status::ok();
}

// The import's records of one kind (when it replaces them) followed by the
// stored ones it keeps: what the new snapshot holds.
template <typename T>
std::vector<T> joined(std::optional<std::vector<T>> replaced, std::vector<T> kept) {
  std::vector<T> all = replaced ? std::move(*replaced) : std::vector<T>{};
  all.insert(all.end(), std::make_move_iterator(kept.begin()), std::make_move_iterator(kept.end()));
  return all;
}

// Hands a new snapshot's records other than poles to its builder.
void add_records(SnapshotBuilder& b, std::vector<GridRecord> grids, std::vector<AliasRecord> aliases,
                 std::vector<PlaceRecord> places, std::vector<RoadRecord> roads) {
  for (GridRecord& g : grids) b.add_grid(std::move(g));
  for (AliasRecord& a : aliases) b.add_alias(std::move(a));
  for (PlaceRecord& p : places) b.add_place(std::move(p));
  for (RoadRecord& r : roads) b.add_road(std::move(r));
}

}  // namespace

Result<ImportReport> Service::import(const ImportSources& sources, const ImportOptions& options) {
  if (read_only() && !options.dry_run) return Status(ErrorCode::read_only, impl_->path + " is open read-only");
  if (auto st = check_options(options); !st) return st;
  // Poles stream straight into snapshot columns: no record per pole is kept.
  io::ErrorSink errors(options.skip_invalid ? SIZE_MAX : options.max_listed_errors);
  SnapshotBuilder poles;
  std::vector<std::uint32_t> lines;
  std::vector<GridRecord> grids;
  std::vector<AliasRecord> aliases;
  std::vector<PlaceRecord> places;
  // Declared before `grids`' readers finish and joined (by its destructor) on every return.
  std::future<std::vector<std::pair<std::size_t, std::string>>> overlap_search;
  auto st = io::read_files(
      sources, options, errors,
      [&](PoleRecord&& p, std::size_t line) {
        poles.add_pole(p);
        lines.push_back(static_cast<std::uint32_t>(line));
      },
      [&](GridRecord&& g, std::size_t) { grids.push_back(std::move(g)); },
      [&](AliasRecord&& a, std::size_t) { aliases.push_back(std::move(a)); },
      [&](PlaceRecord&& p, std::size_t) { places.push_back(std::move(p)); },
      // The overlap search runs beside the reading of the poles: on two cores it costs no wall time.
      [&] { overlap_search = std::async(std::launch::async, [&grids] { return io::find_grid_overlaps(grids); }); });
  if (!st) return st;
  std::optional<std::vector<RoadRecord>> new_roads;
  if (!sources.roads.empty()) {
    // Roads come from the same office as the grids: in the grids' CRS unless the file says otherwise.
    auto crs = geo::CrsTransform::create(options.grids_crs.empty() ? options.crs : options.grids_crs);
    if (!crs) return crs.status();
    new_roads = io::read_roads_geojson(sources.roads, *crs, errors);
  }
  poles.keep_only(io::report_duplicates(
      poles.number_order(), [&](std::uint32_t i) { return poles.number(i); }, lines, sources.poles, errors));
  std::vector<std::string> overlaps;
  if (overlap_search.valid()) {
    const auto found = overlap_search.get();
    if (errors.fatal_count() == 0) io::apply_grid_overlaps(grids, found, options.allow_overlap, sources.grids, errors, overlaps);
  }
  lines = {};
  std::vector<InputError> rejects = std::move(errors.errors());
  io::sort_errors(rejects, sources);
  // A file that could not be read to its end (syntax error, bad header) is never
  // imported in part, even with skip_invalid: the rows after the error would be removed.
  if (errors.count() > 0 && (!options.skip_invalid || errors.fatal_count() > 0)) {
    std::string message = error_list(rejects, errors.count(), options.max_listed_errors);
    if (rejects.size() > options.max_listed_errors) rejects.resize(options.max_listed_errors);
    return Status(ErrorCode::invalid_input, std::move(message), std::move(rejects));
  }
  std::optional<std::vector<AliasRecord>> new_aliases;
  if (!sources.aliases.empty()) new_aliases = std::move(aliases);
  std::optional<std::vector<PlaceRecord>> new_places;
  if (!sources.places.empty()) new_places = std::move(places);
  std::vector<std::string> repairs = std::move(errors.notes());
  auto report = impl_->import(std::move(poles), std::move(grids), std::move(new_aliases), std::move(new_places),
                              std::move(new_roads), std::move(rejects), options, {sources.poles, sources.grids});
  if (report) {
    report->repairs = std::move(repairs);
    report->overlaps.insert(report->overlaps.begin(), overlaps.begin(), overlaps.end());
  }
  return report;
}

Result<ImportReport> Service::import(Dataset dataset, const ImportOptions& options) {
  if (read_only() && !options.dry_run) return Status(ErrorCode::read_only, impl_->path + " is open read-only");
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
  std::vector<std::string> overlaps;
  {
    io::ErrorSink overlap_errors(SIZE_MAX);
    io::check_overlaps(dataset.grids, options.allow_overlap, "grids", overlap_errors, overlaps);
    for (InputError& e : overlap_errors.errors()) {
      ++error_count;
      if (options.skip_invalid || errors.size() < options.max_listed_errors) errors.push_back(std::move(e));
    }
  }
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
  std::optional<std::vector<RoadRecord>> roads;
  if (dataset.has_roads || !dataset.roads.empty()) {
    if (!crs->is_identity()) {
      for (RoadRecord& r : dataset.roads) {
        for (LineString& l : r.lines) {
          for (LonLat& p : l) p = crs->to_wgs84(p);
        }
      }
    }
    std::unordered_set<std::string> road_names;
    keep_if(dataset.roads, [&](RoadRecord& r, std::size_t i) {
      if (auto why = check_road(r)) return reject("roads", i, *why), false;
      if (!road_names.insert(r.name).second) return reject("roads", i, "name: duplicate road '" + r.name + "'"), false;
      return true;
    });
    roads = std::move(dataset.roads);
  }
  if (error_count > 0 && !options.skip_invalid) {
    std::string message = error_list(errors, error_count, options.max_listed_errors);
    return Status(ErrorCode::invalid_input, std::move(message), std::move(errors));
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
  auto report = impl_->import(std::move(poles), std::move(dataset.grids), std::move(aliases), std::move(places),
                       std::move(roads), std::move(errors), options, {});
  if (report) report->overlaps.insert(report->overlaps.begin(), overlaps.begin(), overlaps.end());
  return report;
}

Result<ImportReport> Service::Impl::import(SnapshotBuilder poles, std::vector<GridRecord> grids,
                                           std::optional<std::vector<AliasRecord>> aliases,
                                           std::optional<std::vector<PlaceRecord>> places,
                                           std::optional<std::vector<RoadRecord>> roads,
                                           std::vector<InputError> rejects, const ImportOptions& options,
                                           const ImportLabels& labels) {
  std::lock_guard lock(write_mutex);
  if (!options.dry_run) {
    if (auto st = ready_for_writes(); !st) return st;
  }
  // The diff below walks the base: fold recent single writes into it first
  // (a dry run folds them into a copy of its own and publishes nothing).
  std::unique_ptr<SnapshotData> flat;
  if (!edits.empty()) {
    if (options.dry_run) {
      flat = flatten(*current.load());
    } else {
      publish(flatten(*current.load(), grid_index_file()));
    }
  }
  auto before = current.load();
  const SnapshotData& old = flat ? *flat : before->data();
  if (options.progress) options.progress({"store", 0});

  store::Change change;
  ImportReport report;
  report.dry_run = options.dry_run;
  ImportDiff& diff = report.diff;
  auto note = [](std::size_t& count, std::vector<std::string>& ids, std::string_view id) {
    if (ids.size() < ImportDiff::kListedIds) ids.emplace_back(id);
    ++count;
  };
  // Poles: both number lists are sorted, so one merge walk finds the removed,
  // added, changed and unchanged ones. With merge, stored poles absent from the
  // import are kept (kept_poles) instead of removed.
  std::vector<std::uint32_t> kept_poles;
  {
    std::uint32_t o = 0;
    const auto old_count = static_cast<std::uint32_t>(old.pole_count());
    auto absent_from_import = [&](std::uint32_t i) {
      if (options.merge) {
        kept_poles.push_back(i);
      } else {
        change.delete_poles.emplace_back(old.number(i));
        note(diff.poles.removed, diff.poles.removed_ids, old.number(i));
      }
    };
    poles.for_each_pole([&](std::string_view number, LonLat position, const store::AttributeViews& attributes) {
      while (o < old_count && old.number(o) < number) absent_from_import(o++);
      if (o < old_count && old.number(o) == number) {
        bool same = old.positions[o] == position;
        if (same) {
          const Attributes stored = pole_attributes(old, o);
          same = stored.size() == attributes.size() &&
                 std::equal(stored.begin(), stored.end(), attributes.begin(), [](const auto& a, const auto& b) {
                   return a.first == b.first && a.second == b.second && a.type == b.type;
                 });
        }
        if (same) {
          ++diff.poles.unchanged;
        } else {
          note(diff.poles.changed, diff.poles.changed_ids, number);
        }
        ++o;
      } else {
        note(diff.poles.added, diff.poles.added_ids, number);
      }
    });
    while (o < old_count) absent_from_import(o++);
  }
  if (options.merge) {
    if (auto st = check_merge_overlaps(old, grids, rejects, report.overlaps, options, labels); !st) return st;
  }
  std::vector<std::uint32_t> kept_grids;  // indexes into old.grids (whole records: old.grid_set->record())
  {
    std::sort(grids.begin(), grids.end(), [](const GridRecord& a, const GridRecord& b) { return a.id < b.id; });
    std::unordered_set<std::string_view> new_ids;
    for (const auto& g : grids) {
      new_ids.insert(g.id);
      auto it = old.grid_by_id.find(g.id);
      if (it == old.grid_by_id.end()) {
        note(diff.grids.added, diff.grids.added_ids, g.id);
        continue;
      }
      const GridRecord& was = old.grids[it->second];
      if (was.name == g.name && was.attributes == g.attributes && old.grid_set->geometry_is(it->second, g.geometry)) {
        ++diff.grids.unchanged;
      } else {
        note(diff.grids.changed, diff.grids.changed_ids, g.id);
      }
    }
    for (std::uint32_t i = 0; i < old.grids.size(); ++i) {  // sorted by id
      const GridRecord& g = old.grids[i];
      if (new_ids.count(g.id)) continue;
      if (options.merge) {
        kept_grids.push_back(i);
      } else {
        change.delete_grids.push_back(g.id);
        note(diff.grids.removed, diff.grids.removed_ids, g.id);
      }
    }
  }
  // Aliases and places: replaced as a whole when given, upserted by merge, kept when absent.
  std::vector<AliasRecord> kept_aliases;
  if (aliases) {
    std::unordered_set<std::string_view> new_aliases;
    for (const auto& a : *aliases) new_aliases.insert(a.alias);
    for (const auto& a : old.aliases) {
      if (new_aliases.count(a.alias)) continue;
      if (options.merge) {
        kept_aliases.push_back(a);
      } else {
        change.delete_aliases.push_back(a.alias);
      }
    }
    change.replace_aliases = std::move(*aliases);
  } else {
    kept_aliases = old.aliases;
  }
  std::vector<PlaceRecord> kept_places;
  if (places) {
    std::unordered_set<std::string_view> new_places;
    for (const auto& p : *places) new_places.insert(p.name);
    for (const auto& p : old.places) {
      if (new_places.count(p.name)) continue;
      if (options.merge) {
        kept_places.push_back(p);
      } else {
        change.delete_places.push_back(p.name);
      }
    }
    change.replace_places = std::move(*places);
  } else {
    kept_places = old.places;
  }
  std::vector<RoadRecord> kept_roads;
  if (roads) {
    std::unordered_set<std::string_view> new_roads;
    for (const auto& r : *roads) new_roads.insert(r.name);
    for (const auto& r : old.roads) {
      if (new_roads.count(r.name)) continue;
      if (options.merge) {
        kept_roads.push_back(r);
      } else {
        change.delete_roads.push_back(r.name);
      }
    }
    change.replace_roads = std::move(*roads);
  } else {
    kept_roads = old.roads;
  }
  report.removed_poles = change.delete_poles.size();
  report.removed_grids = change.delete_grids.size();
  report.poles = poles.pole_count() + kept_poles.size();
  report.grids = grids.size() + kept_grids.size();
  if (options.on_diff) options.on_diff(diff);
  if (!options.replace) {
    // With merge nothing is removed: only an import into an empty database without records is refused.
    if (auto st = check_removals("poles", labels.poles, report.poles,
                                 old.pole_count(), report.removed_poles, rejects_in(rejects, labels.poles), options);
        !st) {
      return st;
    }
    if (auto st = check_removals("grids", labels.grids, report.grids, old.grids.size(), report.removed_grids,
                                 rejects_in(rejects, labels.grids), options);
        !st) {
      return st;
    }
  }
  const std::size_t alias_count = (change.replace_aliases ? change.replace_aliases->size() : 0) + kept_aliases.size();
  const std::size_t place_count = (change.replace_places ? change.replace_places->size() : 0) + kept_places.size();
  const std::size_t road_count = (change.replace_roads ? change.replace_roads->size() : 0) + kept_roads.size();
  if (options.dry_run) {
    report.aliases = alias_count;
    report.places = place_count;
    report.roads = road_count;
    report.changed_records = diff.poles.added + diff.poles.changed + diff.poles.removed + diff.grids.added +
                             diff.grids.changed + diff.grids.removed;
    report.rejects = std::move(rejects);
    return report;
  }
  // Without stored poles to keep (a merge's), the new snapshot depends only on
  // the import: it is built on another thread while the store writes (reading
  // the same pole columns, which sort_unique() has made final), and published
  // only once the write is durable. The store streams the poles from the
  // columns the snapshot takes over (pole_stream()) and reads the grids where
  // the snapshot holds them (add_sorted_grids(): 640 MB with 40 million
  // vertices, not copied): they live until `building` is dropped, after the
  // write on every path. Aliases and places are copied (small).
  std::future<std::unique_ptr<SnapshotData>> building;
  const bool changes_expected = diff.poles.added + diff.poles.changed + diff.poles.removed + diff.grids.added +
                                    diff.grids.changed + diff.grids.removed >
                                0;  // else (names only, or nothing) the store may write nothing: build after it
  // A re-import is stored as table files ingested as one sorted run above
  // those the database holds, and nothing merges them (store.hpp,
  // merge_live_runs): every open and every read-only server following this
  // database would read through one more run per re-import (2,000,000 poles
  // reloaded in 0.7 s under two runs, 0.9-1.4 s under seven). Merged here,
  // before the write, while no reader waits for it: they then read two (the
  // merge waits while the disk lacks room for it). A storage failure during
  // it takes the write side down, and the write below reports that.
  if (changes_expected) (void)store->merge_live_runs(2);
  poles.keep_grid_index_in(grid_index_file());
  if (kept_poles.empty() && changes_expected) {
    poles.sort_unique();
    change.put_pole_stream = poles.pole_stream();
    std::vector<GridRecord> snapshot_grids;
    if (kept_grids.empty()) {
      change.put_grids_held = &poles.add_sorted_grids(std::move(grids));  // sorted by id above
    } else {  // a merge that keeps stored grids: the snapshot holds those too
      snapshot_grids = grids;
      for (std::uint32_t i : kept_grids) snapshot_grids.push_back(old.grid_set->record(i));
    }
    building = std::async(std::launch::async, [&poles, g = std::move(snapshot_grids),
                                               a = joined(change.replace_aliases, kept_aliases),
                                               p = joined(change.replace_places, kept_places),
                                               r = joined(change.replace_roads, kept_roads)]() mutable {
      add_records(poles, std::move(g), std::move(a), std::move(p), std::move(r));
      return poles.finish(0);
    });
  }
  if (!change.put_pole_stream) {
    change.put_pole_stream = [&](const store::PoleVisitor& visit) { poles.for_each_pole(visit); };
  }
  if (!change.put_grids_held) change.put_grids = std::move(grids);
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
  report.aliases = alias_count;
  report.places = place_count;
  report.roads = road_count;
  report.rejects = std::move(rejects);
  if (unchanged) return report;  // the current snapshot already shows exactly this dataset
  if (options.progress) options.progress({"index", 0});
  if (building.valid()) {
    change = {};
    before.reset();
    std::unique_ptr<SnapshotData> built = building.get();
    built->sequence = *seq;
    built->grid_set->drop_rebuildable_geometries();  // the store has written them: the index's snapped grids suffice
    publish(std::move(built));
    return report;
  }
  // The new snapshot: the import's records, and with merge the stored ones it did not name.
  if (!kept_poles.empty()) {
    store::AttributeViews views;
    for (std::uint32_t i : kept_poles) {
      const Attributes attributes = pole_attributes(old, i);
      views.assign(attributes.begin(), attributes.end());
      poles.add_pole(old.number(i), old.positions[i], views);
    }
    poles.keep_only(poles.number_order());
  }
  for (std::uint32_t i : kept_grids) change.put_grids.push_back(old.grid_set->record(i));
  kept_grids.clear();
  kept_poles.clear();
  std::vector<AliasRecord> all_aliases = joined(std::move(change.replace_aliases), std::move(kept_aliases));
  std::vector<PlaceRecord> all_places = joined(std::move(change.replace_places), std::move(kept_places));
  std::vector<RoadRecord> all_roads = joined(std::move(change.replace_roads), std::move(kept_roads));
  before.reset();
  add_records(poles, std::move(change.put_grids), std::move(all_aliases), std::move(all_places), std::move(all_roads));
  change = {};
  publish(poles.finish(*seq));
  return report;
}

}  // namespace poleloc
