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
// The job runs on another core than the caller's. Left to the scheduler, it
// was woken on the caller's core (the caller was about to sleep in its sync),
// and when the sync ended the caller waited for the job's slice there while
// the other core idled: grid writes at 10/s into the 2M city, 60-80 each,
// alternated, p50 1.20-1.46 ms with the job where the scheduler put it and
// 0.96-1.10 ms kept off the caller's core (the store's part 1.0-1.15 ms and
// 0.70-0.73 ms; the bare synced batch at that pace 0.62 ms). start() moves
// the job's thread off the caller's current core only when that core changed
// since the last call, and not at all where the process may use one core.
//
// Thread-safety: start() and wait() from one thread at a time; the job runs
// on the side thread, and wait() returns after it did, with its writes visible.
#pragma once

#include <pthread.h>
#include <sched.h>

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
    keep_off(sched_getcpu());
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
  // Lets the side thread run on every core the process may use but `cpu`.
  void keep_off(int cpu) {
    if (cpu < 0 || cpu == kept_off_ || cpu >= CPU_SETSIZE) return;
    kept_off_ = cpu;
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0 || !CPU_ISSET(cpu, &allowed) || CPU_COUNT(&allowed) < 2) {
      return;
    }
    CPU_CLR(cpu, &allowed);
    (void)::pthread_setaffinity_np(thread_.native_handle(), sizeof allowed, &allowed);  // only a hint
  }

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
  int kept_off_ = -1;   // the core the side thread was last kept off (start()'s caller's)
  std::thread thread_;  // last: started once the fields above exist
};

}  // namespace poleloc
