#include "index/number_index.hpp"
#include "index/radix_sort.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

using poleloc::index::NumberIndex;

namespace {

struct Registry {
  std::vector<std::string> numbers;  // sorted, as a snapshot holds them
  NumberIndex idx;
  explicit Registry(std::vector<std::string> n) : numbers(std::move(n)) {
    std::sort(numbers.begin(), numbers.end());
    idx.build(numbers.size(), [this](std::uint32_t p) { return std::string_view(numbers[p]); });
  }
  std::string at(std::string_view number) const {
    auto p = idx.find(number);
    return p ? numbers[*p] : "-";
  }
};

}  // namespace

TEST(NumberIndex, EveryNumberIsFoundAndNothingElse) {
  std::vector<std::string> n;
  for (int i = 1; i <= 3000; ++i) n.push_back("TJH" + std::string(4 - std::to_string(i).size(), '0') + std::to_string(i));
  for (int i = 1; i <= 500; i += 7) n.push_back("HJL" + std::to_string(i));  // sparse, unpadded
  n.push_back("A1B2");                                                      // letters after digits
  n.push_back("VERYLONGAREACODE0001");                                      // longer than 12 characters
  n.push_back("ABCDEFGHIJKLMN1");                                           // area longer than 12 letters
  n.push_back("12345");                                                     // no area
  Registry r(n);
  for (const auto& number : r.numbers) EXPECT_EQ(r.at(number), number);
  for (const char* absent : {"TJH0000", "TJH3001", "TJH9999", "TJH372", "TJH00372", "HJL2", "HJL0008", "A1B3",
                             "VERYLONGAREACODE0002", "XYZ0001", "12346", "TJH"}) {
    EXPECT_EQ(r.at(absent), "-") << absent;
  }
}

TEST(NumberIndex, AreaWithMixedSerialWidths) {
  // TJH0010.. (4 digits) and TJH00010.. (5 digits) interleave in byte order.
  std::vector<std::string> n;
  for (int i = 1; i <= 300; ++i) {
    const std::string s = std::to_string(i);
    n.push_back("TJH" + std::string(4 - s.size(), '0') + s);
    if (i % 3 == 0) n.push_back("TJH" + std::string(5 - s.size(), '0') + s);
  }
  Registry r(n);
  for (const auto& number : r.numbers) EXPECT_EQ(r.at(number), number);
  EXPECT_EQ(r.at("TJH0301"), "-");
  EXPECT_EQ(r.at("TJH00001"), "-");
}

TEST(NumberIndex, RandomRegistryAgreesWithBinarySearch) {
  std::mt19937_64 rng(9);
  std::vector<std::string> n;
  const char* areas[] = {"A", "TJH", "DZMX", "Q"};
  for (int i = 0; i < 20000; ++i) {
    std::string s = areas[rng() % 4];
    const int width = 1 + static_cast<int>(rng() % 6);
    for (int d = 0; d < width; ++d) s.push_back(static_cast<char>('0' + rng() % (d == 0 ? 3 : 10)));
    n.push_back(s);
  }
  std::sort(n.begin(), n.end());
  n.erase(std::unique(n.begin(), n.end()), n.end());
  Registry r(n);
  for (int i = 0; i < 20000; ++i) {
    std::string q = areas[rng() % 4];
    const int width = 1 + static_cast<int>(rng() % 6);
    for (int d = 0; d < width; ++d) q.push_back(static_cast<char>('0' + rng() % 10));
    const bool present = std::binary_search(r.numbers.begin(), r.numbers.end(), q);
    EXPECT_EQ(r.at(q), present ? q : "-") << q;
  }
}

TEST(NumberIndex, SerialLookupIgnoresLeadingZerosAndArea) {
  Registry r({"TJH0372", "HJL372", "DZM00372", "TJH0373"});
  auto hits = r.idx.find_serial("372");
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_TRUE(r.idx.find_serial("0372").empty()) << "callers pass serials without leading zeros";
  EXPECT_EQ(r.idx.area_codes(), (std::vector<std::string_view>{"DZM", "HJL", "TJH"}));
}

