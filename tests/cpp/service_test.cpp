// The facade over the store: imports are atomic, writes are durable, readers keep their snapshot.
#include "geo/compact_geometry.hpp"
#include "geo/wkb.hpp"
#include "raw_db.hpp"
#include "store/record_encoding.hpp"
#include "test_support.hpp"

#include <poleloc/poleloc.hpp>

#include <rocksdb/db.h>

#include <gtest/gtest.h>

using namespace poleloc;
using poleloc::fixtures::open_ok;
using poleloc::fixtures::TempDir;

namespace {

std::string sample(const char* file) { return std::string(POLELOC_SAMPLE_DIR) + "/" + file; }

ImportSources sample_sources() {
  return {sample("poles.csv"), sample("grids.geojson"), sample("aliases.csv")};
}

}  // namespace

TEST(Service, ImportThenReopenGivesExactlyWhatWasImported) {
  TempDir dir;
  auto parsed = read_input(sample_sources(), {});
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->error_count, 0u);
  {
    auto svc = open_ok(dir.file("db"));
    auto report = svc->import(sample_sources());
    ASSERT_TRUE(report) << report.status().message();
    EXPECT_EQ(report->poles, parsed->dataset.poles.size());
    EXPECT_EQ(report->grids, parsed->dataset.grids.size());
  }
  auto svc = open_ok(dir.file("db"), {.read_only = true});
  auto snap = svc->snapshot();
  ASSERT_EQ(snap->pole_count(), parsed->dataset.poles.size());
  ASSERT_EQ(snap->grid_count(), parsed->dataset.grids.size());
  for (const PoleRecord& p : parsed->dataset.poles) {
    auto got = snap->locate(p.number);
    ASSERT_TRUE(got) << p.number;
    EXPECT_EQ(got->position(), p.position);
    EXPECT_EQ(got->attributes(), p.attributes);
  }
  for (const GridRecord& g : parsed->dataset.grids) {
    auto got = snap->grid(g.id);
    ASSERT_TRUE(got) << g.id;
    EXPECT_EQ(got->geometry(), g.geometry);
    EXPECT_EQ(got->name(), g.name);
    EXPECT_EQ(got->attributes(), g.attributes);
  }
  EXPECT_EQ(snap->aliases().size(), parsed->dataset.aliases.size());
}

TEST(Service, EveryPoleOfTheSampleIsInsideAGrid) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(sample_sources()));
  auto snap = svc->snapshot();
  for (std::uint32_t i = 0; i < snap->pole_count(); ++i) {
    EXPECT_TRUE(snap->pole_by_index(i).grid().has_value()) << snap->pole_by_index(i).number();
  }
}

TEST(Service, BadRowLeavesTheDatabaseUnchanged) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(sample_sources()));
  const auto before = svc->snapshot()->stats();
  std::string poles = fixtures::read_text(sample("poles.csv"));
  poles += "TJH9999,not-a-lon,39.92,路灯,王芳,010-1\n";
  const std::string bad = dir.write("bad.csv", poles);
  auto report = svc->import({bad, sample("grids.geojson"), ""});
  ASSERT_FALSE(report);
  EXPECT_EQ(report.status().code(), ErrorCode::invalid_input);
  EXPECT_NE(report.status().message().find("nothing was stored"), std::string::npos);
  EXPECT_NE(report.status().message().find("bad.csv:"), std::string::npos);
  svc.reset();
  auto again = open_ok(dir.file("db"));
  EXPECT_EQ(again->snapshot()->stats().poles, before.poles);
  EXPECT_EQ(again->snapshot()->stats().sequence, before.sequence);
  EXPECT_FALSE(again->snapshot()->locate("TJH9999"));
}

