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

// For a number made of 1-12 letters then 1-12 digits: (packed area * 16 + width, serial value).
bool dense_key(std::string_view number, std::uint64_t& area_key, std::uint64_t& value) {
  std::size_t k = 0;
  std::uint64_t area = 0;
  while (k < number.size() && number[k] >= 'A' && number[k] <= 'Z') {
    if (k == 12) return false;
    area = area * 27 + static_cast<std::uint64_t>(number[k] - 'A' + 1);
    ++k;
  }
  const std::size_t width = number.size() - k;
  if (width == 0 || width > 12) return false;
  std::uint64_t v = 0;
  for (std::size_t i = k; i < number.size(); ++i) {
    const char c = number[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  area_key = area * 16 + width;  // 27^12 * 16 < 2^62; width 12 < 16
  value = v;
  return true;
}

constexpr unsigned kValueBits = 40;  // 10^12 < 2^40
constexpr std::uint32_t kMaxIds = 1u << 22;

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
  // Stretches: numbers come sorted, so each (area, width) is one stretch of poles
  // (same width, digits only: byte order is numeric order). An (area, width) whose
  // serials are interleaved with another width's (TJH0010 sorts between TJH001 and
  // TJH002) comes in several stretches: only the first may be dense, the rest go
  // to the exact table, which find() also asks.
  struct Stretch {
    std::uint32_t begin, end;
    std::uint64_t key;
    std::uint64_t first, last;
  };
  std::vector<Stretch> stretches;
  for (std::uint32_t p = 0; p < count;) {
    std::uint64_t key, first_value;
    if (!dense_key(number_of(p), key, first_value)) {
      ++p;
      continue;
    }
    std::uint32_t q = p + 1;
    std::uint64_t last_value = first_value;
    for (std::uint64_t k2, v; q < count; ++q) {
      if (!dense_key(number_of(q), k2, v) || k2 != key) break;
      last_value = v;
    }
    stretches.push_back({p, q, key, first_value, last_value});
    p = q;
  }
  // The (area, width) table: O(1) per stretch.
  area_mask_ = table_size(stretches.size()) - 1;
  area_slots_.assign(area_mask_ + 1, AreaSlot{});
  std::uint32_t ids = 0;
  std::vector<std::uint8_t> stretch_is_dense(stretches.size(), 0);
  std::size_t dense_total = 0;
  for (std::size_t si = 0; si < stretches.size(); ++si) {
    const Stretch& st = stretches[si];
    std::uint64_t h = mix(st.key) & area_mask_;
    while (area_slots_[h].area_key != 0 && area_slots_[h].area_key != st.key) h = (h + 1) & area_mask_;
    if (area_slots_[h].area_key == st.key) continue;  // a later stretch: not dense
    AreaSlot& a = area_slots_[h];
    a.area_key = st.key;
    a.id = ids++;
    const std::uint64_t span = st.last - st.first + 1;
    if (st.last < UINT32_MAX && span <= 2 * std::uint64_t{st.end - st.begin} + 64) {  // at most half empty
      a.min = static_cast<std::uint32_t>(st.first);
      a.size = static_cast<std::uint32_t>(span);
      a.offset = static_cast<std::uint32_t>(dense_total);
      dense_total += span;
      stretch_is_dense[si] = 1;
    }
  }
  dense_.clear();
  reserve_huge(dense_, dense_total);
  dense_.assign(dense_total, UINT32_MAX);
  std::vector<bool> in_dense(count, false);
  std::size_t exact_count = 0;
  for (std::size_t si = 0; si < stretches.size(); ++si) {
    const Stretch& st = stretches[si];
    if (!stretch_is_dense[si]) {
      exact_count += st.end - st.begin;
      continue;
    }
    const AreaSlot* a = area_slot(st.key);
    for (std::uint32_t i = st.begin; i < st.end; ++i) {
      std::uint64_t k3 = 0, v = 0;
      dense_key(number_of(i), k3, v);
      dense_[a->offset + (v - a->min)] = i;
      in_dense[i] = true;
    }
  }
  // Letters+digits outside dense runs: exact (id, value) keys, when the ids fit.
  const bool exact = ids <= kMaxIds && exact_count > 0;
  std::vector<bool> in_exact(count, false);
  exact_slots_.clear();
  exact_mask_ = 0;
  if (exact) {
    exact_mask_ = table_size(exact_count) - 1;
    reserve_huge(exact_slots_, exact_mask_ + 1);
    exact_slots_.assign(exact_mask_ + 1, Slot{});
    for (std::size_t si = 0; si < stretches.size(); ++si) {
      if (stretch_is_dense[si]) continue;
      const Stretch& st = stretches[si];
      const AreaSlot* a = area_slot(st.key);
      for (std::uint32_t i = st.begin; i < st.end; ++i) {
        std::uint64_t k3 = 0, v = 0;
        dense_key(number_of(i), k3, v);
        const std::uint64_t key = (std::uint64_t{a->id} << kValueBits) | v;
        std::uint64_t h = mix(key) & exact_mask_;
        while (exact_slots_[h].pole != UINT32_MAX) h = (h + 1) & exact_mask_;
        exact_slots_[h] = {key, i};
        in_exact[i] = true;
      }
    }
  }

  // Everything else: open addressing, load factor ~0.7 (one probe, mostly within one cache line).
  std::size_t rest = 0;
  for (std::uint32_t p = 0; p < count; ++p) rest += !in_dense[p] && !in_exact[p];
  const std::size_t size = std::max<std::size_t>(16, rest + rest / 2 + 1);
  slots_.clear();
  reserve_huge(slots_, size);
  slots_.assign(size, Slot{});
  for (std::uint32_t p = 0; p < count; ++p) {
    if (in_dense[p] || in_exact[p]) continue;
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
  // Multiply-shift onto [0, size) (size < 2^32): no modulo, no power-of-two size.
  return ((mix(key) >> 32) * slots_.size()) >> 32;
}

const NumberIndex::AreaSlot* NumberIndex::area_slot(std::uint64_t area_key) const {
  if (area_slots_.empty()) return nullptr;
  for (std::uint64_t h = mix(area_key) & area_mask_;; h = (h + 1) & area_mask_) {
    const AreaSlot& a = area_slots_[h];
    if (a.area_key == area_key) return &a;
    if (a.area_key == 0) return nullptr;
  }
}

std::optional<std::uint32_t> NumberIndex::find(std::string_view canonical) const {
  std::uint64_t area_key, value;
  if (dense_key(canonical, area_key, value)) {
    const AreaSlot* a = area_slot(area_key);
    if (!a) return std::nullopt;  // every letters+digits number has its (area, width) here
    if (value >= a->min && value - a->min < a->size) {
      const std::uint32_t pole = dense_[a->offset + (value - a->min)];
      // Later stretches of this (area, width) hold larger serials: an empty slot means absent.
      return pole != UINT32_MAX ? std::optional<std::uint32_t>(pole) : std::nullopt;
    }
    if (!exact_slots_.empty()) {
      const std::uint64_t key = (std::uint64_t{a->id} << kValueBits) | value;
      for (std::uint64_t h = mix(key) & exact_mask_;; h = (h + 1) & exact_mask_) {
        const Slot& s = exact_slots_[h];
        if (s.pole == UINT32_MAX) return std::nullopt;
        if (s.key == key) return s.pole;
      }
    }
  }
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
  return slots_.capacity() * sizeof(Slot) + dense_.capacity() * sizeof(std::uint32_t) +
         area_slots_.capacity() * sizeof(AreaSlot) + exact_slots_.capacity() * sizeof(Slot) +
         serial_slots_.capacity() * sizeof(SerialSlot) +
         serial_poles_.capacity() * sizeof(std::uint32_t) + areas_.capacity() * sizeof(std::string_view);
}

}  // namespace poleloc::index
