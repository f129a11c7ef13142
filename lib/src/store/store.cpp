#include "store/store.hpp"

#include "store/bulk_load.hpp"
#include "store/rocksdb_log.hpp"

#include "hash64.hpp"

#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/listener.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <limits>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>

#include <sys/statvfs.h>

namespace poleloc::store {
namespace {

constexpr const char* kPoles = "poles";
constexpr const char* kGrids = "grids";
constexpr const char* kAliases = "aliases";
constexpr const char* kMeta = "meta";
// The current version of every live record, keyed by its stored id alone
// (store.hpp, "Live records"): what open and reload read.
constexpr const char* kLivePoles = "live_poles";
constexpr const char* kLiveGrids = "live_grids";
constexpr const char* kLiveAliases = "live_aliases";
// In meta: present once the live families hold every live record.
constexpr const char* kLiveCompleteKey = "live_complete";
constexpr const char* kSchemaKey = "schema_version";
constexpr const char* kSequenceKey = "sequence";
constexpr const char* kChangelogFromKeyC = "changelog_from";
// Where a bulk load writes its table files before ingesting them (inside the database directory).
constexpr const char* kBulkLoadDir = "import.tmp";

// The names, sizes and modification times of the files every change to a
// RocksDB database touches: CURRENT, the manifest and the write-ahead logs (a
// write appends to a log, a flush, compaction or ingestion to the manifest).
// Empty when the directory cannot be read: then nothing is taken as unchanged.
std::string written_files_signature(const std::string& path) {
  namespace fs = std::filesystem;
  std::vector<std::string> entries;
  std::error_code ec;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const bool log = name.size() > 4 && name.compare(name.size() - 4, 4, ".log") == 0;
    if (name != "CURRENT" && name.rfind("MANIFEST-", 0) != 0 && !log) continue;
    std::error_code e1, e2;
    const auto size = it->file_size(e1);
    const auto time = it->last_write_time(e2);
    if (e1 || e2) return {};
    entries.push_back(name + ":" + std::to_string(size) + ":" + std::to_string(time.time_since_epoch().count()));
  }
  if (ec) return {};
  std::sort(entries.begin(), entries.end());
  std::string out;
  for (const std::string& e : entries) out.append(e).push_back('\n');
  return out;
}

std::string encode_u64(std::uint64_t v) { return encode_be64(v); }
std::uint64_t decode_u64(std::string_view s) { return decode_be64(s); }

std::uint64_t unix_ms(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  return ms < 0 ? 0 : static_cast<std::uint64_t>(ms);
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

std::atomic<std::uint64_t> split_read_min_bytes_setting{std::uint64_t{4} << 20};  // split_read_min_bytes()

}  // namespace

std::uint64_t split_read_min_bytes() { return split_read_min_bytes_setting.load(std::memory_order_relaxed); }
void set_split_read_min_bytes(std::uint64_t bytes) { split_read_min_bytes_setting.store(bytes, std::memory_order_relaxed); }

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

namespace {

// Visits, in id order, the newest version at or before sequence `at` of
// every record of the versioned family `it` reads that is live at `at`
// (load_at() and the filling of the live families).
template <class OnLive>
Status for_each_newest_version(rocksdb::Iterator& it, std::uint64_t at, const char* what, const std::string& path,
                               OnLive&& on_live) {
  std::string last_id;
  bool have_last = false;
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    std::string_view id;
    std::uint64_t version;
    const rocksdb::Slice k = it.key();
    if (!parse_versioned_key({k.data(), k.size()}, id, version)) {
      return {ErrorCode::corruption, std::string("a stored ") + what + " key is malformed"};
    }
    if (have_last && id == last_id) continue;  // an older version
    if (version > at) continue;                // written after the sequence asked for
    last_id.assign(id);
    have_last = true;
    const rocksdb::Slice v = it.value();
    const std::string_view value{v.data(), v.size()};
    if (is_tombstone(value)) continue;
    if (auto st = on_live(id, value); !st) return st;
  }
  return from_rocks(it.status(), path, "cannot read");
}

// A key about halfway through the data of family `cf` as `ro` sees it (by
// the bytes its entries take on disk and in the memtables), so that two
// threads can each read one half; nothing when the family is small or its
// keys do not tell apart in the eight bytes after their common prefix
// (split_read_min_bytes()).
std::optional<std::string> middle_key(rocksdb::DB& db, const rocksdb::ReadOptions& ro, rocksdb::ColumnFamilyHandle* cf) {
  std::string first, last;
  {
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(ro, cf));
    it->SeekToFirst();
    if (!it->Valid()) return std::nullopt;
    first = it->key().ToString();
    it->SeekToLast();
    if (!it->Valid()) return std::nullopt;
    last = it->key().ToString();
  }
  const std::size_t prefix = static_cast<std::size_t>(
      std::mismatch(first.begin(), first.end(), last.begin(), last.end()).first - first.begin());
  // The eight bytes after the prefix as a number: its order is the keys' order.
  auto value_of = [&](const std::string& key) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i) {
      v = (v << 8) | (prefix + i < key.size() ? static_cast<unsigned char>(key[prefix + i]) : 0u);
    }
    return v;
  };
  auto key_of = [&](std::uint64_t v) {
    std::string key = first.substr(0, prefix);
    for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<char>((v >> shift) & 0xFF));
    return key;
  };
  std::uint64_t lo = value_of(first), hi = value_of(last);
  if (hi - lo < 2) return std::nullopt;
  rocksdb::SizeApproximationOptions options;
  options.include_memtables = true;
  options.include_files = true;
  options.files_size_error_margin = 0.05;
  auto bytes_below = [&](const std::string& limit) -> std::optional<std::uint64_t> {
    const rocksdb::Range range(first, limit);
    std::uint64_t size = 0;
    if (!db.GetApproximateSizes(options, cf, &range, 1, &size).ok()) return std::nullopt;
    return size;
  };
  const auto total = bytes_below(last + '\0');
  if (!total || *total < split_read_min_bytes()) return std::nullopt;
  while (hi - lo > 1) {  // bytes_below(key_of(lo)) < half <= bytes_below(key_of(hi))
    const std::uint64_t mid = lo + (hi - lo) / 2;
    const auto below = bytes_below(key_of(mid));
    if (!below) return std::nullopt;
    (*below < *total / 2 ? lo : hi) = mid;
  }
  return key_of(hi);
}

}  // namespace

struct Store::Impl {
  std::string path;
  std::unique_ptr<rocksdb::DB> db;
  // poles, grids, aliases, meta, then live_poles, live_grids, live_aliases
  // when the database has them (always once opened for writing).
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  bool write_side = false;  // db was opened for writing
  // The live families exist and hold every live record (kLiveCompleteKey):
  // load() reads them instead of every version.
  bool live_complete = false;
  // The options of poles, grids, aliases, meta as opened (bulk loads write table files with them).
  std::vector<rocksdb::ColumnFamilyOptions> family_options;
  // Readers of history (other threads than the writer) hold it shared while
  // they use `db`; closing and opening hold it exclusively.
  mutable std::shared_mutex db_mutex;
  rocksdb::ColumnFamilyHandle* poles() const { return handles[0]; }
  rocksdb::ColumnFamilyHandle* grids() const { return handles[1]; }
  rocksdb::ColumnFamilyHandle* aliases() const { return handles[2]; }
  rocksdb::ColumnFamilyHandle* meta() const { return handles[3]; }
  // The family holding the versions of records of `kind`.
  rocksdb::ColumnFamilyHandle* versions_of(RecordKind kind) const {
    return kind == RecordKind::pole ? poles() : kind == RecordKind::grid ? grids() : aliases();
  }
  bool has_live_families() const { return handles.size() == 7; }
  // The families a bulk load writes, in its order: streamed first (poles and
  // theirs, then grids and theirs), then aliases, meta, and live aliases.
  std::vector<rocksdb::ColumnFamilyHandle*> bulk_families() const {
    return {poles(), live_poles(), grids(), live_grids(), aliases(), meta(), live_aliases()};
  }
  rocksdb::ColumnFamilyHandle* live_poles() const { return handles[4]; }
  rocksdb::ColumnFamilyHandle* live_grids() const { return handles[5]; }
  rocksdb::ColumnFamilyHandle* live_aliases() const { return handles[6]; }
  // The live family of a record family (poles, grids, aliases).
  rocksdb::ColumnFamilyHandle* live_of(rocksdb::ColumnFamilyHandle* cf) const {
    return cf == poles() ? live_poles() : cf == grids() ? live_grids() : live_aliases();
  }
  // written_files_signature() as of the last read-only (re)open.
  std::string files_seen;

