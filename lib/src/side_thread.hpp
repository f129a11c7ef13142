// side_thread.hpp: one job at a time on a thread kept for it, so that a caller
// can wait on I/O and compute at once without starting a thread per call.
//
//   SideThread side;
//   side.start([&] { built = build(); });   // the computing, there
//   store.apply(change);                     // the disk sync, here
//   side.wait();                             // then use `built`
//
// start() and wait() alternate, from one caller at a time (the Service's
// writer, under its write lock). A job must not throw.
//
// Thread-safety: start() and wait() from one thread at a time; the job runs
// on the side thread, and wait() returns after it did, with its writes visible.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace poleloc {

class SideThread {
 public:
  SideThread() : thread_([this] { loop(); }) {}
  SideThread(const SideThread&) = delete;
  SideThread& operator=(const SideThread&) = delete;
  ~SideThread() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }

  void start(std::function<void()> job) {
    {
      std::lock_guard lock(mutex_);
      job_ = std::move(job);
      done_ = false;
    }
    wake_.notify_one();
  }

  void wait() {
    std::unique_lock lock(mutex_);
    finished_.wait(lock, [&] { return done_; });
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [&] { return stop_ || job_; });
      if (!job_) return;  // stopping, nothing left to run
      std::function<void()> job = std::move(job_);
      job_ = nullptr;
      lock.unlock();
      job();
      lock.lock();
      done_ = true;
      finished_.notify_one();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  std::function<void()> job_;
  bool done_ = true;
  bool stop_ = false;
  std::thread thread_;  // last: started once the fields above exist
};

}  // namespace poleloc
