// raw_db.hpp: a poleloc database opened with RocksDB directly, for tests that
// must count, strip or damage what the store wrote. The Service must be closed.
//
//   RawDb raw(path);                      // read-write; RawDb(path, true): read-only
//   ASSERT_TRUE(raw.ok()) << raw.error;
//   raw.db->Put(rocksdb::WriteOptions(), raw.grids, key, value);
#pragma once

#include <rocksdb/db.h>

#include <algorithm>
#include <string>
#include <vector>

namespace poleloc::fixtures {

struct RawDb {
  explicit RawDb(const std::string& path, bool read_only = false) {
    // Every family the database has (a writable open must name them all).
    std::vector<std::string> names;
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names);
    if (!s.ok()) {
      error = s.ToString();
      return;
    }
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const std::string& n : names) families.emplace_back(n, rocksdb::ColumnFamilyOptions());
    s = read_only ? rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, families, &handles_, &db)
                  : rocksdb::DB::Open(rocksdb::DBOptions(), path, families, &handles_, &db);
    if (!s.ok()) {
      error = s.ToString();
      db = nullptr;
      return;
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
      rocksdb::ColumnFamilyHandle* h = handles_[i];
      if (names[i] == "poles") poles = h;
      if (names[i] == "grids") grids = h;
      if (names[i] == "aliases") aliases = h;
      if (names[i] == "meta") meta = h;
      if (names[i] == "live_poles") live_poles = h;
      if (names[i] == "live_grids") live_grids = h;
      if (names[i] == "live_aliases") live_aliases = h;
    }
  }
  // Drops the live families and their marker: the database as a poleloc
  // before them (schema 2) left it.
  bool strip_live() {
    if (!db || !live_poles) return false;
    for (auto** h : {&live_poles, &live_grids, &live_aliases}) {
      if (!db->DropColumnFamily(*h).ok()) return false;
      handles_.erase(std::find(handles_.begin(), handles_.end(), *h));
      db->DestroyColumnFamilyHandle(*h);
      *h = nullptr;
    }
    return db->Delete(rocksdb::WriteOptions(), meta, "live_complete").ok() &&
           db->Put(rocksdb::WriteOptions(), meta, "schema_version", "2").ok();
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
  // The current version of each live record (absent in a database from before schema 3).
  rocksdb::ColumnFamilyHandle *live_poles = nullptr, *live_grids = nullptr, *live_aliases = nullptr;
  std::string error;  // why the open failed

 private:
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace poleloc::fixtures
