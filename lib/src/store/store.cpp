#include "store/store.hpp"

#include "store/rocksdb_log.hpp"

#include <rocksdb/db.h>
#include <rocksdb/listener.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include <sys/statvfs.h>

namespace poleloc::store {
namespace {

constexpr const char* kPoles = "poles";
constexpr const char* kGrids = "grids";
constexpr const char* kAliases = "aliases";
constexpr const char* kMeta = "meta";
constexpr const char* kSchemaKey = "schema_version";
constexpr const char* kSequenceKey = "sequence";
// meta: seqtime/ + u64 sequence (big-endian, so they sort in sequence order) -> u64 unix ms.
constexpr std::string_view kSeqTimePrefix = "seqtime/";

std::string encode_u64(std::uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i) {
    s[7 - i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  }
  return s;
}

std::uint64_t decode_u64(std::string_view s) {
  std::uint64_t v = 0;
  for (char c : s) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

std::string seqtime_key(std::uint64_t seq) { return std::string(kSeqTimePrefix) + encode_u64(seq); }

std::uint64_t unix_ms(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  return ms < 0 ? 0 : static_cast<std::uint64_t>(ms);
}

// Bytes of every file under `dir` (SST files, logs, manifest): what the database costs on disk.
std::uint64_t directory_bytes(const std::string& dir) {
  namespace fs = std::filesystem;
  std::uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      const auto n = it->file_size(size_ec);
      if (!size_ec) total += n;
    }
  }
  return total;
}

bool is_no_space(const rocksdb::Status& s) {
  if (s.IsNoSpace()) return true;
  const std::string text = s.ToString();
  return text.find("No space left on device") != std::string::npos ||
         text.find("Disk quota exceeded") != std::string::npos;
}

Status from_rocks(const rocksdb::Status& s, const std::string& path, std::string_view doing) {
  if (s.ok()) return Status::ok();
  std::string msg = std::string(doing) + " " + path + ": " + s.ToString();
  // Taking the lock failed (fcntl: held by another process, or by this one);
  // not failing to create the LOCK file, which is a storage failure.
  const std::string text = s.ToString();
  if (s.IsIOError() && (text.find("lock file") != std::string::npos || text.find("lock hold by") != std::string::npos)) {
    return {ErrorCode::conflict, path + " is in use by another process (a running `poleloc serve`?); "
                                        "stop it, or open the database read-only"};
  }
  if (s.IsCorruption()) return {ErrorCode::corruption, msg};
  if (is_no_space(s)) {
    return {ErrorCode::storage_full, "no space left on device at " + path + " (" + std::string(doing) + ": " +
                                         s.ToString() + ")"};
  }
  if (s.IsIOError()) return {ErrorCode::storage_unavailable, "storage error: " + msg};
  return {ErrorCode::io_error, msg};
}

bool is_storage_failure(const Status& st) {
  return st.code() == ErrorCode::storage_full || st.code() == ErrorCode::storage_unavailable;
}

// A reopen needs room for an OPTIONS file, a manifest, a log and the SST files
// flushed from the replayed log; below this much free space it is not tried.
constexpr std::uint64_t kMinFreeBytesToReopen = 1 << 20;

// RocksDB recovers from a background error by itself (a thread waits for free
// space, then flushes), and that recovery writes through the log writer that
// has just failed, which trips an assertion in RocksDB and aborts. The store
// recovers by reopening instead, so the automatic recovery is switched off.
class NoAutoRecovery final : public rocksdb::EventListener {
 public:
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status, bool* auto_recovery) override {
    if (auto_recovery) *auto_recovery = false;
  }
};

// A read-only open that failed because a table file named by the manifest was
// deleted by a writer in between (see Store::Impl::open_db).
bool vanished_file(const rocksdb::Status& s) {
  return (s.IsCorruption() || s.IsIOError() || s.IsPathNotFound()) &&
         s.ToString().find("No such file or directory") != std::string::npos;
}

constexpr int kReadOnlyOpenAttempts = 50;

}  // namespace

struct Store::Impl {
  std::string path;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // poles, grids, aliases, meta
  bool write_side = false;                            // db was opened for writing
  rocksdb::ColumnFamilyHandle* poles() const { return handles[0]; }
  rocksdb::ColumnFamilyHandle* grids() const { return handles[1]; }
  rocksdb::ColumnFamilyHandle* aliases() const { return handles[2]; }
  rocksdb::ColumnFamilyHandle* meta() const { return handles[3]; }
  ~Impl() { close(); }