  ~Impl() { close(); }

  void close() {
    std::unique_lock lock(db_mutex);
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
    // Grids are mostly coordinates, which Snappy hardly compresses yet
    // copies slowly on the way out: LZ4 stores them in about as much room
    // (40 million vertices: 322 MB instead of 353, or 575 MB instead of 511
    // on another shape) and reads them with about a third less CPU at open
    // (800 grids of 50,000 vertices: 1.2-1.6 s of user time against 1.5-2.1 s).
    // Files written before keep Snappy, which every block names.
    rocksdb::ColumnFamilyOptions grid_options = cf_options;
    for (rocksdb::CompressionType c : rocksdb::GetSupportedCompressions()) {
      if (c == rocksdb::kLZ4Compression) grid_options.compression = c;
    }
    family_options = {cf_options, grid_options, cf_options, cf_options, cf_options, grid_options, cf_options};
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors{
        {rocksdb::kDefaultColumnFamilyName, cf_options}, {kPoles, family_options[0]}, {kGrids, family_options[1]},
        {kAliases, family_options[2]}, {kMeta, family_options[3]}};
    // A writer creates the live families; a reader opens them when a writer made them.
    bool live = for_writes;
    if (!for_writes) {
      std::vector<std::string> names;
      if (rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok()) {
        live = std::find(names.begin(), names.end(), kLiveAliases) != names.end();
      }
    }
    if (live) {
      descriptors.emplace_back(kLivePoles, family_options[4]);
      descriptors.emplace_back(kLiveGrids, family_options[5]);
      descriptors.emplace_back(kLiveAliases, family_options[6]);
    } else {
      family_options.resize(4);
    }
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
    std::unique_lock lock(db_mutex);
    db.reset(raw);
    raw->DestroyColumnFamilyHandle(opened[0]);  // default family unused
    handles.assign(opened.begin() + 1, opened.end());
    write_side = for_writes;
    live_complete = false;
    if (has_live_families()) {
      std::string marker;
      const auto m = db->Get(rocksdb::ReadOptions(), meta(), kLiveCompleteKey, &marker);
      if (!m.ok() && !m.IsNotFound()) return from_rocks(m, path, "cannot read");
      live_complete = m.ok();
    }
    return Status::ok();
  }

  // Fills the live families from the stored versions (a database written
  // before they existed, or whose filling was interrupted), then marks them
  // complete. Whatever they held is cleared first; the marker is written last,
  // so a crash midway leaves them marked incomplete and the next writable
  // open fills them again.
  Status fill_live() {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;
    ro.readahead_size = 4 << 20;
    for (auto* live : {live_poles(), live_grids(), live_aliases()}) {
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, live));
      it->SeekToFirst();
      if (!it->Valid()) {
        if (auto st = from_rocks(it->status(), path, "cannot read"); !st) return st;
        continue;
      }
      rocksdb::WriteBatch clear;
      for (; it->Valid(); it->Next()) {
        clear.Delete(live, it->key());
        if (clear.GetDataSize() >= (8u << 20)) {
          if (auto st = from_rocks(db->Write(wo, &clear), path, "cannot write to"); !st) return st;
          clear.Clear();
        }
      }
      if (auto st = from_rocks(it->status(), path, "cannot read"); !st) return st;
      if (auto st = from_rocks(db->Write(wo, &clear), path, "cannot write to"); !st) return st;
    }
    const std::pair<rocksdb::ColumnFamilyHandle*, const char*> families[] = {
        {poles(), "pole"}, {grids(), "grid"}, {aliases(), "alias"}};
    for (const auto& [cf, what] : families) {
      rocksdb::ColumnFamilyHandle* live = live_of(cf);
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf));
      rocksdb::WriteBatch batch;
      auto st = for_each_newest_version(*it, std::numeric_limits<std::uint64_t>::max(), what, path,
                                        [&](std::string_view id, std::string_view value) -> Status {
                                          batch.Put(live, rocksdb::Slice(id.data(), id.size()),
                                                    rocksdb::Slice(value.data(), value.size()));
                                          if (batch.GetDataSize() < (8u << 20)) return Status::ok();
                                          auto written = from_rocks(db->Write(wo, &batch), path, "cannot write to");
                                          batch.Clear();
                                          return written;
                                        });
      if (!st) return st;
      if (auto w = from_rocks(db->Write(wo, &batch), path, "cannot write to"); !w) return w;
    }
    if (auto st = from_rocks(db->Put(wo, meta(), kLiveCompleteKey, ""), path, "cannot write to"); !st) return st;
    live_complete = true;
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
  if (options.read_only) impl->files_seen = written_files_signature(path);
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
    batch.Put(impl->meta(), kLiveCompleteKey, "");  // no record yet: the live families hold them all
    if (auto init = from_rocks(impl->db->Write(wo, &batch), path, "cannot initialise"); !init) return init;
    impl->live_complete = true;
  } else if (!s.ok()) {
    return from_rocks(s, path, "cannot read");
  } else if (value != std::to_string(kSchemaVersion)) {
    bool readable = false;
    for (int v = kOldestSchemaVersion; v < kSchemaVersion; ++v) readable = readable || value == std::to_string(v);
    if (!readable) {
      return Status(ErrorCode::schema_mismatch, path + " has schema version " + value + "; this poleloc reads versions " +
                                                    std::to_string(kOldestSchemaVersion) + " to " +
                                                    std::to_string(kSchemaVersion) +
                                                    " (export with the poleloc that wrote it, then import)");
    }
    if (impl->write_side) {
      // What this poleloc writes, an older one cannot read: mark it first.
      rocksdb::WriteOptions wo;
      wo.sync = true;
      if (auto up = from_rocks(impl->db->Put(wo, impl->meta(), kSchemaKey, std::to_string(kSchemaVersion)), path,
                               "cannot record the schema version");
          !up) {
        return up;
      }
    }
  }
  if (impl->write_side && !impl->live_complete) {
    // Written by a poleloc before the live families (schema 2 or older), or
    // their filling was interrupted: once, about a second per million records.
    if (auto fill = impl->fill_live(); !fill) {
      if (!(options.read_only_on_storage_failure && is_storage_failure(fill))) return fill;
      // A full disk: serve it read-only (from the versions) until writes find room.
      write_problem = fill;
      impl->close();
      if (auto ro = impl->open_db(false, false); !ro) return ro;
    }
  }
  if (impl->write_side) {
    // Table files of a bulk load that crashed before ingesting them: never part of the database.
    std::error_code rm;
    fs::remove_all(fs::path(path) / kBulkLoadDir, rm);
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
  s = impl_->db->Get(rocksdb::ReadOptions(), impl_->meta(), kChangelogFromKeyC, &value);
  if (s.ok()) {
    changelog_from_ = decode_u64(value);
  } else if (s.IsNotFound()) {
    changelog_from_ = 0;
  } else {
    return from_rocks(s, impl_->path, "cannot read the change log of");
  }
  // The newest recorded time: later sequences never get an earlier one.
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->meta()));
  const std::string last = seqtime_key(std::numeric_limits<std::uint64_t>::max());
  it->SeekForPrev(last);
  if (it->Valid() && it->key().starts_with(rocksdb::Slice(kSeqTimePrefix.data(), kSeqTimePrefix.size()))) {
    last_time_ms_ = static_cast<std::int64_t>(decode_u64({it->value().data(), it->value().size()}));
  }
  return from_rocks(it->status(), impl_->path, "cannot read");
}

