#include "index/number_index.hpp"

#include "huge_pages.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <set>

namespace poleloc::index {
namespace {

// A fast 64-bit hash for short ASCII keys (numbers are 4..32 bytes).
std::uint64_t hash_bytes(std::string_view s) {
  std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ (s.size() * 0xC2B2AE3D27D4EB4FULL);
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
    h ^= h >> 32;
  }
  std::uint64_t w = 0;
  std::memcpy(&w, s.data() + i, s.size() - i);
  h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL;
  h ^= h >> 29;
  h *= 0x9E3779B97F4A7C15ULL;
  return h ^ (h >> 32);
}

std::uint64_t table_size(std::size_t n) { return std::bit_ceil(std::max<std::uint64_t>(16, n * 2)); }

constexpr std::uint64_t kLongKey = 1ULL << 63;

// Exact base-37 packing of [A-Z0-9]{1,12} (37^12 < 2^63); long or other strings hash with the top bit set.
std::uint64_t number_key(std::string_view s) {
  if (s.size() <= 12) {
    std::uint64_t k = 0;
    bool ok = true;
    for (char c : s) {
      std::uint64_t d;
      if (c >= '0' && c <= '9') d = static_cast<std::uint64_t>(c - '0') + 1;
      else if (c >= 'A' && c <= 'Z') d = static_cast<std::uint64_t>(c - 'A') + 11;
      else { ok = false; break; }
      k = k * 37 + d;
    }
    if (ok) return k;
  }
  return hash_bytes(s) | kLongKey;
}

std::uint64_t mix(std::uint64_t k) {
  k ^= k >> 31;
  k *= 0x9E3779B97F4A7C15ULL;
  return k ^ (k >> 29);
}

}  // namespace

std::string_view strip_leading_zeros(std::string_view serial) {
  std::size_t k = 0;
  while (k + 1 < serial.size() && serial[k] == '0') ++k;
  return serial.substr(k);
}

void NumberIndex::build(std::size_t count, const std::function<std::string_view(std::uint32_t)>& number_of) {
  number_of_ = number_of;
  // Load factor ~0.7: one probe, mostly within one cache line.
  const std::size_t size = std::max<std::size_t>(16, count + count / 2 + 1);
  reserve_huge(slots_, size);
  slots_.assign(size, Slot{});
  for (std::uint32_t p = 0; p < count; ++p) {
    const std::uint64_t key = number_key(number_of(p));
    std::uint64_t i = home(key);
    while (slots_[i].pole != UINT32_MAX) {
      if (++i == slots_.size()) i = 0;
    }
    slots_[i] = {key, p};
  }

  // serial -> poles: poles sorted by (serial key, pole), one slot per distinct serial.
  std::set<std::string_view> areas;
  std::string_view last_area;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> by_serial;
  reserve_huge(by_serial, count);
  by_serial.resize(count);
  for (std::uint32_t p = 0; p < count; ++p) {
    const std::string_view number = number_of(p);
    std::size_t k = 0;
    while (k < number.size() && number[k] >= 'A' && number[k] <= 'Z') ++k;
    if (k > 0 && number.substr(0, k) != last_area) {  // poles come grouped by area (number order)
      last_area = number.substr(0, k);
      areas.insert(last_area);
    }
    by_serial[p] = {number_key(strip_leading_zeros(number.substr(k))), p};
  }
  std::sort(by_serial.begin(), by_serial.end());
  reserve_huge(serial_poles_, count);
  serial_poles_.resize(count);
  std::size_t distinct = 0;
  for (std::size_t i = 0; i < count; ++i) {
    serial_poles_[i] = by_serial[i].second;
    distinct += i == 0 || by_serial[i].first != by_serial[i - 1].first;
  }
  serial_mask_ = table_size(distinct) - 1;
  serial_slots_.assign(serial_mask_ + 1, SerialSlot{});
  for (std::size_t i = 0; i < count;) {
    std::size_t j = i;
    while (j < count && by_serial[j].first == by_serial[i].first) ++j;
    // Long serials hash: equal keys of different serials are split by the check in find_serial().
    std::uint64_t h = mix(by_serial[i].first) & serial_mask_;
    while (serial_slots_[h].count != 0) h = (h + 1) & serial_mask_;
    serial_slots_[h] = {by_serial[i].first, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j - i)};
    i = j;
  }
  areas_.assign(areas.begin(), areas.end());
}

std::uint64_t NumberIndex::home(std::uint64_t key) const {
  return static_cast<std::uint64_t>((static_cast<unsigned __int128>(mix(key)) * slots_.size()) >> 64);
}

std::optional<std::uint32_t> NumberIndex::find(std::string_view canonical) const {
  if (slots_.empty()) return std::nullopt;
  const std::uint64_t key = number_key(canonical);
  for (std::uint64_t i = home(key);;) {
    const Slot& s = slots_[i];
    if (s.pole == UINT32_MAX) return std::nullopt;
    if (s.key == key && (!(key & kLongKey) || number_of_(s.pole) == canonical)) return s.pole;
    if (++i == slots_.size()) i = 0;
  }
}

std::span<const std::uint32_t> NumberIndex::find_serial(std::string_view serial) const {
  if (serial_slots_.empty()) return {};
  const std::uint64_t key = number_key(serial);
  for (std::uint64_t i = mix(key) & serial_mask_;; i = (i + 1) & serial_mask_) {
    const SerialSlot& s = serial_slots_[i];
    if (s.count == 0) return {};
    if (s.key != key) continue;
    if (key & kLongKey) {
      const std::string_view rep = number_of_(serial_poles_[s.begin]);
      std::size_t rk = 0;
      while (rk < rep.size() && rep[rk] >= 'A' && rep[rk] <= 'Z') ++rk;
      if (strip_leading_zeros(rep.substr(rk)) != serial) continue;
    }
    return {serial_poles_.data() + s.begin, s.count};
  }
}

std::size_t NumberIndex::memory_bytes() const {
  return slots_.capacity() * sizeof(Slot) + serial_slots_.capacity() * sizeof(SerialSlot) +
         serial_poles_.capacity() * sizeof(std::uint32_t) + areas_.capacity() * sizeof(std::string_view);
}

}  // namespace poleloc::index