  void close() {
    if (!db) return;
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    handles.clear();
    db->Close().PermitUncheckedError();
    db.reset();
    write_side = false;
  }

  Status open_db(bool for_writes, bool create_if_missing) {
    namespace fs = std::filesystem;
    rocksdb::Options db_options;
    db_options.create_if_missing = for_writes && create_if_missing;
    db_options.create_missing_column_families = for_writes;
    db_options.max_background_jobs = 2;
    db_options.info_log = make_rocksdb_log(path, for_writes);
    db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
    db_options.listeners.push_back(std::make_shared<NoAutoRecovery>());
    rocksdb::ColumnFamilyOptions cf_options;
    cf_options.write_buffer_size = 128 << 20;  // an import of 2M poles fits in a few memtables
    {
      // Opening reads every record once, sequentially: large blocks make that scan cheap.
      rocksdb::BlockBasedTableOptions table;
      table.block_size = 32 << 10;
      cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    }
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors{
        {rocksdb::kDefaultColumnFamilyName, cf_options}, {kPoles, cf_options}, {kGrids, cf_options},
        {kAliases, cf_options}, {kMeta, cf_options}};
    std::vector<rocksdb::ColumnFamilyHandle*> opened;
    rocksdb::DB* raw = nullptr;
    std::error_code ec;
    if (for_writes) fs::create_directories(path, ec);
    auto s = for_writes ? rocksdb::DB::Open(db_options, path, descriptors, &opened, &raw)
                        : rocksdb::DB::OpenForReadOnly(db_options, path, descriptors, &opened, &raw);
    // A read-only open reads the manifest, then opens the table files it names.
    // A writer (this process or another) that flushes or compacts meanwhile may
    // delete one of them: RocksDB then says "Corruption: ... .sst: No such file
    // or directory", although nothing is corrupt. The manifest has moved on by
    // then, so opening again reads a consistent set of files.
    for (int attempt = 1; !for_writes && !s.ok() && attempt <= kReadOnlyOpenAttempts && vanished_file(s); ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(attempt * 2, 50)));
      opened.clear();
      s = rocksdb::DB::OpenForReadOnly(db_options, path, descriptors, &opened, &raw);
    }
    if (!s.ok()) return from_rocks(s, path, "cannot open");
    db.reset(raw);
    raw->DestroyColumnFamilyHandle(opened[0]);  // default family unused
    handles.assign(opened.begin() + 1, opened.end());
    write_side = for_writes;
    return Status::ok();
  }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