template <class Fn>
auto Store::with_db(Fn&& fn) const {
  std::shared_lock lock(impl_->db_mutex);
  using R = decltype(fn(*impl_->db));
  if (!impl_->db) {
    return R(write_problem_.is_ok() ? Status(ErrorCode::storage_unavailable, impl_->path + " is closed")
                                    : write_problem_);
  }
  return fn(*impl_->db);
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
  if (st && !impl_->live_complete) st = impl_->fill_live();
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
  // Taken before the open: a write during it shows as a change next time.
  std::string files = written_files_signature(impl_->path);
  if (impl_->db && !files.empty() && files == impl_->files_seen) return Status::ok();  // nothing written since
  impl_->close();
  ++reopens_;
  auto st = impl_->open_db(false, false);
  if (st) st = read_sequence();
  impl_->files_seen = st ? std::move(files) : std::string();
  return st;
}

Status Store::load(const LoadVisitor& visitor) const {
  return load_at(std::numeric_limits<std::uint64_t>::max(), visitor);
}

Status Store::load_at(std::uint64_t at, const LoadVisitor& visitor) const {
  std::shared_lock lock(impl_->db_mutex);
  if (!impl_->db) return write_problem_.is_ok() ? Status(ErrorCode::storage_unavailable, impl_->path + " is closed")
                                                : write_problem_;
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.readahead_size = 4 << 20;  // one sequential scan of each family
  const rocksdb::Snapshot* snap = impl_->db->GetSnapshot();
  ro.snapshot = snap;
  // The current records are in the live families, one key each, whatever the
  // history beside them; an earlier point in time is read from the versions.
  const bool live = at == std::numeric_limits<std::uint64_t>::max() && impl_->live_complete;
  auto scan = [&](rocksdb::ColumnFamilyHandle* cf, const char* what, auto&& on_live) -> Status {
    if (live) {
      std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->live_of(cf)));
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        const rocksdb::Slice k = it->key(), v = it->value();
        if (auto st = on_live(std::string_view{k.data(), k.size()}, std::string_view{v.data(), v.size()}); !st) return st;
      }
      return from_rocks(it->status(), impl_->path, "cannot read");
    }
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, cf));
    return for_each_newest_version(*it, at, what, impl_->path, on_live);
  };
  Status grids_status = Status::ok();
  // Grids decoded by both threads (LoadVisitor::grid_at): the grid thread reads
  // the stored values, then both claim them one by one.
  const bool shared_decode = visitor.grids_counted && visitor.grid_at;
  std::vector<std::pair<std::string, std::string>> raw_grids;
  std::atomic<bool> raw_ready{false};
  std::atomic<std::size_t> next_grid{0}, grids_finished{0};
  std::mutex decode_error_mutex;
  std::size_t decode_error_at = std::numeric_limits<std::size_t>::max();
  Status decode_error = Status::ok();
  auto decode_grids = [&] {
    for (std::size_t i; (i = next_grid.fetch_add(1)) < raw_grids.size();) {
      auto& [id, value] = raw_grids[i];
      std::string_view geometry_bytes;
      auto g = decode_grid_record(id, value, geometry_bytes);
      if (g && !(visitor.grid_geometry_known && visitor.grid_geometry_known(i, geometry_bytes))) {
        if (auto st = decode_grid_geometry(id, geometry_bytes, *g); !st) g = st;
      }
      std::string().swap(value);  // the stored bytes are no longer needed
      if (g) {
        visitor.grid_at(i, std::move(*g));
      } else {
        const std::lock_guard lock(decode_error_mutex);
        if (i < decode_error_at) decode_error_at = i, decode_error = g.status();
      }
      grids_finished.fetch_add(1, std::memory_order_acq_rel);
    }
  };
  const bool hash_grids = shared_decode && visitor.grids_read;
  std::array<std::uint64_t, 2> grids_hash{0x67726964u, 0x73746f7265u};  // changed by every id and value read
  std::thread grids_thread([&] {
    grids_status = scan(impl_->grids(), "grid", [&](std::string_view id, std::string_view value) -> Status {
      if (shared_decode) {
        if (hash_grids) {
          for (std::uint64_t& h : grids_hash) {
            h = hash_bytes(id.data(), id.size(), h);
            h = hash_bytes(value.data(), value.size(), h);
          }
        }
        raw_grids.emplace_back(id, value);
        return Status::ok();
      }
      auto g = decode_grid(id, value);
      if (!g) return g.status();
      if (visitor.grid) visitor.grid(std::move(*g));
      return Status::ok();
    });
    bool grids_known = false;
    if (grids_status && hash_grids) {
      for (std::uint64_t& h : grids_hash) h = mix64(h ^ raw_grids.size());
      grids_known = visitor.grids_read(grids_hash);
      if (grids_known) std::vector<std::pair<std::string, std::string>>().swap(raw_grids);  // nothing to decode
    }
    if (grids_status && shared_decode && !grids_known) {
      visitor.grids_counted(raw_grids.size());
      raw_ready.store(true, std::memory_order_release);
      decode_grids();
      while (grids_finished.load(std::memory_order_acquire) < raw_grids.size()) std::this_thread::yield();
      if (!decode_error.is_ok()) grids_status = decode_error;
    }
    if (grids_status) {
      grids_status = scan(impl_->aliases(), "alias", [&](std::string_view id, std::string_view value) -> Status {
        if (is_place_key(id)) {
          auto p = decode_place(id, value);
          if (!p) return p.status();
          if (visitor.place) visitor.place(std::move(*p));
          return Status::ok();
        }
        if (is_road_key(id)) {
          auto r = decode_road(id, value);
          if (!r) return r.status();
          if (visitor.road) visitor.road(std::move(*r));
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
  auto decoded = [](std::string_view id, std::string_view value, PoleValueView& pole) -> Status {
    if (auto st = decode_pole(value, pole); !st) {
      return {ErrorCode::corruption, "stored pole '" + std::string(id) + "' cannot be decoded"};
    }
    return Status::ok();
  };
  Status poles_status = Status::ok();
  // The current poles of a large store in two halves at once (LoadVisitor::pole_in).
  std::optional<std::string> split;
  if (live && visitor.pole_parts && visitor.pole_in && std::thread::hardware_concurrency() > 1) {
    split = middle_key(*impl_->db, ro, impl_->live_poles());
  }
  if (split) {
    visitor.pole_parts(2);
    const rocksdb::Slice middle(*split);
    auto read_part = [&](std::size_t part) -> Status {
      rocksdb::ReadOptions part_ro = ro;
      if (part == 0) part_ro.iterate_upper_bound = &middle;
      std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(part_ro, impl_->live_poles()));
      PoleValueView pole;
      for (part == 0 ? it->SeekToFirst() : it->Seek(middle); it->Valid(); it->Next()) {
        const rocksdb::Slice k = it->key(), v = it->value();
        const std::string_view id{k.data(), k.size()};
        if (auto st = decoded(id, {v.data(), v.size()}, pole); !st) return st;
        visitor.pole_in(part, id, pole);
      }
      return from_rocks(it->status(), impl_->path, "cannot read");
    };
    Status upper_status = Status::ok();
    std::exception_ptr upper_failure;
    std::thread upper([&] {
      try {
        upper_status = read_part(1);
        if (shared_decode && raw_ready.load(std::memory_order_acquire)) decode_grids();  // help, as below
      } catch (...) {  // out of memory: thrown again on the calling thread
        upper_failure = std::current_exception();
      }
    });
    try {
      poles_status = read_part(0);
    } catch (...) {
      upper.join();
      grids_thread.join();
      impl_->db->ReleaseSnapshot(snap);
      throw;
    }
    upper.join();
    if (upper_failure) {
      grids_thread.join();
      impl_->db->ReleaseSnapshot(snap);
      std::rethrow_exception(upper_failure);
    }
    if (poles_status) poles_status = upper_status;
  } else {
    PoleValueView pole;
    poles_status = scan(impl_->poles(), "pole", [&](std::string_view id, std::string_view value) -> Status {
      if (auto st = decoded(id, value, pole); !st) return st;
      if (visitor.pole) visitor.pole(id, pole);
      return Status::ok();
    });
  }
  if (shared_decode && raw_ready.load(std::memory_order_acquire)) decode_grids();  // help with what is left
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
  if (!st) return st;
  // Every flushed import leaves a table file in level 0 of the live families.
  // A process that exits right after (`poleloc import`) never lets RocksDB
  // merge them, and a load then reads every overwritten value in each of
  // them: 2,000,000 poles read in 0.95 s under four such files, 0.35 s in
  // one. So a pile of them is merged here, while the process still runs.
  constexpr std::size_t kLiveRunsAfterFlush = 3;
  return merge_live_runs(kLiveRunsAfterFlush);
}

Status Store::merge_live_runs(std::size_t at_least) {
  if (read_only_ || !write_problem_.is_ok() || !impl_->write_side || !impl_->has_live_families()) return Status::ok();
  for (rocksdb::ColumnFamilyHandle* cf : {impl_->live_poles(), impl_->live_grids(), impl_->live_aliases()}) {
    rocksdb::ColumnFamilyMetaData meta;
    impl_->db->GetColumnFamilyMetaData(cf, &meta);
    std::size_t runs = 0;
    for (const rocksdb::LevelMetaData& level : meta.levels) {
      runs += level.level == 0 ? level.files.size() : level.files.empty() ? 0 : 1;
    }
    if (runs < at_least) continue;
    // The merge writes the family anew beside its files before it drops them:
    // not on a disk without that room and some to spare, where it would only
    // fail and take the write side down with it (a re-import that fits would
    // then be refused for the merge's sake). The runs wait for a roomier time.
    constexpr std::uint64_t kMergeHeadroomBytes = 64ull << 20;
    if (auto free = free_bytes(impl_->path); free && *free < 2 * meta.size + kMergeHeadroomBytes) continue;
    rocksdb::CompactRangeOptions co;
    co.max_subcompactions = 2;
    auto st = from_rocks(impl_->db->CompactRange(co, cf, nullptr, nullptr), impl_->path, "cannot compact");
    if (is_storage_failure(st)) take_write_side_down(st);
    if (!st) return st;
  }
  return Status::ok();
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
  // An import goes in as table files (bulk_load.hpp): the same keys and values
  // as the WriteBatch below, written once instead of three times (log,
  // memtable, flush). A read-only server that follows the database then
  // reopens it without replaying the import from the log (0.3-0.45 s for a
  // re-import changing 200,000 poles). Keys out of order (removals not sorted
  // by id) fall back to the WriteBatch.
  if (change.put_pole_stream && bulk_loads_) {
    std::vector<rocksdb::Options> options;
    for (const auto& f : impl_->family_options) options.emplace_back(rocksdb::DBOptions(), f);
    // Grids sorted by id (as an import puts them) stream to their table file like the poles:
    // they are not held a second time as stored values (640 MB for 40 million vertices).
    const std::vector<GridRecord>& grids = change.grids_to_put();
    const bool grids_sorted = std::adjacent_find(grids.begin(), grids.end(), [](const GridRecord& a, const GridRecord& b) {
                                return !(a.id < b.id);
                              }) == grids.end();
    // Each record family beside its live family, the streamed ones first (impl_->bulk_families()).
    std::vector<rocksdb::Options> bulk_options;
    for (rocksdb::ColumnFamilyHandle* cf : impl_->bulk_families()) {
      const auto f = static_cast<std::size_t>(std::find(impl_->handles.begin(), impl_->handles.end(), cf) -
                                              impl_->handles.begin());
      bulk_options.push_back(options[f]);
    }
    BulkLoad bulk(*impl_->db, impl_->bulk_families(), std::move(bulk_options), impl_->path + "/" + kBulkLoadDir,
                  grids_sorted ? 4 : 2);
    auto seq = apply_with(change, written, &bulk);
    if (!bulk.out_of_order()) return seq;
  }
  return apply_with(change, written, nullptr);
}

Result<std::uint64_t> Store::apply_with(const Change& change, std::size_t* written, BulkLoad* bulk) {
  const std::uint64_t seq = sequence_ + 1;
  if (bulk) {
    if (auto st = from_rocks(bulk->start(), impl_->path, "cannot write to"); !st) return st;
  }
  rocksdb::WriteBatch batch;
  const std::vector<rocksdb::ColumnFamilyHandle*> bulk_order = bulk ? impl_->bulk_families() : std::vector<rocksdb::ColumnFamilyHandle*>{};
  auto bulk_family = [&](rocksdb::ColumnFamilyHandle* cf) {
    return static_cast<std::size_t>(std::find(bulk_order.begin(), bulk_order.end(), cf) - bulk_order.begin());
  };
  // Every key of the change goes through here, into the batch or the bulk load.
  auto sink = [&](rocksdb::ColumnFamilyHandle* cf, std::string_view key, std::string_view value) {
    if (!bulk) {
      batch.Put(cf, rocksdb::Slice(key.data(), key.size()), rocksdb::Slice(value.data(), value.size()));
      return;
    }
    bulk->put(bulk_family(cf), key, value);
  };
  auto sink_delete = [&](rocksdb::ColumnFamilyHandle* cf, std::string_view key) {
    if (!bulk) {
      batch.Delete(cf, rocksdb::Slice(key.data(), key.size()));
      return;
    }
    bulk->remove(bulk_family(cf), key);
  };
  const std::string tomb = encode_tombstone();
  // A put whose value equals the newest stored version (a tombstone for a
  // deletion) adds nothing: identical re-imports must not grow the history.
  // The iterators read the state before this batch; apply() calls are serialised.
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  // A family and the iterator that finds its records' newest values, made
  // when first needed: a single write of a pole known to differ reads
  // nothing. With the live families complete it reads those (one key per
  // record) and, as an import's records come in id order, steps forward
  // instead of seeking each one: a re-import of 2,000,000 poles spent a third
  // of its main thread seeking through the versions.
  struct LazyIterator {
    rocksdb::DB* db;
    const rocksdb::ReadOptions* ro;
    rocksdb::ColumnFamilyHandle* cf;    // the versions
    rocksdb::ColumnFamilyHandle* live;  // the live family, when complete; else null
    std::unique_ptr<rocksdb::Iterator> it;
    std::string last;  // the id last looked up in `live`
    rocksdb::Iterator& operator*() {
      if (!it) it.reset(db->NewIterator(*ro, live ? live : cf));
      return *it;
    }
    void reset() { it.reset(); }
  };
  auto live_if_complete = [&](rocksdb::ColumnFamilyHandle* cf) {
    return impl_->live_complete ? impl_->live_of(cf) : nullptr;
  };
  LazyIterator poles_it{impl_->db.get(), &ro, impl_->poles(), live_if_complete(impl_->poles()), nullptr, {}};
  LazyIterator grids_it{impl_->db.get(), &ro, impl_->grids(), live_if_complete(impl_->grids()), nullptr, {}};
  LazyIterator aliases_it{impl_->db.get(), &ro, impl_->aliases(), live_if_complete(impl_->aliases()), nullptr, {}};
  // Positions `family`'s live iterator at the first key >= id: a few steps
  // forward from the last one when ids come in order, a seek otherwise.
  auto find_live = [](LazyIterator& family, std::string_view id) -> rocksdb::Iterator& {
    rocksdb::Iterator& it = *family;
    const rocksdb::Slice key(id.data(), id.size());
    bool found = false;
    // `last` is empty until the first lookup positions the iterator (ids are never empty).
    if (!family.last.empty() && it.status().ok() && !(key.compare(rocksdb::Slice(family.last)) < 0)) {
      for (int steps = 0; steps < 16 && it.Valid() && it.key().compare(key) < 0; ++steps) it.Next();
      found = (!it.Valid() || !(it.key().compare(key) < 0)) && it.status().ok();  // at the end: no such key
    }
    if (!found) it.Seek(key);
    family.last.assign(id);
    return it;
  };
  std::string prefix;
  std::size_t records = 0;
  Status read_status = Status::ok();
  // The change log of this sequence, in chunks of kLogChunkItems (change_log.hpp).
  std::string chunk_items;
  std::uint32_t chunk_count = 0, chunk_index = 0;
  auto log = [&](RecordKind kind, ChangeOp op, std::string_view id) {
    append_logged(chunk_items, kind, op, id);
    if (++chunk_count == kLogChunkItems) {
      sink(impl_->meta(), log_key(seq, chunk_index++), finish_chunk(chunk_count, chunk_items));
      chunk_items.clear();
      chunk_count = 0;
    }
  };
  auto put = [&](LazyIterator& family, RecordKind kind, std::string_view id, std::string_view logged_id,
                 const std::string& value, bool known_to_differ = false) {
    bool same;
    if (known_to_differ) {
      same = false;  // the caller compared it with the newest version
    } else if (family.live) {
      rocksdb::Iterator& it = find_live(family, id);
      if (it.Valid() && it.key() == rocksdb::Slice(id.data(), id.size())) {
        same = it.value() == rocksdb::Slice(value);
      } else {
        same = is_tombstone(value);  // deleting what is not (or no longer) stored
        if (!it.status().ok() && read_status) read_status = from_rocks(it.status(), impl_->path, "cannot read");
      }
    } else {
      rocksdb::Iterator& it = *family;
      prefix.assign(id);
      prefix.push_back('\0');
      it.Seek(prefix);
      if (it.Valid() && it.key().starts_with(prefix)) {
        same = it.value() == rocksdb::Slice(value);  // the newest version sorts first
      } else {
        same = is_tombstone(value);  // deleting what was never stored
        if (!it.status().ok() && read_status) read_status = from_rocks(it.status(), impl_->path, "cannot read");
      }
    }
    if (same) return;
    sink(family.cf, versioned_key(id, seq), value);
    // The live family follows.
    if (is_tombstone(value)) {
      sink_delete(impl_->live_of(family.cf), id);
    } else {
      sink(impl_->live_of(family.cf), id, value);
    }
    log(kind, is_tombstone(value) ? ChangeOp::remove : ChangeOp::put, logged_id);
    ++records;
  };
  const auto P = RecordKind::pole, G = RecordKind::grid, A = RecordKind::alias, L = RecordKind::place,
             R = RecordKind::road;
  const bool checked = change.differ_from_stored;
  if (change.put_pole_stream && change.put_poles.empty()) {
    // An import: the records it removes and those it puts, each list in id
    // order, are walked together in id order (a removal first on a tie), so
    // that a bulk load's streamed files get their keys in order.
    struct Removals {
      const std::vector<std::string>& ids;
      LazyIterator& family;
      RecordKind kind;
      std::size_t next = 0;
    };
    // Puts the removals not put yet up to `id` (all that are left without one).
    auto remove_up_to = [&](Removals& r, std::optional<std::string_view> id = std::nullopt) {
      for (; r.next < r.ids.size() && (!id || r.ids[r.next] <= *id); ++r.next) {
        put(r.family, r.kind, r.ids[r.next], r.ids[r.next], tomb, checked);
      }
    };
    Removals poles{change.delete_poles, poles_it, P}, grids{change.delete_grids, grids_it, G};
    change.put_pole_stream([&](std::string_view number, LonLat position, const AttributeViews& attributes) {
      remove_up_to(poles, number);
      put(poles_it, P, number, number, encode_pole(position, attributes));
    });
    remove_up_to(poles);
    for (const auto& g : change.grids_to_put()) {
      remove_up_to(grids, g.id);
      put(grids_it, G, g.id, g.id, encode_grid(g), checked);
    }
    remove_up_to(grids);
  } else {
    for (const auto& n : change.delete_poles) put(poles_it, P, n, n, tomb, checked);
    for (const auto& p : change.put_poles) put(poles_it, P, p.number, p.number, encode_pole(p), checked);
    if (change.put_pole_stream) {
      change.put_pole_stream([&](std::string_view number, LonLat position, const AttributeViews& attributes) {
        put(poles_it, P, number, number, encode_pole(position, attributes));
      });
    }
    for (const auto& id : change.delete_grids) put(grids_it, G, id, id, tomb, checked);
    for (const auto& g : change.grids_to_put()) put(grids_it, G, g.id, g.id, encode_grid(g), checked);
  }
  for (const auto& a : change.delete_aliases) put(aliases_it, A, a, a, tomb);
  if (change.replace_aliases) {
    for (const auto& a : *change.replace_aliases) put(aliases_it, A, a.alias, a.alias, encode_alias(a));
  }
  for (const auto& n : change.delete_places) put(aliases_it, L, place_key(n), n, tomb);
  if (change.replace_places) {
    for (const auto& p : *change.replace_places) {
      put(aliases_it, L, place_key(p.name), p.name, encode_place(p));
    }
  }
  for (const auto& n : change.delete_roads) put(aliases_it, R, road_key(n), n, tomb);
  if (change.replace_roads) {
    for (const auto& r : *change.replace_roads) put(aliases_it, R, road_key(r.name), r.name, encode_road(r));
  }
  poles_it.reset();
  grids_it.reset();
  aliases_it.reset();
  if (!read_status) return read_status;
  if (written) *written = records;
  if (records == 0) return sequence_.load();  // nothing differs: no new sequence, no write
  sink(impl_->meta(), kSequenceKey, encode_u64(seq));
  // When this sequence was written: compact_history() ages versions by it.
  // Times never go back (a clock stepped back would otherwise make sequence_at() ambiguous).
  const auto now_ms = std::max<std::int64_t>(last_time_ms_, static_cast<std::int64_t>(unix_ms(std::chrono::system_clock::now())));
  sink(impl_->meta(), seqtime_key(seq), encode_u64(static_cast<std::uint64_t>(now_ms)));
  if (!change.author.empty()) sink(impl_->meta(), seqauthor_key(seq), change.author);
  if (chunk_count > 0) sink(impl_->meta(), log_key(seq, chunk_index), finish_chunk(chunk_count, chunk_items));
  // The first logged write of a database (a new one, or one written before
  // the log existed) says from where on the log is complete.
  const bool first_logged = changelog_from_ == 0;
  if (first_logged) sink(impl_->meta(), kChangelogFromKeyC, encode_u64(seq));
  if (bulk) {
    // Table files synced, then one MANIFEST record: all of it or nothing, as the batch below.
    const auto s = bulk->ingest();
    if (bulk->out_of_order()) return Status(ErrorCode::internal, "bulk load keys out of order");
    if (auto st = from_rocks(s, impl_->path, "cannot write to"); !st) {
      // Failing to write the files beside the database leaves its own files untouched.
      if (bulk->failed_in_ingestion() && is_storage_failure(st)) take_write_side_down(st);
      return st;
    }
  } else {
    rocksdb::WriteOptions wo;
    wo.sync = true;  // acknowledged means on disk
    if (auto st = from_rocks(impl_->db->Write(wo, &batch), impl_->path, "cannot write to"); !st) {
      if (is_storage_failure(st)) take_write_side_down(st);
      return st;
    }
  }
  sequence_ = seq;
  last_time_ms_ = now_ms;
  if (first_logged) changelog_from_ = seq;
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
  // The change log of old sequences goes first (it names versions about to go):
  // the feed then starts at `cutoff`, and a follower further behind is told so.
  const std::uint64_t log_from = std::max<std::uint64_t>(changelog_from_, cutoff);
  if (log_from != changelog_from_) {
    batch.Put(impl_->meta(), kChangelogFromKeyC, encode_u64(log_from));
    batch.DeleteRange(impl_->meta(), log_key(0, 0), log_key(log_from, 0));
    batch.DeleteRange(impl_->meta(), seqauthor_key(0), seqauthor_key(log_from));
    if (auto st = write(); !st) return st;
    changelog_from_ = log_from;
  }
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
  for (rocksdb::ColumnFamilyHandle* cf : impl_->handles) {
    auto st = from_rocks(impl_->db->CompactRange(co, cf, nullptr, nullptr), impl_->path, "cannot compact");
    if (is_storage_failure(st)) take_write_side_down(st);
    if (!st) return st;
  }
  stats.bytes_after = directory_bytes(impl_->path);
  return stats;
}

}  // namespace poleloc::store

namespace poleloc::store {
namespace {

// The column family and stored id of a record kind (places and roads live beside aliases).
std::string stored_id(RecordKind kind, std::string_view id) {
  return kind == RecordKind::place ? place_key(id) : kind == RecordKind::road ? road_key(id) : std::string(id);
}

}  // namespace

std::uint64_t Store::changelog_from() const {
  const std::uint64_t from = changelog_from_.load();
  return from == 0 ? sequence_.load() + 1 : from;
}

std::optional<std::int64_t> Store::time_of(std::uint64_t seq) const {
  std::shared_lock lock(impl_->db_mutex);
  std::string value;
  if (!impl_->db || !impl_->db->Get(rocksdb::ReadOptions(), impl_->meta(), seqtime_key(seq), &value).ok()) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(decode_u64(value));
}

std::string Store::author_of(std::uint64_t seq) const {
  std::shared_lock lock(impl_->db_mutex);
  std::string value;
  if (!impl_->db || !impl_->db->Get(rocksdb::ReadOptions(), impl_->meta(), seqauthor_key(seq), &value).ok()) return {};
  return value;
}

Result<std::vector<StoredVersion>> Store::history(RecordKind kind, std::string_view id) const {
  return with_db([&](rocksdb::DB& db) -> Result<std::vector<StoredVersion>> {
    rocksdb::ReadOptions ro;
    const rocksdb::Snapshot* snap = db.GetSnapshot();
    ro.snapshot = snap;
    rocksdb::ColumnFamilyHandle* cf = impl_->versions_of(kind);
    std::vector<StoredVersion> out;
    Status status = Status::ok();
    {
      std::string prefix = stored_id(kind, id);
      prefix.push_back('\0');
      std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(ro, cf));
      for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
        std::string_view key_id;
        std::uint64_t version;
        if (!parse_versioned_key({it->key().data(), it->key().size()}, key_id, version)) {
          status = Status(ErrorCode::corruption, "a stored key is malformed");
          break;
        }
        StoredVersion v;
        v.sequence = version;
        v.value.assign(it->value().data(), it->value().size());
        v.deleted = is_tombstone(v.value);
        out.push_back(std::move(v));
      }
      if (status) status = from_rocks(it->status(), impl_->path, "cannot read");
    }
    std::reverse(out.begin(), out.end());  // stored newest first
    for (StoredVersion& v : out) {
      if (!status) break;
      std::string value;
      auto s = db.Get(ro, impl_->meta(), seqtime_key(v.sequence), &value);
      if (s.ok()) v.unix_ms = static_cast<std::int64_t>(decode_u64(value));
      else if (!s.IsNotFound()) status = from_rocks(s, impl_->path, "cannot read");
      s = db.Get(ro, impl_->meta(), seqauthor_key(v.sequence), &v.author);
      if (!s.ok() && !s.IsNotFound()) status = from_rocks(s, impl_->path, "cannot read");
    }
    db.ReleaseSnapshot(snap);
    if (!status) return status;
    return out;
  });
}

Result<std::optional<std::pair<std::uint64_t, std::int64_t>>> Store::first_recorded() const {
  using Answer = std::optional<std::pair<std::uint64_t, std::int64_t>>;
  return with_db([&](rocksdb::DB& db) -> Result<Answer> {
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions(), impl_->meta()));
    const rocksdb::Slice prefix(kSeqTimePrefix.data(), kSeqTimePrefix.size());
    it->Seek(prefix);
    if (it->Valid() && it->key().starts_with(prefix)) {
      const std::string_view key{it->key().data(), it->key().size()};
      return Answer(std::pair{decode_u64(key.substr(kSeqTimePrefix.size())),
                              static_cast<std::int64_t>(decode_u64({it->value().data(), it->value().size()}))});
    }
    if (auto st = from_rocks(it->status(), impl_->path, "cannot read"); !st) return st;
    return Answer();
  });
}

