#include "directory_watch.hpp"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <thread>

namespace poleloc::cli {

DirectoryWatch::DirectoryWatch(const std::string& dir) {
  fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) return;
  if (inotify_add_watch(fd_, dir.c_str(), IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE) < 0) {
    close(fd_);
    fd_ = -1;
  }
}

DirectoryWatch::~DirectoryWatch() {
  if (fd_ >= 0) close(fd_);
}

bool DirectoryWatch::wait(std::chrono::milliseconds timeout) {
  if (fd_ < 0) {
    std::this_thread::sleep_for(timeout);
    return false;
  }
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  alignas(inotify_event) char buf[4096];
  bool any = false;
  while (read(fd_, buf, sizeof buf) > 0) any = true;  // non-blocking: drains what is queued
  return any;
}

}  // namespace poleloc::cli