TEST(Service, SkipInvalidStoresTheGoodRowsAndReportsTheRest) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  const std::string poles = dir.write("p.csv", "number,lon,lat\nA1,116.465,39.925\nA*2,116.465,39.925\nA3,500,39.9\n");
  ImportOptions o;
  o.skip_invalid = true;
  auto report = svc->import({poles, sample("grids.geojson"), ""}, o);
  ASSERT_TRUE(report) << report.status().message();
  EXPECT_EQ(report->poles, 1u);
  EXPECT_EQ(report->rejects.size(), 2u);
  EXPECT_TRUE(svc->snapshot()->locate("A1"));
}

TEST(Service, ReimportRemovesWhatTheNewFilesNoLongerHave) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(sample_sources()));
  const std::string poles = dir.write("p.csv", "number,lon,lat\nTJH0001,116.465,39.925\n");
  ImportOptions o;
  o.replace = true;  // removing nearly every pole needs it
  auto report = svc->import({poles, sample("grids.geojson"), ""}, o);
  ASSERT_TRUE(report);
  EXPECT_GT(report->removed_poles, 1000u);
  EXPECT_EQ(svc->snapshot()->pole_count(), 1u);
  EXPECT_FALSE(svc->snapshot()->aliases().empty()) << "aliases are kept when no aliases file is given";
}

TEST(Service, PutAndDeleteAreDurableAcrossReopen) {
  TempDir dir;
  {
    auto svc = open_ok(dir.file("db"));
    ASSERT_TRUE(svc->import(sample_sources()));
    ASSERT_TRUE(svc->put_pole({"tjh-9001", {116.47, 39.925}, {{"kind", "路灯"}}}));
    ASSERT_TRUE(svc->delete_pole("TJH0001"));
    GridRecord g{"EXTRA", "额外", {}, {{{fixtures::box_ring(116.50, 39.90, 116.51, 39.91)}}}};
    ASSERT_TRUE(svc->put_grid(g));
    EXPECT_EQ(svc->delete_pole("TJH0001").code(), ErrorCode::not_found);
  }
  auto svc = open_ok(dir.file("db"));
  auto snap = svc->snapshot();
  auto p = snap->locate("TJH9001");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->attributes(), (Attributes{{"kind", "路灯"}}));
  EXPECT_FALSE(snap->locate("TJH0001"));
  ASSERT_TRUE(snap->grid_at({116.505, 39.905}));
  EXPECT_EQ(snap->grid_at({116.505, 39.905})->id(), "EXTRA");
  ASSERT_TRUE(svc->delete_grid("EXTRA"));
  EXPECT_FALSE(svc->snapshot()->grid("EXTRA"));
}

TEST(Service, ReadersKeepTheSnapshotTheyStartedWith) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(sample_sources()));
  auto old = svc->snapshot();
  ASSERT_TRUE(svc->delete_pole("TJH0002"));
  EXPECT_TRUE(old->locate("TJH0002")) << "an old snapshot never changes";
  EXPECT_FALSE(svc->snapshot()->locate("TJH0002"));
}

TEST(Service, InvalidWritesAreRejectedAndStoreNothing) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  const auto seq = svc->snapshot()->stats().sequence;
  EXPECT_EQ(svc->put_pole({"电线杆", {116.47, 39.92}, {}}).code(), ErrorCode::invalid_input);
  EXPECT_EQ(svc->put_pole({"TJH1", {200, 39.92}, {}}).code(), ErrorCode::invalid_input);
  GridRecord bow{"BOW", "", {}, {{{{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}}}}};
  EXPECT_EQ(svc->put_grid(bow).code(), ErrorCode::invalid_input);
  EXPECT_EQ(svc->snapshot()->stats().sequence, seq);
}

TEST(Service, ReadOnlyRefusesWrites) {
  TempDir dir;
  { auto svc = open_ok(dir.file("db")); }
  auto ro = open_ok(dir.file("db"), {.read_only = true});
  EXPECT_EQ(ro->put_pole({"TJH1", {116.47, 39.92}, {}}).code(), ErrorCode::read_only);
}