Result<std::uint64_t> Store::sequence_at(std::int64_t unix_ms) const {
  return with_db([&](rocksdb::DB& db) -> Result<std::uint64_t> {
    // Times never decrease with the sequence (apply() keeps them so), so a
    // binary search over sequences finds the newest one written by then:
    // O(log n) seeks. Sequences without a time (compacted, or from before
    // times were recorded) are skipped: each probe seeks to the next one with a time.
    rocksdb::ReadOptions ro;
    const rocksdb::Snapshot* snap = db.GetSnapshot();
    ro.snapshot = snap;
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(ro, impl_->meta()));
    const rocksdb::Slice prefix(kSeqTimePrefix.data(), kSeqTimePrefix.size());
    // The first recorded sequence >= s, with its time; false when there is none.
    auto probe = [&](std::uint64_t s, std::uint64_t& seq, std::int64_t& ms) {
      it->Seek(seqtime_key(s));
      if (!it->Valid() || !it->key().starts_with(prefix)) return false;
      seq = decode_u64(std::string_view(it->key().data(), it->key().size()).substr(kSeqTimePrefix.size()));
      ms = static_cast<std::int64_t>(decode_u64({it->value().data(), it->value().size()}));
      return true;
    };
    std::uint64_t lo = 0, hi = std::numeric_limits<std::uint64_t>::max();  // answer in [lo, hi)
    std::uint64_t best = 0;
    std::uint64_t seq;
    std::int64_t ms;
    // Bound the search by the last recorded sequence.
    it->SeekForPrev(seqtime_key(std::numeric_limits<std::uint64_t>::max()));
    if (it->Valid() && it->key().starts_with(prefix)) {
      hi = decode_u64(std::string_view(it->key().data(), it->key().size()).substr(kSeqTimePrefix.size())) + 1;
    } else {
      hi = 0;
    }
    while (lo < hi) {
      const std::uint64_t mid = lo + (hi - lo) / 2;
      if (!probe(mid, seq, ms) || seq >= hi) {
        hi = mid;  // nothing recorded in [mid, hi)
      } else if (ms <= unix_ms) {
        best = seq;
        lo = seq + 1;
      } else {
        hi = mid;
      }
    }
    Status st = from_rocks(it->status(), impl_->path, "cannot read");
    it.reset();
    db.ReleaseSnapshot(snap);
    if (!st) return st;
    return best;
  });
}

