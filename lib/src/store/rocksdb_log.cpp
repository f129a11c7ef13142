#include "store/rocksdb_log.hpp"

#include <rocksdb/env.h>

#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace poleloc::store {
namespace {

class DroppingLogger final : public rocksdb::Logger {
 public:
  DroppingLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::HEADER_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char*, va_list) override {}
  void Logv(const rocksdb::InfoLogLevel, const char*, va_list) override {}
  void LogHeader(const char*, va_list) override {}
};

// Appends "time [LEVEL] message" lines with stdio; a failed write is ignored.
class TolerantFileLogger final : public rocksdb::Logger {
 public:
  explicit TolerantFileLogger(const std::string& file)
      : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL), file_(std::fopen(file.c_str(), "a")) {}
  ~TolerantFileLogger() override {
    if (file_) std::fclose(file_);
  }
  using rocksdb::Logger::Logv;
  void Logv(const char*, va_list) override {}  // RocksDB's info lines: not kept
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel() || level >= rocksdb::InfoLogLevel::HEADER_LEVEL) return;
    static constexpr const char* kNames[] = {"DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
    write(kNames[static_cast<int>(level)], format, ap);
  }
  void LogHeader(const char*, va_list) override {}

 private:
  void write(const char* level, const char* format, va_list ap) {
    if (!file_) return;
    char when[32];
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    std::lock_guard lock(mutex_);
    std::fprintf(file_, "%s [%s] ", when, level);
    std::vfprintf(file_, format, ap);
    std::fputc('\n', file_);
    if (std::fflush(file_) != 0) std::clearerr(file_);  // disk full: the line is lost, nothing else
  }

  std::mutex mutex_;
  std::FILE* file_;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> make_rocksdb_log(const std::string& db_path, bool write_side) {
  if (!write_side) return std::make_shared<DroppingLogger>();
  return std::make_shared<TolerantFileLogger>(db_path + "/LOG");
}

}  // namespace poleloc::store
