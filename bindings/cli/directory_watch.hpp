// directory_watch.hpp: wakes a read-only server when its database directory changes.
//
//   DirectoryWatch watch("/var/lib/poleloc/db");
//   if (watch.wait(std::chrono::milliseconds(100))) { /* a file was written */ }
//
// A read-only `poleloc serve` reopens its database to see an import or a write
// by another process. It used to look once a second, so a change waited 0.5 s
// on average before the reload even began (1.6 s from the end of an import of
// 2M poles to its first answer). With inotify it looks when RocksDB writes a
// file there (the write-ahead log of a single write, the manifest and table
// files of an import), and still once a second without an event, in case the
// watch is lost (another file system, inotify limits). A read-only open writes
// nothing in the directory, so a refresh does not wake itself.
#pragma once

#include <chrono>
#include <string>

namespace poleloc::cli {

class DirectoryWatch {
 public:
  explicit DirectoryWatch(const std::string& dir);  // no watch (wait() only sleeps) when inotify fails
  ~DirectoryWatch();
  DirectoryWatch(const DirectoryWatch&) = delete;
  DirectoryWatch& operator=(const DirectoryWatch&) = delete;

  // Waits up to `timeout` for a file in the directory to be created, written,
  // renamed in or deleted; true if one was (every pending event is consumed).
  bool wait(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

}  // namespace poleloc::cli
