// service_dump.cpp: dump and restore with history (Service::export_history,
// Service::restore_history; format in docs/history.md, "Dump and restore with
// history"). The store walks and writes the versions (Store::dump_versions,
// Store::restore); this file turns them into NDJSON lines and back.
//
//   {"poleloc_history":1,"sequence":N,"changelog_from":M}
//   {"seq":1,"time":"2026-03-01T00:00:00.000Z","time_ms":1772323200000,"author":"crew7","kind":"pole",
//    "id":"TJH0372","op":"put","record":{"number":"TJH0372","lon":..,"lat":..,"attributes":{..}}}
//   ...
//   {"poleloc_history_end":true,"versions":K}
#include "service_impl.hpp"

#include <poleloc/attribute_json.hpp>
#include <poleloc/service.hpp>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

namespace poleloc {
namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

constexpr int kDumpFormat = 1;

std::string rfc3339_ms(std::int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms - static_cast<std::int64_t>(secs) * 1000));
  return buf;
}

// Typed values as JSON numbers and booleans (poleloc/attribute_json.hpp), so a restore gives them back.
Json attributes_json(const store::AttributeViews& a) { return attributes_to_json<Json>(a); }
Json attributes_json(const Attributes& a) { return attributes_to_json<Json>(a); }

Json ring_json(const Ring& r) {
  Json out = Json::array();
  for (const LonLat& p : r) out.push_back(Json::array({p.lon, p.lat}));
  return out;
}

Json polygon_json(const Polygon& p) {
  Json out = Json::array();
  for (const Ring& r : p.rings) out.push_back(ring_json(r));
  return out;
}

// Always a MultiPolygon, so that the restored geometry is the stored one exactly.
Json geometry_json(const MultiPolygon& g) {
  Json coords = Json::array();
  for (const Polygon& p : g) coords.push_back(polygon_json(p));
  return Json{{"type", "MultiPolygon"}, {"coordinates", std::move(coords)}};
}

// The record of a put in the shapes of the HTTP API (without what a snapshot derives).
Result<Json> record_json(const store::DumpedVersion& v) {
  switch (v.kind) {
    case store::RecordKind::pole: {
      store::PoleValueView p;
      if (auto st = store::decode_pole(v.value, p); !st) {
        return Status(ErrorCode::corruption, "stored pole '" + v.id + "' cannot be decoded");
      }
      return Json{{"number", v.id}, {"lon", p.position.lon}, {"lat", p.position.lat},
                  {"attributes", attributes_json(p.attributes)}};
    }
    case store::RecordKind::grid: {
      auto g = store::decode_grid(v.id, v.value);
      if (!g) return g.status();
      return Json{{"id", g->id}, {"name", g->name}, {"attributes", attributes_json(g->attributes)},
                  {"geometry", geometry_json(g->geometry)}};
    }
    case store::RecordKind::alias: {
      auto a = store::decode_alias(v.id, v.value);
      if (!a) return a.status();
      return Json{{"alias", a->alias}, {"code", a->code}};
    }
    case store::RecordKind::place: {
      auto p = store::decode_place(store::place_key(v.id), v.value);
      if (!p) return p.status();
      Json out{{"name", p->name}, {"kind", p->kind}};
      if (p->position) {
        out["lon"] = p->position->lon;
        out["lat"] = p->position->lat;
      } else {
        out["grid"] = p->grid;
      }
      return out;
    }
    case store::RecordKind::road: {
      auto r = store::decode_road(store::road_key(v.id), v.value);
      if (!r) return r.status();
      Json lines = Json::array();
      for (const LineString& l : r->lines) {
        Json line = Json::array();
        for (const LonLat& q : l) line.push_back(Json::array({q.lon, q.lat}));
        lines.push_back(std::move(line));
      }
      return Json{{"name", r->name}, {"geometry", {{"type", "MultiLineString"}, {"coordinates", std::move(lines)}}}};
    }
  }
  return Status(ErrorCode::corruption, "unknown record kind");
}

// ---- reading a dump back ----

// Thrown inside the parsers of one line; caught and turned into invalid_input naming the line.
struct BadLine {
  std::string why;
};