std::optional<std::uint64_t> free_bytes(const std::string& path) {
  struct statvfs fs {};
  if (::statvfs(path.c_str(), &fs) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
}

Result<std::unique_ptr<Store>> Store::open(const std::string& path, const Options& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool exists = fs::exists(fs::path(path) / "CURRENT", ec);
  if (!exists && (options.read_only || !options.create_if_missing)) {
    return Status(ErrorCode::not_found, "no poleloc database at " + path + " (create one with `poleloc import`)");
  }
  if (exists) {
    std::vector<std::string> families;
    auto s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &families);
    if (!s.ok()) return from_rocks(s, path, "cannot read");
    for (const char* want : {kPoles, kGrids, kAliases, kMeta}) {
      if (std::find(families.begin(), families.end(), want) == families.end()) {
        return Status(ErrorCode::schema_mismatch,
                      path + " is a RocksDB database but not a poleloc one (no '" + want + "' column family)");
      }
    }
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  Status write_problem;
  auto st = impl->open_db(!options.read_only, options.create_if_missing);
  if (!st && !options.read_only && exists && options.read_only_on_storage_failure && is_storage_failure(st)) {
    // Opening for writes writes files (OPTIONS, manifest, log); a full disk
    // refuses them. Reading needs none of that.
    write_problem = st;
    st = impl->open_db(false, false);
  }
  if (!st) return st;

  std::string value;
  auto s = impl->db->Get(rocksdb::ReadOptions(), impl->meta(), kSchemaKey, &value);
  if (s.IsNotFound()) {
    if (!impl->write_side) return Status(ErrorCode::corruption, path + " has no schema version");
    rocksdb::WriteOptions wo;
    wo.sync = true;
    rocksdb::WriteBatch batch;
    batch.Put(impl->meta(), kSchemaKey, std::to_string(kSchemaVersion));
    batch.Put(impl->meta(), kSequenceKey, encode_u64(0));
    if (auto init = from_rocks(impl->db->Write(wo, &batch), path, "cannot initialise"); !init) return init;
  } else if (!s.ok()) {
    return from_rocks(s, path, "cannot read");
  } else if (value != std::to_string(kSchemaVersion)) {
    return Status(ErrorCode::schema_mismatch, path + " has schema version " + value + "; this poleloc reads version " +
                                                  std::to_string(kSchemaVersion) +
                                                  " (export with the poleloc that wrote it, then import)");
  }
  std::unique_ptr<Store> store(new Store(std::move(impl)));
  if (auto seq = store->read_sequence(); !seq) return seq;
  store->read_only_ = options.read_only;
  store->write_problem_ = std::move(write_problem);
  return store;
}

Status Store::read_sequence() {
  std::string value;
  auto s = impl_->db->Get(rocksdb::ReadOptions(), impl_->meta(), kSequenceKey, &value);
  if (!s.ok()) return from_rocks(s, impl_->path, "cannot read the sequence of");
  sequence_ = decode_u64(value);
  return Status::ok();
}

Status Store::reopen_for_writes() {
  if (read_only_) return {ErrorCode::read_only, impl_->path + " is open read-only"};
  if (write_problem_.is_ok() && impl_->write_side) return Status::ok();
  if (auto free = free_bytes(impl_->path); free && *free < kMinFreeBytesToReopen) {
    write_problem_ = {ErrorCode::storage_full, "no space left on device at " + impl_->path + " (" +
                                                   std::to_string(*free) +
                                                   " bytes free)"};
    return write_problem_;
  }
  impl_->close();
  auto st = impl_->open_db(true, false);
  if (st) st = read_sequence();
  if (!st) {
    impl_->close();
    write_problem_ = is_storage_failure(st) ? st : Status(ErrorCode::storage_unavailable, st.message());
    return write_problem_;
  }
  write_problem_ = Status::ok();
  return Status::ok();
}

Status Store::reopen_read_only() {
  if (!read_only_) return Status::ok();
  impl_->close();
  auto st = impl_->open_db(false, false);
  if (st) st = read_sequence();
  return st;
}

Status Store::load(const LoadVisitor& visitor) const {
  if (!impl_->db) return write_problem_.is_ok() ? Status(ErrorCode::storage_unavailable, impl_->path + " is closed")
                                                : write_problem_;
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.readahead_size = 4 << 20;  // one sequential scan of each family
  const rocksdb::Snapshot* snap = impl_->db->GetSnapshot();
  ro.snapshot = snap;
  auto scan = [&](rocksdb::ColumnFamilyHandle* cf, const char* what, auto&& on_live) -> Status {
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, cf));
    std::string last_id;
    bool have_last = false;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string_view id;
      std::uint64_t version;
      const rocksdb::Slice k = it->key();
      if (!parse_versioned_key({k.data(), k.size()}, id, version)) {
        return {ErrorCode::corruption, std::string("a stored ") + what + " key is malformed"};
      }
      if (have_last && id == last_id) continue;  // an older version
      last_id.assign(id);
      have_last = true;
      const rocksdb::Slice v = it->value();
      const std::string_view value{v.data(), v.size()};
      if (is_tombstone(value)) continue;
      if (auto st = on_live(id, value); !st) return st;
    }
    return from_rocks(it->status(), impl_->path, "cannot read");
  };
  Status grids_status = Status::ok();
  std::thread grids_thread([&] {
    grids_status = scan(impl_->grids(), "grid", [&](std::string_view id, std::string_view value) -> Status {
      auto g = decode_grid(id, value);
      if (!g) return g.status();
      if (visitor.grid) visitor.grid(std::move(*g));
      return Status::ok();
    });
    if (grids_status) {
      grids_status = scan(impl_->aliases(), "alias", [&](std::string_view id, std::string_view value) -> Status {
        if (is_place_key(id)) {
          auto p = decode_place(id, value);
          if (!p) return p.status();
          if (visitor.place) visitor.place(std::move(*p));
          return Status::ok();
        }
        auto a = decode_alias(id, value);
        if (!a) return a.status();
        if (visitor.alias) visitor.alias(std::move(*a));
        return Status::ok();
      });
    }
    if (grids_status && visitor.grids_done) visitor.grids_done();
  });
  PoleValueView pole;
  Status poles_status = scan(impl_->poles(), "pole", [&](std::string_view id, std::string_view value) -> Status {
    if (auto st = decode_pole(value, pole); !st) {
      return {ErrorCode::corruption, "stored pole '" + std::string(id) + "' cannot be decoded"};
    }
    if (visitor.pole) visitor.pole(id, pole);
    return Status::ok();
  });
  grids_thread.join();
  impl_->db->ReleaseSnapshot(snap);
  return poles_status ? grids_status : poles_status;
}