namespace {

// Reads the record of every put among entries[from..] (all of sequence
// `seq`) into its value: RocksDB's batched MultiGet per kind, the keys in
// the log's order (number order within a chunk, as an import writes them).
// cf_of(kind) is the column family of that kind's versions.
template <typename CfOf>
Status fetch_logged_values(rocksdb::DB& db, const rocksdb::ReadOptions& ro, std::uint64_t seq,
                           std::vector<FeedEntry>& entries, std::size_t from, CfOf&& cf_of, const std::string& path) {
  std::vector<std::size_t> of_kind;
  std::vector<std::string> keys;
  std::vector<rocksdb::Slice> slices;
  std::vector<rocksdb::PinnableSlice> values;
  std::vector<rocksdb::Status> statuses;
  for (const RecordKind kind : {RecordKind::pole, RecordKind::grid, RecordKind::alias}) {
    of_kind.clear();
    keys.clear();
    for (std::size_t i = from; i < entries.size(); ++i) {
      if (entries[i].op != ChangeOp::put || entries[i].kind != kind) continue;
      of_kind.push_back(i);
      keys.push_back(versioned_key(stored_id(kind, entries[i].id), seq));
    }
    if (of_kind.empty()) continue;
    slices.assign(keys.begin(), keys.end());
    values = std::vector<rocksdb::PinnableSlice>(keys.size());
    statuses.assign(keys.size(), rocksdb::Status());
    db.MultiGet(ro, cf_of(kind), keys.size(), slices.data(), values.data(), statuses.data());
    for (std::size_t k = 0; k < of_kind.size(); ++k) {
      FeedEntry& e = entries[of_kind[k]];
      if (!statuses[k].ok()) {
        return statuses[k].IsNotFound()
                   ? Status(ErrorCode::corruption, std::string("the change log of sequence ") + std::to_string(seq) +
                                                       " names " + std::string(kind_name(e.kind)) + " '" + e.id +
                                                       "', which is not stored")
                   : from_rocks(statuses[k], path, "cannot read");
      }
      e.value.assign(values[k].data(), values[k].size());
    }
  }
  return Status::ok();
}

}  // namespace

