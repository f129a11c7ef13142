#include "index/number_index.hpp"

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

}  // namespace

std::string_view strip_leading_zeros(std::string_view serial) {
  std::size_t k = 0;
  while (k + 1 < serial.size() && serial[k] == '0') ++k;
  return serial.substr(k);
}

void NumberIndex::build(std::size_t count, const std::function<std::string_view(std::uint32_t)>& number_of) {
  number_of_ = number_of;
  const std::uint64_t size = table_size(count);
  mask_ = size - 1;
  slots_.assign(size, Slot{});
  for (std::uint32_t p = 0; p < count; ++p) {
    const std::uint64_t h = hash_bytes(number_of(p));
    std::uint64_t i = h & mask_;
    while (slots_[i].pole != UINT32_MAX) i = (i + 1) & mask_;
    slots_[i] = {static_cast<std::uint32_t>(h >> 32), p};
  }

  // serial -> poles: count per serial, then place each pole in its serial's run.
  serial_mask_ = table_size(count) - 1;
  serial_slots_.assign(serial_mask_ + 1, SerialSlot{});
  std::vector<std::uint32_t> slot_of(count);
  std::set<std::string_view> areas;
  // While counting, `begin` holds a representative pole of the slot, to compare serials.
  for (std::uint32_t p = 0; p < count; ++p) {
    const std::string_view number = number_of(p);
    std::size_t k = 0;
    while (k < number.size() && number[k] >= 'A' && number[k] <= 'Z') ++k;
    if (k > 0) areas.insert(number.substr(0, k));
    const std::string_view serial = strip_leading_zeros(number.substr(k));
    const std::uint64_t h = hash_bytes(serial);
    std::uint64_t i = h & serial_mask_;
    for (;;) {
      SerialSlot& s = serial_slots_[i];
      if (s.count == 0) {
        s = {static_cast<std::uint32_t>(h >> 32), p, 1};
        break;
      }
      if (s.hash == static_cast<std::uint32_t>(h >> 32)) {
        const std::string_view rep = number_of(s.begin);
        std::size_t rk = 0;
        while (rk < rep.size() && rep[rk] >= 'A' && rep[rk] <= 'Z') ++rk;
        if (strip_leading_zeros(rep.substr(rk)) == serial) {
          ++s.count;
          break;
        }
      }
      i = (i + 1) & serial_mask_;
    }
    slot_of[p] = static_cast<std::uint32_t>(i);
  }
  // Prefix sums: `begin` becomes the run start; fill in pole order (so runs are sorted by number).
  std::uint32_t next = 0;
  std::vector<std::uint32_t> fill(serial_slots_.size(), 0);
  for (std::size_t i = 0; i < serial_slots_.size(); ++i) {
    if (serial_slots_[i].count == 0) continue;
    serial_slots_[i].begin = next;
    fill[i] = next;
    next += serial_slots_[i].count;
  }
  serial_poles_.assign(count, 0);
  for (std::uint32_t p = 0; p < count; ++p) serial_poles_[fill[slot_of[p]]++] = p;
  areas_.assign(areas.begin(), areas.end());
}

std::optional<std::uint32_t> NumberIndex::find(std::string_view canonical) const {
  if (slots_.empty()) return std::nullopt;
  const std::uint64_t h = hash_bytes(canonical);
  const auto tag = static_cast<std::uint32_t>(h >> 32);
  for (std::uint64_t i = h & mask_;; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.pole == UINT32_MAX) return std::nullopt;
    if (s.hash == tag && number_of_(s.pole) == canonical) return s.pole;
  }
}

std::span<const std::uint32_t> NumberIndex::find_serial(std::string_view serial) const {
  if (serial_slots_.empty()) return {};
  const std::uint64_t h = hash_bytes(serial);
  const auto tag = static_cast<std::uint32_t>(h >> 32);
  for (std::uint64_t i = h & serial_mask_;; i = (i + 1) & serial_mask_) {
    const SerialSlot& s = serial_slots_[i];
    if (s.count == 0) return {};
    if (s.hash == tag) {
      const std::string_view rep = number_of_(serial_poles_[s.begin]);
      std::size_t rk = 0;
      while (rk < rep.size() && rep[rk] >= 'A' && rep[rk] <= 'Z') ++rk;
      if (strip_leading_zeros(rep.substr(rk)) == serial) return {serial_poles_.data() + s.begin, s.count};
    }
  }
}

std::size_t NumberIndex::memory_bytes() const {
  return slots_.capacity() * sizeof(Slot) + serial_slots_.capacity() * sizeof(SerialSlot) +
         serial_poles_.capacity() * sizeof(std::uint32_t) + areas_.capacity() * sizeof(std::string_view);
}

}  // namespace poleloc::index