TEST(Service, SecondWriterGetsAConflictNamingTheCause) {
  TempDir dir;
  auto first = open_ok(dir.file("db"));
  auto second = Service::open(dir.file("db"));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.status().code(), ErrorCode::conflict);
  auto reader = Service::open(dir.file("db"), {.read_only = true});
  EXPECT_TRUE(reader) << "a read-only open works beside a writer";
}

TEST(Service, MissingDatabaseReadOnlyIsNotFound) {
  TempDir dir;
  auto s = Service::open(dir.file("nothing"), {.read_only = true});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.status().code(), ErrorCode::not_found);
}

TEST(Service, OtherSchemaVersionIsAClearError) {
  TempDir dir;
  { auto svc = open_ok(dir.file("db")); }
  {
    // Rewrite meta/schema_version as a future poleloc would.
    fixtures::RawDb raw(dir.file("db"));
    ASSERT_TRUE(raw.ok()) << raw.error;
    ASSERT_TRUE(raw.db->Put(rocksdb::WriteOptions(), raw.meta, "schema_version", "99").ok());
  }
  auto s = Service::open(dir.file("db"));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.status().code(), ErrorCode::schema_mismatch);
  EXPECT_NE(s.status().message().find("schema version 99"), std::string::npos);
}

// A database written before grid geometries could be stored compact (schema
// version 1, WKB only) opens and answers; the first writable open marks it
// version 3, which an older poleloc refuses with a clear message.
TEST(Service, SchemaVersionOneOpensAndAWritableOpenMarksItCurrent) {
  TempDir dir;
  GridRecord grid{"G1", "一", {{"manager", "王芳"}}, {{{{{116.4512345, 39.9}, {116.46, 39.9}, {116.46, 39.91}, {116.4512345, 39.9}}}}}};
  {
    auto svc = open_ok(dir.file("db"));
    ASSERT_TRUE(svc->put_grid(grid));
  }
  // Turn it into what poleloc wrote before: schema 1, every grid value with WKB inside.
  auto with_db = [&](auto&& use) {
    fixtures::RawDb raw(dir.file("db"));
    ASSERT_TRUE(raw.ok()) << raw.error;
    use(*raw.db, raw);
  };
  auto schema = [&] {
    std::string value;
    with_db([&](rocksdb::DB& db, auto& raw) { EXPECT_TRUE(db.Get(rocksdb::ReadOptions(), raw.meta, "schema_version", &value).ok()); });
    return value;
  };
  EXPECT_EQ(schema(), "3");
  std::size_t rewritten = 0;
  with_db([&](rocksdb::DB& db, auto& raw) {
    ASSERT_TRUE(raw.strip_live());  // as poleloc wrote it before the live families
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions(), raw.grids));
    std::vector<std::pair<std::string, std::string>> old_values;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string_view id;
      std::uint64_t version;
      ASSERT_TRUE(store::parse_versioned_key(it->key().ToStringView(), id, version));
      auto g = store::decode_grid(id, it->value().ToStringView());
      ASSERT_TRUE(g);
      std::string v;
      v.push_back(static_cast<char>(store::kValueFormat));
      v.push_back(0);
      auto put_str = [&](std::string_view x) {
        store::put_varint(v, x.size());
        v.append(x);
      };
      put_str(g->name);
      store::put_varint(v, g->attributes.size());
      for (const auto& a : g->attributes) put_str(a.first), put_str(a.second);
      put_str(geo::to_wkb(g->geometry));
      old_values.emplace_back(it->key().ToString(), v);
    }
    for (const auto& [k, v] : old_values) ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), raw.grids, k, v).ok());
    rewritten = old_values.size();
    ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), raw.meta, "schema_version", "1").ok());
  });
  ASSERT_EQ(rewritten, 1u);
  {
    auto svc = open_ok(dir.file("db"), {.read_only = true});
    auto got = svc->snapshot()->grid("G1");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->geometry(), grid.geometry);
    EXPECT_EQ(got->attributes(), grid.attributes);
  }
  EXPECT_EQ(schema(), "1");  // reading changes nothing
  {
    auto svc = open_ok(dir.file("db"));
    EXPECT_EQ(svc->snapshot()->grid("G1")->geometry(), grid.geometry);
    grid.name = "二";
    ASSERT_TRUE(svc->put_grid(grid));  // stored compact beside the old WKB version
  }
  EXPECT_EQ(schema(), "3");
  {
    auto svc = open_ok(dir.file("db"), {.read_only = true});
    EXPECT_EQ(svc->snapshot()->grid("G1")->name(), "二");
    EXPECT_EQ(svc->snapshot()->grid("G1")->geometry(), grid.geometry);
  }
  with_db([&](rocksdb::DB& db, auto& raw) { ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), raw.meta, "schema_version", "4").ok()); });
  auto s = Service::open(dir.file("db"));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.status().code(), ErrorCode::schema_mismatch);
  EXPECT_NE(s.status().message().find("schema version 4; this poleloc reads versions 1 to 3"), std::string::npos)
      << s.status().message();
}

