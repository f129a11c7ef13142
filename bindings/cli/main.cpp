// poleloc: the command line face. Every command opens the database, calls the
// facade, and prints either text for people or (--json) the HTTP answer's shape.
#include "cli_args.hpp"
#include "config_file.hpp"
#include "directory_watch.hpp"
#include "malloc_huge_pages.hpp"
#include "json_shapes.hpp"
#include "synthetic_city.hpp"

#include <poleloc/poleloc.hpp>
#include <poleloc/time_text.hpp>
#include <poleloc/version.hpp>

#ifdef POLELOC_WITH_HTTP
#include "access_log.hpp"
#include "http_server.hpp"
#include "replica_follower.hpp"
#endif

#include <cerrno>
#include <chrono>
#include <stop_token>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <cstdlib>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <filesystem>
#include <tuple>
#include <fstream>
#include <iostream>
#include <string>
#include <tuple>

namespace poleloc::cli {
namespace {

constexpr int kExitNotFound = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInvalidInput = 3;
constexpr int kExitError = 4;

const char* kUsage = R"(poleloc: pole numbers -> locations and grids

usage:
  poleloc import   --db DIR --poles F --grids F [--aliases F] [--places F] [--roads F] [--crs CRS] [--skip-invalid] [--rejects F]
                   [--replace | --merge] [--dry-run] [--max-remove-share 0.1] [--max-vertices 250000] [--max-property-depth 32]
                   [--max-attribute-bytes 65536] [--max-properties-bytes 1048576]
                   [--poles-crs CRS] [--grids-crs CRS] [--columns number=杆号,lon=经度,lat=纬度] [--encoding GBK]
                   [--id-field F] [--name-field F] [--layer L] [--poles-layer L] [--repair] [--allow-overlap]
                   (poles: CSV, XLSX, Shapefile, GeoPackage, FlatGeobuf; grids: GeoJSON, Shapefile,
                    GeoPackage, FlatGeobuf, KML, File Geodatabase; see docs/import.md)
  poleloc serve    --db DIR [--listen 127.0.0.1:8080] [--token-file F] [--threads N] [--tiles URL] [limits...]
                   [--config F]   (`poleloc serve --help` lists every option)
  poleloc locate   --db DIR NUMBER [--as-of TIME] [--boundary-m 15] [--json]
  poleloc history  --db DIR NUMBER | --grid ID [--json]   (every version, who wrote it and when)
  poleloc resolve  --db DIR [--as-of TIME] [--near LON,LAT] [--near-accuracy M] [--near-crs wgs84|gcj02|bd09] [--limit N] [--boundary-m 15] [--json] TEXT
  poleloc grid-at  --db DIR LON LAT [--as-of TIME] [--boundary-m 15] [--json]
  poleloc nearest  --db DIR LON LAT [--as-of TIME] [-k N] [--max-m M] [--boundary-m 15] [--json]
                   (--boundary-m: answers name other grids whose edge is within M metres; docs/boundary.md)
  poleloc validate --db DIR [--json] [--geojson OUT] [--max-twins 1000] [--twin-distance 500]
  poleloc export   --db DIR --poles F --grids F [--aliases F] [--places F]
  poleloc export   --db DIR --with-history FILE   (every version of every record, NDJSON)
  poleloc restore  --db NEWDIR --history FILE     (a --with-history dump into a new database)
  poleloc restore  --db NEWDIR --from-backup DIR  (a `poleloc backup` directory into a new database)
  poleloc backup   --db DIR --out NEWDIR [--json] (a consistent copy, history included, while a server runs)
  poleloc compact  --db DIR --keep-history 365d [--json]
                   (deletes versions replaced or deleted more than 365 days ago; units s, h, d)
  poleloc synth    --grids N --poles M [--seed S] [--community-names]
                   [--area-codes N] [--serial-width W] [--serial-gap G]
                   [--clusters N] [--vertices-per-grid V]
                   [--query-points N [--outside SHARE]] --out DIR
  poleloc --version  poleloc COMMAND --help

Coordinates are lon lat in degrees, WGS84. Errors go to stderr; exit status
1 not found, 2 usage or bad argument, 3 invalid input file, 4 other errors.
An import into a database that holds data first prints what it will add,
change and remove; --dry-run prints only that and stores nothing; --merge
upserts without removing. An import that would leave no poles or grids, or
remove more than --max-remove-share (default 10 %) of them, is refused unless
--replace (see docs/import.md).
)";

int usage_error(const std::string& message) {
  std::cerr << "poleloc: " << message << "\n(run `poleloc --help` for usage)\n";
  return kExitUsage;
}

// `writing` names a command that writes: a storage failure then says that nothing was stored.
int fail(const Status& st, bool as_json = false, const char* writing = nullptr) {
  if (as_json) {
    std::cerr << json::error(st).dump() << '\n';
  } else if (writing && (st.code() == ErrorCode::storage_full || st.code() == ErrorCode::storage_unavailable)) {
    std::cerr << "poleloc: " << writing << " failed, the database is unchanged: " << st.message() << '\n';
  } else {
    std::cerr << "poleloc: " << st.message() << '\n';
  }
  switch (st.code()) {
    case ErrorCode::not_found: return kExitNotFound;
    case ErrorCode::bad_request: return kExitUsage;
    case ErrorCode::invalid_input: return kExitInvalidInput;
    default: return kExitError;
  }
}

void print_json(const json::Json& j) {
  std::cout << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
}

std::optional<double> parse_number(const std::string& s) {
  try {
    std::size_t used = 0;
    const double v = std::stod(s, &used);
    if (used != s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
  } catch (...) {
    return std::nullopt;
  }
}

std::optional<std::size_t> parse_count(const std::string& s) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return static_cast<std::size_t>(std::stoul(s));
}

std::string fixed7(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.7f", v);
  return buf;
}

std::optional<std::string> attribute(const Attributes& a, std::string_view key) {
  if (const std::string* v = find_attribute(a, key)) return *v;
  return std::nullopt;
}

// "网格长 grid manager 张三 010-…": who to call for the grid, labelled so that it
// is never mistaken for the pole's maintainer.
std::string describe_grid(const std::optional<GridView>& g) {
  if (!g) return "no grid";
  std::string s = "grid " + std::string(g->id());
  if (!g->name().empty()) s.append(" ").append(g->name());
  const Attributes a = g->attributes();
  auto manager = attribute(a, "manager");
  auto phone = attribute(a, "phone");
  if (manager || phone) {
    s += "  网格长 grid manager ";
    s += manager.value_or("—");
    if (phone) s.append(" ").append(*phone);
  }
  return s;
}

// The pole, its kind and who maintains it (杆体维护 pole maintainer: the pole's own
// manager/maintainer/owner attribute), then its grid and the grid manager.
std::string describe_pole(const PoleView& p) {
  const LonLat pos = p.position();
  std::string s = std::string(p.number()) + "  " + fixed7(pos.lon) + " " + fixed7(pos.lat);
  const Attributes a = p.attributes();
  if (auto kind = attribute(a, "kind")) s += "  " + *kind;
  std::optional<std::string> who;
  for (const char* key : {"maintainer", "manager", "owner"}) {
    if ((who = attribute(a, key))) break;
  }
  auto phone = attribute(a, "maintainer_phone");
  if (!phone) phone = attribute(a, "phone");
  if (who || phone) {
    s += "  杆体维护 pole maintainer ";
    s += who.value_or("—");
    if (phone) s.append(" ").append(*phone);
  }
  return s + "  |  " + describe_grid(p.grid());
}

// "\n      where: 团结湖路北侧，… | north side of 团结湖路, …" with roads imported, else "".
std::string where_line(const PoleView& p) {
  auto w = p.where();
  if (!w) return {};
  return "\n      where: " + w->zh + " | " + w->en;
}

// "\n      boundary: 8 m to the grid's edge; 近网格边界 near the boundary with CY-TJH-002 团结湖第二网格 (8 m)":
// how far the grid's edge is and the other grids within --boundary-m (docs/boundary.md).
std::string boundary_line(const std::optional<GridBoundary>& b) {
  if (!b) return {};
  std::string s = "\n      boundary: ";
  s += b->inside ? std::to_string(std::lround(b->boundary_distance_m)) + " m to the grid's edge"
                 : "outside every grid, the nearest " + std::to_string(std::lround(b->boundary_distance_m)) + " m away";
  for (std::size_t i = 0; i < b->neighbour_grids.size(); ++i) {
    const NeighbourGrid& n = b->neighbour_grids[i];
    s += i == 0 ? "; 近网格边界 near the boundary with " : ", ";
    s += std::string(n.grid.id());
    if (!n.grid.name().empty()) s.append(" ").append(n.grid.name());
    s += " (" + std::to_string(std::lround(n.distance_m)) + " m)";
  }
  return s;
}

// --boundary-m M: within how many metres another grid is named (default 15); a usage error otherwise.
std::optional<int> boundary_option(CliArgs& a, double& within) {
  within = kBoundaryNeighbourDefaultM;
  auto text = a.option("--boundary-m");
  if (!text) return std::nullopt;
  auto m = parse_number(*text);
  const Status st = check_boundary_within(m.value_or(-1), "--boundary-m");
  if (!st) return usage_error(st.message() + ", got '" + *text + "'");
  within = *m;
  return std::nullopt;
}

// Opens the database; read-only unless `write`, so queries work while a server runs.
Result<std::unique_ptr<Service>> open_db(CliArgs& a, bool write) {
  auto db = a.option("--db");
  if (!db) return Status(ErrorCode::bad_request, "--db DIR is required");
  return Service::open(*db, {.read_only = !write, .create_if_missing = write});
}

// The snapshot a query answers from: the current one, or as of --as-of (RFC 3339, docs/history.md).
Result<std::shared_ptr<const Snapshot>> query_snapshot(Service& service, const std::optional<std::string>& as_of) {
  if (!as_of) return service.snapshot();
  auto t = parse_rfc3339(*as_of, "--as-of");
  if (!t) return t.status();
  return service.snapshot_at(*t);
}

// Rejects leftover options and wrong positional counts in one place.
std::optional<int> check_rest(const CliArgs& a, std::size_t want_min, std::size_t want_max, const char* what) {
  if (!a.missing_value().empty()) return usage_error(a.missing_value() + " needs a value");
  if (auto u = a.unknown()) return usage_error("unknown option " + *u);
  const auto n = a.positionals().size();
  if (n < want_min || n > want_max) return usage_error(std::string("expected ") + what);
  return std::nullopt;
}

// --max-remove-share: a share in [0, 1] ("0.5") or a percentage ("50%").
std::optional<double> parse_share(std::string s) {
  bool percent = false;
  if (!s.empty() && s.back() == '%') {
    percent = true;
    s.pop_back();
  }
  auto v = parse_number(s);
  if (!v) return std::nullopt;
  if (percent) *v /= 100;
  if (*v < 0 || *v > 1) return std::nullopt;
  return v;
}

// "will add 12, change 3, remove 1 poles; ..." and the first numbers and ids of each list.
std::string describe_diff(const ImportDiff& diff) {
  std::string out = diff.summary() + "\n";
  auto list = [&](const char* what, std::size_t count, const std::vector<std::string>& ids) {
    if (ids.empty()) return;
    out += std::string("  ") + what + ":";
    for (const auto& id : ids) out += " " + id;
    if (count > ids.size()) out += " … (" + std::to_string(count - ids.size()) + " more)";
    out += "\n";
  };
  list("removed poles", diff.poles.removed, diff.poles.removed_ids);
  list("changed poles", diff.poles.changed, diff.poles.changed_ids);
  list("added poles", diff.poles.added, diff.poles.added_ids);
  list("removed grids", diff.grids.removed, diff.grids.removed_ids);
  list("changed grids", diff.grids.changed, diff.grids.changed_ids);
  list("added grids", diff.grids.added, diff.grids.added_ids);
  return out;
}

// The rejects file is opened before anything is stored, so that an unwritable
// path fails the import instead of losing the rejects after a "successful" one.
class RejectsFile {
 public:
  Status open(const std::string& path) {
    path_ = path;
    std::error_code ec;
    existed_ = std::filesystem::exists(path, ec);
    file_ = std::fopen(path.c_str(), "a");  // "a": an existing file is not truncated until there is news
    if (!file_) {
      return {ErrorCode::io_error, "cannot write the rejects file " + path + ": " + std::strerror(errno) +
                                       "; nothing was imported"};
    }
    return Status::ok();
  }
  // Replaces the content with `rejects`; an empty list leaves no new file behind.
  Status write(const std::vector<InputError>& rejects, bool keep_empty) {
    std::fclose(file_);
    file_ = nullptr;
    if (rejects.empty() && !keep_empty && !existed_) {
      std::remove(path_.c_str());
      return Status::ok();
    }
    std::FILE* f = std::fopen(path_.c_str(), "w");
    if (!f) return {ErrorCode::io_error, "cannot write the rejects file " + path_ + ": " + std::strerror(errno)};
    for (const auto& e : rejects) {
      const std::string line = e.to_string() + '\n';
      std::fwrite(line.data(), 1, line.size(), f);
    }
    const bool ok = std::fflush(f) == 0 && !std::ferror(f);
    const int err = errno;
    if (std::fclose(f) != 0 || !ok) {
      return {ErrorCode::io_error, "cannot write the rejects file " + path_ + ": " + std::strerror(ok ? errno : err)};
    }
    return Status::ok();
  }
  // The import failed: remove the file if this command created it.
  void abandon() {
    if (!file_) return;
    std::fclose(file_);
    file_ = nullptr;
    if (!existed_) std::remove(path_.c_str());
  }
  ~RejectsFile() { abandon(); }
  const std::string& path() const { return path_; }
  bool is_open() const { return file_ != nullptr; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  bool existed_ = false;
};

int cmd_import(CliArgs& a) {
  auto poles = a.option("--poles"), grids = a.option("--grids"), aliases = a.option("--aliases");
  auto places = a.option("--places"), roads = a.option("--roads");
  auto crs = a.option("--crs"), rejects = a.option("--rejects");
  auto max_remove_share = a.option("--max-remove-share"), max_vertices = a.option("--max-vertices");
  auto max_depth = a.option("--max-property-depth"), max_attribute = a.option("--max-attribute-bytes");
  auto max_properties = a.option("--max-properties-bytes");
  auto poles_crs = a.option("--poles-crs"), grids_crs = a.option("--grids-crs"), columns = a.option("--columns");
  auto id_field = a.option("--id-field"), name_field = a.option("--name-field"), encoding = a.option("--encoding");
  auto layer = a.option("--layer"), poles_layer = a.option("--poles-layer");
  const bool repair = a.flag("--repair");
  const bool allow_overlap = a.flag("--allow-overlap");
  const bool skip = a.flag("--skip-invalid");
  const bool replace = a.flag("--replace");
  const bool merge = a.flag("--merge");
  const bool dry_run = a.flag("--dry-run");
  // A dry run only reads: it works while a server holds the database, and never creates one.
  auto service = open_db(a, !dry_run);
  if (auto bad = check_rest(a, 0, 0, "no positional arguments")) return *bad;
  if (!poles || !grids) return usage_error("import needs --poles F and --grids F");
  if (!service) return fail(service.status(), false, "import");
  ImportOptions options;
  if (crs) options.crs = *crs;
  options.poles_crs = poles_crs.value_or("");
  options.grids_crs = grids_crs.value_or("");
  options.columns = columns.value_or("");
  options.id_field = id_field.value_or("");
  options.name_field = name_field.value_or("");
  options.encoding = encoding.value_or("");
  options.grids_layer = layer.value_or("");
  options.poles_layer = poles_layer.value_or("");
  options.repair = repair;
  options.allow_overlap = allow_overlap;
  options.skip_invalid = skip;
  options.replace = replace;
  options.merge = merge;
  options.dry_run = dry_run;
  if (replace && merge) return usage_error("--replace and --merge contradict each other: a merge removes nothing");
  if (max_remove_share) {
    auto share = parse_share(*max_remove_share);
    if (!share) return usage_error("--max-remove-share must be a share 0..1 or a percentage, e.g. 0.1 or 10%");
    options.max_remove_share = *share;
  }
  for (auto [value, target, name] : {std::tuple{&max_vertices, &options.max_grid_vertices, "--max-vertices"},
                                     std::tuple{&max_depth, &options.max_property_depth, "--max-property-depth"},
                                     std::tuple{&max_attribute, &options.max_attribute_bytes, "--max-attribute-bytes"},
                                     std::tuple{&max_properties, &options.max_properties_bytes,
                                                "--max-properties-bytes"}}) {
    if (!*value) continue;
    auto n = parse_count(**value);
    if (!n || *n == 0) return usage_error(std::string(name) + " must be a whole number above 0");
    *target = *n;
  }
  if (!service) return fail(service.status());
  RejectsFile rejects_file;
  if ((rejects || skip) && !dry_run) {
    if (auto st = rejects_file.open(rejects.value_or((*service)->path() + ".rejects.txt")); !st) return fail(st);
  }
  const auto start = std::chrono::steady_clock::now();
  auto last = start;
  bool printed = false;
  options.progress = [&](const ImportProgress& p) {
    const auto now = std::chrono::steady_clock::now();
    if (now - start < std::chrono::seconds(1) || now - last < std::chrono::milliseconds(250)) return;
    last = now;
    printed = true;
    std::cerr << "\rimport: " << p.stage;
    if (p.done) std::cerr << " " << p.done;
    std::cerr << "          " << std::flush;
  };
  // On a database that holds data, say what the import will do before it is stored.
  const auto stats = (*service)->snapshot()->stats();
  const bool had_data = stats.poles > 0 || stats.grids > 0;
  options.on_diff = [&](const ImportDiff& diff) {
    if (!had_data && !dry_run) return;
    if (printed) std::cerr << '\n';
    printed = false;
    std::cout << describe_diff(diff) << std::flush;
  };
  auto report =
      (*service)->import({*poles, *grids, aliases.value_or(""), places.value_or(""), roads.value_or("")}, options);
  if (printed) std::cerr << '\n';
  if (!report) {
    if (dry_run && report.status().code() == ErrorCode::invalid_input) {
      std::cerr << "poleloc: dry run: the import would be refused; nothing was stored\n";
    }
    return fail(report.status(), false, "import");
  }
  if (dry_run) {
    std::cout << "dry run: nothing was stored (" << report->poles << " poles, " << report->grids
              << " grids after the import)\n";
    return 0;
  }
  for (const std::string& r : report->repairs) std::cout << "repaired " << r << '\n';
  for (const std::string& o : report->overlaps) std::cout << "overlap allowed: " << o << '\n';
  std::cout << "imported " << report->poles << " poles, " << report->grids << " grids, " << report->aliases
            << " aliases" << (report->places ? ", " + std::to_string(report->places) + " places" : std::string())
            << (report->roads ? ", " + std::to_string(report->roads) + " roads" : std::string())
            << " into " << (*service)->path();
  if (report->removed_poles || report->removed_grids) {
    std::cout << " (removed " << report->removed_poles << " poles, " << report->removed_grids << " grids)";
  }
  if (report->changed_records == 0) std::cout << " (unchanged: the database already held exactly this)";
  std::cout << '\n';
  if (rejects_file.is_open()) {
    // The data is stored by now; a failure here still exits non-zero so that nobody trusts a missing list.
    if (auto st = rejects_file.write(report->rejects, rejects.has_value()); !st) return fail(st);
    if (!report->rejects.empty()) {
      std::cerr << "poleloc: skipped " << report->rejects.size() << " invalid rows or features; reasons in "
                << rejects_file.path() << '\n';
    }
  }
  return 0;
}

int cmd_locate(CliArgs& a) {
  const bool as_json = a.flag("--json");
  auto as_of = a.option("--as-of");
  double within = 0;
  if (auto bad = boundary_option(a, within)) return *bad;
  auto service = open_db(a, false);
  if (auto bad = check_rest(a, 1, 1, "one NUMBER")) return *bad;
  if (!service) return fail(service.status(), as_json);
  const std::string number = a.positionals()[0];
  auto as_of_snap = query_snapshot(**service, as_of);
  if (!as_of_snap) return fail(as_of_snap.status(), as_json);
  auto snap = *as_of_snap;
  auto pole = snap->locate(number);
  if (!pole) {
    std::string msg = "no pole with number '" + number + "'";
    json::Json suggestions = json::Json::array();
    if (auto c = snap->resolve(number, {.limit = 3}); c && !c->empty()) {
      msg += "; did you mean";
      for (const auto& cand : *c) {
        msg += " " + std::string(cand.pole.number());
        suggestions.push_back(cand.pole.number());
      }
    }
    if (as_json) {
      auto j = json::error(ErrorCode::not_found, msg);
      j["suggestions"] = suggestions;
      std::cerr << j.dump() << '\n';
      return kExitNotFound;
    }
    return fail({ErrorCode::not_found, msg});
  }
  if (as_json) {
    print_json(json::pole(*pole, {snap.get(), within}));
  } else {
    std::cout << describe_pole(*pole) << where_line(*pole) << boundary_line(snap->boundary(*pole, within)) << '\n';
  }
  return 0;
}

std::optional<LonLat> parse_lonlat(const std::string& lon, const std::string& lat) {
  auto x = parse_number(lon), y = parse_number(lat);
  if (!x || !y || !is_valid_lonlat({*x, *y})) return std::nullopt;
  return LonLat{*x, *y};
}

int cmd_resolve(CliArgs& a) {
  const bool as_json = a.flag("--json");
  auto near = a.option("--near");
  auto accuracy = a.option("--near-accuracy");
  auto crs = a.option("--near-crs");
  auto limit = a.option("--limit");
  auto as_of = a.option("--as-of");
  double within = 0;
  if (auto bad = boundary_option(a, within)) return *bad;
  auto service = open_db(a, false);
  if (!a.missing_value().empty()) return usage_error(a.missing_value() + " needs a value");
  if (auto u = a.unknown()) return usage_error("unknown option " + *u);
  const auto rest = a.positionals();
  if (rest.empty()) return usage_error("expected the TEXT that was heard");
  std::string text;
  for (const auto& r : rest) text += (text.empty() ? "" : " ") + r;
  ResolveOptions options;
  if (near) {
    const auto comma = near->find(',');
    auto p = comma == std::string::npos ? std::nullopt : parse_lonlat(near->substr(0, comma), near->substr(comma + 1));
    if (!p) return usage_error("--near must be LON,LAT in degrees, e.g. 116.47,39.92");
    options.near = *p;
  }
  if (accuracy) {
    char* end = nullptr;
    const double m = std::strtod(accuracy->c_str(), &end);
    if (end == accuracy->c_str() || *end != '\0') return usage_error("--near-accuracy must be metres, e.g. 10");
    options.near_accuracy_m = m;
  }
  if (crs) {
    auto c = parse_location_crs(*crs);
    if (!c) return usage_error("--near-crs must be wgs84, gcj02 or bd09");
    options.near_crs = *c;
  }
  if (limit) {
    auto n = parse_count(*limit);
    if (!n) return usage_error("--limit must be a whole number");
    options.limit = *n;
  }
  if (!service) return fail(service.status(), as_json);
  auto as_of_snap = query_snapshot(**service, as_of);
  if (!as_of_snap) return fail(as_of_snap.status(), as_json);
  const auto& snap = *as_of_snap;
  auto hits = snap->resolve(text, options);
  if (!hits) return fail(hits.status(), as_json);
  if (as_json) {
    print_json(json::candidates(text, *hits, {snap.get(), within}));
    return 0;
  }
  if (hits->empty()) {
    std::cerr << "poleloc: no pole matches '" << text << "'\n";
    return kExitNotFound;
  }
  for (const auto& c : *hits) {
    char score[16];
    std::snprintf(score, sizeof score, "%.2f", c.score);
    std::cout << score << "  " << match_kind_name(c.match) << "  " << describe_pole(c.pole) << '\n'
              << "      " << c.reason << "  |  read back: " << c.read_back;
    if (c.distance_m) std::cout << "  |  " << std::lround(*c.distance_m) << " m" << (c.far_from_caller ? " FAR" : "");
    std::cout << where_line(c.pole) << boundary_line(snap->boundary(c.pole, within)) << '\n';
  }
  return 0;
}

int cmd_grid_at(CliArgs& a) {
  const bool as_json = a.flag("--json");
  auto as_of = a.option("--as-of");
  double within = 0;
  if (auto bad = boundary_option(a, within)) return *bad;
  auto service = open_db(a, false);
  if (auto bad = check_rest(a, 2, 2, "LON LAT")) return *bad;
  const auto rest = a.positionals();
  auto p = parse_lonlat(rest[0], rest[1]);
  if (!p) return usage_error("LON LAT must be numbers: lon in [-180, 180], lat in [-90, 90]");
  if (!service) return fail(service.status(), as_json);
  auto as_of_snap = query_snapshot(**service, as_of);
  if (!as_of_snap) return fail(as_of_snap.status(), as_json);
  const auto& snap = *as_of_snap;
  auto g = snap->grid_at(*p);
  const auto boundary = snap->boundary(*p, within);
  if (!g) {
    // Outside every grid: the message says how far the nearest grid is (and names those within --boundary-m).
    std::string msg = "no grid contains " + rest[0] + " " + rest[1];
    if (as_json) {  // the HTTP 404's shape: the error with boundary_distance_m (and neighbour_grids)
      json::Json j = json::error(ErrorCode::not_found, msg);
      json::add_boundary(j, boundary);
      std::cerr << j.dump() << '\n';
      return kExitNotFound;
    }
    if (boundary) msg += ";" + boundary_line(boundary).substr(std::string_view("\n      boundary:").size());
    return fail({ErrorCode::not_found, msg});
  }
  if (as_json) {
    json::Json j = json::grid(*g);
    json::add_boundary(j, boundary);
    print_json(j);
  } else {
    std::cout << describe_grid(g) << boundary_line(boundary) << '\n';
  }
  return 0;
}

int cmd_nearest(CliArgs& a) {
  const bool as_json = a.flag("--json");
  auto k = a.option("-k");
  auto max_m = a.option("--max-m");
  auto as_of = a.option("--as-of");
  double within = 0;
  if (auto bad = boundary_option(a, within)) return *bad;
  auto service = open_db(a, false);
  if (auto bad = check_rest(a, 2, 2, "LON LAT")) return *bad;
  const auto rest = a.positionals();
  auto p = parse_lonlat(rest[0], rest[1]);
  if (!p) return usage_error("LON LAT must be numbers: lon in [-180, 180], lat in [-90, 90]");
  NearestOptions options;
  if (k) {
    auto n = parse_count(*k);
    if (!n) return usage_error("-k must be a whole number");
    options.k = *n;
  }
  if (max_m) {
    auto m = parse_number(*max_m);
    if (!m) return usage_error("--max-m must be a number of metres");
    options.max_m = *m;
  }
  if (!service) return fail(service.status(), as_json);
  auto as_of_snap = query_snapshot(**service, as_of);
  if (!as_of_snap) return fail(as_of_snap.status(), as_json);
  const auto& snap = *as_of_snap;
  auto hits = snap->nearest(*p, options);
  if (!hits) return fail(hits.status(), as_json);
  if (as_json) {
    print_json(json::nearby(*hits, {snap.get(), within}));
    return 0;
  }
  for (const auto& h : *hits) {
    char d[32];
    std::snprintf(d, sizeof d, "%8.1f m  ", h.distance_m);
    std::cout << d << describe_pole(h.pole) << where_line(h.pole) << boundary_line(snap->boundary(h.pole, within)) << '\n';
  }
  return 0;
}

// poleloc history [--db DIR] NUMBER | --grid ID [--json]: every stored version.
int cmd_history(CliArgs& a) {
  const bool as_json = a.flag("--json");
  auto grid = a.option("--grid");
  auto service = open_db(a, false);
  if (auto bad = check_rest(a, grid ? 0 : 1, grid ? 0 : 1, grid ? "no NUMBER with --grid ID" : "one NUMBER (or --grid ID)")) {
    return *bad;
  }
  if (!service) return fail(service.status(), as_json);
  auto versions = grid ? (*service)->grid_history(*grid) : (*service)->pole_history(a.positionals()[0]);
  if (!versions) return fail(versions.status(), as_json);
  if (as_json) {
    json::Json list = json::Json::array();
    for (const RecordVersion& v : *versions) list.push_back(json::record_version(v));
    print_json(json::Json{{"versions", std::move(list)}});
    return 0;
  }
  for (const RecordVersion& v : *versions) {
    const auto from = json::time(v.valid_from), to = json::time(v.valid_to);
    std::cout << "seq " << v.sequence << "  " << (from.is_null() ? "-" : from.get<std::string>()) << " .. "
              << (to.is_null() ? "now" : to.get<std::string>()) << "  " << (v.author.empty() ? "-" : v.author) << "  ";
    if (v.deleted) {
      std::cout << "deleted";
    } else if (v.pole) {
      std::cout << fixed7(v.pole->position.lon) << " " << fixed7(v.pole->position.lat);
      for (const auto& [k, val] : v.pole->attributes) std::cout << " " << k << "=" << val;
    } else if (v.grid) {
      std::cout << v.grid->name << " (" << v.grid->geometry.size() << " polygon" << (v.grid->geometry.size() == 1 ? "" : "s")
                << ")";
    }
    std::cout << '\n';
  }
  return 0;
}

int cmd_validate(CliArgs& a) {
  const bool as_json = a.flag("--json");
  auto geojson = a.option("--geojson");
  auto max_twins = a.option("--max-twins");
  auto twin_distance = a.option("--twin-distance");
  auto service = open_db(a, false);
  if (auto bad = check_rest(a, 0, 0, "no positional arguments")) return *bad;
  ValidateOptions options;
  if (max_twins) {
    auto n = parse_count(*max_twins);
    if (!n) return usage_error("--max-twins must be a whole number, e.g. 1000");
    options.max_twins = *n;
  }
  if (twin_distance) {
    auto m = parse_number(*twin_distance);
    if (!m || *m < 0) return usage_error("--twin-distance must be metres >= 0, e.g. 500");
    options.twin_distance_m = *m;
  }
  if (!service) return fail(service.status(), as_json);
  const ValidationReport report = validate(*(*service)->snapshot(), options);
  if (geojson) {
    std::ofstream out(*geojson);
    out << json::validation_geojson(report).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
    if (!out) {
      std::cerr << "poleloc: cannot write " << *geojson << ": " << std::strerror(errno) << '\n';
      return kExitError;
    }
  }
  if (as_json) {
    print_json(json::validation(report));
  } else {
    const std::size_t errors = report.errors(), warnings = report.issues.size() - errors;
    std::cout << report.poles << " poles, " << report.grids << " grids: " << errors << " errors, " << warnings
              << " warnings; " << report.poles_with_dangerous_twin << " poles have a dangerous twin ("
              << report.dangerous_twins << " pairs)\n";
    if (!report.issues.empty()) {
      std::printf("%-8s %-19s %-24s %-12s %s\n", "severity", "kind", "where (lon,lat)", "size", "what / what to do");
    }
    for (const auto& i : report.issues) {
      std::string where = i.location ? fixed7(i.location->lon) + "," + fixed7(i.location->lat) : "-";
      std::string size = "-";
      char buf[32];
      if (i.area_m2) std::snprintf(buf, sizeof buf, "%.1f m²", *i.area_m2), size = buf;
      else if (i.distance_m) std::snprintf(buf, sizeof buf, "%.0f m", *i.distance_m), size = buf;
      std::printf("%-8s %-19s %-24s %-12s %s%s%s\n", i.warning ? "warning" : "error", i.kind.c_str(), where.c_str(),
                  size.c_str(), i.message.c_str(), i.suggestion.empty() ? "" : " -> ", i.suggestion.c_str());
    }
    if (geojson) std::cout << "every issue as a feature: " << *geojson << '\n';
  }
  return report.ok() ? 0 : kExitInvalidInput;
}

int cmd_export(CliArgs& a) {
  auto poles = a.option("--poles"), grids = a.option("--grids"), aliases = a.option("--aliases");
  auto places = a.option("--places");
  auto with_history = a.option("--with-history");
  auto service = open_db(a, false);
  if (auto bad = check_rest(a, 0, 0, "no positional arguments")) return *bad;
  if (with_history) {
    // Every stored version as NDJSON (docs/history.md, "Dump and restore with history").
    if (poles || grids || aliases || places) return usage_error("--with-history FILE is used alone (no --poles/--grids)");
    if (!service) return fail(service.status());
    if (auto st = (*service)->export_history(*with_history); !st) return fail(st);
    return 0;
  }
  if (!poles || !grids) return usage_error("export needs --poles F and --grids F");
  if (!service) return fail(service.status());
  if (auto st = (*service)->export_to(*poles, *grids, aliases.value_or(""), places.value_or("")); !st) return fail(st);
  return 0;
}

// poleloc restore --db NEWDIR --history FILE: a dump of export --with-history into a new database;
// --from-backup DIR: a directory written by `poleloc backup`.
int cmd_restore(CliArgs& a) {
  auto db = a.option("--db"), history = a.option("--history"), backup = a.option("--from-backup");
  if (auto bad = check_rest(a, 0, 0, "no positional arguments")) return *bad;
  if (!db || (!history && !backup)) return usage_error("restore needs --db NEWDIR and --history FILE or --from-backup DIR");
  if (history && backup) return usage_error("--history and --from-backup contradict each other: give one");
  if (backup) {
    auto report = Service::restore_backup(*backup, *db);
    if (!report) return fail(report.status());
    std::cout << "restored " << *backup << " into " << report->path << " (sequence " << report->sequence << ")\n";
    return 0;
  }
  if (auto st = Service::restore_history(*db, *history); !st) return fail(st);
  return 0;
}

// poleloc backup --db DIR --out NEWDIR: a consistent copy while a server may run (docs/operations.md).
int cmd_backup(CliArgs& a) {
  const bool as_json = a.flag("--json");
  auto db = a.option("--db"), out = a.option("--out");
  if (auto bad = check_rest(a, 0, 0, "no positional arguments")) return *bad;
  if (!db || !out) return usage_error("backup needs --db DIR and --out NEWDIR");
  const auto start = std::chrono::steady_clock::now();
  auto report = Service::backup_database(*db, *out);
  if (!report) return fail(report.status(), as_json);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (as_json) {
    json::Json j;
    j["path"] = report->path;
    j["sequence"] = report->sequence;
    j["bytes"] = report->bytes;
    j["method"] = report->checkpoint ? "checkpoint" : "copy";
    j["seconds"] = std::round(seconds * 1000) / 1000;
    print_json(j);
  } else {
    std::cout << "backed up " << *db << " at sequence " << report->sequence << " to " << report->path << " ("
              << (report->checkpoint ? "checkpoint" : "copy from a read-only open: a server holds the database")
              << ", " << report->bytes << " bytes, " << fixed7(seconds).substr(0, fixed7(seconds).size() - 4)
              << " s)\n";
  }
  return 0;
}

// A span of time for retention flags: a whole number with a unit, "365d", "24h", "90s".
std::optional<std::chrono::seconds> parse_span(const std::string& s) {
  if (s.size() < 2) return std::nullopt;
  const char unit = s.back();
  auto n = parse_count(s.substr(0, s.size() - 1));
  if (!n) return std::nullopt;
  const auto count = static_cast<std::int64_t>(*n);
  switch (unit) {
    case 's': return std::chrono::seconds(count);
    case 'h': return std::chrono::seconds(count * 3600);
    case 'd': return std::chrono::seconds(count * 86400);
    default: return std::nullopt;
  }
}

std::string compact_summary(const CompactReport& r) {
  return std::to_string(r.versions_removed) + " old versions removed (" + std::to_string(r.records_removed) +
         " deleted records gone entirely), " + std::to_string(r.versions_kept) + " kept; " +
         std::to_string(r.bytes_before) + " -> " + std::to_string(r.bytes_after) + " bytes on disk";
}

int cmd_compact(CliArgs& a) {
  const bool as_json = a.flag("--json");
  auto keep_text = a.option("--keep-history");
  auto db = a.option("--db");
  if (auto bad = check_rest(a, 0, 0, "no positional arguments")) return *bad;
  if (!db) return usage_error("--db DIR is required");
  if (!keep_text) return usage_error("compact needs --keep-history SPAN (e.g. 365d, 24h, 0s)");
  auto keep = parse_span(*keep_text);
  if (!keep) return usage_error("--keep-history must be a whole number with a unit s, h or d (e.g. 365d), got '" +
                                *keep_text + "'");
  auto service = Service::open(*db, {.read_only = false, .create_if_missing = false});
  if (!service) return fail(service.status(), as_json);
  auto report = (*service)->compact_history(*keep);
  if (!report) return fail(report.status(), as_json);
  if (as_json) {
    json::Json j;
    j["versions_removed"] = report->versions_removed;
    j["records_removed"] = report->records_removed;
    j["versions_kept"] = report->versions_kept;
    j["bytes_before"] = report->bytes_before;
    j["bytes_after"] = report->bytes_after;
    print_json(j);
  } else {
    std::cout << compact_summary(*report) << '\n';
  }
  return 0;
}

int cmd_synth(CliArgs& a) {
  auto grids = a.option("--grids"), poles = a.option("--poles"), seed = a.option("--seed"), out = a.option("--out");
  const bool community_names = a.flag("--community-names");
  auto area_codes = a.option("--area-codes"), serial_width = a.option("--serial-width"), serial_gap = a.option("--serial-gap");
  auto clusters = a.option("--clusters"), vertices = a.option("--vertices-per-grid");
  auto query_points = a.option("--query-points"), outside = a.option("--outside");
  if (auto bad = check_rest(a, 0, 0, "no positional arguments")) return *bad;
  if (!grids || !poles || !out) return usage_error("synth needs --grids N --poles M --out DIR");
  synth::CityOptions options;
  auto g = parse_count(*grids), p = parse_count(*poles);
  if (!g || !p || *g == 0) return usage_error("--grids and --poles must be whole numbers (grids > 0)");
  options.grids = *g;
  options.poles = *p;
  if (seed) {
    auto s = parse_count(*seed);
    if (!s) return usage_error("--seed must be a whole number");
    options.seed = *s;
  }
  options.community_names = community_names;
  for (auto [text, field, name] : {std::tuple{&area_codes, &options.area_codes, "--area-codes"},
                                   std::tuple{&serial_width, &options.serial_width, "--serial-width"},
                                   std::tuple{&serial_gap, &options.serial_gap, "--serial-gap"},
                                   std::tuple{&clusters, &options.clusters, "--clusters"},
                                   std::tuple{&vertices, &options.vertices_per_grid, "--vertices-per-grid"}}) {
    if (!*text) continue;
    auto v = parse_count(**text);
    if (!v || *v > 1000000) return usage_error(std::string(name) + " must be a whole number up to 1000000");
    *field = static_cast<std::size_t>(*v);
  }
  if (options.serial_width > 12) return usage_error("--serial-width must be at most 12");
  if (options.clusters > 100000) return usage_error("--clusters must be at most 100000");
  if (options.grids * options.vertices_per_grid > 100000000) {
    return usage_error("--grids times --vertices-per-grid must be at most 100000000");
  }
  std::size_t n_queries = 0;
  double outside_share = 0;
  if (query_points) {
    auto v = parse_count(*query_points);
    if (!v || *v > 100000000) return usage_error("--query-points must be a whole number up to 100000000");
    n_queries = static_cast<std::size_t>(*v);
  }
  if (outside) {
    auto v = parse_share(*outside);
    if (!v) return usage_error("--outside must be a share in [0, 1] (0.02) or a percentage (2%)");
    if (!query_points) return usage_error("--outside needs --query-points N");
    outside_share = *v;
  }
  if (auto st = synth::write_city(options, *out); !st) return fail(st);
  if (query_points) {
    // Query points over the grids' box, a share `outside_share` beyond it (synth::random_points).
    const std::vector<LonLat> pts =
        synth::random_points(synth::make_city(options), n_queries, options.seed + 1000, outside_share);
    const std::string path = *out + "/queries.csv";
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    char buf[64];
    f << "lon,lat\n";
    for (const LonLat& p : pts) {
      std::snprintf(buf, sizeof buf, "%.7f,%.7f\n", p.lon, p.lat);
      f << buf;
    }
    f.flush();
    if (!f) return fail(Status{ErrorCode::io_error, path + ": write failed"});
  }
  std::cout << "wrote " << *out << "/poles.csv, grids.geojson, aliases.csv" << (community_names ? ", places.csv" : "")
            << (query_points ? ", queries.csv" : "") << "\n";
  return 0;
}

const char* kServeUsage = R"(usage: poleloc serve --db DIR [options]

Serves the HTTP API (v1) and the dispatcher console. See SECURITY.md.