Result<FeedPage> Store::changes_after(std::uint64_t after, std::uint64_t skip, std::size_t limit) const {
  if (limit == 0) return Status(ErrorCode::bad_request, "limit must be at least 1");
  return with_db([&](rocksdb::DB& db) -> Result<FeedPage> {
    rocksdb::ReadOptions ro;
    const rocksdb::Snapshot* snap = db.GetSnapshot();
    ro.snapshot = snap;
    FeedPage page;
    page.next_after = after;
    page.next_skip = skip;
    Status status = Status::ok();
    std::string value;
    if (auto s = db.Get(ro, impl_->meta(), kSequenceKey, &value); s.ok()) {
      page.sequence = decode_u64(value);
    } else {
      status = from_rocks(s, impl_->path, "cannot read");
    }
    std::uint64_t from = 0;
    if (status) {
      auto s = db.Get(ro, impl_->meta(), kChangelogFromKeyC, &value);
      if (s.ok()) from = decode_u64(value);
      else if (s.IsNotFound()) from = page.sequence + 1;
      else status = from_rocks(s, impl_->path, "cannot read");
    }
    if (status && after < page.sequence && after + 1 < from) {
      status = Status(ErrorCode::not_found, std::string("the change log starts after sequence ") + std::to_string(from - 1) +
                                                "; changes after " + std::to_string(after) +
                                                " are no longer kept (compacted history, or written before the "
                                                "log existed): start again from an export");
    }
    if (status && after < page.sequence) {
      std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(ro, impl_->meta()));
      const rocksdb::Slice prefix(kLogPrefix.data(), kLogPrefix.size());
      std::vector<LoggedChange> items;
      auto cf_of = [&](RecordKind kind) { return impl_->versions_of(kind); };  // Impl is Store's own
      it->Seek(log_key(after + 1, static_cast<std::uint32_t>(skip / kLogChunkItems)));
      bool full = false;
      for (; status && !full && it->Valid() && it->key().starts_with(prefix); it->Next()) {
        std::uint64_t seq;
        std::uint32_t chunk;
        if (!parse_log_key({it->key().data(), it->key().size()}, seq, chunk)) continue;
        items.clear();
        if (!decode_chunk({it->value().data(), it->value().size()}, items)) {
          status = Status(ErrorCode::corruption, std::string("a change log entry of sequence ") + std::to_string(seq) +
                                                     " cannot be decoded");
          break;
        }
        const std::uint64_t first = static_cast<std::uint64_t>(chunk) * kLogChunkItems;
        const std::size_t entries_before = page.entries.size();
        for (std::size_t i = 0; i < items.size(); ++i) {
          const std::uint64_t item = first + i;
          if (seq == after + 1 && item < skip) continue;
          if (page.entries.size() == limit) {
            // Resume here: sequence `seq` is delivered up to (not including) `item`.
            page.next_after = seq - 1;
            page.next_skip = item;
            full = true;
            break;
          }
          LoggedChange& c = items[i];
          page.entries.push_back(FeedEntry{seq, c.kind, c.op, std::move(c.id), {}});
        }
        // The puts' records, one batched lookup per kind: a re-import logs
        // hundreds of thousands of them, and one Get each took 350-575 ms for
        // 200,000 poles on the 2M city.
        status = fetch_logged_values(db, ro, seq, page.entries, entries_before, cf_of, impl_->path);
      }
      if (status && !full) {
        // Every change up to the sequence read with the page was delivered.
        page.next_after = page.sequence;
        page.next_skip = 0;
      }
      if (status) status = from_rocks(it->status(), impl_->path, "cannot read");
    }
    db.ReleaseSnapshot(snap);
    if (!status) return status;
    return page;
  });
}

}  // namespace poleloc::store