const Json& need(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) throw BadLine{std::string("missing \"") + key + "\""};
  return *it;
}
std::string need_string(const Json& j, const char* key) {
  const Json& v = need(j, key);
  if (!v.is_string()) throw BadLine{std::string("\"") + key + "\" must be a string"};
  return v.get<std::string>();
}
double need_number(const Json& v, const char* what) {
  if (!v.is_number()) throw BadLine{std::string(what) + " must be a number"};
  return v.get<double>();
}
std::uint64_t need_u64(const Json& j, const char* key) {
  const Json& v = need(j, key);
  if (!v.is_number_unsigned()) throw BadLine{std::string("\"") + key + "\" must be a whole number"};
  return v.get<std::uint64_t>();
}
Attributes attributes_of(const Json& j) {
  Attributes out;
  auto it = j.find("attributes");
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_object()) throw BadLine{"\"attributes\" must be an object"};
  for (const auto& [k, v] : it->items()) {
    if (v.is_null()) continue;
    auto a = attribute_from_json(k, v);
    if (!a) throw BadLine{"attribute \"" + k + "\" must be a string, number or boolean"};
    out.push_back(std::move(*a));
  }
  return out;
}
Ring ring_of(const Json& j) {
  if (!j.is_array()) throw BadLine{"a ring must be an array of positions"};
  Ring r;
  r.reserve(j.size());
  for (const Json& p : j) {
    if (!p.is_array() || p.size() < 2) throw BadLine{"a position must be [lon, lat]"};
    r.push_back({need_number(p[0], "lon"), need_number(p[1], "lat")});
  }
  return r;
}
Polygon polygon_of(const Json& j) {
  if (!j.is_array()) throw BadLine{"a polygon must be an array of rings"};
  Polygon p;
  for (const Json& r : j) p.rings.push_back(ring_of(r));
  return p;
}
MultiPolygon geometry_of(const Json& j) {
  const std::string type = need_string(j, "type");
  const Json& c = need(j, "coordinates");
  if (type == "Polygon") return {polygon_of(c)};
  if (type != "MultiPolygon") throw BadLine{"geometry type must be Polygon or MultiPolygon, got " + type};
  if (!c.is_array()) throw BadLine{"MultiPolygon coordinates must be an array"};
  MultiPolygon g;
  for (const Json& p : c) g.push_back(polygon_of(p));
  return g;
}

// The encoded value of a dump line's record (a tombstone for a delete).
std::string value_of(store::RecordKind kind, store::ChangeOp op, const std::string& id, const Json& line) {
  if (op == store::ChangeOp::remove) return store::encode_tombstone();
  const Json& r = need(line, "record");
  if (!r.is_object()) throw BadLine{"a put needs a \"record\" object"};
  switch (kind) {
    case store::RecordKind::pole: {
      PoleRecord p{id, {need_number(need(r, "lon"), "\"lon\""), need_number(need(r, "lat"), "\"lat\"")}, attributes_of(r)};
      if (need_string(r, "number") != id) throw BadLine{"the record's number is not the line's id"};
      return store::encode_pole(p);
    }
    case store::RecordKind::grid: {
      GridRecord g{need_string(r, "id"), need_string(r, "name"), attributes_of(r), geometry_of(need(r, "geometry"))};
      if (g.id != id) throw BadLine{"the record's id is not the line's id"};
      return store::encode_grid(g);
    }
    case store::RecordKind::alias: {
      AliasRecord a{need_string(r, "alias"), need_string(r, "code")};
      if (a.alias != id) throw BadLine{"the record's alias is not the line's id"};
      return store::encode_alias(a);
    }
    case store::RecordKind::place: {
      PlaceRecord p;
      p.name = need_string(r, "name");
      p.kind = need_string(r, "kind");
      if (r.contains("lon") || r.contains("lat")) {
        p.position = LonLat{need_number(need(r, "lon"), "\"lon\""), need_number(need(r, "lat"), "\"lat\"")};
      } else {
        p.grid = need_string(r, "grid");
      }
      if (p.name != id) throw BadLine{"the record's name is not the line's id"};
      return store::encode_place(p);
    }
    case store::RecordKind::road: {
      RoadRecord road;
      road.name = need_string(r, "name");
      const Json& g = need(r, "geometry");
      const Json& lines = need(g, "coordinates");
      if (!lines.is_array()) throw BadLine{"a road's \"coordinates\" must be an array of lines"};
      for (const Json& l : lines) {
        if (!l.is_array() || l.size() < 2) throw BadLine{"a road line needs at least 2 positions"};
        LineString line;
        for (const Json& q : l) {
          if (!q.is_array() || q.size() < 2) throw BadLine{"a road position must be [lon, lat]"};
          line.push_back({need_number(q[0], "lon"), need_number(q[1], "lat")});
        }
        road.lines.push_back(std::move(line));
      }
      if (road.name != id) throw BadLine{"the record's name is not the line's id"};
      return store::encode_road(road);
    }
  }
  throw BadLine{"unknown kind"};
}

