// read_input: the three files -> one validated Dataset (poleloc/import.hpp).
#include "geo/grid_overlaps.hpp"
#include "geo/polygon_check.hpp"
#include "geo/polygon_repair.hpp"
#include "io/input_format.hpp"
#include "io/ogr_reader.hpp"
#include "io/readers.hpp"

#include <poleloc/import.hpp>

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <thread>
#include <tuple>
#include <unordered_set>

namespace poleloc {

std::string InputError::to_string() const {
  std::string s = file;
  if (feature) {
    s += ": feature ";
    s += std::to_string(*feature);
  } else if (line) {
    s += ':';
    s += std::to_string(line);
  }
  s += ": ";
  if (!field.empty()) {
    s += field;
    s += ": ";
  }
  s += reason;
  return s;
}

namespace io {

Result<geo::CrsTransform> choose_crs(const CrsChoice& choice, const std::string& declared, const std::string& label,
                                     const std::string& file, CrsUsed& used) {
  (void)file;  // messages name the file where they are listed
  used = {};
  std::string use = choice.crs;
  if (!declared.empty()) {
    const bool web_map_on_wgs84 = geo::is_web_map_datum(choice.crs) && geo::same_crs(declared, "EPSG:4326");
    if (choice.given && !web_map_on_wgs84 && !geo::same_crs(declared, choice.crs)) {
      return Status(ErrorCode::invalid_input,
                    "the file declares its CRS as " + label + " but " + choice.flag + " says " + choice.crs +
                        "; leave out " + choice.flag + " to use the file's CRS, or fix the file's CRS");
    }
    if (!web_map_on_wgs84) {
      // WGS84 declared (CRS84 in GDAL's GeoJSON) takes the identity, not a PROJ pipeline per point.
      use = geo::same_crs(declared, "EPSG:4326") ? "EPSG:4326" : declared;
      used.declared = true;
    }
  }
  auto t = geo::CrsTransform::create(use);
  if (!t) {
    if (used.declared) {
      return Status(ErrorCode::invalid_input, "its declared CRS " + label + " is unknown to PROJ: " +
                                                   t.status().message());
    }
    return t.status();
  }
  used.name = used.declared ? label + " (declared by the file)" : t->name();
  used.area = t->area_of_use();
  return t;
}

std::optional<std::string> check_grid_geometry(GridRecord& grid, const GridFileOptions& options,
                                               bool report_orientation, const std::string& where, ErrorSink& errors) {
  if (options.repair) {
    auto fixed = geo::repair_polygon(grid.geometry, {.report_orientation = report_orientation});
    if (!fixed) return "cannot be repaired: " + fixed.status().message();
    if (*fixed) errors.note(where + ": grid '" + grid.id + "': " + (*fixed)->describe());
  }
  if (auto problem = geo::polygon_problem(grid.geometry)) {
    return "invalid polygon: " + problem->reason + (options.repair ? "" : " (--repair fixes it with GEOS MakeValid)");
  }
  return std::nullopt;
}

namespace {

// Tracks where one file's records lie, for the area-of-use and extent checks.
struct Extent {
  BBox box{1e9, 1e9, -1e9, -1e9};
  std::size_t count = 0, outside = 0;
  std::optional<LonLat> first_outside;
  std::size_t first_outside_at = 0;
  void add(LonLat p, const CrsUsed& crs, std::size_t at) {
    ++count;
    box.min_lon = std::min(box.min_lon, p.lon);
    box.min_lat = std::min(box.min_lat, p.lat);
    box.max_lon = std::max(box.max_lon, p.lon);
    box.max_lat = std::max(box.max_lat, p.lat);
    if (!crs.area) return;
    // A degree of slack: a city may straddle the edge of a Gauss-Krueger zone.
    constexpr double kSlack = 1.0;
    const BBox& a = *crs.area;
    if (p.lon < a.min_lon - kSlack || p.lon > a.max_lon + kSlack || p.lat < a.min_lat - kSlack ||
        p.lat > a.max_lat + kSlack) {
      if (outside++ == 0) {
        first_outside = p;
        first_outside_at = at;
      }
    }
  }
};

std::string box_text(const BBox& b) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "lon %.4f..%.4f, lat %.4f..%.4f", b.min_lon, b.max_lon, b.min_lat, b.max_lat);
  return buf;
}

CrsChoice choice_for(const std::string& per_file, const char* flag, const ImportOptions& options) {
  CrsChoice c;
  if (!per_file.empty()) {
    c.crs = per_file;
    c.given = true;
    c.flag = flag;
  } else {
    c.crs = options.crs;
    c.given = !geo::same_crs(options.crs, "EPSG:4326");
    c.flag = "--crs";
  }
  return c;
}

}  // namespace