TEST(Service, NotAPolelocDatabase) {
  TempDir dir;
  {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir.file("db"), &db).ok());
    delete db;
  }
  auto s = Service::open(dir.file("db"));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.status().code(), ErrorCode::schema_mismatch);
}

TEST(Service, InMemoryImportIsValidatedLikeFiles) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  Dataset d;
  d.poles = {{"tjh-1", {116.47, 39.92}, {}}, {"TJH1", {116.48, 39.92}, {}}};
  ImportOptions o;
  o.replace = true;  // a dataset without grids
  auto r = svc->import(d, o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("duplicate number TJH1"), std::string::npos);
  d.poles.pop_back();
  ASSERT_TRUE(svc->import(d, o));
  EXPECT_TRUE(svc->snapshot()->locate("TJH1"));
}

TEST(Snapshot, QueriesOnTheSample) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(sample_sources()));
  auto snap = svc->snapshot();
  auto pole = snap->locate("tjh-0372");
  ASSERT_TRUE(pole);
  ASSERT_TRUE(pole->grid());
  // The grid of a pole is the grid at its position.
  EXPECT_EQ(snap->grid_at(pole->position())->id(), pole->grid()->id());
  // Nearest to a pole's own position is the pole itself, at 0 m.
  auto near = snap->nearest(pole->position(), {.k = 3});
  ASSERT_TRUE(near);
  ASSERT_EQ(near->size(), 3u);
  EXPECT_EQ((*near)[0].pole.number(), "TJH0372");
  EXPECT_NEAR((*near)[0].distance_m, 0, 1e-6);
  EXPECT_LE((*near)[1].distance_m, (*near)[2].distance_m);
  // Paging through a grid's poles gives each pole once, in number order.
  std::vector<std::string> seen;
  PageOptions page{.limit = 37};
  for (;;) {
    auto pg = snap->poles_in_grid(pole->grid()->id(), page);
    ASSERT_TRUE(pg);
    for (auto& p : pg->poles) seen.emplace_back(p.number());
    if (!pg->next_cursor) break;
    page.cursor = *pg->next_cursor;
  }
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_NE(std::find(seen.begin(), seen.end(), "TJH0372"), seen.end());
  EXPECT_EQ(snap->poles_in_grid("NO-SUCH-GRID").status().code(), ErrorCode::not_found);
  // within: a box around the pole holds it.
  const LonLat p = pole->position();
  auto in = snap->within({p.lon - 1e-4, p.lat - 1e-4, p.lon + 1e-4, p.lat + 1e-4});
  ASSERT_TRUE(in);
  EXPECT_NE(std::find(in->begin(), in->end(), *pole), in->end());
  EXPECT_EQ(snap->within({1, 1, 0, 0}).status().code(), ErrorCode::bad_request);
  // Bad options are errors, not crashes.
  EXPECT_EQ(snap->nearest(p, {.k = 0}).status().code(), ErrorCode::bad_request);
  EXPECT_EQ(snap->nearest({std::nan(""), 39.9}, {}).status().code(), ErrorCode::bad_request);
  EXPECT_FALSE(snap->grid_at({200, 39.9}));
}

