#include "index/number_index.hpp"

#include <gtest/gtest.h>

#include <algorithm>
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
    if (!std::binary_search(sorted.begin(), sorted.end(), y)) EXPECT_EQ(r.at(y), "-") << y;
  }
}
