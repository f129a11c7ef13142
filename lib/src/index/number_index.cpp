#include "index/number_index.hpp"

#include "huge_pages.hpp"
#include "index/radix_sort.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

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

constexpr unsigned kMaxLetters = 13, kMaxDigits = 18;

// A canonical number split as letters then digits ("DZMABCD00012345": 7 letters,
// 8 digits), in one pass; `ok` false for any other shape (digits before letters,
// a trailing letter, no digit, more than 13 letters or 18 digits).
struct Parts {
  bool ok = false;
  unsigned letters = 0, width = 0;
  std::uint64_t area = 0;  // letters in base 27 (A = 1, no zero digit): exact up to 13 letters
  std::uint64_t value = 0;   // the serial's value (< 10^18)
};

// 8 ASCII digits (the first, most significant, in the low byte) -> their value.
// Digit pairs, then pairs of pairs, then the two halves: 3 multiplies, no loop.
std::uint64_t eight_digits(std::uint64_t chunk) {
  std::uint64_t x = chunk - 0x3030303030303030ULL;                 // bytes 0..9
  x = (x * 10 + (x >> 8)) & 0x00FF00FF00FF00FFULL;                  // 16-bit lanes 0..99
  x = (x * 100 + (x >> 16)) & 0x0000FFFF0000FFFFULL;                // 32-bit lanes 0..9999
  return (x * 10000 + (x >> 32)) & 0xFFFFFFFFULL;                   // 0..99999999
}

bool all_digits(std::uint64_t chunk) {
  constexpr std::uint64_t kHigh = 0xF0F0F0F0F0F0F0F0ULL, kThrees = 0x3030303030303030ULL;
  // Every byte in 0x30..0x3F, and still so after adding 6 (0x3A..0x3F become 0x40..).
  return (chunk & kHigh) == kThrees && ((chunk + 0x0606060606060606ULL) & kHigh) == kThrees;
}

// Up to 8 letters (first in the low byte, 1..26 each) -> bijective base 27;
// `count` letters, the bytes above them ignored. Pairs, pairs of pairs, halves.
std::uint64_t letters_base27(std::uint64_t values, unsigned count) {
  if (count == 0) return 0;
  std::uint64_t x = values << (8 * (8 - count));  // right-aligned: zero digits in front change nothing
  constexpr std::uint64_t kBytes = 0x00FF00FF00FF00FFULL, kHalves = 0x0000FFFF0000FFFFULL;
  x = (x & kBytes) * 27 + ((x >> 8) & kBytes);      // 16-bit lanes <= 728
  x = (x & kHalves) * 729 + ((x >> 16) & kHalves);  // 32-bit lanes <= 531440
  return (x & 0xFFFFFFFFULL) * 531441 + (x >> 32);
}

std::uint64_t load8(const char* p) {
  std::uint64_t chunk;
  std::memcpy(&chunk, p, 8);
  if constexpr (std::endian::native == std::endian::big) chunk = __builtin_bswap64(chunk);
  return chunk;
}

Parts split(std::string_view number) {
  Parts p;
  const char* s = number.data();
  const std::size_t n = number.size();
  std::size_t k = 0;
  std::uint64_t area = 0;
  bool letters_done = false;
  if (n >= 8) {
    // The leading letters of the first 8 bytes at once (ASCII only; else the loop).
    const std::uint64_t chunk = load8(s);
    constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
    if ((chunk & kHigh) == 0) {
      // Per byte: >= 'A' and not > 'Z' (no byte carries: every byte < 0x80).
      const std::uint64_t letter = (chunk + 0x3F3F3F3F3F3F3F3FULL) & ~(chunk + 0x2525252525252525ULL) & kHigh;
      k = letter == kHigh ? 8 : static_cast<std::size_t>(std::countr_zero(~letter & kHigh)) / 8;
      // Letters become 1..26; borrows from the bytes after them only go up, and are shifted out.
      area = letters_base27(chunk - 0x4040404040404040ULL, static_cast<unsigned>(k));
      letters_done = k < 8;
    }
  }
  for (; !letters_done && k < n; ++k) {
    const unsigned c = static_cast<unsigned>(static_cast<unsigned char>(s[k])) - 'A';
    if (c > 25) break;
    area = area * 27 + c + 1;  // wraps past 13 letters, refused below
  }
  const std::size_t width = n - k;
  if (k > kMaxLetters || width == 0 || width > kMaxDigits) return p;
  std::uint64_t v = 0;
  std::size_t i = k;
  for (; i + 8 <= n; i += 8) {
    const std::uint64_t chunk = load8(s + i);
    if (!all_digits(chunk)) return p;
    v = v * 100000000 + eight_digits(chunk);
  }
  if (const std::size_t rest = n - i; rest > 0 && n >= 8) {
    // The last `rest` digits: the 8 bytes ending the number, the bytes before them read as '0'.
    const std::uint64_t before = ~0ULL >> (8 * rest);
    const std::uint64_t chunk = (load8(s + n - 8) & ~before) | (0x3030303030303030ULL & before);
    if (!all_digits(chunk)) return p;
    constexpr std::uint64_t kPow10[8] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
    v = v * kPow10[rest] + eight_digits(chunk);
  } else {
    for (; i < n; ++i) {
      const unsigned d = static_cast<unsigned>(static_cast<unsigned char>(s[i])) - '0';
      if (d > 9) return p;
      v = v * 10 + d;
    }
  }
  p.ok = true;
  p.letters = static_cast<unsigned>(k);
  p.width = static_cast<unsigned>(width);
  p.area = area;
  p.value = v;
  return p;
}

