// The token file: named tokens, minimum length, BOM and CRLF, permissions.
#include "token_file.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace poleloc::http {
namespace {

namespace fs = std::filesystem;

constexpr const char* kLong = "0123456789abcdef";  // exactly the minimum length

TEST(TokenFile, PlainLineIsNamedDefault) {
  auto t = parse_token_file(std::string(kLong) + "\n", "f");
  ASSERT_TRUE(t) << t.status().message();
  ASSERT_EQ(t->size(), 1u);
  EXPECT_EQ((*t)[0].name, "default");
  EXPECT_EQ((*t)[0].token, kLong);
}

TEST(TokenFile, NamedTokensCommentsAndBlankLines) {
  auto t = parse_token_file("# writers\n\ndispatch:aaaaaaaaaaaaaaaa1\n  gis-sync:bbbbbbbbbbbbbbbb2  \n", "f");
  ASSERT_TRUE(t) << t.status().message();
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[0].name, "dispatch");
  EXPECT_EQ((*t)[1].name, "gis-sync");
  EXPECT_EQ((*t)[1].token, "bbbbbbbbbbbbbbbb2");
}

TEST(TokenFile, ByteOrderMarkAndCrlfAreNotPartOfTheToken) {
  auto t = parse_token_file("\xEF\xBB\xBFops:cccccccccccccccc\r\nother:dddddddddddddddd\r\n", "f");
  ASSERT_TRUE(t) << t.status().message();
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[0].name, "ops");
  EXPECT_EQ((*t)[0].token, "cccccccccccccccc");
  EXPECT_EQ((*t)[1].token, "dddddddddddddddd");
}

TEST(TokenFile, ShortTokensAreRefusedWithoutShowingThem) {
  auto t = parse_token_file("x:short-secret\n", "f");
  ASSERT_FALSE(t);
  EXPECT_NE(t.status().message().find("at least 16"), std::string::npos);
  EXPECT_EQ(t.status().message().find("short-secret"), std::string::npos);
  EXPECT_FALSE(parse_token_file("a\n", "f"));
}

TEST(TokenFile, MalformedFilesAreRefused) {
  EXPECT_FALSE(parse_token_file("", "f"));
  EXPECT_FALSE(parse_token_file("\n# only a comment\n", "f"));
  EXPECT_FALSE(parse_token_file("bad name:0123456789abcdef\n", "f"));
  EXPECT_FALSE(parse_token_file(":0123456789abcdef\n", "f"));
  EXPECT_FALSE(parse_token_file("a:0123456789 abcdef\n", "f"));
  EXPECT_FALSE(parse_token_file("a:0123456789abcdef\xC3\xA9\n", "f"));
  EXPECT_FALSE(parse_token_file("a:0123456789abcdef\na:fedcba9876543210\n", "f"));  // a name twice
  EXPECT_FALSE(parse_token_file("a:0123456789abcdef\nb:0123456789abcdef\n", "f"));  // a token twice
}

TEST(TokenFile, FindTokenNamesTheWriterAndRefusesPrefixes) {
  auto t = parse_token_file("a:aaaaaaaaaaaaaaaa\nb:bbbbbbbbbbbbbbbb\n", "f");
  ASSERT_TRUE(t);
  ASSERT_NE(find_token(*t, "bbbbbbbbbbbbbbbb"), nullptr);
  EXPECT_EQ(find_token(*t, "bbbbbbbbbbbbbbbb")->name, "b");
  EXPECT_EQ(find_token(*t, "bbbbbbbbbbbbbbb"), nullptr);
  EXPECT_EQ(find_token(*t, "bbbbbbbbbbbbbbbbb"), nullptr);
  EXPECT_EQ(find_token(*t, ""), nullptr);
}

TEST(TokenFile, FileReadableByGroupOrOthersIsRefused) {
  const fs::path path = fs::temp_directory_path() / ("poleloc-token-" + std::to_string(::getpid()));
  std::ofstream(path) << "w:0123456789abcdef\n";
  ::chmod(path.c_str(), 0644);
  auto open = read_token_file(path.string());
  ASSERT_FALSE(open);
  EXPECT_NE(open.status().message().find("0644"), std::string::npos);
  ::chmod(path.c_str(), 0640);
  EXPECT_FALSE(read_token_file(path.string()));
  ::chmod(path.c_str(), 0600);
  auto ok = read_token_file(path.string());
  ASSERT_TRUE(ok) << ok.status().message();
  EXPECT_EQ((*ok)[0].name, "w");
  fs::remove(path);
  EXPECT_EQ(read_token_file(path.string()).status().code(), ErrorCode::io_error);
}

}  // namespace
}  // namespace poleloc::http
