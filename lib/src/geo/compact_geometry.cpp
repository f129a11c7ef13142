#include "geo/compact_geometry.hpp"

#include "geo/wkb.hpp"
#include "huge_pages.hpp"
#include "varint.hpp"

#include <bit>
#include <cmath>
#include <cstdint>

namespace poleloc::geo {
namespace {

// Scales tried in order: 7 places (1.1 cm; OpenStreetMap's and most files'),
// then 9 (8 and 9 places). A reader accepts any s up to kMaxScale.
constexpr unsigned char kScales[] = {7, 9};
constexpr unsigned char kMaxScale = 15;
constexpr double kPow10[kMaxScale + 1] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                         1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
// |N| stays far below 2^53 (exact as a double) for |x| up to this at s = 9, the largest written.
constexpr double kMaxAbs = 1000;

std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

// N with N / scale == x bit for bit, or false.
bool exact_integer(double x, double scale, std::int64_t& n) {
  if (!(std::fabs(x) <= kMaxAbs)) return false;  // NaN too
  n = std::llround(x * scale);
  return std::bit_cast<std::uint64_t>(static_cast<double>(n) / scale) == std::bit_cast<std::uint64_t>(x);
}

bool encode_at(const MultiPolygon& geometry, unsigned char s, std::string& out) {
  const double scale = kPow10[s];
  out.push_back(static_cast<char>(kCompactGeometryTag));
  out.push_back(static_cast<char>(s));
  append_varint(out, geometry.size());
  std::int64_t prev_lon = 0, prev_lat = 0;
  for (const Polygon& p : geometry) {
    append_varint(out, p.rings.size());
    for (const Ring& r : p.rings) {
      append_varint(out, r.size());
      for (const LonLat& q : r) {
        std::int64_t lon, lat;
        if (!exact_integer(q.lon, scale, lon) || !exact_integer(q.lat, scale, lat)) return false;
        append_varint(out, zigzag(lon - prev_lon));
        append_varint(out, zigzag(lat - prev_lat));
        prev_lon = lon, prev_lat = lat;
      }
    }
  }
  return true;
}

class Reader {
 public:
  explicit Reader(std::string_view s) : p_(reinterpret_cast<const unsigned char*>(s.data())), end_(p_ + s.size()) {}
  bool varint(std::uint64_t& v) { return read_varint(p_, end_, v); }
  // A zigzag delta; wraps (never undefined) on corrupt bytes.
  bool delta(std::uint64_t& acc) {
    if (p_ < end_ && *p_ < 0x80) {  // the common case along an outline: one byte
      const std::uint64_t u = *p_++;
      acc += (u >> 1) ^ (0 - (u & 1));
      return true;
    }
    std::uint64_t u;
    if (!varint(u)) return false;
    acc += (u >> 1) ^ (0 - (u & 1));
    return true;
  }
  std::size_t remaining() const { return static_cast<std::size_t>(end_ - p_); }
  bool done() const { return p_ == end_; }

 private:
  const unsigned char* p_;
  const unsigned char* end_;
};

Result<MultiPolygon> from_compact(std::string_view bytes) {
  const Result<MultiPolygon> bad(ErrorCode::corruption, "stored geometry is not a valid compact (Multi)Polygon");
  if (bytes.size() < 3) return bad;
  const auto s = static_cast<unsigned char>(bytes[1]);
  if (s > kMaxScale) return bad;
  const double scale = kPow10[s];
  Reader r(bytes.substr(2));
  std::uint64_t polygons;
  // Every polygon takes a byte at least, every ring one, every point two.
  if (!r.varint(polygons) || polygons > r.remaining()) return bad;
  MultiPolygon mp(polygons);
  std::uint64_t lon = 0, lat = 0;
  for (Polygon& p : mp) {
    std::uint64_t rings;
    if (!r.varint(rings) || rings > r.remaining()) return bad;
    p.rings.resize(rings);
    for (Ring& ring : p.rings) {
      std::uint64_t n;
      if (!r.varint(n) || n > r.remaining() / 2) return bad;
      reserve_prefaulted(ring, n);  // a cadastral ring of 50,000 points is 800 KB of fresh pages
      for (std::uint64_t i = 0; i < n; ++i) {
        if (!r.delta(lon) || !r.delta(lat)) return bad;
        ring.push_back({static_cast<double>(static_cast<std::int64_t>(lon)) / scale,
                        static_cast<double>(static_cast<std::int64_t>(lat)) / scale});
      }
    }
  }
  if (!r.done()) return bad;
  return mp;
}

}  // namespace

bool to_compact_geometry(const MultiPolygon& geometry, std::string& out) {
  for (const unsigned char s : kScales) {
    std::string bytes;
    if (encode_at(geometry, s, bytes)) {
      out.append(bytes);
      return true;
    }
  }
  return false;
}

std::string to_stored_geometry(const MultiPolygon& geometry) {
  std::string out;
  if (to_compact_geometry(geometry, out)) return out;
  return to_wkb(geometry);
}

Result<MultiPolygon> from_stored_geometry(std::string_view bytes) {
  if (!bytes.empty() && static_cast<unsigned char>(bytes[0]) == kCompactGeometryTag) return from_compact(bytes);
  return from_wkb(bytes);
}

}  // namespace poleloc::geo
