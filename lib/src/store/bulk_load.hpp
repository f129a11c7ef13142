// bulk_load.hpp: writes one large change as SST files and ingests them into
// the database in one atomic step, instead of one huge WriteBatch.
//
//   BulkLoad bulk(db, {poles, grids, aliases, meta}, {their options}, path + "/import.tmp", 2);
//   if (auto st = bulk.start(); !st) return st;
//   bulk.put(0, key, value);        // families 0 and 1 (the first 2): keys strictly increasing, streamed to disk
//   bulk.put(3, key, value);        // other families: any order, held and sorted at ingest()
//   bulk.remove(3, key);            // a deletion, in either kind of family
//   if (bulk.out_of_order()) ...    // a streamed family was not sorted: nothing was ingested, use a WriteBatch
//   auto st = bulk.ingest();        // synced files, one MANIFEST record for every family
//
// Why: an import of 2,000,000 poles into an empty database as a WriteBatch is
// written three times (the write-ahead log, the memtables, then the flushed
// table files) and held in memory once more as the batch. Table files written
// directly and ingested with IngestExternalFiles are written once, streamed.
//
// Atomicity and durability: each file is synced when finished; ingest()
// records every family's files in one MANIFEST write, so after a crash either
// all of them are part of the database or none is (RocksDB's guarantee for
// IngestExternalFiles). Files left in `dir` by a crash before that are not part
// of the database; start() and the destructor remove `dir`.
//
// Semantics: within a family, a later put or remove of the same key wins (as
// in a WriteBatch). The ingested keys get a sequence number above everything
// in the database (RocksDB's global sequence number when they overlap what it
// holds: the files then go to level 0), so they read exactly as if written by
// a WriteBatch at that moment, into an empty database or not.
// During ingest() a reader without a RocksDB snapshot may briefly see one
// family's new keys before another's (the result after it returns, or after a
// crash, is atomic).
//
// Thread-safety: one thread; ingest() must be serialised with other writes of
// the database by the caller (Store::apply is).
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rocksdb {
class SstFileWriter;
}

namespace poleloc::store {

class BulkLoad {
 public:
  // The first `streamed` families (at least one) are streamed; `options[i]`
  // are the options of families[i] (table format, compression).
  BulkLoad(rocksdb::DB& db, std::vector<rocksdb::ColumnFamilyHandle*> families, std::vector<rocksdb::Options> options,
           std::string dir, std::size_t streamed = 1);
  ~BulkLoad();
  BulkLoad(const BulkLoad&) = delete;
  BulkLoad& operator=(const BulkLoad&) = delete;

  // Creates `dir` afresh. Errors as RocksDB reports them (Store maps them to
  // storage_full / storage_unavailable / io_error).
  rocksdb::Status start();
  // Adds one key to `family` (an index into `families`). Failures are kept and
  // returned by ingest(); an out-of-order key of a streamed family sets out_of_order().
  void put(std::size_t family, std::string_view key, std::string_view value);
  // Deletes one key of `family`, in the same order as put() (a later put or
  // remove of the key wins): ingested, it hides what the database holds under it.
  void remove(std::size_t family, std::string_view key);
  bool out_of_order() const { return out_of_order_; }
  // Finishes the files and ingests them all at once. Nothing is ingested on an
  // error (or when out_of_order(): then it returns Aborted). Errors as RocksDB
  // reports them: writing a file (no space, I/O) or ingesting them.
  rocksdb::Status ingest();
  // True when the error of ingest() came from RocksDB's ingestion (the
  // database's own files), not from writing the files beside it.
  bool failed_in_ingestion() const { return failed_in_ingestion_; }
  // How many keys were put.
  std::size_t keys() const { return keys_; }

 private:
  // A key of a held family: put (value) or removed.
  struct Row {
    std::string key, value;
    bool removed = false;
  };
  void add(std::size_t family, std::string_view key, std::string_view value, bool removed);
  rocksdb::Status write_file(std::size_t family, std::vector<Row>& rows, std::string& file);
  rocksdb::DB& db_;
  std::vector<rocksdb::ColumnFamilyHandle*> families_;
  std::vector<rocksdb::Options> options_;
  std::string dir_;
  // A streamed family's table file, written as its keys come.
  struct Stream {
    std::unique_ptr<rocksdb::SstFileWriter> writer;  // opened by its first key (family 0's by start())
    std::string file, last_key;
    bool any = false;
  };
  rocksdb::Status open_stream(std::size_t family);
  std::vector<Stream> streams_;  // of families [0, streams_.size())
  bool out_of_order_ = false;
  bool failed_in_ingestion_ = false;
  std::size_t keys_ = 0;
  rocksdb::Status failed_;
  std::vector<std::vector<Row>> held_;
};

}  // namespace poleloc::store
