// write_queue.hpp: the bound on writes waiting for the writer thread.
//
//   WriteQueue queue(64, std::chrono::seconds(10));
//   auto ticket = queue.enter();                 // nullopt: 64 writes already wait -> 503 overloaded
//   ... on the writer thread:
//   if (queue.expired(*ticket, steady_clock::now())) -> 503, the write is not applied
//   ... the ticket leaves the queue when destroyed.
//
// Writes on a big city take long enough that, unbounded, they queue up and are
// acknowledged after their clients have given up. The queue refuses a write when
// it is full and drops one that waited longer than the deadline before it could
// start: either way the client learns at once, and nothing is acknowledged late.
//
// Thread-safety: enter() and Ticket destruction from any thread; lock-free.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>

namespace poleloc::http {

class WriteQueue {
 public:
  using Clock = std::chrono::steady_clock;

  class Ticket {
   public:
    Ticket(Ticket&& o) noexcept : queue_(o.queue_), queued_(o.queued_) { o.queue_ = nullptr; }
    Ticket& operator=(Ticket&&) = delete;
    ~Ticket() {
      if (queue_) queue_->pending_.fetch_sub(1, std::memory_order_relaxed);
    }
    Clock::time_point queued() const { return queued_; }

   private:
    friend class WriteQueue;
    Ticket(WriteQueue* q, Clock::time_point t) : queue_(q), queued_(t) {}
    WriteQueue* queue_;
    Clock::time_point queued_;
  };

  WriteQueue(std::size_t max_pending, Clock::duration deadline) : max_pending_(max_pending), deadline_(deadline) {}

  // A place in the queue, or nullopt when max_pending writes are queued or running.
  std::optional<Ticket> enter(Clock::time_point now = Clock::now()) {
    if (pending_.fetch_add(1, std::memory_order_relaxed) >= max_pending_) {
      pending_.fetch_sub(1, std::memory_order_relaxed);
      return std::nullopt;
    }
    return Ticket(this, now);
  }

  // True when the write waited longer than the deadline before starting at `now`.
  bool expired(const Ticket& t, Clock::time_point now) const { return now - t.queued() > deadline_; }

  bool full() const { return pending_.load(std::memory_order_relaxed) >= max_pending_; }
  std::size_t pending() const { return pending_.load(std::memory_order_relaxed); }
  std::size_t max_pending() const { return max_pending_; }
  Clock::duration deadline() const { return deadline_; }

 private:
  std::atomic<std::size_t> pending_{0};
  std::size_t max_pending_;
  Clock::duration deadline_;
};

}  // namespace poleloc::http