  --listen HOST:PORT        where to listen (default 127.0.0.1:8080; port 0 picks a free one)
  --token-file F            NAME:TOKEN lines (or TOKEN, named "default"), one per writer;
                            tokens of 16+ characters; the file must not be group/other
                            readable (chmod 600). Without it every write is refused (403).
  --threads N               I/O threads (default 2)
  --allowed-hosts H1,H2     Host header values answered besides the listen host,
                            localhost, 127.0.0.1 and [::1] ("name" or "name:port";
                            "*" for any). Others get 421 host_not_allowed.
  --max-connections N       concurrent connections (default min(1024, descriptor limit
                            less a reserve)); beyond: 503 overloaded with Retry-After
  --max-buffered-bytes N    request body bytes held at once, all connections
                            (default 67108864 = 64 MiB); beyond: 503 with Retry-After
  --max-body-bytes N        one request body (default 8388608 = 8 MiB); beyond: 413
  --max-pending-writes N    writes waiting for the writer (default 64); beyond: 503
  --write-deadline S        a write that waited longer than S seconds before it could
                            start is not applied and gets 503 (default 10)
  --idle-timeout S          a connection idle or sending its headers this long is
                            closed (default 30; 5 when near --max-connections)
  --tiles URL_TEMPLATE      the console's base map: a raster tile server, e.g.
                            https://tiles.example.org/{z}/{x}/{y}.png ({s}. for a/b/c
                            subdomains); the page may load images from that origin
                            only. Without it the console draws grids and poles on a
                            plain background (offline). See docs/console.md.
  --tiles-crs wgs84|gcj02   the datum the tiles are drawn in (default wgs84; gcj02 for
                            高德/腾讯-style tiles: the console shifts its data to match)
  --tiles-attribution TEXT  plain text shown in the map corner (the tiles' licence)
  --boundary-m M            answers name other grids whose edge is within M metres of a
                            pole or point (default 15, 0..1000): the default of the
                            boundary_m query parameter (docs/boundary.md)
  --log-queries             also log caller speech and locations (q, near, lon, lat,
                            looked-up pole numbers): personal data, off by default
  --no-access-log           no access log lines on stderr
  --keep-history SPAN       history retention: every --compact-every, delete stored
                            versions replaced or deleted more than SPAN ago and compact
                            the database (units s, h, d: 365d); needs --token-file
  --import-dir DIR          allow POST /v1/import (token needed) to re-import the database
                            from files inside DIR (names relative to DIR; nothing outside
                            it is read); without it POST /v1/import is refused (403)
  --follow URL              run as a read replica of the poleloc server at URL
                            (http://HOST:PORT): copy its database when --db is empty,
                            then follow its change feed; writes get 409
                            read_only_replica. See docs/replicas.md.
  --backup-dir DIR          allow POST /v1/backup (token needed): a consistent backup
                            (RocksDB checkpoint) of the database into DIR/NAME while
                            writes go on (docs/operations.md); without it: 403
  --compact-every SPAN      how often (default 24h when --keep-history is given); the
                            first run is one SPAN after the start; writes wait meanwhile
  --config F                read options from F: `key = value` lines, keys the options
                            above without "--" (db = /var/lib/poleloc/db; a flag is
                            `log-queries = true`); options on the command line win.
                            See docs/operations.md. The Debian package's file is
                            /etc/poleloc/poleloc.conf
)";

#ifdef POLELOC_WITH_HTTP
// Runs Service::compact_history every `every` until stopped; logs each run as an event line.
class PeriodicCompaction {
 public:
  PeriodicCompaction(Service& service, std::chrono::seconds every, std::chrono::seconds keep)
      : thread_([this, &service, every, keep] {
          std::unique_lock lock(mutex_);
          while (!wake_.wait_for(lock, every, [this] { return stop_; })) {
            lock.unlock();
            auto report = service.compact_history(keep);
            http::write_log_event("compact", report ? compact_summary(*report)
                                                    : "history compaction failed: " + report.status().message());
            lock.lock();
          }
        }) {}
  ~PeriodicCompaction() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;  // last: starts after the members it uses
};
#endif

int cmd_serve(CliArgs& a) {
#ifdef POLELOC_WITH_HTTP
  if (a.flag("--help") || a.flag("-h")) {
    std::cout << kServeUsage;
    return 0;
  }
  http::ServerOptions options;
  if (auto listen = a.option("--listen")) options.listen = *listen;
  if (auto token = a.option("--token-file")) options.token_file = *token;
  if (auto threads = a.option("--threads")) {
    auto n = parse_count(*threads);
    if (!n || *n == 0 || *n > 256) return usage_error("--threads must be 1..256");
    options.threads = static_cast<unsigned>(*n);
  }
  if (auto hosts = a.option("--allowed-hosts")) {
    if (hosts->empty()) return usage_error("--allowed-hosts needs a comma-separated list of host names");
    options.allowed_hosts = *hosts;
  }
  // Whole numbers of at least `min` (parse_count takes up to 9 digits; bytes may need more).
  const auto count = [&](const char* name, std::size_t min, std::size_t& out) -> std::optional<int> {
    auto text = a.option(name);
    if (!text) return std::nullopt;
    std::size_t v = 0;
    const bool digits = !text->empty() && text->size() <= 15 && text->find_first_not_of("0123456789") == std::string::npos;
    if (digits) v = static_cast<std::size_t>(std::stoull(*text));
    if (!digits || v < min) {
      return usage_error(std::string(name) + " must be a whole number of at least " + std::to_string(min) + ", got '" +
                         *text + "'");
    }
    out = v;
    return std::nullopt;
  };
  std::size_t write_deadline = options.write_deadline_s, idle_timeout = options.idle_timeout_s;
  for (auto [name, min, target] : {std::tuple{"--max-connections", std::size_t{1}, &options.max_connections},
                                   {"--max-buffered-bytes", std::size_t{1024}, &options.max_buffered_bytes},
                                   {"--max-body-bytes", std::size_t{1024}, &options.max_body_bytes},
                                   {"--max-pending-writes", std::size_t{1}, &options.max_pending_writes},
                                   {"--write-deadline", std::size_t{1}, &write_deadline},
                                   {"--idle-timeout", std::size_t{1}, &idle_timeout}}) {
    if (auto bad = count(name, min, *target)) return *bad;
  }
  options.write_deadline_s = static_cast<unsigned>(std::min<std::size_t>(write_deadline, 86400));
  options.idle_timeout_s = static_cast<unsigned>(std::min<std::size_t>(idle_timeout, 86400));
  if (auto tiles = a.option("--tiles")) {
    if (tiles->empty()) return usage_error("--tiles needs a URL template with {z}, {x} and {y}");
    options.tiles = *tiles;
  }
  auto tiles_crs = a.option("--tiles-crs"), tiles_attribution = a.option("--tiles-attribution");
  if ((tiles_crs || tiles_attribution) && options.tiles.empty()) {
    return usage_error("--tiles-crs and --tiles-attribution need --tiles URL_TEMPLATE");
  }
  if (tiles_crs) {
    if (*tiles_crs != "wgs84" && *tiles_crs != "gcj02") return usage_error("--tiles-crs must be wgs84 or gcj02");
    options.tiles_crs = *tiles_crs;
  }
  if (tiles_attribution) options.tiles_attribution = *tiles_attribution;
  options.log_queries = a.flag("--log-queries");
  if (auto bad = boundary_option(a, options.boundary_m)) return *bad;
  if (auto dir = a.option("--import-dir")) {
    std::error_code ec;
    if (dir->empty() || !std::filesystem::is_directory(*dir, ec)) {
      return usage_error("--import-dir must name an existing directory, got '" + *dir + "'");
    }
    options.import_dir = *dir;
  }
  if (auto dir = a.option("--backup-dir")) {
    std::error_code ec;
    if (dir->empty() || !std::filesystem::is_directory(*dir, ec)) {
      return usage_error("--backup-dir must name an existing directory, got '" + *dir + "'");
    }
    options.backup_dir = *dir;
  }
  if (a.flag("--no-access-log")) options.access_log = false;
  std::optional<std::chrono::seconds> keep_history, compact_every;
  if (auto text = a.option("--keep-history")) {
    keep_history = parse_span(*text);
    if (!keep_history) return usage_error("--keep-history must be a whole number with a unit s, h or d (e.g. 365d)");
  }
  if (auto text = a.option("--compact-every")) {
    compact_every = parse_span(*text);
    if (!compact_every || compact_every->count() == 0) {
      return usage_error("--compact-every must be a positive whole number with a unit s, h or d (e.g. 24h)");
    }
    if (!keep_history) return usage_error("--compact-every needs --keep-history SPAN (how much history to keep)");
  }
  if (keep_history && options.token_file.empty()) {
    return usage_error("--keep-history needs --token-file: a server without one opens the database read-only");
  }
  std::optional<http::PrimaryUrl> primary;
  if (auto follow = a.option("--follow")) {
    auto url = http::parse_primary_url(*follow);
    if (!url) return usage_error(url.status().message());
    if (!options.token_file.empty() || keep_history || !options.import_dir.empty()) {
      return usage_error("--follow takes no --token-file, --keep-history or --import-dir: a read replica "
                         "writes only what its primary sends");
    }
    primary = std::move(*url);
  }
  auto db = a.option("--db");
  if (auto bad = check_rest(a, 0, 0, "no positional arguments")) return *bad;
  if (!db) return usage_error("--db DIR is required");
  // A read replica starting from nothing copies the primary's database first
  // (GET /v1/snapshot); one that has a database resumes from its sequence.
  http::ReplicaStatus replica_status;
  if (primary) {
    replica_status.primary = primary->text;
    options.replica = &replica_status;
    std::error_code ec;
    if (!std::filesystem::exists(*db, ec) || std::filesystem::is_empty(*db, ec)) {
      if (auto st = http::clone_from_primary(*primary, *db, replica_status); !st) return fail(st);
    }
  }
  // The server writes only when a token file is configured (or it is a replica,
  // which writes what its primary sends); otherwise it opens read-only.
  // On a full disk it still serves: read-only until a write finds space again.
  auto service = Service::open(*db, {.read_only = options.token_file.empty() && !primary,
                                     .create_if_missing = false,
                                     .read_only_on_storage_failure = true});
  if (!service) return fail(service.status());
  std::optional<http::ReplicaFollower> replica;
  if (primary) replica.emplace(**service, *primary, replica_status);
  // Without a token the server only reads; it follows the database, so that an
  // import (or writes by another process) shows as soon as it is stored: it
  // looks when a file in the database changes, and at least once a second.
  std::jthread follower;
  if ((*service)->read_only()) {
    follower = std::jthread([&svc = **service, dir = *db](std::stop_token stop) {
      cli::DirectoryWatch watch(dir);
      while (!stop.stop_requested()) {
        bool written = false;
        for (int i = 0; i < 10 && !written && !stop.stop_requested(); ++i) {
          written = watch.wait(std::chrono::milliseconds(100));
        }
        if (stop.stop_requested()) break;
        if (written) {  // a writer writes a few files in a row: let it finish them
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          watch.wait(std::chrono::milliseconds(0));
        }
        auto changed = svc.refresh();
        if (!changed) {
          std::fprintf(stderr, "{\"event\":\"follow_failed\",\"message\":\"%s\"}\n",
                       std::string(describe(changed.status().code()).summary).c_str());
        } else if (*changed) {
          std::fprintf(stderr, "{\"event\":\"reloaded\",\"sequence\":%llu}\n",
                       static_cast<unsigned long long>(svc.snapshot()->sequence()));
        }
      }
    });
  }
  std::optional<PeriodicCompaction> compaction;
  if (keep_history) compaction.emplace(**service, compact_every.value_or(std::chrono::hours(24)), *keep_history);
  const int rc = http::serve(**service, options);
  compaction.reset();  // waits for a run in progress
  replica.reset();     // ends a long-poll to the primary at once
  follower.request_stop();
  return rc;
#else
  (void)a;
  return fail({ErrorCode::internal, "this poleloc was built without the HTTP server (POLELOC_BUILD_HTTP=OFF)"});
#endif
}

// `poleloc COMMAND --help`: the command's lines of kUsage (the usage line and its
// continuation lines), then the notes at the end of kUsage. nullopt: no such command.
std::optional<std::string> command_help(const std::string& command) {
  std::string lines;
  bool in_entry = false;
  std::size_t pos = 0;
  const std::string usage = kUsage;
  while (pos < usage.size()) {
    const auto end = usage.find('\n', pos);
    const std::string line = usage.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? usage.size() : end + 1;
    if (line.rfind("  poleloc ", 0) == 0) {
      const std::string rest = line.substr(10);
      in_entry = rest.rfind(command + " ", 0) == 0;
    } else if (line.rfind("     ", 0) != 0) {
      in_entry = false;
    }
    if (in_entry) lines += line + "\n";
  }
  if (lines.empty()) return std::nullopt;
  return "usage:\n" + lines + "\n" + usage.substr(usage.find("Coordinates are"));
}

}  // namespace
}  // namespace poleloc::cli