Status read_files(const ImportSources& sources, const ImportOptions& options, ErrorSink& errors,
                  const PoleSink& poles, const GridSink& grids, const AliasSink& aliases, const PlaceSink& places,
                  const std::function<void()>& grids_done) {
  const CrsChoice pole_choice = choice_for(options.poles_crs, "--poles-crs", options);
  const CrsChoice grid_choice = choice_for(options.grids_crs, "--grids-crs", options);
  auto crs = geo::CrsTransform::create(options.crs);
  if (!crs) return crs.status();
  auto report = [&](const char* stage) {
    return [&options, stage](std::size_t done) {
      if (options.progress) options.progress({stage, done});
    };
  };
  PoleFileOptions pole_options;
  if (!options.columns.empty()) {
    auto spec = parse_column_spec(options.columns);
    if (!spec) return spec.status();
    pole_options.columns = *spec;
  }
  pole_options.encoding = options.encoding;
  pole_options.layer = options.poles_layer;
  GridFileOptions grid_options;
  if (!options.id_field.empty()) grid_options.id_field = options.id_field, grid_options.id_field_given = true;
  if (!options.name_field.empty()) grid_options.name_field = options.name_field, grid_options.name_field_given = true;
  grid_options.encoding = options.encoding;
  grid_options.layer = options.grids_layer;
  grid_options.repair = options.repair;

  auto pole_format = detect_format(sources.poles, InputRole::poles);
  auto grid_format = detect_format(sources.grids, InputRole::grids);
  const std::size_t fatal_before = errors.fatal_count();
  for (const auto* f : {&pole_format, &grid_format}) {
    if (!*f) errors.add_fatal({f == &pole_format ? shown(sources.poles) : shown(sources.grids), 0, std::nullopt, "",
                               f->status().message()});
  }
  if (errors.fatal_count() > fatal_before) return Status::ok();

  CrsUsed pole_crs, grid_crs;
  Extent pole_extent, grid_extent;
  auto pole_sink = [&](PoleRecord&& p, std::size_t line) {
    pole_extent.add(p.position, pole_crs, line);
    poles(std::move(p), line);
  };
  const std::size_t errors_before = errors.count();
  std::unordered_set<std::string> grid_ids;  // for the places given by a grid
  auto grid_sink = [&](GridRecord&& g, std::size_t feature) {
    for (const Polygon& poly : g.geometry) {
      for (const LonLat& q : poly.rings[0]) grid_extent.add(q, grid_crs, feature);
    }
    if (!sources.places.empty()) grid_ids.insert(g.id);
    grids(std::move(g), feature);
  };
  if (*grid_format == InputFormat::geojson) {
    auto t = choose_crs(grid_choice, "", "", shown(sources.grids), grid_crs);
    if (!t) return t.status();
    std::optional<geo::CrsTransform> declared_transform;
    read_grids_geojson(
        sources.grids, *t, errors, grid_sink, report("grids"), GridLimits::of(options), grid_options,
        [&](const std::string& declared) -> const geo::CrsTransform* {
          auto d = choose_crs(grid_choice, declared, declared, shown(sources.grids), grid_crs);
          if (!d) {
            errors.add_fatal({shown(sources.grids), 1, std::nullopt, "crs", d.status().message()});
            return nullptr;
          }
          declared_transform.emplace(std::move(*d));
          return &*declared_transform;
        });
  } else {
    read_grids_ogr(sources.grids, *grid_format, grid_choice, errors, grid_sink, report("grids"), GridLimits::of(options),
                   grid_options, grid_crs);
  }

  if (grids_done) grids_done();
  if (*pole_format == InputFormat::csv) {
    auto t = choose_crs(pole_choice, "", "", shown(sources.poles), pole_crs);
    if (!t) return t.status();
    read_poles_csv(sources.poles, *t, errors, pole_sink, report("poles"), pole_options);
  } else {
    read_poles_ogr(sources.poles, *pole_format, pole_choice, errors, pole_sink, report("poles"), pole_options, pole_crs);
  }
  // Coordinates far from where their CRS is used, or poles nowhere near the
  // grids: one of the files was read in the wrong CRS. Better stop than store
  // every pole in the wrong grid.
  auto hint = [](const char* flag, const CrsUsed& used) {
    return used.declared ? std::string(" (the file declares it; check the .prj or the layer's SRS)")
                         : std::string(" (give the right one with ") + flag + ")";
  };
  if (errors.fatal_count() == fatal_before) {
    for (auto [extent, file, used, flag] :
         {std::tuple{&pole_extent, &sources.poles, &pole_crs, "--poles-crs"},
          std::tuple{&grid_extent, &sources.grids, &grid_crs, "--grids-crs"}}) {
      if (extent->outside == 0) continue;
      char at[96];
      std::snprintf(at, sizeof at, "%.6f %.6f", extent->first_outside->lon, extent->first_outside->lat);
      errors.add_fatal({shown(*file), 0, std::nullopt, "",
                        with_commas(extent->outside) + " of " + with_commas(extent->count) +
                            (file == &sources.poles ? " poles" : " grid vertices") + " lie outside the area of use of " +
                            used->name + " (" + box_text(*used->area) + "), the first at " + at +
                            " (WGS84): this file is probably in another CRS" + hint(flag, *used)});
    }
  }
  // Only for files read without a rejected row: rejected rows already point at the problem.
  if (errors.count() == errors_before && pole_extent.count > 0 && grid_extent.count > 0) {
    const BBox& a = pole_extent.box;
    const BBox& b = grid_extent.box;
    // Poles a few kilometres outside every grid happen (orphans, a district's
    // edge); a wrong CRS moves them by tens of kilometres at least.
    constexpr double kSlack = 0.5;  // degrees, about 50 km
    if (a.max_lon + kSlack < b.min_lon || b.max_lon + kSlack < a.min_lon || a.max_lat + kSlack < b.min_lat ||
        b.max_lat + kSlack < a.min_lat) {
      // Blame the file whose CRS nobody declared; both when both or neither did.
      std::string suspect;
      if (grid_crs.declared && !pole_crs.declared) suspect = "the poles file " + shown(sources.poles) + " is probably in the wrong CRS" + hint("--poles-crs", pole_crs);
      else if (pole_crs.declared && !grid_crs.declared) suspect = "the grids file " + shown(sources.grids) + " is probably in the wrong CRS" + hint("--grids-crs", grid_crs);
      else suspect = "one of the files is in the wrong CRS (give --poles-crs or --grids-crs)";
      errors.add_fatal({shown(sources.poles), 0, std::nullopt, "",
                        "the poles (" + box_text(a) + ", read as " + pole_crs.name + ") lie nowhere near the grids of " +
                            shown(sources.grids) + " (" + box_text(b) + ", read as " + grid_crs.name + "): " + suspect});
    }
  }

  if (!sources.aliases.empty()) read_aliases_csv(sources.aliases, errors, aliases);
  if (!sources.places.empty()) {
    read_places_csv(sources.places, *crs, errors, [&](PlaceRecord&& p, std::size_t line) {
      if (!p.grid.empty() && !grid_ids.count(p.grid)) {
        errors.add({shown(sources.places), line, std::nullopt, "grid",
                    "no grid '" + p.grid + "' in " + shown(sources.grids)});
        return;
      }
      if (places) places(std::move(p), line);
    });
  }
  return Status::ok();
}