TEST(NumberIndex, HundredThousandAreaCodesAreAllFoundAndAbsentOnesAreNot) {
  std::vector<std::string> n;
  for (int a = 0; a < 100000; ++a) {
    std::string code;
    for (int v = a, i = 0; i < 4; ++i, v /= 26) code.insert(code.begin(), static_cast<char>('A' + v % 26));
    for (int s = 1; s <= 3; ++s) n.push_back("DZM" + code + "000" + std::to_string(s));
  }
  const Registry r(n);
  for (const std::string& x : n) ASSERT_EQ(r.at(x), x);
  EXPECT_EQ(r.at("DZMAAAA0004"), "-");
  EXPECT_EQ(r.at("DZMZZZZ0001"), "-");  // an area code that is not there
  EXPECT_EQ(r.at("DZMAAAA001"), "-");   // another width
}

TEST(NumberIndex, LongSparseSerialsAreFoundExactly) {
  std::vector<std::string> n;
  std::mt19937_64 rng(3);
  for (int a = 0; a < 3000; ++a) {
    const std::string code = "QX" + std::string(1, static_cast<char>('A' + a % 26)) + std::string(1, static_cast<char>('A' + a / 26 % 26)) +
                             std::string(1, static_cast<char>('A' + a / 676));
    std::uint64_t v = 0;
    for (int s = 0; s < 20; ++s) {
      v += 1 + rng() % 61;
      std::string serial = std::to_string(v);
      n.push_back(code + std::string(8 - serial.size(), '0') + serial);
    }
    n.push_back(code + "123456789012");  // 12 digits: still an exact key
    n.push_back(code + "1234567890123"); // 13 digits: the general table
  }
  const Registry r(n);
  for (const std::string& x : n) ASSERT_EQ(r.at(x), x);
  // A neighbour of every number that is not itself a number is absent.
  std::vector<std::string> sorted = r.numbers;
  for (const std::string& x : n) {
    std::string y = x;
    y.back() = y.back() == '9' ? '0' : static_cast<char>(y.back() + 1);
    if (!std::binary_search(sorted.begin(), sorted.end(), y)) {
      EXPECT_EQ(r.at(y), "-") << y;
    }
  }
}

namespace {

// "QX" + a 4-letter code from a: QXAAAA, QXAAAB, ...
std::string code_of(int a) {
  std::string code = "QX";
  for (int div : {26 * 26 * 26, 26 * 26, 26, 1}) code.push_back(static_cast<char>('A' + a / div % 26));
  return code;
}

std::string padded(std::uint64_t v, std::size_t width) {
  std::string s = std::to_string(v);
  return std::string(width > s.size() ? width - s.size() : 0, '0') + s;
}

// Sparse serials of `width` digits (gaps of 1-61) in `codes` areas, `per` each.
std::vector<std::string> sparse_registry(int codes, int per, std::size_t width, std::uint64_t seed) {
  std::vector<std::string> n;
  std::mt19937_64 rng(seed);
  for (int a = 0; a < codes; ++a) {
    std::uint64_t v = 0;
    for (int s = 0; s < per; ++s) {
      v += 1 + rng() % 61;
      n.push_back(code_of(a) + padded(v, width));
    }
  }
  return n;
}

}  // namespace

TEST(NumberIndex, EveryAbsentSerialNextToSparseOnesIsAbsent) {
  // Every serial from 0 to past the last in 2,000 sparse areas: most are absent,
  // and many share a table bucket (or a full one) with a present number.
  const Registry r(sparse_registry(2000, 20, 8, 5));
  std::size_t found = 0;
  for (int a = 0; a < 2000; ++a) {
    for (std::uint64_t v = 0; v <= 1300; ++v) {
      const std::string q = code_of(a) + padded(v, 8);
      const bool present = std::binary_search(r.numbers.begin(), r.numbers.end(), q);
      ASSERT_EQ(r.at(q), present ? q : "-") << q;
      found += present;
    }
  }
  EXPECT_EQ(found, r.numbers.size());
}