store::RecordKind kind_of(const std::string& k) {
  if (k == "pole") return store::RecordKind::pole;
  if (k == "grid") return store::RecordKind::grid;
  if (k == "alias") return store::RecordKind::alias;
  if (k == "place") return store::RecordKind::place;
  if (k == "road") return store::RecordKind::road;
  throw BadLine{"\"kind\" must be pole, grid, alias, place or road, got \"" + k + "\""};
}

Status restore_into(store::Store& store, const std::string& dump_path) {
  std::ifstream in(dump_path, std::ios::binary);
  if (!in) return {ErrorCode::io_error, "cannot read " + dump_path};
  std::string text;
  std::size_t line_no = 0;
  auto bad = [&](const std::string& why) {
    return Status(ErrorCode::invalid_input, dump_path + ":" + std::to_string(line_no) + ": " + why +
                                                "; nothing was restored");
  };
  std::uint64_t final_seq = 0, changelog_from = 0, versions = 0;
  bool have_header = false, ended = false;
  // The sequence being gathered: written when the next one begins.
  std::uint64_t group_seq = 0;
  std::optional<std::int64_t> group_ms;
  std::string group_author;
  std::vector<store::DumpedVersion> group;
  auto flush_group = [&]() -> Status {
    if (group.empty()) return Status::ok();
    auto st = store.restore(group_seq, group_ms, group_author, group, group_seq >= changelog_from);
    group.clear();
    return st;
  };
  while (std::getline(in, text)) {
    ++line_no;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.empty()) continue;
    if (ended) return bad("a line after the end line");
    try {
      Json j = Json::parse(text);
      if (!j.is_object()) throw BadLine{"not a JSON object"};
      if (!have_header) {
        if (!j.contains("poleloc_history")) throw BadLine{"not a poleloc history dump (the first line has no \"poleloc_history\")"};
        if (need_u64(j, "poleloc_history") != kDumpFormat) throw BadLine{"unknown dump format version"};
        final_seq = need_u64(j, "sequence");
        changelog_from = need_u64(j, "changelog_from");
        have_header = true;
        continue;
      }
      if (j.contains("poleloc_history_end")) {
        if (need_u64(j, "versions") != versions) {
          throw BadLine{"the end line counts " + std::to_string(need_u64(j, "versions")) + " versions, the dump holds " +
                        std::to_string(versions)};
        }
        ended = true;
        continue;
      }
      store::DumpedVersion v;
      v.sequence = need_u64(j, "seq");
      if (v.sequence == 0 || v.sequence > final_seq) throw BadLine{"\"seq\" must be in 1..the header's sequence"};
      if (v.sequence < group_seq) throw BadLine{"sequences must not go back (" + std::to_string(v.sequence) + " after " +
                                                std::to_string(group_seq) + ")"};
      if (auto t = j.find("time_ms"); t != j.end() && !t->is_null()) {
        if (!t->is_number_integer()) throw BadLine{"\"time_ms\" must be a whole number"};
        v.unix_ms = t->get<std::int64_t>();
      }
      v.author = j.contains("author") && !j["author"].is_null() ? need_string(j, "author") : std::string();
      v.kind = kind_of(need_string(j, "kind"));
      v.id = need_string(j, "id");
      if (v.id.empty()) throw BadLine{"empty \"id\""};
      const std::string op = need_string(j, "op");
      if (op != "put" && op != "delete") throw BadLine{"\"op\" must be put or delete"};
      v.op = op == "put" ? store::ChangeOp::put : store::ChangeOp::remove;
      v.value = value_of(v.kind, v.op, v.id, j);
      if (v.sequence != group_seq) {
        if (auto st = flush_group(); !st) return st;
        group_seq = v.sequence;
        group_ms = v.unix_ms;
        group_author = v.author;
      } else if (v.unix_ms != group_ms || v.author != group_author) {
        throw BadLine{"the time or author differs from the other lines of sequence " + std::to_string(v.sequence)};
      }
      group.push_back(std::move(v));
      ++versions;
    } catch (const BadLine& e) {
      return bad(e.why);
    } catch (const nlohmann::json::exception& e) {
      return bad(std::string("not valid JSON (") + e.what() + ")");
    }
  }
  if (in.bad()) return {ErrorCode::io_error, "cannot read " + dump_path};
  if (!have_header) {
    ++line_no;
    return bad("an empty dump (no header line)");
  }
  if (!ended) {
    ++line_no;
    return bad("the dump ends without its end line (truncated?)");
  }
  if (auto st = flush_group(); !st) return st;
  return store.finish_restore(final_seq, changelog_from);
}

}  // namespace

