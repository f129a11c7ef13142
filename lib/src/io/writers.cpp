// Export in the import formats; numbers are written in shortest round-trip
// form, so reading an export back gives exactly the stored coordinates.
#include <poleloc/attribute_json.hpp>
#include <poleloc/import.hpp>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <cstdint>
#include <map>
#include <queue>
#include <set>

namespace poleloc {
namespace {

void put_number(std::string& out, double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void put_field(std::string& out, std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos && (s.empty() || (s.front() != ' ' && s.back() != ' '))) {
    out.append(s);
    return;
  }
  out.push_back('"');
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

Status write_file(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return {ErrorCode::io_error, path + ": cannot write: " + std::strerror(errno)};
  const bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  if (std::fclose(f) != 0 || !ok) return {ErrorCode::io_error, path + ": write failed: " + std::strerror(errno)};
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return {ErrorCode::io_error, path + ": cannot replace: " + std::strerror(errno)};
  }
  return Status::ok();
}

// The attribute columns: every key once, in an order that keeps each pole's
// own order of its attributes wherever the poles agree on it (poles read from
// one CSV always do: its header's order, though a pole may lack some columns),
// and in order of first appearance where nothing else decides. Reading the
// export back then gives every pole its attributes in the order it had.
// Kahn's topological sort of "k comes right before k' in some pole", taking
// the earliest-seen key among those free; where the poles disagree (a cycle)
// the earliest-seen key left goes next.
std::vector<std::string> attribute_columns(const std::vector<PoleRecord>& poles,
                                           std::map<std::string, std::size_t, std::less<>>& key_index) {
  std::vector<std::string> seen;  // in order of first appearance
  std::map<std::string, std::size_t, std::less<>> first;
  std::vector<std::vector<std::size_t>> next;
  std::set<std::pair<std::size_t, std::size_t>> edges;
  std::vector<std::size_t> before;  // edges into each key
  for (const auto& p : poles) {
    std::size_t prev = SIZE_MAX;
    for (const auto& a : p.attributes) {
      auto [it, added] = first.emplace(a.first, seen.size());
      if (added) seen.push_back(a.first), next.emplace_back(), before.push_back(0);
      const std::size_t k = it->second;
      if (prev != SIZE_MAX && prev != k && edges.emplace(prev, k).second) next[prev].push_back(k), ++before[k];
      prev = k;
    }
  }
  std::vector<std::string> keys;
  std::vector<char> done(seen.size(), 0);
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> free;
  for (std::size_t k = 0; k < seen.size(); ++k) {
    if (before[k] == 0) free.push(k);
  }
  std::size_t scan = 0;  // the earliest key perhaps not done, for cycles
  while (keys.size() < seen.size()) {
    std::size_t k;
    if (!free.empty()) {
      k = free.top();
      free.pop();
      if (done[k]) continue;
    } else {
      while (done[scan]) ++scan;
      k = scan;
    }
    done[k] = 1;
    key_index.emplace(seen[k], keys.size());
    keys.push_back(seen[k]);
    for (std::size_t n : next[k]) {
      if (!done[n] && --before[n] == 0) free.push(n);
    }
  }
  return keys;
}

}  // namespace

Status write_poles_csv(const std::string& path, const std::vector<PoleRecord>& poles) {
  // Columns: number, lon, lat, then every attribute key (attribute_columns).
  std::map<std::string, std::size_t, std::less<>> key_index;
  const std::vector<std::string> keys = attribute_columns(poles, key_index);
  std::string out = "number,lon,lat";
  for (const auto& k : keys) {
    out.push_back(',');
    put_field(out, k);
  }
  out.push_back('\n');
  std::vector<const std::string*> values(keys.size());
  for (const auto& p : poles) {
    out.append(p.number);
    out.push_back(',');
    put_number(out, p.position.lon);
    out.push_back(',');
    put_number(out, p.position.lat);
    std::fill(values.begin(), values.end(), nullptr);
    for (const auto& [k, v] : p.attributes) values[key_index.find(k)->second] = &v;
    for (const auto* v : values) {
      out.push_back(',');
      if (v) put_field(out, *v);
    }
    out.push_back('\n');
  }
  return write_file(path, out);
}

Status write_grids_geojson(const std::string& path, const std::vector<GridRecord>& grids) {
  std::string out = "{\"type\":\"FeatureCollection\",\"features\":[\n";
  for (std::size_t i = 0; i < grids.size(); ++i) {
    const GridRecord& g = grids[i];
    nlohmann::ordered_json props;
    props["id"] = g.id;
    if (!g.name.empty()) props["name"] = g.name;
    // Numbers and booleans as JSON numbers and booleans: importing the export gives them back typed.
    for (const Attribute& a : g.attributes) props[a.first] = attribute_to_json<nlohmann::ordered_json>(a);
    out += "{\"type\":\"Feature\",\"properties\":";
    out += props.dump();
    out += ",\"geometry\":{\"type\":\"";
    const bool multi = g.geometry.size() != 1;
    out += multi ? "MultiPolygon" : "Polygon";
    out += "\",\"coordinates\":";
    if (multi) out.push_back('[');
    for (std::size_t p = 0; p < g.geometry.size(); ++p) {
      if (p) out.push_back(',');
      out.push_back('[');
      for (std::size_t r = 0; r < g.geometry[p].rings.size(); ++r) {
        if (r) out.push_back(',');
        out.push_back('[');
        const Ring& ring = g.geometry[p].rings[r];
        for (std::size_t k = 0; k < ring.size(); ++k) {
          if (k) out.push_back(',');
          out.push_back('[');
          put_number(out, ring[k].lon);
          out.push_back(',');
          put_number(out, ring[k].lat);
          out.push_back(']');
        }
        out.push_back(']');
      }
      out.push_back(']');
    }
    if (multi) out.push_back(']');
    out += "}}";
    out += i + 1 < grids.size() ? ",\n" : "\n";
  }
  out += "]}\n";
  return write_file(path, out);
}

Status write_aliases_csv(const std::string& path, const std::vector<AliasRecord>& aliases) {
  std::string out = "alias,code\n";
  for (const auto& a : aliases) {
    put_field(out, a.alias);
    out.push_back(',');
    put_field(out, a.code);
    out.push_back('\n');
  }
  return write_file(path, out);
}

// One header for both kinds of place: a point place leaves grid empty, a grid place lon,lat.
Status write_places_csv(const std::string& path, const std::vector<PlaceRecord>& places) {
  std::string out = "name,kind,lon,lat,grid\n";
  for (const auto& p : places) {
    put_field(out, p.name);
    out.push_back(',');
    put_field(out, p.kind);
    out.push_back(',');
    if (p.position) {
      put_number(out, p.position->lon);
      out.push_back(',');
      put_number(out, p.position->lat);
    } else {
      out.push_back(',');
    }
    out.push_back(',');
    put_field(out, p.grid);
    out.push_back('\n');
  }
  return write_file(path, out);
}

}  // namespace poleloc
