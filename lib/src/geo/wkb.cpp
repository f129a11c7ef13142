#include "geo/wkb.hpp"

#include <bit>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace poleloc::geo {
namespace {

constexpr std::uint32_t kPolygon = 3;
constexpr std::uint32_t kMultiPolygon = 6;

void put_u32(std::string& out, std::uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  out.append(b, 4);
}

void put_f64(std::string& out, double v) {
  std::uint64_t u;
  std::memcpy(&u, &v, 8);
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((u >> (8 * i)) & 0xFF);
  out.append(b, 8);
}

void put_polygon(std::string& out, const Polygon& p) {
  out.push_back(1);  // little-endian
  put_u32(out, kPolygon);
  put_u32(out, static_cast<std::uint32_t>(p.rings.size()));
  for (const Ring& r : p.rings) {
    put_u32(out, static_cast<std::uint32_t>(r.size()));
    for (const LonLat& q : r) {
      put_f64(out, q.lon);
      put_f64(out, q.lat);
    }
  }
}

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  bool u8(std::uint8_t& v) {
    if (pos_ + 1 > s_.size()) return false;
    v = static_cast<std::uint8_t>(s_[pos_++]);
    return true;
  }
  bool u32(std::uint32_t& v, bool little) {
    if (pos_ + 4 > s_.size()) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) {
      const auto b = static_cast<std::uint32_t>(static_cast<unsigned char>(s_[pos_ + (little ? i : 3 - i)]));
      v |= b << (8 * i);
    }
    pos_ += 4;
    return true;
  }
  bool f64(double& v, bool little) {
    if (pos_ + 8 > s_.size()) return false;
    std::uint64_t u = 0;
    for (int i = 0; i < 8; ++i) {
      const auto b = static_cast<std::uint64_t>(static_cast<unsigned char>(s_[pos_ + (little ? i : 7 - i)]));
      u |= b << (8 * i);
    }
    std::memcpy(&v, &u, 8);
    pos_ += 8;
    return true;
  }
  // n points in the host's order, when the bytes are in it too: one copy.
  bool points(LonLat* out, std::size_t n, bool little) {
    static_assert(sizeof(LonLat) == 16 && std::is_trivially_copyable_v<LonLat>);
    if (little != (std::endian::native == std::endian::little)) {
      for (std::size_t i = 0; i < n; ++i) {
        if (!f64(out[i].lon, little) || !f64(out[i].lat, little)) return false;
      }
      return true;
    }
    if (n > remaining() / 16) return false;
    if (n == 0) return true;  // `out` may be null then (an empty ring)
    std::memcpy(out, s_.data() + pos_, n * 16);
    pos_ += n * 16;
    return true;
  }
  std::size_t remaining() const { return s_.size() - pos_; }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

bool read_header(Reader& r, bool& little, std::uint32_t& type) {
  std::uint8_t order;
  if (!r.u8(order) || order > 1) return false;
  little = order == 1;
  return r.u32(type, little);
}

bool read_polygon_body(Reader& r, bool little, Polygon& p) {
  std::uint32_t rings;
  if (!r.u32(rings, little) || rings > r.remaining() / 4) return false;
  p.rings.resize(rings);
  for (Ring& ring : p.rings) {
    std::uint32_t n;
    if (!r.u32(n, little) || n > r.remaining() / 16) return false;
    ring.resize(n);
    if (!r.points(ring.data(), n, little)) return false;
  }
  return true;
}

}  // namespace

std::string to_wkb(const MultiPolygon& geometry) {
  std::string out;
  if (geometry.size() == 1) {
    put_polygon(out, geometry[0]);
    return out;
  }
  out.push_back(1);
  put_u32(out, kMultiPolygon);
  put_u32(out, static_cast<std::uint32_t>(geometry.size()));
  for (const Polygon& p : geometry) put_polygon(out, p);
  return out;
}

Result<MultiPolygon> from_wkb(std::string_view bytes) {
  Reader r(bytes);
  bool little;
  std::uint32_t type;
  MultiPolygon mp;
  const Result<MultiPolygon> bad(ErrorCode::corruption, "stored geometry is not a valid WKB (Multi)Polygon");
  if (!read_header(r, little, type)) return bad;
  if (type == kPolygon) {
    mp.emplace_back();
    if (!read_polygon_body(r, little, mp.back())) return bad;
  } else if (type == kMultiPolygon) {
    std::uint32_t n;
    if (!r.u32(n, little) || n > r.remaining() / 9) return bad;
    mp.resize(n);
    for (Polygon& p : mp) {
      bool l2;
      std::uint32_t t2;
      if (!read_header(r, l2, t2) || t2 != kPolygon || !read_polygon_body(r, l2, p)) return bad;
    }
  } else {
    return bad;
  }
  return mp;
}

}  // namespace poleloc::geo
