// poleloc: the command line face. Every command opens the database, calls the
// facade, and prints either text for people or (--json) the HTTP answer's shape.
#include "cli_args.hpp"
#include "json_shapes.hpp"
#include "synthetic_city.hpp"

#include <poleloc/poleloc.hpp>

#ifdef POLELOC_WITH_HTTP
#include "http_server.hpp"
#endif

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

namespace poleloc::cli {
namespace {

constexpr int kExitNotFound = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInvalidInput = 3;
constexpr int kExitError = 4;

const char* kUsage = R"(poleloc: pole numbers -> locations and grids

usage:
  poleloc import   --db DIR --poles F --grids F [--aliases F] [--crs CRS] [--skip-invalid] [--rejects F]
  poleloc serve    --db DIR [--listen 127.0.0.1:8080] [--token-file F] [--threads N]
  poleloc locate   --db DIR NUMBER [--json]
  poleloc resolve  --db DIR [--near LON,LAT] [--limit N] [--json] TEXT
  poleloc grid-at  --db DIR LON LAT [--json]
  poleloc nearest  --db DIR LON LAT [-k N] [--max-m M] [--json]
  poleloc validate --db DIR [--json]
  poleloc export   --db DIR --poles F --grids F [--aliases F]
  poleloc synth    --grids N --poles M [--seed S] --out DIR

Coordinates are lon lat in degrees, WGS84. Errors go to stderr; exit status
1 not found, 2 usage or bad argument, 3 invalid input file, 4 other errors.
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
    case ErrorCode::invalid_argument: return kExitUsage;
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

std::string describe_grid(const std::optional<GridView>& g) {
  if (!g) return "no grid";
  std::string s = "grid " + std::string(g->id());
  if (!g->name().empty()) s += " " + std::string(g->name());
  for (const char* key : {"manager", "phone"}) {
    if (auto v = find_attribute(g->attributes(), key)) s += "  " + std::string(key) + " " + *v;
  }
  return s;
}

std::string describe_pole(const PoleView& p) {
  const LonLat pos = p.position();
  return std::string(p.number()) + "  " + fixed7(pos.lon) + " " + fixed7(pos.lat) + "  " + describe_grid(p.grid());
}

// Opens the database; read-only unless `write`, so queries work while a server runs.
Result<std::unique_ptr<Service>> open_db(CliArgs& a, bool write) {
  auto db = a.option("--db");
  if (!db) return Status(ErrorCode::invalid_argument, "--db DIR is required");
  return Service::open(*db, {.read_only = !write, .create_if_missing = write});
}

// Rejects leftover options and wrong positional counts in one place.
std::optional<int> check_rest(const CliArgs& a, std::size_t want_min, std::size_t want_max, const char* what) {
  if (!a.missing_value().empty()) return usage_error(a.missing_value() + " needs a value");
  if (auto u = a.unknown()) return usage_error("unknown option " + *u);
  const auto n = a.positionals().size();
  if (n < want_min || n > want_max) return usage_error(std::string("expected ") + what);
  return std::nullopt;
}

int cmd_import(CliArgs& a) {
  auto poles = a.option("--poles"), grids = a.option("--grids"), aliases = a.option("--aliases");
  auto crs = a.option("--crs"), rejects = a.option("--rejects");
  const bool skip = a.flag("--skip-invalid");
  auto service = open_db(a, true);
  if (auto bad = check_rest(a, 0, 0, "no positional arguments")) return *bad;
  if (!poles || !grids) return usage_error("import needs --poles F and --grids F");
  if (!service) return fail(service.status(), false, "import");
  ImportOptions options;
  if (crs) options.crs = *crs;
  options.skip_invalid = skip;
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
  auto report = (*service)->import({*poles, *grids, aliases.value_or("")}, options);
  if (printed) std::cerr << '\n';
  if (!report) return fail(report.status(), false, "import");
  std::cout << "imported " << report->poles << " poles, " << report->grids << " grids, " << report->aliases
            << " aliases into " << (*service)->path();
  if (report->removed_poles || report->removed_grids) {
    std::cout << " (removed " << report->removed_poles << " poles, " << report->removed_grids << " grids)";
  }
  std::cout << '\n';
  if (!report->rejects.empty()) {
    const std::string path = rejects.value_or((*service)->path() + ".rejects.txt");
    std::ofstream out(path);
    for (const auto& e : report->rejects) out << e.to_string() << '\n';
    std::cerr << "poleloc: skipped " << report->rejects.size() << " invalid rows or features; reasons in " << path
              << '\n';
  }
  return 0;
}

int cmd_locate(CliArgs& a) {
  const bool as_json = a.flag("--json");
  auto service = open_db(a, false);
  if (auto bad = check_rest(a, 1, 1, "one NUMBER")) return *bad;
  if (!service) return fail(service.status(), as_json);
  const std::string number = a.positionals()[0];
  auto snap = (*service)->snapshot();
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
    print_json(json::pole(*pole));
  } else {
    std::cout << describe_pole(*pole) << '\n';
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
  auto limit = a.option("--limit");
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
  if (limit) {
    auto n = parse_count(*limit);
    if (!n) return usage_error("--limit must be a whole number");
    options.limit = *n;
  }
  if (!service) return fail(service.status(), as_json);
  auto hits = (*service)->snapshot()->resolve(text, options);
  if (!hits) return fail(hits.status(), as_json);
  if (as_json) {
    print_json(json::candidates(text, *hits));
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
    std::cout << '\n';
  }
  return 0;
}

int cmd_grid_at(CliArgs& a) {
  const bool as_json = a.flag("--json");
  auto service = open_db(a, false);
  if (auto bad = check_rest(a, 2, 2, "LON LAT")) return *bad;
  const auto rest = a.positionals();
  auto p = parse_lonlat(rest[0], rest[1]);
  if (!p) return usage_error("LON LAT must be numbers: lon in [-180, 180], lat in [-90, 90]");
  if (!service) return fail(service.status(), as_json);
  auto g = (*service)->snapshot()->grid_at(*p);
  if (!g) return fail({ErrorCode::not_found, "no grid contains " + rest[0] + " " + rest[1]}, as_json);
  if (as_json) {
    print_json(json::grid(*g));
  } else {
    std::cout << describe_grid(g) << '\n';
  }
  return 0;
}

int cmd_nearest(CliArgs& a) {
  const bool as_json = a.flag("--json");
  auto k = a.option("-k");
  auto max_m = a.option("--max-m");
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
  auto hits = (*service)->snapshot()->nearest(*p, options);
  if (!hits) return fail(hits.status(), as_json);
  if (as_json) {
    print_json(json::nearby(*hits));
    return 0;
  }
  for (const auto& h : *hits) {
    char d[32];
    std::snprintf(d, sizeof d, "%8.1f m  ", h.distance_m);
    std::cout << d << describe_pole(h.pole) << '\n';
  }
  return 0;
}

int cmd_validate(CliArgs& a) {
  const bool as_json = a.flag("--json");
  auto service = open_db(a, false);
  if (auto bad = check_rest(a, 0, 0, "no positional arguments")) return *bad;
  if (!service) return fail(service.status(), as_json);
  const ValidationReport report = validate(*(*service)->snapshot());
  if (as_json) {
    print_json(json::validation(report));
  } else {
    std::cout << report.poles << " poles, " << report.grids << " grids: "
              << (report.ok() ? "no issues" : std::to_string(report.issues.size()) + " issues") << '\n';
    for (const auto& i : report.issues) std::cout << "  " << i.kind << "  " << i.message << '\n';
  }
  return report.ok() ? 0 : kExitInvalidInput;
}

int cmd_export(CliArgs& a) {
  auto poles = a.option("--poles"), grids = a.option("--grids"), aliases = a.option("--aliases");
  auto service = open_db(a, false);
  if (auto bad = check_rest(a, 0, 0, "no positional arguments")) return *bad;
  if (!poles || !grids) return usage_error("export needs --poles F and --grids F");
  if (!service) return fail(service.status());
  if (auto st = (*service)->export_to(*poles, *grids, aliases.value_or("")); !st) return fail(st);
  return 0;
}

int cmd_synth(CliArgs& a) {
  auto grids = a.option("--grids"), poles = a.option("--poles"), seed = a.option("--seed"), out = a.option("--out");
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
  if (auto st = synth::write_city(options, *out); !st) return fail(st);
  std::cout << "wrote " << *out << "/poles.csv, grids.geojson, aliases.csv\n";
  return 0;
}

int cmd_serve(CliArgs& a) {
#ifdef POLELOC_WITH_HTTP
  http::ServerOptions options;
  if (auto listen = a.option("--listen")) options.listen = *listen;
  if (auto token = a.option("--token-file")) options.token_file = *token;
  if (auto threads = a.option("--threads")) {
    auto n = parse_count(*threads);
    if (!n || *n == 0 || *n > 256) return usage_error("--threads must be 1..256");
    options.threads = static_cast<unsigned>(*n);
  }
  auto db = a.option("--db");
  if (auto bad = check_rest(a, 0, 0, "no positional arguments")) return *bad;
  if (!db) return usage_error("--db DIR is required");
  // The server writes only when a token file is configured; otherwise it opens read-only.
  // On a full disk it still serves: read-only until a write finds space again.
  auto service = Service::open(*db, {.read_only = options.token_file.empty(),
                                     .create_if_missing = false,
                                     .read_only_on_storage_failure = true});
  if (!service) return fail(service.status());
  return http::serve(**service, options);
#else
  (void)a;
  return fail({ErrorCode::internal, "this poleloc was built without the HTTP server (POLELOC_BUILD_HTTP=OFF)"});
#endif
}

}  // namespace
}  // namespace poleloc::cli

int main(int argc, char** argv) {
  using namespace poleloc::cli;
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" || std::string(argv[1]) == "help") {
    std::cout << kUsage;
    return argc < 2 ? kExitUsage : 0;
  }
  const std::string command = argv[1];
  CliArgs args(argc - 2, argv + 2);
  try {
    if (command == "import") return cmd_import(args);
    if (command == "serve") return cmd_serve(args);
    if (command == "locate") return cmd_locate(args);
    if (command == "resolve") return cmd_resolve(args);
    if (command == "grid-at") return cmd_grid_at(args);
    if (command == "nearest") return cmd_nearest(args);
    if (command == "validate") return cmd_validate(args);
    if (command == "export") return cmd_export(args);
    if (command == "synth") return cmd_synth(args);
  } catch (const std::exception& e) {
    std::cerr << "poleloc: internal error: " << e.what() << '\n';
    return kExitError;
  }
  return usage_error("unknown command '" + command + "'");
}