namespace poleloc::store {

Status Store::dump_versions(const std::function<Status(const DumpHeader&)>& header,
                            const std::function<Status(const DumpedVersion&)>& version) const {
  return with_db([&](rocksdb::DB& db) -> Status {
    rocksdb::ReadOptions ro;
    // The versions are read by point lookups in log order, which within a
    // sequence is mostly key order: cached blocks serve the neighbours.
    ro.fill_cache = true;
    const rocksdb::Snapshot* snap = db.GetSnapshot();
    ro.snapshot = snap;
    auto run = [&]() -> Status {
      DumpHeader h;
      std::string value;
      auto s = db.Get(ro, impl_->meta(), kSequenceKey, &value);
      if (!s.ok()) return from_rocks(s, impl_->path, "cannot read");
      h.sequence = decode_u64(value);
      s = db.Get(ro, impl_->meta(), kChangelogFromKeyC, &value);
      if (s.ok()) h.changelog_from = decode_u64(value);
      else if (s.IsNotFound()) h.changelog_from = h.sequence + 1;
      else return from_rocks(s, impl_->path, "cannot read");
      if (auto st = header(h); !st) return st;

      // Time and author of the sequence at hand, read once per sequence.
      std::uint64_t facts_seq = 0;
      DumpedVersion v;
      auto set_facts = [&](std::uint64_t seq) -> Status {
        if (seq == facts_seq && seq != 0) return Status::ok();
        facts_seq = seq;
        std::string t;
        auto s2 = db.Get(ro, impl_->meta(), seqtime_key(seq), &t);
        if (s2.ok()) v.unix_ms = static_cast<std::int64_t>(decode_u64(t));
        else if (s2.IsNotFound()) v.unix_ms.reset();
        else return from_rocks(s2, impl_->path, "cannot read");
        v.author.clear();
        s2 = db.Get(ro, impl_->meta(), seqauthor_key(seq), &v.author);
        if (!s2.ok() && !s2.IsNotFound()) return from_rocks(s2, impl_->path, "cannot read");
        return Status::ok();
      };

      // 1. Versions older than the change log: collect their keys, sort by sequence.
      struct Old {
        std::uint64_t seq;
        RecordKind kind;
        std::string id;  // the stored id (places with their prefix)
      };
      std::vector<Old> old;
      for (RecordKind kind : {RecordKind::pole, RecordKind::grid, RecordKind::alias}) {
        std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(ro, impl_->versions_of(kind)));
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
          std::string_view id;
          std::uint64_t seq;
          if (!parse_versioned_key({it->key().data(), it->key().size()}, id, seq)) {
            return {ErrorCode::corruption, "a stored key is malformed"};
          }
          if (seq >= h.changelog_from) continue;
          const RecordKind k = kind != RecordKind::alias ? kind
                               : is_place_key(id)        ? RecordKind::place
                               : is_road_key(id)         ? RecordKind::road
                                                         : kind;
          old.push_back({seq, k, std::string(id)});
        }
        if (auto st = from_rocks(it->status(), impl_->path, "cannot read"); !st) return st;
      }
      std::sort(old.begin(), old.end(), [](const Old& a, const Old& b) {
        if (a.seq != b.seq) return a.seq < b.seq;
        if (a.kind != b.kind) return a.kind < b.kind;
        return a.id < b.id;
      });
      for (Old& o : old) {
        if (auto st = set_facts(o.seq); !st) return st;
        v.sequence = o.seq;
        v.kind = o.kind;
        auto s2 = db.Get(ro, impl_->versions_of(o.kind), versioned_key(o.id, o.seq), &v.value);
        if (!s2.ok()) return from_rocks(s2, impl_->path, "cannot read");
        v.op = is_tombstone(v.value) ? ChangeOp::remove : ChangeOp::put;
        v.id = o.kind == RecordKind::place || o.kind == RecordKind::road ? o.id.substr(1) : o.id;
        if (auto st = version(v); !st) return st;
        std::string().swap(o.id);
      }
      std::vector<Old>().swap(old);

      // 2. The change log, in its order, with each version it names.
      std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(ro, impl_->meta()));
      const rocksdb::Slice prefix(kLogPrefix.data(), kLogPrefix.size());
      std::vector<LoggedChange> items;
      for (it->Seek(log_key(h.changelog_from, 0)); it->Valid() && it->key().starts_with(prefix); it->Next()) {
        std::uint64_t seq;
        std::uint32_t chunk;
        if (!parse_log_key({it->key().data(), it->key().size()}, seq, chunk)) continue;
        items.clear();
        if (!decode_chunk({it->value().data(), it->value().size()}, items)) {
          return {ErrorCode::corruption, "a change log entry of sequence " + std::to_string(seq) + " cannot be decoded"};
        }
        if (auto st = set_facts(seq); !st) return st;
        for (LoggedChange& c : items) {
          v.sequence = seq;
          v.kind = c.kind;
          v.op = c.op;
          auto s2 = db.Get(ro, impl_->versions_of(c.kind), versioned_key(stored_id(c.kind, c.id), seq), &v.value);
          if (!s2.ok()) {
            return s2.IsNotFound() ? Status(ErrorCode::corruption, "the change log of sequence " + std::to_string(seq) +
                                                                       " names " + std::string(kind_name(c.kind)) +
                                                                       " '" + c.id + "', which is not stored")
                                   : from_rocks(s2, impl_->path, "cannot read");
          }
          v.id = std::move(c.id);
          if (auto st = version(v); !st) return st;
        }
      }
      return from_rocks(it->status(), impl_->path, "cannot read");
    };
    Status st = run();
    db.ReleaseSnapshot(snap);
    return st;
  });
}

