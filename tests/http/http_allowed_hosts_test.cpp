// The Host allow-list: defaults, added names, ports, DNS-rebinding names refused.
#include "allowed_hosts.hpp"

#include <gtest/gtest.h>

namespace poleloc::http {
namespace {

TEST(AllowedHosts, DefaultsAreTheListenHostAndLoopbackNamesWithAndWithoutThePort) {
  const auto h = AllowedHosts::defaults("127.0.0.1", 8080);
  for (const char* ok : {"127.0.0.1", "127.0.0.1:8080", "localhost", "localhost:8080", "LocalHost:8080", "[::1]",
                         "[::1]:8080", "localhost."}) {
    EXPECT_TRUE(h.allows(ok)) << ok;
  }
  for (const char* bad : {"evil.example", "evil.example:8080", "localhost:9999", "127.0.0.2:8080", "", "localhost:",
                          "localhost:80x", "[::1", "localhost.evil.example", "user@localhost"}) {
    EXPECT_FALSE(h.allows(bad)) << bad;
  }
}

TEST(AllowedHosts, IPv6ListenAddressIsWrittenInBrackets) {
  const auto h = AllowedHosts::defaults("::1", 9000);
  EXPECT_TRUE(h.allows("[::1]:9000"));
  EXPECT_FALSE(h.allows("::1"));
}

TEST(AllowedHosts, GivenNamesAreAddedToTheDefaults) {
  auto h = AllowedHosts::parse("poleloc.example.org, 10.0.0.5:8443", "0.0.0.0", 8080);
  ASSERT_TRUE(h) << h.status().message();
  EXPECT_TRUE(h->allows("poleloc.example.org"));
  EXPECT_TRUE(h->allows("POLELOC.example.org:8080"));
  EXPECT_FALSE(h->allows("poleloc.example.org:9999"));
  EXPECT_TRUE(h->allows("10.0.0.5:8443"));
  EXPECT_FALSE(h->allows("10.0.0.5"));
  EXPECT_TRUE(h->allows("localhost:8080"));
  EXPECT_FALSE(h->allows("example.org"));
}

TEST(AllowedHosts, StarAllowsAnyHost) {
  auto h = AllowedHosts::parse("*", "127.0.0.1", 8080);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->allows("anything.example:1"));
}

TEST(AllowedHosts, MalformedListsAreRefused) {
  for (const char* bad : {"", ",", "http://x", "a/b", "x:99999", "x:", "a b", "[::1"}) {
    EXPECT_FALSE(AllowedHosts::parse(bad, "127.0.0.1", 8080)) << bad;
  }
}

}  // namespace
}  // namespace poleloc::http