// (area, width) key of the dense runs: packed area * 16 + width, for 0-12 letters
// and 1-12 digits (27^12 * 16 < 2^62).
bool dense_key(const Parts& p, std::uint64_t& area_key) {
  if (!p.ok || p.letters > 12 || p.width > 12) return false;
  area_key = p.area * 16 + p.width;
  return true;
}

// Exact rank of a letters-then-digits number among all such numbers, in 64 bits.
// The (letters, width) shapes are laid end to end, smallest first: shape (L, W)
// takes 27^L * 10^W ranks from offset(L, W) (letters in base 27 as in Parts).
// Every shape with at most about 10^18 numbers fits (7 letters + 8 digits, 6 + 9,
// 4 + 12, 3 + 14, 10 + 4, ...); a rank is unique, so a table keyed by it needs no
// string compare.
struct RankShapes {
  std::uint64_t offset[kMaxLetters + 1][kMaxDigits + 1] = {};
  bool fits[kMaxLetters + 1][kMaxDigits + 1] = {};
  std::uint64_t pow10[kMaxDigits + 1] = {};
};

constexpr RankShapes make_rank_shapes() {
  __extension__ typedef unsigned __int128 u128;  // GCC and Clang
  RankShapes r;
  u128 count[kMaxLetters + 1][kMaxDigits + 1] = {};
  u128 p10 = 1;
  for (unsigned w = 0; w <= kMaxDigits; ++w, p10 *= 10) {
    r.pow10[w] = static_cast<std::uint64_t>(p10);
    u128 p27 = 1;
    for (unsigned l = 0; l <= kMaxLetters; ++l, p27 *= 27) count[l][w] = p27 * p10;
  }
  const u128 limit = u128{1} << 64;
  for (unsigned l = 0; l <= kMaxLetters; ++l) {
    for (unsigned w = 1; w <= kMaxDigits; ++w) {
      // Shapes before (l, w): smaller counts, ties by (letters, width).
      u128 before = 0;
      for (unsigned l2 = 0; l2 <= kMaxLetters; ++l2) {
        for (unsigned w2 = 1; w2 <= kMaxDigits; ++w2) {
          const bool earlier = count[l2][w2] < count[l][w] ||
                               (count[l2][w2] == count[l][w] && (l2 < l || (l2 == l && w2 < w)));
          if (earlier) before += count[l2][w2];
        }
      }
      if (before + count[l][w] <= limit) {
        r.fits[l][w] = true;
        r.offset[l][w] = static_cast<std::uint64_t>(before);
      }
    }
  }
  return r;
}

constexpr RankShapes kRankShapes = make_rank_shapes();
static_assert(kRankShapes.fits[7][8] && kRankShapes.fits[6][9] && kRankShapes.fits[4][12] && kRankShapes.fits[0][18] &&
              kRankShapes.fits[12][1]);
static_assert(!kRankShapes.fits[7][9] && !kRankShapes.fits[5][12] && !kRankShapes.fits[8][7] && !kRankShapes.fits[13][1]);

bool has_rank(const Parts& p) { return p.ok && kRankShapes.fits[p.letters][p.width]; }
std::uint64_t rank(const Parts& p) {
  return kRankShapes.offset[p.letters][p.width] + p.area * kRankShapes.pow10[p.width] + p.value;
}