Status Store::flush() {
  if (read_only_ || !write_problem_.is_ok() || !impl_->write_side) return Status::ok();
  rocksdb::FlushOptions fo;
  fo.wait = true;
  auto st = from_rocks(impl_->db->Flush(fo, impl_->handles), impl_->path, "cannot flush");
  if (is_storage_failure(st)) take_write_side_down(st);
  return st;
}

void Store::take_write_side_down(const Status& why) {
  write_problem_ = why;
  // Closing now, before any RocksDB thread touches a failed file writer again;
  // reads are served from memory and reopen_for_writes() opens afresh.
  impl_->close();
}

std::size_t Store::estimated_poles() const {
  if (!impl_->db) return 0;
  std::uint64_t n = 0;
  impl_->db->GetIntProperty(impl_->poles(), "rocksdb.estimate-num-keys", &n);
  return static_cast<std::size_t>(n);
}

Result<std::uint64_t> Store::apply(const Change& change, std::size_t* written) {
  if (read_only_) return Status(ErrorCode::read_only, impl_->path + " is open read-only");
  if (!write_problem_.is_ok()) return write_problem_;
  if (!impl_->write_side) return Status(ErrorCode::storage_unavailable, impl_->path + " is not open for writing");
  const std::uint64_t seq = sequence_ + 1;
  rocksdb::WriteBatch batch;
  const std::string tomb = encode_tombstone();
  // A put whose value equals the newest stored version (a tombstone for a
  // deletion) adds nothing: identical re-imports must not grow the history.
  // The iterators read the state before this batch; apply() calls are serialised.
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> poles_it(impl_->db->NewIterator(ro, impl_->poles()));
  std::unique_ptr<rocksdb::Iterator> grids_it(impl_->db->NewIterator(ro, impl_->grids()));
  std::unique_ptr<rocksdb::Iterator> aliases_it(impl_->db->NewIterator(ro, impl_->aliases()));
  std::string prefix;
  std::size_t records = 0;
  Status read_status = Status::ok();
  auto put = [&](rocksdb::Iterator& it, rocksdb::ColumnFamilyHandle* cf, std::string_view id, const std::string& value) {
    prefix.assign(id);
    prefix.push_back('\0');
    it.Seek(prefix);
    bool same;
    if (it.Valid() && it.key().starts_with(prefix)) {
      same = it.value() == rocksdb::Slice(value);  // the newest version sorts first
    } else {
      same = is_tombstone(value);  // deleting what was never stored
      if (!it.status().ok() && read_status) read_status = from_rocks(it.status(), impl_->path, "cannot read");
    }
    if (same) return;
    batch.Put(cf, versioned_key(id, seq), value);
    ++records;
  };
  for (const auto& n : change.delete_poles) put(*poles_it, impl_->poles(), n, tomb);
  for (const auto& p : change.put_poles) put(*poles_it, impl_->poles(), p.number, encode_pole(p));
  if (change.put_pole_stream) {
    change.put_pole_stream([&](std::string_view number, LonLat position, const AttributeViews& attributes) {
      put(*poles_it, impl_->poles(), number, encode_pole(position, attributes));
    });
  }
  for (const auto& id : change.delete_grids) put(*grids_it, impl_->grids(), id, tomb);
  for (const auto& g : change.put_grids) put(*grids_it, impl_->grids(), g.id, encode_grid(g));
  for (const auto& a : change.delete_aliases) put(*aliases_it, impl_->aliases(), a, tomb);
  if (change.replace_aliases) {
    for (const auto& a : *change.replace_aliases) put(*aliases_it, impl_->aliases(), a.alias, encode_alias(a));
  }
  for (const auto& n : change.delete_places) put(*aliases_it, impl_->aliases(), place_key(n), tomb);
  if (change.replace_places) {
    for (const auto& p : *change.replace_places) put(*aliases_it, impl_->aliases(), place_key(p.name), encode_place(p));
  }
  poles_it.reset();
  grids_it.reset();
  aliases_it.reset();
  if (!read_status) return read_status;
  if (written) *written = records;
  if (records == 0) return sequence_;  // nothing differs: no new sequence, no write
  batch.Put(impl_->meta(), kSequenceKey, encode_u64(seq));
  // When this sequence was written: compact_history() ages versions by it.
  batch.Put(impl_->meta(), seqtime_key(seq), encode_u64(unix_ms(std::chrono::system_clock::now())));
  rocksdb::WriteOptions wo;
  wo.sync = true;  // acknowledged means on disk
  if (auto st = from_rocks(impl_->db->Write(wo, &batch), impl_->path, "cannot write to"); !st) {
    if (is_storage_failure(st)) take_write_side_down(st);
    return st;
  }
  sequence_ = seq;
  return seq;
}

