// read_input: the three files -> one validated Dataset (poleloc/import.hpp).
#include "io/readers.hpp"

#include <poleloc/import.hpp>

#include <algorithm>
#include <numeric>

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

Result<ParsedInput> read_input(const ImportSources& sources, const ImportOptions& options) {
  auto crs = geo::CrsTransform::create(options.crs);
  if (!crs) return crs.status();
  ParsedInput out;
  io::ErrorSink errors(options.skip_invalid ? SIZE_MAX : options.max_listed_errors);
  auto report = [&](const char* stage, std::size_t done) {
    if (options.progress) options.progress({stage, done});
  };

  std::vector<std::uint32_t> pole_lines;
  io::read_poles_csv(
      sources.poles, *crs, errors,
      [&](PoleRecord&& p, std::size_t line) {
        out.dataset.poles.push_back(std::move(p));
        pole_lines.push_back(static_cast<std::uint32_t>(line));
      },
      [&](std::size_t n) { report("poles", n); });

  // Duplicate numbers: the first occurrence stays, later ones are errors.
  {
    std::vector<std::uint32_t> order(out.dataset.poles.size());
    std::iota(order.begin(), order.end(), 0);
    const auto& poles = out.dataset.poles;
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
      return poles[a].number != poles[b].number ? poles[a].number < poles[b].number : a < b;
    });
    std::vector<bool> drop(poles.size(), false);
    for (std::size_t i = 1; i < order.size(); ++i) {
      if (poles[order[i]].number == poles[order[i - 1]].number) {
        std::size_t first = i - 1;
        while (first > 0 && poles[order[first - 1]].number == poles[order[i]].number) --first;
        drop[order[i]] = true;
        errors.add({sources.poles, pole_lines[order[i]], std::nullopt, "number",
                    "duplicate number " + poles[order[i]].number + " (first on line " +
                        std::to_string(pole_lines[order[first]]) + ")"});
      }
    }
    if (std::find(drop.begin(), drop.end(), true) != drop.end()) {
      std::size_t w = 0;
      for (std::size_t r = 0; r < poles.size(); ++r) {
        if (!drop[r]) out.dataset.poles[w++] = std::move(out.dataset.poles[r]);
      }
      out.dataset.poles.resize(w);
    }
  }

  io::read_grids_geojson(
      sources.grids, *crs, errors, [&](GridRecord&& g, std::size_t) { out.dataset.grids.push_back(std::move(g)); },
      [&](std::size_t n) { report("grids", n); });

  if (!sources.aliases.empty()) {
    out.dataset.has_aliases = true;
    io::read_aliases_csv(sources.aliases, errors,
                         [&](AliasRecord&& a, std::size_t) { out.dataset.aliases.push_back(std::move(a)); });
  }
  out.error_count = errors.count();
  out.errors = std::move(errors.errors());
  // Errors in file order: poles by line, then grids by feature, then aliases.
  std::stable_sort(out.errors.begin(), out.errors.end(), [&](const InputError& a, const InputError& b) {
    auto rank = [&](const InputError& e) {
      return e.file == sources.poles ? 0 : e.file == sources.grids ? 1 : 2;
    };
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    if (a.feature != b.feature) return a.feature < b.feature;
    return a.line < b.line;
  });
  return out;
}

}  // namespace poleloc
