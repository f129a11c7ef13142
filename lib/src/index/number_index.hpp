// number_index.hpp: canonical number -> pole, and serial -> poles in any area.
//
//   NumberIndex idx;
//   idx.build(numbers);                        // numbers[i] is pole i's canonical number
//   idx.find("TJH0372");                       // optional pole index
//   idx.find_serial("372");                    // every pole whose serial is 372 once leading
//                                              // zeros are dropped: TJH0372, HJL372, ...
//
// Most registries number each area densely (TJH0001, TJH0002, ...). For every
// (area, serial width) whose serials are dense, a direct table maps the serial's
// value to the pole: a lookup is one read in an array of 4 bytes per number.
// Dense (area, width) pairs are found in a small open-addressing table (one probe;
// a lookup costs the same with one area code or a hundred thousand).
// Other numbers of letters then digits (sparse or long serials) are keyed by
// their exact rank among all letters-then-digits numbers, a 64-bit integer
// (exact for up to 7 letters + 8 digits, 6 + 9, 4 + 12, 3 + 14, 0 + 18, ...): one
// open-addressing table of 12-byte slots, no string compare, no area lookup
// first. Its slot is prefetched before the dense table is asked, so such a
// number costs one memory miss. Any other number goes to a last table on a
// packed key: up to 12 characters packed exactly into 64 bits (base 37); longer
// ones keyed by a hash with the top bit set and checked against the pole's number.
// An absent number is never reported found: every key is exact or checked.
// Building is O(n) apart from sorting the serials (O(n log n)).
//
// Thread-safety: const members are safe from any number of threads.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace poleloc::index {

class NumberIndex {
 public:
  // `number_of(i)` returns pole i's canonical number, for i in [0, count);
  // the views must stay valid for the life of the index.
  void build(std::size_t count, const std::function<std::string_view(std::uint32_t)>& number_of);

  // The pole whose canonical number is exactly `canonical`.
  std::optional<std::uint32_t> find(std::string_view canonical) const;

  // Poles whose serial without leading zeros equals `serial` (which must have no
  // leading zeros itself; "0" stands for an all-zero serial), in any area.
  std::span<const std::uint32_t> find_serial(std::string_view serial) const;

  // Every distinct area code, sorted.
  const std::vector<std::string_view>& area_codes() const { return areas_; }

  std::size_t memory_bytes() const;

 private:
#pragma pack(push, 4)
  struct Slot {
    std::uint64_t key = 0;            // rank, packed number, or hash | 1<<63 for long numbers
    std::uint32_t pole = UINT32_MAX;  // UINT32_MAX: empty
  };
  // Serials of one (area, width) in [min, min + size): dense_[offset + value - min].
  struct AreaSlot {
    std::uint64_t area_key = 0;  // 0: empty (a real key has width >= 1)
    std::uint32_t min = 0, size = 0, offset = 0;
  };
#pragma pack(pop)
  const AreaSlot* area_slot(std::uint64_t area_key) const;
  std::vector<AreaSlot> area_slots_;  // dense (area, width) runs only; power-of-two size, empty when none
  std::uint64_t area_mask_ = 0;
  std::vector<std::uint32_t> dense_;  // pole index or UINT32_MAX
  // rank -> pole, for letters-then-digits numbers outside dense runs: buckets of
  // one cache line (5 keys, 5 poles), found by multiply-shift (any count),
  // probing linearly to the next bucket when one is full (rare at load 3/4).
  // A lookup compares the 5 keys without branches: one line, one predictable branch.
  struct alignas(64) ExactBucket {
    static constexpr unsigned kSlots = 5;
    std::uint64_t key[kSlots] = {};
    std::uint32_t pole[kSlots] = {UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX};  // filled in order
  };
  std::vector<ExactBucket> exact_;
  // number_key -> pole, for every other number. Any size (multiply-shift), probing linearly.
  std::vector<Slot> slots_;
  std::function<std::string_view(std::uint32_t)> number_of_;
  struct SerialSlot {
    std::uint64_t key = 0;    // packed serial (as number keys)
    std::uint32_t begin = 0;  // into serial_poles_
    std::uint32_t count = 0;  // 0: empty
  };
  std::vector<SerialSlot> serial_slots_;
  std::uint64_t serial_mask_ = 0;
  std::vector<std::uint32_t> serial_poles_;
  std::vector<std::string_view> areas_;
};

// Serial with leading zeros dropped ("0372" -> "372", "000" -> "0", "" -> "").
std::string_view strip_leading_zeros(std::string_view serial);

}  // namespace poleloc::index