TEST(Snapshot, BatchGridLookupEqualsOneByOne) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(sample_sources()));
  auto snap = svc->snapshot();
  std::vector<double> lons, lats;
  for (int i = 0; i < 20000; ++i) {
    lons.push_back(116.455 + 0.035 * ((i * 7919) % 20000) / 20000.0);
    lats.push_back(39.912 + 0.03 * ((i * 104729) % 20000) / 20000.0);
  }
  lons.push_back(std::nan(""));
  lats.push_back(39.92);
  std::vector<std::int32_t> out(lons.size());
  snap->grid_indexes_at(lons, lats, out);
  for (std::size_t i = 0; i < lons.size(); ++i) {
    auto g = snap->grid_at({lons[i], lats[i]});
    EXPECT_EQ(out[i], g ? static_cast<std::int32_t>(g->index()) : -1) << i;
  }
}

// nearest_indexes is nearest() for many points at once, on any number of
// threads, also through an overlay of writes; rows past what max_m lets in,
// and the rows of invalid points, are -1 / NaN.
TEST(Snapshot, BatchNearestEqualsOneByOneOnAnyNumberOfThreads) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(sample_sources()));
  ASSERT_TRUE(svc->put_pole({"TJH9001", {116.4712, 39.9251}, {}}));
  ASSERT_TRUE(svc->delete_pole("TJH0372"));
  auto snap = svc->snapshot();
  ASSERT_NE(snap->overlay(), nullptr);
  std::vector<double> lons, lats;
  for (int i = 0; i < 3000; ++i) {
    lons.push_back(116.44 + 0.07 * ((i * 7919) % 3000) / 3000.0);
    lats.push_back(39.90 + 0.05 * ((i * 104729) % 3000) / 3000.0);
  }
  lons.push_back(116.4712), lats.push_back(39.9251);  // on the written pole
  lons.push_back(std::nan("")), lats.push_back(39.92);
  lons.push_back(181), lats.push_back(39.92);
  for (const NearestOptions options : {NearestOptions{.k = 1}, NearestOptions{.k = 4, .max_m = 40}}) {
    const std::size_t k = options.k;
    for (unsigned threads : {1u, 2u, 3u}) {
      std::vector<std::int32_t> idx(lons.size() * k, 7);
      std::vector<double> dist(lons.size() * k, 7);
      ASSERT_TRUE(snap->nearest_indexes(lons, lats, options, idx, dist, threads));
      std::size_t short_rows = 0;
      for (std::size_t i = 0; i < lons.size(); ++i) {
        auto want = snap->nearest({lons[i], lats[i]}, options);
        const std::size_t found = want ? want->size() : 0;
        short_rows += found < k;
        for (std::size_t j = 0; j < k; ++j) {
          if (j < found) {
            EXPECT_EQ(idx[i * k + j], static_cast<std::int32_t>((*want)[j].pole.index())) << i << " " << j;
            EXPECT_EQ(dist[i * k + j], (*want)[j].distance_m) << i << " " << j;
          } else {
            EXPECT_EQ(idx[i * k + j], -1) << i << " " << j;
            EXPECT_TRUE(std::isnan(dist[i * k + j])) << i << " " << j;
          }
        }
      }
      EXPECT_GE(short_rows, 2u);  // the invalid points at least
      if (k == 4) EXPECT_GT(short_rows, 2u) << "max_m = 40 leaves some rows short";
      EXPECT_EQ(snap->pole_by_index(static_cast<std::uint32_t>(idx[3000 * k])).number(), "TJH9001");
    }
  }
  // Wrong sizes and bad options are errors that write nothing.
  std::vector<std::int32_t> idx(5, 7);
  std::vector<double> dist(5, 7);
  EXPECT_EQ(snap->nearest_indexes(std::span(lons).first(5), std::span(lats).first(4), {}, idx, dist).code(),
            ErrorCode::bad_request);
  EXPECT_EQ(snap->nearest_indexes(std::span(lons).first(5), std::span(lats).first(5), {.k = 2}, idx, dist).code(),
            ErrorCode::bad_request);
  EXPECT_EQ(snap->nearest_indexes(std::span(lons).first(5), std::span(lats).first(5), {.k = 0}, idx, dist).code(),
            ErrorCode::bad_request);
  EXPECT_EQ(idx, std::vector<std::int32_t>(5, 7));
}

