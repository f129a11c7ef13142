// Backups of a database directory (Service::backup, backup_database,
// restore_backup). The store writes the copy (Store::backup: a RocksDB
// checkpoint, or every key from a read-only open); this file adds the
// work-directory-then-rename discipline and the check that the result opens.
#include "service_impl.hpp"

#include <poleloc/service.hpp>

#include <filesystem>

namespace poleloc {
namespace {

namespace fs = std::filesystem;

// "DIR/" and "DIR" name the same directory; the work directory must not land inside it.
Result<std::string> new_directory(const std::string& given, const char* what) {
  std::string path = fs::path(given).lexically_normal().string();
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.empty() || path == "." || path == "/") {
    return Status(ErrorCode::bad_request, std::string(what) + " needs a new directory, got '" + given + "'");
  }
  std::error_code ec;
  if (fs::exists(path, ec) && (!fs::is_directory(path, ec) || !fs::is_empty(path, ec))) {
    return Status(ErrorCode::bad_request,
                  path + " exists and is not empty: " + what + " writes only a new directory");
  }
  return path;
}

// Opens the copy in `work` read-only (the schema check included), then renames it to `final_path`.
Result<BackupReport> check_and_rename(const std::string& work, const std::string& final_path, bool checkpoint) {
  BackupReport report;
  report.path = final_path;
  report.checkpoint = checkpoint;
  std::error_code ec;
  {
    auto copy = store::Store::open(work, {.read_only = true, .create_if_missing = false});
    if (!copy) {
      fs::remove_all(work, ec);
      return Status(copy.status().code(), "the copy does not open: " + copy.status().message());
    }
    report.sequence = (*copy)->sequence();
  }
  report.bytes = store::directory_bytes(work);
  if (fs::exists(final_path, ec)) fs::remove(final_path, ec);  // an empty directory (checked before)
  fs::rename(work, final_path, ec);
  if (ec) {
    fs::remove_all(work, ec);
    return Status(ErrorCode::io_error, "cannot rename " + work + " to " + final_path + ": " + ec.message());
  }
  return report;
}

Result<BackupReport> backup_from(const store::Store& store, const std::string& out_given) {
  auto out = new_directory(out_given, "backup");
  if (!out) return out.status();
  const std::string work = *out + ".partial";
  std::error_code ec;
  fs::remove_all(work, ec);  // left by an interrupted backup
  auto stats = store.backup(work);
  if (!stats) return stats.status();
  return check_and_rename(work, *out, stats->checkpoint);
}

}  // namespace

Result<BackupReport> Service::backup(const std::string& out) const { return backup_from(*impl_->store, out); }

Result<BackupReport> Service::backup_database(const std::string& db_path, const std::string& out) {
  // The write lock free: a checkpoint. Held by a server: a read-only open and a copy.
  auto store = store::Store::open(db_path, {.read_only = false, .create_if_missing = false});
  if (!store && store.status().code() == ErrorCode::conflict) {
    store = store::Store::open(db_path, {.read_only = true, .create_if_missing = false});
  }
  if (!store) return store.status();
  return backup_from(**store, out);
}

Result<BackupReport> Service::restore_backup(const std::string& backup_dir, const std::string& db_path) {
  std::error_code ec;
  if (!fs::exists(fs::path(backup_dir) / "CURRENT", ec)) {
    return Status(ErrorCode::not_found, "no backup at " + backup_dir + " (a directory written by `poleloc backup`)");
  }
  auto target = new_directory(db_path, "restore");
  if (!target) return target.status();
  {
    auto check = store::Store::open(backup_dir, {.read_only = true, .create_if_missing = false});
    if (!check) return check.status();
  }
  const std::string work = *target + ".restoring";
  fs::remove_all(work, ec);  // left by an interrupted restore
  // A plain copy: the backup stays untouched (hard links would share files a later write-open could change).
  fs::copy(backup_dir, work, fs::copy_options::recursive, ec);
  if (ec) {
    const std::string why = ec.message();
    fs::remove_all(work, ec);
    return Status(ErrorCode::io_error, "cannot copy " + backup_dir + " to " + work + ": " + why);
  }
  fs::remove(fs::path(work) / "LOCK", ec);
  return check_and_rename(work, *target, false);
}

}  // namespace poleloc