TEST(NumberIndex, NumbersDifferingInOneCharacterAreTold) {
  const Registry r(sparse_registry(300, 20, 8, 6));
  const std::string alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  for (const std::string& x : r.numbers) {
    for (std::size_t i = 0; i < x.size(); ++i) {
      for (char c : alphabet) {
        if (c == x[i]) continue;
        std::string y = x;
        y[i] = c;
        const bool present = std::binary_search(r.numbers.begin(), r.numbers.end(), y);
        ASSERT_EQ(r.at(y), present ? y : "-") << y;
      }
    }
  }
}

TEST(NumberIndex, HundredThousandSparseAreaCodesAreAllFoundAndNeighboursAreNot) {
  const Registry r(sparse_registry(100000, 3, 8, 7));
  for (const std::string& x : r.numbers) ASSERT_EQ(r.at(x), x);
  for (const std::string& x : r.numbers) {
    for (const std::string& y : {x.substr(0, x.size() - 1) + (x.back() == '9' ? '0' : static_cast<char>(x.back() + 1)),
                                 x.substr(0, 6) + "0" + x.substr(6), x.substr(0, 6) + x.substr(7)}) {
      const bool present = std::binary_search(r.numbers.begin(), r.numbers.end(), y);
      ASSERT_EQ(r.at(y), present ? y : "-") << y;
    }
  }
  EXPECT_EQ(r.at(code_of(100000) + "00000001"), "-");  // an area code that is not there
}

TEST(NumberIndex, EverySerialWidthFromOneToTwelveDenseOrSparse) {
  std::vector<std::string> n;
  std::mt19937_64 rng(8);
  for (std::size_t width = 1; width <= 12; ++width) {
    const std::uint64_t top = width >= 19 ? UINT64_MAX : static_cast<std::uint64_t>(std::pow(10.0, static_cast<double>(width)));
    for (int a = 0; a < 40; ++a) {
      const std::string code = code_of(static_cast<int>(width) * 100 + a).substr(a % 6);  // 0 to 5 letters
      const bool dense = a % 2 == 0;
      std::uint64_t v = rng() % top;
      for (int s = 0; s < 50 && v < top; ++s, v += dense ? 1 : 1 + rng() % 1000) n.push_back(code + padded(v, width));
    }
  }
  std::sort(n.begin(), n.end());
  n.erase(std::unique(n.begin(), n.end()), n.end());
  const Registry r(n);
  for (const std::string& x : r.numbers) ASSERT_EQ(r.at(x), x);
  for (const std::string& x : r.numbers) {
    for (int delta : {-2, -1, 1, 2, 500}) {
      std::string y = x;
      const std::size_t k = y.find_first_of("0123456789");
      const std::uint64_t v = std::stoull(y.substr(k)) + static_cast<std::uint64_t>(delta);
      y = y.substr(0, k) + padded(v, y.size() - k);
      const bool present = std::binary_search(r.numbers.begin(), r.numbers.end(), y);
      ASSERT_EQ(r.at(y), present ? y : "-") << y;
    }
  }
}

TEST(NumberIndex, NumbersAtTheLimitsOfExactKeysAreFoundAndTheirNeighboursAreNot) {
  // Exact 64-bit keys reach 7 letters + 8 digits, 6 + 9, 4 + 12, 0 + 18 digits;
  // one more character, a 13th letter or a 19th digit takes the general table.
  const std::vector<std::string> n = {
      "0", "1", "9", "00", "A0", "Z9", "AAAAAAA00000000", "ZZZZZZZ99999999", "ZZZZZZZ999999999", "ZZZZZZ999999999",
      "ZZZZZZ9999999999", "ZZZZ999999999999", "ZZZZ9999999999999", "999999999999999999", "9999999999999999999",
      "000000000000000000", "ZZZZZZZZZZZZ9", "ZZZZZZZZZZZZZ9", "ZZZZZZZZZZZZZZ9", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
      "A1B2", "ABC", "12AB", "ABCDEFGH123", "ABCDEFGH123456", "ABCDEFGH1234567", "ABCDEFGHI12345", "ABCDEFGHIJ1234",
      "ABCDEFG1", "AB12345", "ABCDEFGHIJKLMNO1"};
  const Registry r(n);
  for (const std::string& x : n) ASSERT_EQ(r.at(x), x) << x;
  for (const char* absent : {"2", "000", "A1", "Z8", "AAAAAAA00000001", "ZZZZZZZ99999998", "ZZZZZZZ999999998",
                             "ZZZZZZ9999999998", "ZZZZ999999999998", "ZZZZ9999999999998", "999999999999999998",
                             "9999999999999999998", "000000000000000001", "0000000000000000000", "ZZZZZZZZZZZZ8",
                             "ZZZZZZZZZZZZZ8", "ZZZZZZZZZZZZZZ8", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012346", "A1B3", "ABD", "12AC",
                             "ABCDEFGH124", "ABCDEFGH123457", "ABCDEFGH1234568", "ABCDEFGHI12346", "ABCDEFGHIJ1235",
                             "ABCDEFG2", "AB12346", "ABCDEFGHIJKLMNO2", "BBCDEFGH123", "ABCDEFGG123"}) {
    EXPECT_EQ(r.at(absent), "-") << absent;
  }
}

