// read_input: the three files -> one validated Dataset (poleloc/import.hpp).
#include "io/readers.hpp"

#include <poleloc/import.hpp>

#include <algorithm>
#include <numeric>
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

Status read_files(const ImportSources& sources, const ImportOptions& options, ErrorSink& errors,
                  const PoleSink& poles, const GridSink& grids, const AliasSink& aliases, const PlaceSink& places) {
  auto crs = geo::CrsTransform::create(options.crs);
  if (!crs) return crs.status();
  auto report = [&](const char* stage) {
    return [&options, stage](std::size_t done) {
      if (options.progress) options.progress({stage, done});
    };
  };
  read_poles_csv(sources.poles, *crs, errors, poles, report("poles"));
  std::unordered_set<std::string> grid_ids;  // for the places given by a grid
  read_grids_geojson(
      sources.grids, *crs, errors,
      [&](GridRecord&& g, std::size_t feature) {
        if (!sources.places.empty()) grid_ids.insert(g.id);
        grids(std::move(g), feature);
      },
      report("grids"), GridLimits::of(options));
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

  out.error_count = errors.count();
  out.fatal_errors = errors.fatal_count();
  out.errors = std::move(errors.errors());
  io::sort_errors(out.errors, sources);
  return out;
}

}  // namespace poleloc
