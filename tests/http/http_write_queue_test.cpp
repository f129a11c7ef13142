// The bounded write queue: full means refused, waited too long means not applied.
#include "write_queue.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace poleloc::http {
namespace {

using namespace std::chrono_literals;

TEST(WriteQueue, RefusesWritesBeyondItsBoundAndAdmitsAgainWhenOneLeaves) {
  WriteQueue q(2, 10s);
  std::vector<WriteQueue::Ticket> held;
  held.push_back(*q.enter());
  held.push_back(*q.enter());
  EXPECT_TRUE(q.full());
  EXPECT_FALSE(q.enter());
  EXPECT_EQ(q.pending(), 2u);
  held.pop_back();
  EXPECT_FALSE(q.full());
  EXPECT_TRUE(q.enter());  // taken and released at once
  EXPECT_EQ(q.pending(), 1u);
}

TEST(WriteQueue, AWriteThatWaitedPastTheDeadlineHasExpired) {
  WriteQueue q(4, 10s);
  const auto t0 = WriteQueue::Clock::now();
  auto ticket = q.enter(t0);
  ASSERT_TRUE(ticket);
  EXPECT_FALSE(q.expired(*ticket, t0 + 9s));
  EXPECT_FALSE(q.expired(*ticket, t0 + 10s));
  EXPECT_TRUE(q.expired(*ticket, t0 + 10s + 1ms));
}

}  // namespace
}  // namespace poleloc::http
