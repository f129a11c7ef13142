// rocksdb_log.hpp: where RocksDB's own diagnostics go.
//
//   rocksdb::Options o;
//   o.info_log = store::make_rocksdb_log(path, /*write_side=*/true);
//
// RocksDB's default logger writes DB/LOG through a file writer that, once a
// write to it has failed (disk full), aborts the process on the next log line
// (the Debian build keeps RocksDB's assertions on). This logger appends with
// stdio instead and ignores write errors, so a full disk costs log lines and
// nothing else. Only warnings and errors are kept; header lines are dropped.
//
// A read-only open gets a logger that drops everything: reading a database
// must not write into its directory (another process may own it).
//
// Thread-safety: RocksDB calls the logger from any thread; lines are written
// under a mutex.
#pragma once

#include <memory>
#include <string>

namespace rocksdb {
class Logger;
}

namespace poleloc::store {

// A logger appending to `db_path`/LOG when `write_side`, else one that drops every line.
std::shared_ptr<rocksdb::Logger> make_rocksdb_log(const std::string& db_path, bool write_side);

}  // namespace poleloc::store