int main(int argc, char** argv) {
  using namespace poleloc::cli;
  exec_with_malloc_huge_pages(argv);  // once, before anything is allocated: malloc_huge_pages.hpp
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" || std::string(argv[1]) == "help") {
    std::cout << kUsage;
    return argc < 2 ? kExitUsage : 0;
  }
  const std::string command = argv[1];
  if (command == "--version" || command == "-V" || command == "version") {
    std::cout << "poleloc " << POLELOC_VERSION_STRING << '\n';
    return 0;
  }
  std::vector<std::string> rest(argv + 2, argv + argc);
  const bool wants_help = std::any_of(rest.begin(), rest.end(), [](const std::string& s) { return s == "--help" || s == "-h"; });
  if (wants_help && command != "serve") {
    auto help = command_help(command);
    if (!help) return usage_error("unknown command '" + command + "'");
    std::cout << *help;
    return 0;
  }
  if (command == "serve" && !wants_help) {
    // --config F: the file's options go after the command line's, so the command line wins.
    CliArgs peek(rest);
    auto config = peek.option("--config");
    if (!peek.missing_value().empty()) return usage_error("--config needs a file");
    if (config) {
      auto extra = read_config_file(*config);
      if (!extra) return fail(extra.status());
      std::vector<std::string> command_line;
      for (std::size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] == "--config") {
          ++i;
          continue;
        }
        if (rest[i].rfind("--config=", 0) != 0) command_line.push_back(rest[i]);
      }
      auto merged = with_config(command_line, *extra);
      rest = std::move(merged);
    }
  }
  CliArgs args(rest);
  try {
    if (command == "import") return cmd_import(args);
    if (command == "serve") return cmd_serve(args);
    if (command == "locate") return cmd_locate(args);
    if (command == "resolve") return cmd_resolve(args);
    if (command == "grid-at") return cmd_grid_at(args);
    if (command == "nearest") return cmd_nearest(args);
    if (command == "validate") return cmd_validate(args);
    if (command == "history") return cmd_history(args);
    if (command == "export") return cmd_export(args);
    if (command == "restore") return cmd_restore(args);
    if (command == "backup") return cmd_backup(args);
    if (command == "synth") return cmd_synth(args);
    if (command == "compact") return cmd_compact(args);
  } catch (const std::exception& e) {
    std::cerr << "poleloc: internal error: " << e.what() << '\n';
    return kExitError;
  }
  return usage_error("unknown command '" + command + "'");
}