Status Store::restore(std::uint64_t seq, std::optional<std::int64_t> unix_ms, const std::string& author,
                      const std::vector<DumpedVersion>& items, bool logged) {
  if (read_only_) return {ErrorCode::read_only, impl_->path + " is open read-only"};
  if (!write_problem_.is_ok()) return write_problem_;
  if (!impl_->write_side) return {ErrorCode::storage_unavailable, impl_->path + " is not open for writing"};
  if (seq <= sequence_) {
    return {ErrorCode::bad_request, "sequence " + std::to_string(seq) + " is not after the store's sequence " +
                                             std::to_string(sequence_.load())};
  }
  rocksdb::WriteBatch batch;
  std::string chunk_items;
  std::uint32_t chunk_count = 0, chunk_index = 0;
  for (const DumpedVersion& d : items) {
    rocksdb::ColumnFamilyHandle* cf = impl_->versions_of(d.kind);
    const std::string id = stored_id(d.kind, d.id);
    batch.Put(cf, versioned_key(id, seq), d.value);
    // Restored in sequence order: this version is the newest so far.
    if (is_tombstone(d.value)) {
      batch.Delete(impl_->live_of(cf), id);
    } else {
      batch.Put(impl_->live_of(cf), id, d.value);
    }
    if (!logged) continue;
    append_logged(chunk_items, d.kind, d.op, d.id);
    if (++chunk_count == kLogChunkItems) {
      batch.Put(impl_->meta(), log_key(seq, chunk_index++), finish_chunk(chunk_count, chunk_items));
      chunk_items.clear();
      chunk_count = 0;
    }
  }
  if (chunk_count > 0) batch.Put(impl_->meta(), log_key(seq, chunk_index), finish_chunk(chunk_count, chunk_items));
  // As for a write: the first logged sequence of a database says from where
  // on its log is complete (a replica's first sequence; finish_restore() may set it again).
  const bool first_logged = logged && changelog_from_ == 0;
  if (first_logged) batch.Put(impl_->meta(), kChangelogFromKeyC, encode_u64(seq));
  batch.Put(impl_->meta(), kSequenceKey, encode_u64(seq));
  if (unix_ms) batch.Put(impl_->meta(), seqtime_key(seq), encode_u64(static_cast<std::uint64_t>(*unix_ms)));
  if (!author.empty()) batch.Put(impl_->meta(), seqauthor_key(seq), author);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  if (auto st = from_rocks(impl_->db->Write(wo, &batch), impl_->path, "cannot write to"); !st) {
    if (is_storage_failure(st)) take_write_side_down(st);
    return st;
  }
  sequence_ = seq;
  if (first_logged) changelog_from_ = seq;
  if (unix_ms) last_time_ms_ = std::max(last_time_ms_, *unix_ms);
  return Status::ok();
}

Status Store::finish_restore(std::uint64_t sequence, std::uint64_t changelog_from) {
  if (read_only_) return {ErrorCode::read_only, impl_->path + " is open read-only"};
  if (!write_problem_.is_ok()) return write_problem_;
  if (!impl_->write_side) return {ErrorCode::storage_unavailable, impl_->path + " is not open for writing"};
  if (sequence < sequence_) {
    return {ErrorCode::bad_request, "the final sequence " + std::to_string(sequence) +
                                             " is before the last one restored (" + std::to_string(sequence_.load()) +
                                             ")"};
  }
  rocksdb::WriteBatch batch;
  batch.Put(impl_->meta(), kSequenceKey, encode_u64(sequence));
  const bool log_from = changelog_from >= 1 && changelog_from <= sequence;
  if (log_from) batch.Put(impl_->meta(), kChangelogFromKeyC, encode_u64(changelog_from));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  if (auto st = from_rocks(impl_->db->Write(wo, &batch), impl_->path, "cannot write to"); !st) {
    if (is_storage_failure(st)) take_write_side_down(st);
    return st;
  }
  sequence_ = sequence;
  if (log_from) changelog_from_ = changelog_from;
  return Status::ok();
}

namespace {

// Copies every key of the column families of `src` (read through `ro`)
// into a new database at `out`, without a write-ahead log, then flushes.
Status copy_all_keys(rocksdb::DB& src, const std::vector<rocksdb::ColumnFamilyHandle*>& families,
                     const rocksdb::ReadOptions& ro, const std::string& out) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.error_if_exists = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors{{rocksdb::kDefaultColumnFamilyName, {}}};
  for (auto* f : families) descriptors.emplace_back(f->GetName(), rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> opened;
  rocksdb::DB* raw = nullptr;
  if (auto s = rocksdb::DB::Open(options, out, descriptors, &opened, &raw); !s.ok()) {
    return from_rocks(s, out, "cannot create the backup");
  }
  std::unique_ptr<rocksdb::DB> dst(raw);
  Status st = Status::ok();
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;  // flushed below; a failed backup is removed whole
  for (std::size_t f = 0; st && f < families.size(); ++f) {
    std::unique_ptr<rocksdb::Iterator> it(src.NewIterator(ro, families[f]));
    rocksdb::WriteBatch batch;
    for (it->SeekToFirst(); st && it->Valid(); it->Next()) {
      batch.Put(opened[f + 1], it->key(), it->value());
      if (batch.GetDataSize() >= (8u << 20)) {
        st = from_rocks(dst->Write(wo, &batch), out, "cannot write the backup");
        batch.Clear();
      }
    }
    if (st && !it->status().ok()) st = from_rocks(it->status(), out, "cannot read for the backup");
    if (st && batch.Count() > 0) st = from_rocks(dst->Write(wo, &batch), out, "cannot write the backup");
  }
  if (st) {
    rocksdb::FlushOptions flush;
    flush.wait = true;
    std::vector<rocksdb::ColumnFamilyHandle*> data(opened.begin() + 1, opened.end());
    st = from_rocks(dst->Flush(flush, data), out, "cannot flush the backup");
  }
  for (auto* h : opened) dst->DestroyColumnFamilyHandle(h);
  if (auto s = dst->Close(); st && !s.ok()) st = from_rocks(s, out, "cannot close the backup");
  return st;
}

}  // namespace

Result<BackupStats> Store::backup(const std::string& out) const {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (out.empty() || fs::exists(out, ec)) {
    return Status(ErrorCode::bad_request, "the backup directory " + out + " exists: give a new path");
  }
  return with_db([&](rocksdb::DB& db) -> Result<BackupStats> {
    BackupStats stats;
    Status st = Status::ok();
    if (impl_->write_side) {
      stats.checkpoint = true;
      rocksdb::Checkpoint* raw = nullptr;
      st = from_rocks(rocksdb::Checkpoint::Create(&db, &raw), out, "cannot start a checkpoint for");
      std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
      // No flush (that would write into the live database): the log is copied instead.
      if (st) {
        st = from_rocks(checkpoint->CreateCheckpoint(out, std::numeric_limits<std::uint64_t>::max()), out,
                        "cannot write the checkpoint");
      }
    } else {
      rocksdb::ReadOptions ro;
      ro.fill_cache = false;
      st = copy_all_keys(db, impl_->handles, ro, out);
    }
    if (!st) {
      fs::remove_all(out, ec);
      return st;
    }
    return stats;
  });
}

}  // namespace poleloc::store