Result<CompactStats> Store::compact_history(std::chrono::system_clock::time_point before) {
  if (read_only_) return Status(ErrorCode::read_only, impl_->path + " is open read-only");
  if (!write_problem_.is_ok()) return write_problem_;
  if (!impl_->write_side) return Status(ErrorCode::storage_unavailable, impl_->path + " is not open for writing");
  CompactStats stats;
  stats.bytes_before = directory_bytes(impl_->path);
  const std::uint64_t before_ms = unix_ms(before);
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;

  // `cutoff`: the first sequence written after `before`. Every sequence below it
  // is old (written at or before `before`, or before times were recorded); a
  // clock that went backwards only makes fewer sequences old.
  std::uint64_t cutoff = sequence_ + 1;
  std::vector<std::string> old_seqtimes;
  {
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->meta()));
    for (it->Seek(rocksdb::Slice(kSeqTimePrefix.data(), kSeqTimePrefix.size()));
         it->Valid() && it->key().starts_with(rocksdb::Slice(kSeqTimePrefix.data(), kSeqTimePrefix.size()));
         it->Next()) {
      const std::string_view key{it->key().data(), it->key().size()};
      const std::uint64_t seq = decode_u64(key.substr(kSeqTimePrefix.size()));
      if (decode_u64({it->value().data(), it->value().size()}) > before_ms) {
        cutoff = seq;
        break;
      }
      old_seqtimes.emplace_back(key);
    }
    if (auto st = from_rocks(it->status(), impl_->path, "cannot read"); !st) return st;
  }
  // The times of old sequences go too: after this pass no kept version was
  // replaced by an old sequence, and a missing time counts as old anyway.

  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::WriteBatch batch;
  auto write = [&]() -> Status {
    if (batch.Count() == 0) return Status::ok();
    auto st = from_rocks(impl_->db->Write(wo, &batch), impl_->path, "cannot write to");
    batch.Clear();
    if (is_storage_failure(st)) take_write_side_down(st);
    return st;
  };
  constexpr std::uint32_t kBatchRecords = 10000;
  for (rocksdb::ColumnFamilyHandle* cf : {impl_->poles(), impl_->grids(), impl_->aliases()}) {
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, cf));
    std::string id;
    bool have_id = false;
    std::uint64_t newer_seq = 0;  // the version that replaced the one at hand
    bool dropping = false;        // the rest of this record's versions go
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string_view key_id;
      std::uint64_t version;
      const rocksdb::Slice k = it->key();
      if (!parse_versioned_key({k.data(), k.size()}, key_id, version)) {
        return Status(ErrorCode::corruption, "a stored key is malformed");
      }
      if (!have_id || key_id != id) {
        // A new record: every version of the previous one is in the batch by now,
        // so a batch boundary here never splits a record (no tombstone can go
        // without the versions under it, which would bring them back).
        if (batch.Count() >= kBatchRecords) {
          if (auto st = write(); !st) return st;
        }
        id.assign(key_id);
        have_id = true;
        // The newest version: a live one always stays; an old tombstone goes.
        const rocksdb::Slice v = it->value();
        dropping = is_tombstone({v.data(), v.size()}) && version < cutoff;
        if (dropping) ++stats.records_removed;
      } else if (!dropping) {
        dropping = newer_seq < cutoff;  // replaced before the window began
      }
      newer_seq = version;
      if (dropping) {
        batch.Delete(cf, k);
        ++stats.versions_removed;
      } else {
        ++stats.versions_kept;
      }
    }
    if (auto st = from_rocks(it->status(), impl_->path, "cannot read"); !st) return st;
  }
  for (const auto& key : old_seqtimes) batch.Delete(impl_->meta(), key);
  if (auto st = write(); !st) return st;

  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (rocksdb::ColumnFamilyHandle* cf : {impl_->poles(), impl_->grids(), impl_->aliases(), impl_->meta()}) {
    auto st = from_rocks(impl_->db->CompactRange(co, cf, nullptr, nullptr), impl_->path, "cannot compact");
    if (is_storage_failure(st)) take_write_side_down(st);
    if (!st) return st;
  }
  stats.bytes_after = directory_bytes(impl_->path);
  return stats;
}

}  // namespace poleloc::store
