#include "store/record_encoding.hpp"

#include "geo/compact_geometry.hpp"
#include "varint.hpp"

#include <cstring>

namespace poleloc::store {

void put_varint(std::string& out, std::uint64_t v) { append_varint(out, v); }

namespace {

void put_str(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

void put_f64(std::string& out, double v) {
  char b[8];
  std::memcpy(b, &v, 8);  // host order: little-endian on every platform poleloc builds for
  out.append(b, 8);
}

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool varint(std::uint64_t& v) {
    const auto* begin = reinterpret_cast<const unsigned char*>(s_.data());
    const unsigned char* p = begin + pos_;
    const bool ok = read_varint(p, begin + s_.size(), v);
    pos_ = static_cast<std::size_t>(p - begin);
    return ok;
  }
  bool str(std::string_view& out) {
    std::uint64_t n;
    if (!varint(n) || n > s_.size() - pos_) return false;
    out = s_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool u8(std::uint8_t& v) {
    if (pos_ >= s_.size()) return false;
    v = static_cast<std::uint8_t>(s_[pos_++]);
    return true;
  }
  bool f64(double& v) {
    if (s_.size() - pos_ < 8) return false;
    std::memcpy(&v, s_.data() + pos_, 8);
    pos_ += 8;
    return true;
  }
  bool header() {
    std::uint8_t format;
    return u8(format) && format == kValueFormat && u8(flags_);
  }
  bool attributes(AttributeViews& out) {
    std::uint64_t n;
    if (!varint(n) || n > s_.size()) return false;
    out.clear();
    out.reserve(n);
    const bool typed = flags_ & kTypedAttributes;
    for (std::uint64_t i = 0; i < n; ++i) {
      std::string_view k, v;
      std::uint8_t type = 0;
      if (!str(k) || (typed && (!u8(type) || type > static_cast<std::uint8_t>(AttributeType::boolean))) || !str(v)) {
        return false;
      }
      out.emplace_back(k, v, static_cast<AttributeType>(type));
    }
    return true;
  }
  bool done() const { return pos_ == s_.size(); }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
  std::uint8_t flags_ = 0;
};

void put_header(std::string& out, std::uint8_t flags = 0) {
  out.push_back(static_cast<char>(kValueFormat));
  out.push_back(static_cast<char>(flags));
}

template <typename List>
std::uint8_t attribute_flags(const List& attributes) {
  for (const auto& a : attributes) {
    if (a.type != AttributeType::text) return kTypedAttributes;
  }
  return 0;
}

// `flags` as put_header wrote them: with kTypedAttributes each value carries its type.
template <typename List>
void put_attributes(std::string& out, const List& attributes, std::uint8_t flags) {
  put_varint(out, attributes.size());
  for (const auto& a : attributes) {
    put_str(out, a.first);
    if (flags & kTypedAttributes) out.push_back(static_cast<char>(a.type));
    put_str(out, a.second);
  }
}

Status corrupt(std::string_view what, std::string_view id) {
  return {ErrorCode::corruption, "stored " + std::string(what) + " '" + std::string(id) + "' cannot be decoded"};
}

}  // namespace

std::string versioned_key(std::string_view id, std::uint64_t version) {
  std::string k;
  k.reserve(id.size() + 9);
  k.append(id);
  k.push_back('\0');
  const std::uint64_t inv = ~version;
  for (int i = 7; i >= 0; --i) k.push_back(static_cast<char>((inv >> (8 * i)) & 0xFF));
  return k;
}

bool parse_versioned_key(std::string_view key, std::string_view& id, std::uint64_t& version) {
  if (key.size() < 9 || key[key.size() - 9] != '\0') return false;
  id = key.substr(0, key.size() - 9);
  std::uint64_t inv = 0;
  for (std::size_t i = key.size() - 8; i < key.size(); ++i) inv = (inv << 8) | static_cast<unsigned char>(key[i]);
  version = ~inv;
  return true;
}

std::string encode_pole(const PoleRecord& pole) {
  std::string out;
  const std::uint8_t flags = attribute_flags(pole.attributes);
  put_header(out, flags);
  put_f64(out, pole.position.lon);
  put_f64(out, pole.position.lat);
  put_attributes(out, pole.attributes, flags);
  return out;
}


std::string encode_pole(LonLat position, const AttributeViews& attributes) {
  std::string out;
  const std::uint8_t flags = attribute_flags(attributes);
  put_header(out, flags);
  put_f64(out, position.lon);
  put_f64(out, position.lat);
  put_attributes(out, attributes, flags);
  return out;
}

std::string encode_grid(const GridRecord& grid) {
  std::string out;
  const std::uint8_t flags = attribute_flags(grid.attributes);
  put_header(out, flags);
  put_str(out, grid.name);
  put_attributes(out, grid.attributes, flags);
  put_str(out, geo::to_stored_geometry(grid.geometry));
  return out;
}

std::string encode_alias(const AliasRecord& alias) {
  std::string out;
  put_header(out);
  put_str(out, alias.code);
  return out;
}

std::string encode_tombstone() {
  std::string out;
  put_header(out, kTombstone);
  return out;
}

bool is_tombstone(std::string_view value) {
  return value.size() >= 2 && (static_cast<std::uint8_t>(value[1]) & kTombstone);
}

Status decode_pole(std::string_view value, PoleValueView& out) {
  Cursor c(value);
  if (!c.header() || !c.f64(out.position.lon) || !c.f64(out.position.lat) || !c.attributes(out.attributes) ||
      !c.done()) {
    return {ErrorCode::corruption, "a stored pole value cannot be decoded"};
  }
  return Status::ok();
}

Result<GridRecord> decode_grid_record(std::string_view id, std::string_view value, std::string_view& geometry_bytes) {
  Cursor c(value);
  std::string_view name;
  AttributeViews attrs;
  if (!c.header() || !c.str(name) || !c.attributes(attrs) || !c.str(geometry_bytes) || !c.done()) return corrupt("grid", id);
  GridRecord g{std::string(id), std::string(name), {}, {}};
  g.attributes.assign(attrs.begin(), attrs.end());
  return g;
}

Status decode_grid_geometry(std::string_view id, std::string_view geometry_bytes, GridRecord& grid) {
  auto geometry = geo::from_stored_geometry(geometry_bytes);
  if (!geometry) return corrupt("grid geometry", id);
  grid.geometry = std::move(*geometry);
  return Status::ok();
}

Result<GridRecord> decode_grid(std::string_view id, std::string_view value) {
  std::string_view geometry_bytes;
  auto g = decode_grid_record(id, value, geometry_bytes);
  if (!g) return g;
  if (auto st = decode_grid_geometry(id, geometry_bytes, *g); !st) return st;
  return g;
}

Result<AliasRecord> decode_alias(std::string_view alias, std::string_view value) {
  Cursor c(value);
  std::string_view code;
  if (!c.header() || !c.str(code) || !c.done()) return corrupt("alias", alias);
  return AliasRecord{std::string(alias), std::string(code)};
}

std::string place_key(std::string_view name) {
  std::string key(1, kPlaceKeyPrefix);
  key.append(name);
  return key;
}

bool is_place_key(std::string_view key) { return !key.empty() && key[0] == kPlaceKeyPrefix; }

// header, kind, 1 + lon + lat for a point or 0, grid id (may be empty)
std::string encode_place(const PlaceRecord& place) {
  std::string out;
  put_header(out);
  put_str(out, place.kind);
  out.push_back(place.position ? 1 : 0);
  if (place.position) {
    put_f64(out, place.position->lon);
    put_f64(out, place.position->lat);
  }
  put_str(out, place.grid);
  return out;
}

Result<PlaceRecord> decode_place(std::string_view key, std::string_view value) {
  Cursor c(value);
  std::string_view kind, grid;
  std::uint8_t has_point = 0;
  PlaceRecord p;
  p.name = std::string(key.substr(1));
  if (!c.header() || !c.str(kind) || !c.u8(has_point)) return corrupt("place", p.name);
  if (has_point) {
    LonLat at;
    if (!c.f64(at.lon) || !c.f64(at.lat)) return corrupt("place", p.name);
    p.position = at;
  }
  if (!c.str(grid) || !c.done()) return corrupt("place", p.name);
  p.kind = std::string(kind);
  p.grid = std::string(grid);
  return p;
}

std::string road_key(std::string_view name) {
  std::string key(1, kRoadKeyPrefix);
  key.append(name);
  return key;
}

bool is_road_key(std::string_view key) { return !key.empty() && key[0] == kRoadKeyPrefix; }

// header, varint line count, per line: varint point count, (lon, lat)*
std::string encode_road(const RoadRecord& road) {
  std::string out;
  put_header(out);
  put_varint(out, road.lines.size());
  for (const LineString& line : road.lines) {
    put_varint(out, line.size());
    for (const LonLat& p : line) {
      put_f64(out, p.lon);
      put_f64(out, p.lat);
    }
  }
  return out;
}

Result<RoadRecord> decode_road(std::string_view key, std::string_view value) {
  Cursor c(value);
  RoadRecord r;
  r.name = std::string(key.substr(1));
  std::uint64_t lines = 0;
  if (!c.header() || !c.varint(lines) || lines > value.size()) return corrupt("road", r.name);
  r.lines.resize(lines);
  for (LineString& line : r.lines) {
    std::uint64_t n = 0;
    if (!c.varint(n) || n > value.size() / 16) return corrupt("road", r.name);
    line.resize(n);
    for (LonLat& p : line) {
      if (!c.f64(p.lon) || !c.f64(p.lat)) return corrupt("road", r.name);
    }
  }
  if (!c.done()) return corrupt("road", r.name);
  return r;
}

}  // namespace poleloc::store
