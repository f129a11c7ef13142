// The confusion model: which one-edit variants of a heard number exist, and
// that the mistakes phone lines and recognisers really make weigh the most.
#include "spoken/confusion.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

namespace poleloc::spoken {
namespace {

// variant digits -> best weight
std::map<std::string, float> variants(std::string_view heard, Language lang = Language::chinese,
                                      bool likely_only = false) {
  std::vector<Variant> v;
  ConfusionOptions o;
  o.language = lang;
  o.likely_only = likely_only;
  one_edit_variants(heard, o, v);
  std::map<std::string, float> out;
  for (const Variant& x : v) {
    auto& w = out[std::string(x.digits.view())];
    w = std::max(w, x.edit.weight);
  }
  return out;
}

float weight(std::string_view heard, std::string_view meant, Language lang = Language::chinese) {
  auto v = variants(heard, lang);
  auto it = v.find(std::string(meant));
  return it == v.end() ? 0.0f : it->second;
}

TEST(SpokenConfusion, YiQiSwapOutweighsAPlainSlip) {
  EXPECT_GT(weight("312", "372"), 5 * weight("312", "322"));
  EXPECT_GT(weight("372", "312"), 5 * weight("372", "382"));
}

TEST(SpokenConfusion, LiuJiuSwapOutweighsAPlainSlip) {
  EXPECT_GT(weight("169", "199"), 5 * weight("169", "189"));
  EXPECT_GT(weight("169", "166"), 5 * weight("169", "167"));
}

TEST(SpokenConfusion, FiveNineIsAnEnglishConfusion) {
  EXPECT_GT(weight("359", "355", Language::english), 5 * weight("359", "358", Language::english));
  EXPECT_GT(weight("359", "355", Language::english), weight("359", "355", Language::chinese));
}

TEST(SpokenConfusion, FifteenForFiftyAndThirteenForThirty) {
  const float slip = weight("315", "316", Language::english);
  EXPECT_GT(weight("315", "350", Language::english), 5 * slip);
  EXPECT_GT(weight("350", "315", Language::english), 5 * slip);
  EXPECT_GT(weight("130", "300", Language::english), 5 * slip);
  EXPECT_GT(weight("300", "130", Language::english), 5 * slip);
  // In Chinese (shiwu / wushi) the two do not sound alike.
  EXPECT_LT(weight("315", "350", Language::chinese), 2 * slip);
}

TEST(SpokenConfusion, OneDigitDroppedAddedOrTransposed) {
  auto v = variants("372");
  for (const char* s : {"72", "32", "37", "3772", "3712", "1372", "3720", "732", "327"}) {
    EXPECT_TRUE(v.count(s)) << s;
  }
  EXPECT_FALSE(v.count("372"));   // never the heard number itself
  EXPECT_FALSE(v.count("0372"));  // a leading zero is no edit
}

TEST(SpokenConfusion, EveryOneEditStringIsGenerated) {
  const std::string heard = "4096";
  std::set<std::string> expected;
  for (std::size_t i = 0; i < heard.size(); ++i) {
    for (char c = '0'; c <= '9'; ++c) {
      std::string s = heard;
      s[i] = c;
      expected.insert(s);
    }
    expected.insert(heard.substr(0, i) + heard.substr(i + 1));
    if (i + 1 < heard.size()) {
      std::string s = heard;
      std::swap(s[i], s[i + 1]);
      expected.insert(s);
    }
  }
  for (std::size_t i = 0; i <= heard.size(); ++i) {
    for (char c = '0'; c <= '9'; ++c) expected.insert(heard.substr(0, i) + c + heard.substr(i));
  }
  auto strip = [](std::string s) {
    while (s.size() > 1 && s[0] == '0') s.erase(0, 1);
    return s;
  };
  std::set<std::string> got;
  for (auto& [s, w] : variants(heard)) got.insert(strip(s));
  for (const std::string& e : expected) {
    if (strip(e) == heard) continue;
    EXPECT_TRUE(got.count(strip(e))) << e;
  }
}

TEST(SpokenConfusion, DoubledDigitsAreLikelierToBeLostOrAdded) {
  EXPECT_GT(weight("3772", "372"), weight("3782", "372"));  // "double seven" heard once too often
  EXPECT_GT(weight("372", "3772"), weight("372", "3872"));  // "double seven" heard as one
}

TEST(SpokenConfusion, LikelyOnlyKeepsKnownConfusionsAndDropsPlainSlips) {
  auto v = variants("372", Language::chinese, true);
  EXPECT_TRUE(v.count("312"));   // yi/qi
  EXPECT_TRUE(v.count("732"));   // swap
  EXPECT_FALSE(v.count("382"));  // plain slip
  EXPECT_FALSE(v.count("3725"));
  EXPECT_LT(v.size(), 12u);
}

TEST(SpokenConfusion, MaxLengthPrunesLongerVariants) {
  std::vector<Variant> v;
  ConfusionOptions o;
  o.max_length = 3;
  one_edit_variants("372", o, v);
  for (const Variant& x : v) EXPECT_LE(x.digits.stripped().size(), 3u) << x.digits.view();
}

TEST(SpokenConfusion, NeutralLanguageAveragesBothTables) {
  const float zh = substitution_weight('1', '7', Language::chinese);
  const float en = substitution_weight('1', '7', Language::english);
  EXPECT_FLOAT_EQ(substitution_weight('1', '7', Language::neutral), 0.5f * (zh + en));
  EXPECT_EQ(substitution_weight('3', '3', Language::neutral), 1.0f);
}

TEST(SpokenConfusion, ExplanationsNameTheMistake) {
  std::vector<Variant> v;
  one_edit_variants("312", {.language = Language::chinese}, v);
  bool found = false;
  for (const Variant& x : v) {
    if (x.digits.view() == "372") {
      EXPECT_EQ(explain(x.edit), "1 may be 7 (yi/qi)");
      found = true;
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(explain({EditKind::teen_tens, 0, '1', '5', 0.1f}), "15 may be 50 (fifteen/fifty)");
  EXPECT_EQ(explain({EditKind::transpose, 1, '7', '2', 0.1f}), "72 swapped");
  EXPECT_EQ(explain({EditKind::drop, 1, '7', 0, 0.1f}), "extra 7");
  EXPECT_EQ(explain({EditKind::insert, 1, 0, '7', 0.1f}), "missing 7");
}

}  // namespace
}  // namespace poleloc::spoken
