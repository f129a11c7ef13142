// varint.hpp: unsigned LEB128 varints, as the stored values, the compact grid
// geometries and the snapshot's attribute blob write them.
//
//   append_varint(out, 300);                  // out: std::string or std::vector<char>
//   const unsigned char* p = ...;
//   if (!read_varint(p, end, v)) ...          // truncated or over 64 bits: false
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

namespace poleloc {

template <typename Bytes>
void append_varint(Bytes& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Reads one varint at p (advanced past it); false if it runs past `end` or
// beyond 64 bits.
inline bool read_varint(const unsigned char*& p, const unsigned char* end, std::uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && p < end; shift += 7) {
    const unsigned char b = *p++;
    v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

}  // namespace poleloc