TEST(Service, InMemoryImportConvertsFromTheGivenCrs) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  Dataset d;
  d.poles = {{"TJH1", {448502.182, 4417797.609}, {}}};  // UTM 50N
  ImportOptions o;
  o.crs = "EPSG:32650";
  o.replace = true;  // a dataset without grids
  ASSERT_TRUE(svc->import(d, o));
  auto p = svc->snapshot()->locate("TJH1");
  ASSERT_TRUE(p);
  EXPECT_NEAR(p->position().lon, 116.3975, 1e-6);
  EXPECT_NEAR(p->position().lat, 39.9087, 1e-6);
}

// --- regressions from the outside trial of issue 11 --------------------------------

namespace {

// Every key of the record families (all versions), read straight from RocksDB.
std::size_t stored_keys(const std::string& path) {
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const char* n : {"default", "poles", "grids", "aliases", "meta"}) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> h;
  rocksdb::DB* db = nullptr;
  EXPECT_TRUE(rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, cfs, &h, &db).ok());
  if (!db) return 0;
  std::size_t n = 0;
  for (int cf = 1; cf <= 3; ++cf) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), h[cf]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  }
  for (auto* x : h) db->DestroyColumnFamilyHandle(x);
  delete db;
  return n;
}

}  // namespace

TEST(Service, HeaderOnlyCsvDoesNotWipeThePoles) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(sample_sources()));
  const auto before = svc->snapshot()->stats();
  const std::string poles = dir.write("poles.csv", "number,lon,lat\n");
  auto report = svc->import({poles, sample("grids.geojson"), ""});
  ASSERT_FALSE(report);
  EXPECT_EQ(report.status().code(), ErrorCode::invalid_input);
  EXPECT_NE(report.status().message().find(
                poles + " holds 0 poles; the database has 1,529: refusing to remove them all (use --replace"),
            std::string::npos)
      << report.status().message();
  EXPECT_EQ(svc->snapshot()->stats().sequence, before.sequence);
  EXPECT_EQ(svc->snapshot()->pole_count(), before.poles);
  ImportOptions o;
  o.replace = true;
  auto replaced = svc->import({poles, sample("grids.geojson"), ""}, o);
  ASSERT_TRUE(replaced) << replaced.status().message();
  EXPECT_EQ(replaced->removed_poles, before.poles);
  EXPECT_EQ(svc->snapshot()->pole_count(), 0u);
}

TEST(Service, EmptyFeatureCollectionDoesNotWipeTheGrids) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(sample_sources()));
  const std::string grids = dir.write("grids.geojson", R"({"type":"FeatureCollection","features":[]})");
  auto report = svc->import({sample("poles.csv"), grids, ""});
  ASSERT_FALSE(report);
  EXPECT_NE(report.status().message().find(grids + " holds 0 grids; the database has 9: refusing to remove them all"),
            std::string::npos)
      << report.status().message();
  EXPECT_EQ(svc->snapshot()->grid_count(), 9u);
}