Status Service::export_history(const std::string& path) const {
  const std::string tmp = path + ".tmp";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) return {ErrorCode::io_error, "cannot write " + tmp};
  std::uint64_t versions = 0;
  std::string line;
  auto st = impl_->store->dump_versions(
      [&](const store::DumpHeader& h) -> Status {
        out << Json{{"poleloc_history", kDumpFormat}, {"sequence", h.sequence}, {"changelog_from", h.changelog_from}}.dump()
            << '\n';
        return Status::ok();
      },
      [&](const store::DumpedVersion& v) -> Status {
        Json j{{"seq", v.sequence},
               {"time", v.unix_ms ? Json(rfc3339_ms(*v.unix_ms)) : Json(nullptr)},
               {"time_ms", v.unix_ms ? Json(*v.unix_ms) : Json(nullptr)},
               {"author", v.author},
               {"kind", store::kind_name(v.kind)},
               {"id", v.id},
               {"op", store::op_name(v.op)}};
        if (v.op == store::ChangeOp::put) {
          auto r = record_json(v);
          if (!r) return r.status();
          j["record"] = std::move(*r);
        } else {
          j["record"] = nullptr;
        }
        line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
        out << line << '\n';
        ++versions;
        if (!out) return {ErrorCode::io_error, "cannot write " + tmp};
        return Status::ok();
      });
  if (st) {
    out << Json{{"poleloc_history_end", true}, {"versions", versions}}.dump() << '\n';
    out.flush();
    if (!out) st = {ErrorCode::io_error, "cannot write " + tmp};
  }
  out.close();
  std::error_code ec;
  if (st) {
    fs::rename(tmp, path, ec);
    if (ec) st = {ErrorCode::io_error, "cannot rename " + tmp + " to " + path + ": " + ec.message()};
  }
  if (!st) fs::remove(tmp, ec);
  return st;
}

Status Service::restore_history(const std::string& db_path_given, const std::string& dump_path) {
  // "NEWDIR/" must not put the work directory inside NEWDIR.
  std::string db_path = fs::path(db_path_given).lexically_normal().string();
  while (db_path.size() > 1 && db_path.back() == '/') db_path.pop_back();
  if (db_path.empty() || db_path == "." || db_path == "/") {
    return {ErrorCode::bad_request, "restore needs a new database directory, got '" + db_path_given + "'"};
  }
  std::error_code ec;
  if (fs::exists(db_path, ec)) {
    if (!fs::is_directory(db_path, ec) || !fs::is_empty(db_path, ec)) {
      return {ErrorCode::bad_request, db_path + " is not empty: a dump is restored only into a new database "
                                                     "(give a path that does not exist, or an empty directory)"};
    }
  }
  if (!fs::exists(dump_path, ec)) return {ErrorCode::not_found, "no dump at " + dump_path};
  const std::string tmp = db_path + ".restoring";
  fs::remove_all(tmp, ec);  // left by an interrupted restore
  Status st = Status::ok();
  {
    auto store = store::Store::open(tmp, {.read_only = false, .create_if_missing = true});
    if (!store) {
      st = store.status();
    } else {
      st = restore_into(**store, dump_path);
      if (st) st = (*store)->flush();
    }
  }  // closed before the rename
  if (st) {
    fs::rename(tmp, db_path, ec);
    if (ec) st = {ErrorCode::io_error, "cannot rename " + tmp + " to " + db_path + ": " + ec.message()};
  }
  if (!st) fs::remove_all(tmp, ec);
  return st;
}

}  // namespace poleloc
