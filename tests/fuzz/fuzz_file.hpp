// fuzz_file.hpp: the fuzzers' input as a file, for readers that take a path.
//
//   static const FuzzFile file("csv");           // one path per process
//   const std::string& path = file.write(data, size);
//   io::read_poles_csv(path, ...);
//
// The file lives in /dev/shm when there is one (no disk writes per input),
// else in the temp directory, and is removed when the process ends normally.
// Thread-safety: one FuzzFile per thread (libFuzzer runs inputs one at a time).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace poleloc::fuzz {

class FuzzFile {
 public:
  explicit FuzzFile(const std::string& extension) {
    std::error_code ec;
    const std::filesystem::path dir =
        std::filesystem::is_directory("/dev/shm", ec) ? std::filesystem::path("/dev/shm")
                                                      : std::filesystem::temp_directory_path();
    path_ = (dir / ("poleloc-fuzz-" + std::to_string(::getpid()) + "." + extension)).string();
  }
  ~FuzzFile() { std::remove(path_.c_str()); }
  FuzzFile(const FuzzFile&) = delete;
  FuzzFile& operator=(const FuzzFile&) = delete;

  const std::string& path() const { return path_; }

  const std::string& write(const std::uint8_t* data, std::size_t size) const {
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    if (!f || (size && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
      std::perror(path_.c_str());
      std::abort();  // the harness, not the reader, failed: stop rather than report a false result
    }
    return path_;
  }

 private:
  std::string path_;
};

}  // namespace poleloc::fuzz