std::uint64_t mix(std::uint64_t k) {
  k ^= k >> 31;
  k *= 0x9E3779B97F4A7C15ULL;
  return k ^ (k >> 29);
}

// A full 64-bit finaliser (MurmurHash3's): ranks of one area differ in their low
// bits only, and the exact table maps the top bits onto its slots.
std::uint64_t mix_strong(std::uint64_t k) {
  k ^= k >> 33;
  k *= 0xFF51AFD7ED558CCDULL;
  k ^= k >> 33;
  k *= 0xC4CEB9FE1A85EC53ULL;
  return k ^ (k >> 33);
}

// Multiply-shift of a hash onto [0, size) (size < 2^32): no modulo, any size.
std::uint64_t reduce(std::uint64_t hash, std::size_t size) { return ((hash >> 32) * size) >> 32; }

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
    std::uint64_t key;
    const Parts first = split(number_of(p));
    if (!dense_key(first, key)) {
      ++p;
      continue;
    }
    std::uint32_t q = p + 1;
    std::uint64_t last_value = first.value;
    for (std::uint64_t k2; q < count; ++q) {
      const Parts next = split(number_of(q));
      if (!dense_key(next, k2) || k2 != key) break;
      last_value = next.value;
    }
    stretches.push_back({p, q, key, first.value, last_value});
    p = q;
  }
  // Which stretches are dense: the first of their (area, width), at most half empty.
  // A scratch set of the (area, width) keys seen, O(1) per stretch.
  std::vector<std::uint8_t> stretch_is_dense(stretches.size(), 0);
  std::size_t dense_runs = 0, dense_total = 0;
  {
    const std::uint64_t mask = table_size(stretches.size()) - 1;
    std::vector<std::uint64_t> seen(mask + 1, 0);  // 0: empty (a real key has width >= 1)
    for (std::size_t si = 0; si < stretches.size(); ++si) {
      const Stretch& st = stretches[si];
      std::uint64_t h = mix(st.key) & mask;
      while (seen[h] != 0 && seen[h] != st.key) h = (h + 1) & mask;
      if (seen[h] == st.key) continue;  // a later stretch: not dense
      seen[h] = st.key;
      const std::uint64_t span = st.last - st.first + 1;
      if (st.last < UINT32_MAX && span <= 2 * std::uint64_t{st.end - st.begin} + 64) {
        stretch_is_dense[si] = 1;
        ++dense_runs;
        dense_total += span;
      }
    }
  }
  // The (area, width) table holds the dense runs only: a number of another
  // (area, width) goes straight to the exact table.
  area_slots_.clear();
  area_mask_ = 0;
  if (dense_runs > 0) {
    area_mask_ = table_size(dense_runs) - 1;
    area_slots_.assign(area_mask_ + 1, AreaSlot{});
  }
  dense_.clear();
  reserve_huge(dense_, dense_total);
  dense_.assign(dense_total, UINT32_MAX);
  enum : std::uint8_t { kGeneral, kDense, kExact };
  std::vector<std::uint8_t> where(count, kGeneral);
  dense_total = 0;
  for (std::size_t si = 0; si < stretches.size(); ++si) {
    if (!stretch_is_dense[si]) continue;
    const Stretch& st = stretches[si];
    std::uint64_t h = mix(st.key) & area_mask_;
    while (area_slots_[h].area_key != 0) h = (h + 1) & area_mask_;
    AreaSlot& a = area_slots_[h];
    a.area_key = st.key;
    a.min = static_cast<std::uint32_t>(st.first);
    a.size = static_cast<std::uint32_t>(st.last - st.first + 1);
    a.offset = static_cast<std::uint32_t>(dense_total);
    dense_total += a.size;
    for (std::uint32_t i = st.begin; i < st.end; ++i) {
      dense_[a.offset + (split(number_of(i)).value - a.min)] = i;
      where[i] = kDense;
    }
  }

  // Letters-then-digits numbers outside dense runs whose rank fits in 64 bits:
  // keyed exactly by the rank, in buckets at load 3/4.
  std::size_t exact_count = 0;
  for (std::uint32_t p = 0; p < count; ++p) {
    if (where[p] == kGeneral && has_rank(split(number_of(p)))) {
      where[p] = kExact;
      ++exact_count;
    }
  }
  exact_.clear();
  if (exact_count > 0) {
    const std::size_t buckets = exact_count * 4 / (3 * ExactBucket::kSlots) + 1;  // load 3/4
    reserve_huge(exact_, buckets);
    exact_.assign(buckets, ExactBucket{});
    // In pole order, as one loop would; but each pole's key is computed and
    // its bucket fetched kAhead poles before its insert, so that the inserts'
    // memory misses overlap instead of coming one after another (2,000,000
    // numbers outside dense runs: 0.32 s one after another).
    constexpr std::size_t kAhead = 16;
    std::array<std::pair<std::uint64_t, std::uint32_t>, kAhead> ahead;  // (key, pole), a ring
    std::size_t head = 0, queued = 0;
    std::uint32_t next = 0;
    auto queue_next = [&] {
      while (next < count && where[next] != kExact) ++next;
      if (next == count) return false;
      const std::uint64_t key = rank(split(number_of(next)));
      __builtin_prefetch(&exact_[reduce(mix_strong(key), buckets)], 1);
      ahead[(head + queued) % kAhead] = {key, next++};
      ++queued;
      return true;
    };
    while (queued < kAhead && queue_next()) {
    }
    while (queued > 0) {
      const auto [key, p] = ahead[head];
      head = (head + 1) % kAhead;
      --queued;
      for (std::uint64_t b = reduce(mix_strong(key), buckets);; b = b + 1 == buckets ? 0 : b + 1) {
        ExactBucket& bucket = exact_[b];
        const auto slot = std::find(bucket.pole, bucket.pole + ExactBucket::kSlots, UINT32_MAX) - bucket.pole;
        if (slot == ExactBucket::kSlots) continue;
        bucket.key[slot] = key;
        bucket.pole[slot] = p;
        break;
      }
      queue_next();
    }
  }

  // Everything else (digits before letters, a trailing letter, very long
  // numbers): open addressing on number_key(), load factor ~2/3.
  std::size_t rest = 0;
  for (std::uint32_t p = 0; p < count; ++p) rest += where[p] == kGeneral;
  slots_.clear();
  if (rest > 0) {
    const std::size_t size = rest + rest / 2 + 1;
    reserve_huge(slots_, size);
    slots_.assign(size, Slot{});
    for (std::uint32_t p = 0; p < count; ++p) {
      if (where[p] != kGeneral) continue;
      const std::uint64_t key = number_key(number_of(p));
      std::uint64_t i = reduce(mix(key), size);
      while (slots_[i].pole != UINT32_MAX) {
        if (++i == size) i = 0;
      }
      slots_[i] = {key, p};
    }
  }

  // serial -> poles: poles sorted by (serial key, pole), one slot per distinct serial.
  std::vector<std::string_view> areas;  // sorted and made unique below (100,000 codes: a std::set cost 90 ms)
  std::string_view last_area;
  // Each pole's serial key first; then, when every key leaves room for a pole
  // index below it (serials of up to 8 digits with 2,000,000 poles: 42 + 21
  // bits), one word key << pole_bits | pole per pole, sorted in half the memory
  // of (key, pole) pairs; otherwise pairs (hashed long serials).
  std::vector<std::uint64_t> packed;
  reserve_huge(packed, count);
  packed.resize(count);
  std::uint64_t key_bits = 0;
  for (std::uint32_t p = 0; p < count; ++p) {
    const std::string_view number = number_of(p);
    std::size_t k = 0;
    while (k < number.size() && number[k] >= 'A' && number[k] <= 'Z') ++k;
    if (k > 0 && number.substr(0, k) != last_area) {  // poles come grouped by area (number order)
      last_area = number.substr(0, k);
      areas.push_back(last_area);
    }
    packed[p] = number_key(strip_leading_zeros(number.substr(k)));
    key_bits |= packed[p];
  }
  const auto pole_bits = static_cast<unsigned>(std::bit_width(std::max<std::size_t>(count, 2) - 1));
  const bool fits = static_cast<unsigned>(std::bit_width(key_bits)) + pole_bits <= 64;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> pairs;
  if (fits) {
    for (std::uint32_t p = 0; p < count; ++p) packed[p] = packed[p] << pole_bits | p;
    sort_packed(packed, pole_bits);  // poles ascend in it: (key, pole) order
  } else {
    pairs.resize(count);
    for (std::uint32_t p = 0; p < count; ++p) pairs[p] = {packed[p], p};
    packed = {};
    sort_by_key(pairs);
  }
  const std::uint64_t pole_mask = (std::uint64_t{1} << pole_bits) - 1;
  auto key_at = [&](std::size_t i) { return fits ? packed[i] >> pole_bits : pairs[i].first; };
  auto pole_at = [&](std::size_t i) {
    return fits ? static_cast<std::uint32_t>(packed[i] & pole_mask) : pairs[i].second;
  };
  reserve_huge(serial_poles_, count);
  serial_poles_.resize(count);
  std::size_t distinct = 0;
  for (std::size_t i = 0; i < count; ++i) {
    serial_poles_[i] = pole_at(i);
    distinct += i == 0 || key_at(i) != key_at(i - 1);
  }
  serial_mask_ = table_size(distinct) - 1;
  serial_slots_.assign(serial_mask_ + 1, SerialSlot{});
  for (std::size_t i = 0; i < count;) {
    std::size_t j = i;
    const std::uint64_t key = key_at(i);
    while (j < count && key_at(j) == key) ++j;
    // Long serials hash: equal keys of different serials are split by the check in find_serial().
    std::uint64_t h = mix(key) & serial_mask_;
    while (serial_slots_[h].count != 0) h = (h + 1) & serial_mask_;
    serial_slots_[h] = {key, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j - i)};
    i = j;
  }
  if (!std::is_sorted(areas.begin(), areas.end())) std::sort(areas.begin(), areas.end());  // poles come in number order
  areas.erase(std::unique(areas.begin(), areas.end()), areas.end());
  areas_ = std::move(areas);
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
  const Parts parts = split(canonical);
  // The dense run whose range holds the number, if any: its slot (UINT32_MAX if
  // absent; later stretches of an (area, width) hold larger serials).
  auto dense_slot = [&]() -> const std::uint32_t* {
    std::uint64_t area_key;
    if (area_slots_.empty() || !dense_key(parts, area_key)) return nullptr;
    const AreaSlot* a = area_slot(area_key);
    if (!a || parts.value < a->min || parts.value - a->min >= a->size) return nullptr;
    return &dense_[a->offset + (parts.value - a->min)];
  };
  auto answer = [](std::uint32_t pole) { return pole != UINT32_MAX ? std::optional<std::uint32_t>(pole) : std::nullopt; };
  if (has_rank(parts)) {
    const std::size_t buckets = exact_.size();
    if (buckets == 0) {
      const std::uint32_t* d = dense_slot();
      return d ? answer(*d) : std::nullopt;
    }
    // The exact bucket's line is fetched while the (area, width) table is asked:
    // a number outside dense runs costs one memory miss, not two.
    const std::uint64_t key = rank(parts);
    std::uint64_t b = reduce(mix_strong(key), buckets);
    __builtin_prefetch(&exact_[b]);
    if (const std::uint32_t* d = dense_slot()) return answer(*d);
    for (;;) {
      const ExactBucket& bucket = exact_[b];
      // A key is in at most one slot; an empty slot (key 0, pole UINT32_MAX) may
      // match key 0 too, but comes after it: the first match wins. Slots fill in
      // order, so a bucket with an empty slot ends the probe.
      // Masks, not branches: a branch on data just fetched from memory would be
      // mispredicted and hold up the next queries' loads.
      std::uint32_t pole = UINT32_MAX;
      for (unsigned j = ExactBucket::kSlots; j-- > 0;) {
        const std::uint32_t match = 0u - static_cast<std::uint32_t>(bucket.key[j] == key);
        pole = (bucket.pole[j] & match) | (pole & ~match);
      }
      if (pole != UINT32_MAX) return pole;
      if (bucket.pole[ExactBucket::kSlots - 1] == UINT32_MAX) return std::nullopt;
      if (++b == buckets) b = 0;
    }
  }
  if (const std::uint32_t* d = dense_slot()) return answer(*d);
  if (slots_.empty()) return std::nullopt;
  const std::uint64_t key = number_key(canonical);
  for (std::uint64_t i = reduce(mix(key), slots_.size());;) {
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
         area_slots_.capacity() * sizeof(AreaSlot) + exact_.capacity() * sizeof(ExactBucket) +
         serial_slots_.capacity() * sizeof(SerialSlot) +
         serial_poles_.capacity() * sizeof(std::uint32_t) + areas_.capacity() * sizeof(std::string_view);
}

}  // namespace poleloc::index
