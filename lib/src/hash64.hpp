// hash64.hpp: a fast 64-bit hash of bytes, to tell whether data is the same
// as before (a cache's key and checksum). Not cryptographic: it guards against
// stale files and torn or rotted bytes, not against an adversary.
//
//   std::uint64_t h = hash_bytes(ring.data(), ring.size() * sizeof(LonLat), seed);
//
// Four independent lanes of multiply-xorshift over 8-byte words, so that the
// loop runs at memory speed (several GB/s); the tail and the length are mixed
// in, and the lanes folded through a final avalanche.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace poleloc {

inline std::uint64_t mix64(std::uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

inline std::uint64_t hash_bytes(const void* data, std::size_t n, std::uint64_t seed = 0) {
  constexpr std::uint64_t kMul = 0x9e3779b97f4a7c15ull;
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint64_t lane[4] = {seed ^ 0x243f6a8885a308d3ull, seed ^ 0x13198a2e03707344ull, seed ^ 0xa4093822299f31d0ull,
                           seed ^ 0x082efa98ec4e6c89ull};
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    for (int k = 0; k < 4; ++k) {
      std::uint64_t w;
      std::memcpy(&w, p + i + 8 * k, 8);
      lane[k] = (lane[k] ^ w) * kMul;
      lane[k] ^= lane[k] >> 29;
    }
  }
  std::uint64_t h = mix64(n ^ kMul);
  for (int k = 0; k < 4; ++k) h = mix64(h ^ lane[k]);
  for (; i < n; ++i) h = (h ^ p[i]) * kMul;
  return mix64(h);
}

}  // namespace poleloc
