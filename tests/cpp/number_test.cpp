#include <poleloc/number.hpp>

#include <gtest/gtest.h>

using poleloc::canonical_number;

TEST(CanonicalNumber, PrintedFormsGiveTheSameKey) {
  for (const char* printed : {"TJH0372", "tjh-0372", "TJH 0372", "ＴＪＨ０３７２", "#TJH0372", "TJH0372号",
                              "  tjh_0372 ", "TJH-0372 号", "No.TJH0372", "＃ＴＪＨ－０３７２", "Tjh.0372"}) {
    EXPECT_EQ(canonical_number(printed).value_or("<none>"), "TJH0372") << printed;
  }
}

TEST(CanonicalNumber, RejectsTextThatIsNotANumber) {
  for (const char* bad : {"", "   ", "#", "号", "电线杆", "TJH0372 电线杆", "TJH0372号号", "TJH*0372",
                          "团结湖0372", "TJH0372\xff", "123456789012345678901234567890123"}) {
    EXPECT_FALSE(canonical_number(bad).has_value()) << bad;
  }
}

TEST(CanonicalNumber, KeepsLettersAfterDigits) {
  EXPECT_EQ(canonical_number("a12b").value(), "A12B");
}

TEST(SplitNumber, AreaIsTheLeadingLetters) {
  auto parts = poleloc::split_number("TJH0372");
  EXPECT_EQ(parts.area, "TJH");
  EXPECT_EQ(parts.serial, "0372");
  EXPECT_EQ(poleloc::split_number("0372").area, "");
  EXPECT_EQ(poleloc::split_number("ABC").serial, "");
}