TEST(Service, RemovingMoreThanTheAllowedShareIsRefused) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(sample_sources()));
  // The first 700 of 1,529 poles: 829 removed (54 %) is over the default 10 %.
  std::string text = fixtures::read_text(sample("poles.csv"));
  std::size_t cut = 0;
  for (int line = 0; line <= 700; ++line) cut = text.find('\n', cut) + 1;
  const std::string poles = dir.write("poles.csv", text.substr(0, cut));
  auto report = svc->import({poles, sample("grids.geojson"), ""});
  ASSERT_FALSE(report);
  EXPECT_EQ(report.status().code(), ErrorCode::invalid_input);
  EXPECT_NE(report.status().message().find("would remove 829 of the 1,529 poles in the database (54 %), more than "
                                           "the 10 % allowed"),
            std::string::npos)
      << report.status().message();
  EXPECT_EQ(svc->snapshot()->pole_count(), 1529u);
  ImportOptions o;
  o.max_remove_share = 0.6;
  auto allowed = svc->import({poles, sample("grids.geojson"), ""}, o);
  ASSERT_TRUE(allowed) << allowed.status().message();
  EXPECT_EQ(allowed->removed_poles, 829u);
  o.max_remove_share = 1.5;
  EXPECT_EQ(svc->import({poles, sample("grids.geojson"), ""}, o).status().code(), ErrorCode::bad_request);
}

TEST(Service, FirstImportRemovesNothingButZeroGridsIsStillRefused) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  const std::string poles = dir.write("p.csv", "number,lon,lat\nTJH0001,116.465,39.925\n");
  const std::string grids = dir.write("g.geojson", R"({"type":"FeatureCollection","features":[]})");
  auto report = svc->import({poles, grids, ""});
  ASSERT_FALSE(report);
  EXPECT_NE(report.status().message().find("holds 0 grids: refusing"), std::string::npos) << report.status().message();
  // In memory the same rule holds.
  Dataset d;
  d.poles = {{"TJH1", {116.47, 39.92}, {}}};
  auto r = svc->import(d);
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("the import holds 0 grids"), std::string::npos) << r.status().message();
  ImportOptions o;
  o.replace = true;
  EXPECT_TRUE(svc->import({poles, grids, ""}, o));
  EXPECT_EQ(svc->snapshot()->pole_count(), 1u);
}

TEST(Service, IdenticalReimportAddsNoVersions) {
  TempDir dir;
  std::uint64_t sequence = 0;
  std::string answer;
  {
    auto svc = open_ok(dir.file("db"));
    ASSERT_TRUE(svc->import(sample_sources()));
    sequence = svc->snapshot()->stats().sequence;
    answer = svc->snapshot()->locate("TJH0372")->record().attributes.front().second;
  }
  const std::size_t keys = stored_keys(dir.file("db"));
  {
    auto svc = open_ok(dir.file("db"));
    auto again = svc->import(sample_sources());
    ASSERT_TRUE(again) << again.status().message();
    EXPECT_EQ(again->changed_records, 0u);
    EXPECT_EQ(again->poles, 1529u);
    EXPECT_EQ(svc->snapshot()->stats().sequence, sequence);
    // A single write of what is stored adds nothing either.
    auto pole = svc->snapshot()->locate("TJH0372")->record();
    ASSERT_TRUE(svc->put_pole(pole));
    EXPECT_EQ(svc->snapshot()->stats().sequence, sequence);
    EXPECT_EQ(svc->snapshot()->locate("TJH0372")->record().attributes.front().second, answer);
  }
  EXPECT_EQ(stored_keys(dir.file("db")), keys);
  {
    // One changed pole adds exactly one version.
    auto svc = open_ok(dir.file("db"));
    auto pole = svc->snapshot()->locate("TJH0372")->record();
    pole.position.lon += 1e-6;
    ASSERT_TRUE(svc->put_pole(pole));
    EXPECT_EQ(svc->snapshot()->stats().sequence, sequence + 1);
  }
  EXPECT_EQ(stored_keys(dir.file("db")), keys + 1);
}