std::vector<std::pair<std::size_t, std::string>> find_grid_overlaps(const std::vector<GridRecord>& grids) {
  std::vector<const MultiPolygon*> shapes;
  shapes.reserve(grids.size());
  for (const GridRecord& g : grids) shapes.push_back(&g.geometry);
  std::vector<std::pair<std::size_t, std::string>> out;
  // On every core: an import runs this beside the reading of the poles, and waits for it after.
  const unsigned threads = std::max(1u, std::min(std::thread::hardware_concurrency(), 4u));
  for (const geo::Overlap& o : geo::find_overlaps(shapes, 0.01, threads)) {
    char buf[160];
    if (o.point) {
      std::snprintf(buf, sizeof buf, " by %.1f m² near %.7f %.7f", o.area_m2, o.point->lon, o.point->lat);
    } else {
      std::snprintf(buf, sizeof buf, " by %.1f m²", o.area_m2);
    }
    out.emplace_back(o.b, "grid '" + grids[o.a].id + "' overlaps grid '" + grids[o.b].id + "'" + buf);
  }
  return out;
}

void apply_grid_overlaps(std::vector<GridRecord>& grids, const std::vector<std::pair<std::size_t, std::string>>& found,
                         bool allow_overlap, const std::string& file, ErrorSink& errors, std::vector<std::string>& allowed) {
  std::vector<char> drop(grids.size(), 0);
  for (const auto& [later, text] : found) {
    if (allow_overlap) {
      allowed.push_back(text);
    } else {
      errors.add({shown(file), 0, std::nullopt, "geometry", text + " (--allow-overlap accepts it)"});
      drop[later] = 1;
    }
  }
  std::size_t w = 0;
  for (std::size_t r = 0; r < grids.size(); ++r) {
    if (drop[r]) continue;
    if (w != r) grids[w] = std::move(grids[r]);
    ++w;
  }
  grids.resize(w);
}

