// KeyFilter: the overlay's "could a layer hold this number?" test never says
// no for a number it was built from, and says no for nearly every other.
#include "index/key_filter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using poleloc::index::KeyFilter;

TEST(KeyFilter, NeverSaysNoForAKeyItHoldsAndRarelyYesForAnother) {
  std::vector<std::string> held;
  for (int i = 0; i < 1500; ++i) held.push_back("TJH" + std::to_string(10000 + i * 7));
  held.push_back("A1");                                    // short
  held.push_back("CHAOYANG-TUANJIEHU-NORTH-0000372");     // longer than two words
  KeyFilter f;
  f.build(held.size(), [&](std::size_t i) { return std::string_view(held[i]); });
  for (const std::string& k : held) ASSERT_TRUE(f.may_contain(KeyFilter::hash(k))) << k;
  int yes = 0;
  const int asked = 20000;
  for (int i = 0; i < asked; ++i) yes += f.may_contain(KeyFilter::hash("TJH" + std::to_string(10001 + i * 7)));
  EXPECT_LT(yes, asked * 3 / 100) << "about 1.4 % of absent keys pass";
}

TEST(KeyFilter, HoldsNothingWhenBuiltFromNothingOrNeverBuilt) {
  KeyFilter never;
  EXPECT_FALSE(never.may_contain(KeyFilter::hash("TJH0372")));
  KeyFilter empty;
  empty.build(0, [](std::size_t) { return std::string_view(); });
  EXPECT_FALSE(empty.may_contain(KeyFilter::hash("TJH0372")));
  EXPECT_FALSE(empty.may_contain(KeyFilter::hash("")));
}

TEST(KeyFilter, KeysDifferingOnlyInLengthOrTailHashApart) {
  // Zero bytes past the end must not make "TJH" and "TJH\0" or "TJH0372" and "TJH03720" one key.
  EXPECT_NE(KeyFilter::hash("TJH"), KeyFilter::hash(std::string_view("TJH\0", 4)));
  EXPECT_NE(KeyFilter::hash("TJH0372"), KeyFilter::hash("TJH03720"));
  EXPECT_NE(KeyFilter::hash("ABCDEFGH"), KeyFilter::hash("ABCDEFGH1"));
}