// A single write knows from the snapshot whether a pole differs from what is
// stored (and then skips reading it back): a pole put again as it is, whatever
// its attributes' order and content, adds no version; a changed one adds one.
TEST(Service, SingleWritesOfUnchangedPolesAddNoVersions) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(sample_sources()));
  PoleRecord pole{"ZZZ0001", {116.46, 39.92}, {{"zeta", "1"}, {"alpha", "两"}, {"empty", ""}}};
  ASSERT_TRUE(svc->put_pole(pole));
  const std::uint64_t sequence = svc->snapshot()->stats().sequence;
  ASSERT_TRUE(svc->put_pole(pole));
  ASSERT_TRUE(svc->put_pole(svc->snapshot()->locate("ZZZ0001")->record()));
  ChangeSet batch;
  batch.put_poles = {pole, svc->snapshot()->locate("TJH0372")->record()};
  ASSERT_TRUE(svc->apply(batch));
  EXPECT_EQ(svc->snapshot()->stats().sequence, sequence);
  EXPECT_EQ(svc->pole_history("ZZZ0001")->size(), 1u);
  EXPECT_EQ(svc->pole_history("TJH0372")->size(), 1u);
  // One pole of the batch changed: one new version, of that pole only.
  batch.put_poles[0].attributes[0].second = "2";
  auto report = svc->apply(batch);
  ASSERT_TRUE(report) << report.status().message();
  EXPECT_EQ(report->written, 1u);
  EXPECT_EQ(svc->snapshot()->stats().sequence, sequence + 1);
  auto versions = svc->pole_history("ZZZ0001");
  ASSERT_TRUE(versions) << versions.status().message();
  EXPECT_EQ(versions->size(), 2u);
  ASSERT_TRUE(svc->delete_pole("ZZZ0001"));
  EXPECT_FALSE(svc->snapshot()->locate("ZZZ0001"));
  EXPECT_EQ(svc->pole_history("ZZZ0001")->size(), 3u);
}

TEST(Service, TruncatedFileIsNotImportedInPartEvenWithSkipInvalid) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  ASSERT_TRUE(svc->import(sample_sources()));
  std::string text = fixtures::read_text(sample("grids.geojson"));
  const std::string grids = dir.write("g.geojson", text.substr(0, text.size() / 2));
  ImportOptions o;
  o.skip_invalid = true;
  o.replace = true;
  auto report = svc->import({sample("poles.csv"), grids, ""}, o);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.status().code(), ErrorCode::invalid_input);
  EXPECT_NE(report.status().message().find("nothing was stored"), std::string::npos);
  EXPECT_EQ(svc->snapshot()->grid_count(), 9u);
}

TEST(Service, GridOverTheVertexLimitIsRefusedInMemoryAndByPut) {
  TempDir dir;
  auto svc = open_ok(dir.file("db"));
  Ring ring;
  for (std::size_t i = 0; i < kDefaultMaxGridVertices; ++i) {
    const double a = 6.283185307179586 * static_cast<double>(i) / static_cast<double>(kDefaultMaxGridVertices);
    ring.push_back({116.4 + 0.01 * std::cos(a), 39.9 + 0.01 * std::sin(a)});
  }
  ring.push_back(ring.front());
  GridRecord huge{"HUGE", "", {}, {{{ring}}}};
  Dataset d;
  d.poles = {{"TJH1", {116.4, 39.9}, {}}};
  d.grids = {huge};
  auto r = svc->import(d);
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("250001 vertices; the limit per grid is 250000"), std::string::npos)
      << r.status().message();
  const Status put = svc->put_grid(huge);
  EXPECT_EQ(put.code(), ErrorCode::invalid_input);
  EXPECT_EQ(svc->snapshot()->grid_count(), 0u);
}