TEST(NumberIndex, NonCanonicalInputIsAbsentNotMisread) {
  // find() takes canonical numbers; anything else must simply be absent, even
  // characters next to the digits in ASCII (':' and '/') inside an 8-digit chunk.
  const Registry r(sparse_registry(50, 20, 8, 9));
  const std::string x = r.numbers[7];
  for (const std::string& y : {x.substr(0, 6) + "0000:000", x.substr(0, 6) + "0000/000", x.substr(0, 6) + "000000 1",
                               std::string("qx") + x.substr(2), x.substr(0, 6) + "-" + x.substr(6), std::string(),
                               x + std::string(40, '0'), x.substr(0, 6) + "\x80" + x.substr(7), x.substr(0, 6),
                               "@" + x.substr(1), "[" + x.substr(1), x.substr(0, 3) + "`" + x.substr(4),
                               x.substr(0, 3) + "{" + x.substr(4), x.substr(0, 12) + ":" + x.substr(13)}) {
    EXPECT_EQ(r.at(y), "-") << y;
  }
  EXPECT_EQ(r.at(x), x);
}

// The serial table's sort (index/radix_sort.hpp) gives std::sort's order on
// every kind of key: short serials (two or three 11-bit digits), wide ones
// (four), hashes (all 64 bits: std::sort itself), one key for all, few pairs.
TEST(RadixSort, GivesTheOrderOfStdSortWhenTheValuesAscend) {
  std::mt19937_64 rng(20261202);
  auto check = [&](std::size_t n, std::uint64_t key_mask, const char* what) {
    std::vector<std::pair<std::uint64_t, std::uint32_t>> v(n);
    for (std::uint32_t i = 0; i < n; ++i) v[i] = {rng() & key_mask, i};
    auto want = v;
    std::sort(want.begin(), want.end());
    poleloc::index::sort_by_key(v);
    EXPECT_EQ(v, want) << what;
  };
  check(100000, (1ULL << 21) - 1, "4-digit serials: 21 bits");
  check(100000, 0x0000'00ff'ff00'0000ULL, "bits in the middle only");
  check(100000, (1ULL << 42) - 1, "8-digit serials: 42 bits");
  check(100000, ~0ULL, "hashed long serials");
  check(100000, 0, "one key");
  check(100000, 7, "few keys, long runs of equal ones");
  check(1000, (1ULL << 21) - 1, "small: std::sort");
  check(0, ~0ULL, "empty");
  // Packed words key << 21 | pole, as the number index sorts them when the keys leave room.
  for (const std::uint64_t key_mask : {(1ULL << 21) - 1, (1ULL << 42) - 1, 0ULL, 5ULL}) {
    std::vector<std::uint64_t> words(100000);
    for (std::uint32_t i = 0; i < words.size(); ++i) words[i] = (rng() & key_mask) << 21 | i;
    auto want = words;
    std::sort(want.begin(), want.end());
    poleloc::index::sort_packed(words, 21);
    EXPECT_EQ(words, want) << "packed, key mask " << key_mask;
  }
}
