// key_filter.hpp: "could this pole number be among these few?" in a few
// nanoseconds, with no false "no" (a Bloom filter of two bits per key).
//
//   index::KeyFilter f;
//   f.build(layer.pole_count(), [&](std::size_t i) { return layer.number(i); });
//   const std::uint64_t h = index::KeyFilter::hash("TJH0372");
//   if (f.may_contain(h)) { /* look it up in the layer's NumberIndex */ }
//
// A query on a snapshot with recent writes looks a number up in the base,
// then, when the base does not hold it, in the overlay's layers. resolve()
// tries dozens of spellings of a misheard number, nearly all held by no
// layer: each layer's lookup (parse, hash, probe) was 4 % of a resolve.
// Sixteen bits per key (at least 512) leave about 1.4 % of absent keys to
// the lookup.
//
// Thread-safety: const members are safe from any number of threads.
#pragma once

#include "hash64.hpp"

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace poleloc::index {

class KeyFilter {
 public:
  static std::uint64_t hash(std::string_view key) {
    std::uint64_t h = key.size() * 0x9e3779b97f4a7c15ull;
    std::size_t i = 0;
    for (; i + 8 <= key.size(); i += 8) {
      std::uint64_t w;
      std::memcpy(&w, key.data() + i, 8);
      h = mix64(h ^ w);
    }
    std::uint64_t tail = 0;
    std::memcpy(&tail, key.data() + i, key.size() - i);
    return mix64(h ^ tail);
  }

  // The keys key(0) .. key(n - 1).
  template <typename KeyOf>
  void build(std::size_t n, KeyOf&& key) {
    std::size_t bits = 512;
    while (bits < n * 16) bits *= 2;
    words_.assign(bits / 64, 0);
    mask_ = bits - 1;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t h = hash(key(i));
      set(h & mask_);
      set((h >> 32) & mask_);
    }
  }
  // False only if no key given to build() has this hash; false when built from none or never built.
  bool may_contain(std::uint64_t h) const {
    return !words_.empty() && test(h & mask_) && test((h >> 32) & mask_);
  }

 private:
  void set(std::uint64_t bit) { words_[bit >> 6] |= std::uint64_t{1} << (bit & 63); }
  bool test(std::uint64_t bit) const { return (words_[bit >> 6] >> (bit & 63)) & 1; }
  std::vector<std::uint64_t> words_;
  std::uint64_t mask_ = 0;
};

}  // namespace poleloc::index
