#include "store/bulk_load.hpp"

#include <rocksdb/sst_file_writer.h>

#include <algorithm>
#include <filesystem>

namespace poleloc::store {

BulkLoad::BulkLoad(rocksdb::DB& db, std::vector<rocksdb::ColumnFamilyHandle*> families,
                   std::vector<rocksdb::Options> options, std::string dir, std::size_t streamed)
    : db_(db),
      families_(std::move(families)),
      options_(std::move(options)),
      dir_(std::move(dir)),
      streams_(std::clamp<std::size_t>(streamed, 1, families_.size())),
      held_(families_.size()) {
  options_.resize(families_.size(), options_.empty() ? rocksdb::Options() : options_.back());
}

BulkLoad::~BulkLoad() {
  streams_.clear();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

rocksdb::Status BulkLoad::start() {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::remove_all(dir_, ec);  // files of an import that crashed before its ingestion
  if (!fs::create_directories(dir_, ec) || ec) {
    return rocksdb::Status::IOError("cannot create " + dir_, ec.message());
  }
  return open_stream(0);
}

rocksdb::Status BulkLoad::open_stream(std::size_t family) {
  Stream& s = streams_[family];
  s.writer = std::make_unique<rocksdb::SstFileWriter>(rocksdb::EnvOptions(options_[family]), options_[family],
                                                      families_[family]);
  s.file = dir_ + "/" + std::to_string(family) + ".sst";
  return s.writer->Open(s.file);
}

void BulkLoad::put(std::size_t family, std::string_view key, std::string_view value) { add(family, key, value, false); }

void BulkLoad::remove(std::size_t family, std::string_view key) { add(family, key, {}, true); }

void BulkLoad::add(std::size_t family, std::string_view key, std::string_view value, bool removed) {
  ++keys_;
  if (!failed_.ok() || out_of_order_) return;
  if (family >= streams_.size()) {
    held_[family].push_back({std::string(key), std::string(value), removed});
    return;
  }
  Stream& s = streams_[family];
  if (s.any && !(rocksdb::Slice(s.last_key).compare(rocksdb::Slice(key)) < 0)) {
    out_of_order_ = true;
    return;
  }
  if (!s.writer) {
    failed_ = open_stream(family);
    if (!failed_.ok()) return;
  }
  s.last_key.assign(key);
  s.any = true;
  const rocksdb::Slice k(key.data(), key.size());
  failed_ = removed ? s.writer->Delete(k) : s.writer->Put(k, rocksdb::Slice(value.data(), value.size()));
}

rocksdb::Status BulkLoad::write_file(std::size_t family, std::vector<Row>& rows, std::string& file) {
  // A later put or remove of the same key wins, as in a WriteBatch.
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.key < b.key; });
  rocksdb::SstFileWriter writer(rocksdb::EnvOptions(options_[family]), options_[family], families_[family]);
  file = dir_ + "/" + std::to_string(family) + ".sst";
  auto s = writer.Open(file);
  for (std::size_t i = 0; s.ok() && i < rows.size(); ++i) {
    if (i + 1 < rows.size() && rows[i + 1].key == rows[i].key) continue;
    s = rows[i].removed ? writer.Delete(rows[i].key) : writer.Put(rows[i].key, rows[i].value);
  }
  if (s.ok()) s = writer.Finish();  // syncs the file
  rows = {};
  return s;
}

rocksdb::Status BulkLoad::ingest() {
  if (out_of_order_) return rocksdb::Status::Aborted("keys out of order");
  if (!failed_.ok()) return failed_;
  std::vector<rocksdb::IngestExternalFileArg> args;
  for (std::size_t f = 0; f < streams_.size(); ++f) {
    Stream& s = streams_[f];
    if (s.any) {
      if (auto st = s.writer->Finish(); !st.ok()) return st;
      rocksdb::IngestExternalFileArg arg;
      arg.column_family = families_[f];
      arg.external_files = {s.file};
      args.push_back(std::move(arg));
    }
    s.writer.reset();
  }
  for (std::size_t f = streams_.size(); f < families_.size(); ++f) {
    if (held_[f].empty()) continue;
    std::string file;
    if (auto s = write_file(f, held_[f], file); !s.ok()) return s;
    rocksdb::IngestExternalFileArg arg;
    arg.column_family = families_[f];
    arg.external_files = {file};
    args.push_back(std::move(arg));
  }
  if (args.empty()) return rocksdb::Status::OK();
  for (auto& arg : args) {
    arg.options.move_files = true;           // hard links: the data is not copied again
    arg.options.write_global_seqno = false;  // the sequence number lives in the MANIFEST; files stay as written
  }
  auto s = db_.IngestExternalFiles(args);
  if (!s.ok()) failed_in_ingestion_ = true;
  return s;
}

}  // namespace poleloc::store
