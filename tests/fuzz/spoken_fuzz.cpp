// spoken_fuzz: any text -> the spoken-number reader and the resolver.
//
// The input is a caller's or recogniser's text. It goes through
// spoken::normalise_text, spoken::read_text (with and without places) and
// Snapshot::resolve on the 团结湖 sample (data/tuanjiehu plus two places),
// with and without a caller location. Texts that check_query_text refuses
// must be refused cleanly; nothing may crash, and the spans a reading points
// at must lie inside the normalised text (ReadingSet::spoken() relies on it).
// A text that is a printed number is canonicalised idempotently, and when it
// names a pole (Snapshot::locate), resolve() offers that pole as exact.
#include "snapshot_data.hpp"
#include "spoken/readings.hpp"
#include "spoken/spoken_text.hpp"

#include <poleloc/import.hpp>
#include <poleloc/number.hpp>
#include <poleloc/query_options.hpp>
#include <poleloc/snapshot.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

namespace {

const poleloc::Snapshot& sample() {
  static const std::unique_ptr<poleloc::Snapshot> snapshot = [] {
    const std::string dir = POLELOC_SAMPLE_DIR;
    auto input = poleloc::read_input({.poles = dir + "/poles.csv", .grids = dir + "/grids.geojson",
                                      .aliases = dir + "/aliases.csv"},
                                     {});
    if (!input || input->error_count != 0) {
      std::fprintf(stderr, "spoken_fuzz: cannot read the sample in %s\n", dir.c_str());
      std::abort();
    }
    poleloc::Dataset& d = input->dataset;
    std::vector<poleloc::PlaceRecord> places = {
        {"金台里小区", "compound", poleloc::LonLat{116.4660, 39.9220}, ""},
        {"团结湖公园", "other", poleloc::LonLat{116.4700, 39.9260}, ""}};
    return std::make_unique<poleloc::Snapshot>(poleloc::build_snapshot_data(
        std::move(d.poles), std::move(d.grids), std::move(d.aliases), 1, std::move(places)));
  }();
  return *snapshot;
}

void check_spans(const poleloc::spoken::ReadingSet& set) {
  const std::size_t n = set.normalised.size();
  for (const auto& r : set.readings) {
    if (r.begin > r.end || r.end > n || r.area_begin > r.area_end || r.area_end > n || r.place_begin > r.place_end ||
        r.place_end > n) {
      std::fprintf(stderr, "reading span outside the normalised text (%zu bytes)\n", n);
      std::abort();
    }
  }
  if (set.readings.size() > poleloc::spoken::kMaxReadings) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  sample();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The reader's spans are 16-bit offsets; every face caps texts at kMaxQueryBytes.
  if (size > 4 * poleloc::kMaxQueryBytes) return -1;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const poleloc::Snapshot& snap = sample();
  const poleloc::SnapshotData& d = snap.data();

  (void)poleloc::spoken::normalise_text(text);
  (void)poleloc::spoken::has_cjk(text);

  poleloc::spoken::ReadingSet set;
  poleloc::spoken::read_text(text, d.alias_table, set);
  check_spans(set);
  poleloc::spoken::read_text(text, d.alias_table, d.gazetteer, set);
  check_spans(set);

  if (auto number = poleloc::canonical_number(text)) {
    if (!poleloc::is_canonical_number(*number) || poleloc::canonical_number(*number) != number) {
      std::fprintf(stderr, "canonical_number is not idempotent: '%s'\n", number->c_str());
      std::abort();
    }
  }

  const bool valid = static_cast<bool>(poleloc::check_query_text(text));
  auto plain = snap.resolve(text, {});
  if (plain.has_value() != valid) std::abort();  // resolve refuses exactly the texts check_query_text refuses
  if (valid) {
    if (auto pole = snap.locate(text)) {
      const bool offered = std::any_of(plain->begin(), plain->end(), [&](const poleloc::Candidate& c) {
        return c.pole == *pole && c.match == poleloc::MatchKind::exact;
      });
      if (!offered) {
        std::fprintf(stderr, "locate finds %.*s but resolve does not offer it as exact\n",
                     static_cast<int>(pole->number().size()), pole->number().data());
        std::abort();
      }
    }
  }
  if (valid) {
    auto located = snap.resolve(text, {.near = poleloc::LonLat{116.4712, 39.9251}, .limit = 10});
    if (!located) std::abort();
    for (const auto& c : *located) {
      if (!(c.score >= 0 && c.score <= 1)) std::abort();
    }
  }
  return 0;
}
