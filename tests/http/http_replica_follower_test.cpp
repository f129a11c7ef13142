// The pure parts of the read replica's follower: the primary's URL and a page
// of the change feed read back into FeedChange (replica_follower.hpp).
#include "replica_follower.hpp"

#include <gtest/gtest.h>

using namespace poleloc;
using namespace poleloc::http;

TEST(PrimaryUrl, HostPortAndPrefixAreReadFromAnHttpUrl) {
  auto u = parse_primary_url("http://10.0.0.5:8080/");
  ASSERT_TRUE(u) << u.status().message();
  EXPECT_EQ(u->host, "10.0.0.5");
  EXPECT_EQ(u->port, "8080");
  EXPECT_EQ(u->base, "");
  EXPECT_EQ(u->text, "http://10.0.0.5:8080");
  auto v = parse_primary_url("http://poleloc.internal/registry");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->port, "80");
  EXPECT_EQ(v->base, "/registry");
  auto w = parse_primary_url("http://[::1]:9000");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->host, "::1");
  EXPECT_EQ(w->port, "9000");
}

TEST(PrimaryUrl, AnythingButPlainHttpWithAHostIsRefusedSayingWhatIsAccepted) {
  for (const char* bad : {"https://10.0.0.5", "10.0.0.5:8080", "http://", "http://:8080", "http://h:0",
                          "http://h:99999", "http://h:80x", "http://user@h", "http://h/x?y=1"}) {
    auto u = parse_primary_url(bad);
    ASSERT_FALSE(u) << bad;
    EXPECT_EQ(u.status().code(), ErrorCode::bad_request);
    EXPECT_NE(u.status().message().find("http://HOST[:PORT]"), std::string::npos) << u.status().message();
  }
}

TEST(ReplicaFeed, APageOfEveryKindIsReadBack) {
  const char* body = R"({"changes":[
    {"seq":3,"time":"2026-03-02T09:20:00.004Z","author":"gis","kind":"grid","id":"G1","op":"put",
     "record":{"id":"G1","name":"东","attributes":{"m":"x"},"geometry":{"type":"Polygon",
       "coordinates":[[[116.0,39.0],[116.1,39.0],[116.1,39.1],[116.0,39.0]]]}}},
    {"seq":3,"time":"2026-03-02T09:20:00.004Z","author":"gis","kind":"pole","id":"TJH0372","op":"put",
     "record":{"number":"TJH0372","lon":116.4712345,"lat":39.9251234,"gcj02":{"lon":1,"lat":2},"attributes":{"kind":"路灯"}}},
    {"seq":4,"time":null,"author":"","kind":"pole","id":"TJH0001","op":"delete","record":null},
    {"seq":5,"time":"2026-03-02T09:21:00Z","author":"","kind":"alias","id":"团结湖","op":"put","record":{"alias":"团结湖","code":"TJH"}},
    {"seq":5,"time":"2026-03-02T09:21:00Z","author":"","kind":"place","id":"水碓子","op":"put","record":{"name":"水碓子","kind":"community","grid":"G1"}}],
    "next_after":5,"next_skip":0,"sequence":6})";
  auto page = parse_feed_page(body);
  ASSERT_TRUE(page) << page.status().message();
  EXPECT_EQ(page->next_after, 5u);
  EXPECT_EQ(page->sequence, 6u);
  ASSERT_EQ(page->changes.size(), 5u);
  const FeedChange& g = page->changes[0];
  EXPECT_EQ(g.sequence, 3u);
  EXPECT_EQ(g.author, "gis");
  ASSERT_TRUE(g.time);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(g.time->time_since_epoch()).count() % 1000, 4);
  ASSERT_TRUE(g.grid);
  EXPECT_EQ(g.grid->name, "东");
  ASSERT_EQ(g.grid->geometry.size(), 1u);
  EXPECT_EQ(g.grid->geometry[0].rings[0].size(), 4u);
  ASSERT_TRUE(page->changes[1].pole);
  EXPECT_EQ(page->changes[1].pole->position.lon, 116.4712345);
  EXPECT_EQ(page->changes[1].pole->attributes, (Attributes{{"kind", "路灯"}}));
  EXPECT_TRUE(page->changes[2].deleted);
  EXPECT_FALSE(page->changes[2].time);
  ASSERT_TRUE(page->changes[3].alias);
  EXPECT_EQ(page->changes[3].alias->code, "TJH");
  ASSERT_TRUE(page->changes[4].place);
  EXPECT_EQ(page->changes[4].place->grid, "G1");
}

TEST(ReplicaFeed, AMalformedPageIsInvalidInputSayingWhat) {
  for (const char* bad : {"", "[]", R"({"changes":[],"next_after":1,"next_skip":0})",
                          R"({"changes":[{"seq":1,"kind":"pole","id":"X","op":"put"}],"next_after":1,"next_skip":0,"sequence":1})",
                          R"({"changes":[{"seq":1,"kind":"river","id":"X","op":"delete"}],"next_after":1,"next_skip":0,"sequence":1})"}) {
    auto page = parse_feed_page(bad);
    ASSERT_FALSE(page) << bad;
    EXPECT_EQ(page.status().code(), ErrorCode::invalid_input);
  }
}
