// raw_db.hpp: a poleloc database opened with RocksDB directly, for tests that
// must count, strip or damage what the store wrote. The Service must be closed.
//
//   RawDb raw(path);                      // read-write; RawDb(path, true): read-only
//   ASSERT_TRUE(raw.ok()) << raw.error;
//   raw.db->Put(rocksdb::WriteOptions(), raw.grids, key, value);
#pragma once

#include <rocksdb/db.h>

#include <string>
#include <vector>

namespace poleloc::fixtures {

struct RawDb {
  explicit RawDb(const std::string& path, bool read_only = false) {
    const std::vector<rocksdb::ColumnFamilyDescriptor> families{
        {rocksdb::kDefaultColumnFamilyName, {}}, {"poles", {}}, {"grids", {}}, {"aliases", {}}, {"meta", {}}};
    const rocksdb::Status s = read_only ? rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, families, &handles_, &db)
                                        : rocksdb::DB::Open(rocksdb::DBOptions(), path, families, &handles_, &db);
    if (!s.ok()) {
      error = s.ToString();
      db = nullptr;
      return;
    }
    poles = handles_[1], grids = handles_[2], aliases = handles_[3], meta = handles_[4];
  }
  ~RawDb() {
    for (auto* h : handles_) {
      if (db) db->DestroyColumnFamilyHandle(h);
    }
    delete db;
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  bool ok() const { return db != nullptr; }

  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyHandle *poles = nullptr, *grids = nullptr, *aliases = nullptr, *meta = nullptr;
  std::string error;  // why the open failed

 private:
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace poleloc::fixtures