void check_overlaps(std::vector<GridRecord>& grids, bool allow_overlap, const std::string& file, ErrorSink& errors,
                    std::vector<std::string>& allowed) {
  apply_grid_overlaps(grids, find_grid_overlaps(grids), allow_overlap, file, errors, allowed);
}

std::vector<std::uint32_t> report_duplicates(const std::vector<std::uint32_t>& order,
                                             const std::function<std::string_view(std::uint32_t)>& number_of,
                                             const std::vector<std::uint32_t>& line_of, const std::string& file,
                                             ErrorSink& errors) {
  std::vector<std::uint32_t> keep;
  keep.reserve(order.size());
  std::size_t first = 0;  // position in `order` of the first pole with the current number
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i > 0 && number_of(order[i]) == number_of(order[first])) {
      errors.add({file, line_of[order[i]], std::nullopt, "number",
                  "duplicate number " + std::string(number_of(order[i])) + " (first on line " +
                      std::to_string(line_of[order[first]]) + ")"});
      continue;
    }
    first = i;
    keep.push_back(order[i]);
  }
  return keep;
}

void sort_errors(std::vector<InputError>& errors, const ImportSources& sources) {
  auto rank = [&](const InputError& e) {
    return e.file == sources.poles ? 0 : e.file == sources.grids ? 1 : e.file == sources.aliases ? 2 : 3;
  };
  std::stable_sort(errors.begin(), errors.end(), [&](const InputError& a, const InputError& b) {
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    if (a.feature != b.feature) return a.feature < b.feature;
    return a.line < b.line;
  });
}

}  // namespace io

Result<ParsedInput> read_input(const ImportSources& sources, const ImportOptions& options) {
  ParsedInput out;
  io::ErrorSink errors(options.skip_invalid ? SIZE_MAX : options.max_listed_errors);
  std::vector<PoleRecord> poles;
  std::vector<std::uint32_t> lines;
  out.dataset.has_aliases = !sources.aliases.empty();
  out.dataset.has_places = !sources.places.empty();
  auto st = io::read_files(
      sources, options, errors,
      [&](PoleRecord&& p, std::size_t line) {
        poles.push_back(std::move(p));
        lines.push_back(static_cast<std::uint32_t>(line));
      },
      [&](GridRecord&& g, std::size_t) { out.dataset.grids.push_back(std::move(g)); },
      [&](AliasRecord&& a, std::size_t) { out.dataset.aliases.push_back(std::move(a)); },
      [&](PlaceRecord&& p, std::size_t) { out.dataset.places.push_back(std::move(p)); });
  if (!st) return st;

  std::vector<std::uint32_t> order(poles.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return poles[a].number < poles[b].number; });
  const auto keep = io::report_duplicates(
      order, [&](std::uint32_t i) { return std::string_view(poles[i].number); }, lines, sources.poles, errors);
  out.dataset.poles.reserve(keep.size());
  for (std::uint32_t i : keep) out.dataset.poles.push_back(std::move(poles[i]));

  io::check_overlaps(out.dataset.grids, options.allow_overlap, sources.grids, errors, out.overlaps);
  out.error_count = errors.count();
  out.fatal_errors = errors.fatal_count();
  out.errors = std::move(errors.errors());
  out.repairs = std::move(errors.notes());
  io::sort_errors(out.errors, sources);
  return out;
}

}  // namespace poleloc
