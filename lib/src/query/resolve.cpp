#include "query/resolve.hpp"

#include "query/pole_space.hpp"

#include "geo/geodesic.hpp"
#include "spoken/confusion.hpp"
#include "spoken/read_back.hpp"
#include "spoken/readings.hpp"

#include <poleloc/number.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iterator>

namespace poleloc::query {
namespace {

using spoken::AliasTable;
using spoken::AreaSource;
using spoken::Edit;
using spoken::EditKind;
using spoken::Reading;
using spoken::ReadingSet;

// The chance that the number said is in no pole's registry entry (or cannot be
// recovered from what was heard), against a reading found exactly (1).
constexpr double kNotInRegistry = 0.5;
// ... when some pole carries a reading exactly: then the number said most likely exists.
constexpr double kNotInRegistryExact = 0.005;
// The caller named the wrong area: spread over the areas that have the digits.
constexpr double kOtherArea = 0.01;
// Letters before the digits that name no area (a typo in the code).
constexpr double kUnknownCode = 0.2;
// A place name before the digits that is no alias: maybe an area the registry lacks.
constexpr double kUnknownPlace = 0.5;
// More leading zeros said than the painted number has.
constexpr double kExtraLeadingZeros = 0.3;

// A reading is understood (and its pole may be exact) only when it is among the
// most believed readings of the text: not a building number beside a pole
// number, not a number the caller took back.
constexpr float kUnderstood = 0.5f;
// Below this the best reading is no pole number at all (一闪一闪, 三个人, 8点):
// with a caller location or a place, the answer is the poles there.
constexpr float kHeardNumber = 0.12f;
// A pole outside the place said: how much less likely than one inside, by distance.
constexpr double kPlaceEdgeShare = 0.5, kPlaceSpreadM = 250, kPlaceFloor = 0.02;
// Caller positions with a stated accuracy: how far a caller stands from the
// pole they read (metres), and the callers who are not near it at all.
constexpr double kCallerToPoleM = 30, kAccurateShare = 0.9;
// No number heard: the nearest poles stand for the caller's position, never for a number.
constexpr double kNoNumberShare = 0.5;

// Every one-edit variant is tried when no exact candidate stands this close to the caller.
constexpr double kExactNearM = 250;
// Confusions are tried for the best few readings only.
constexpr std::size_t kFuzzyReadings = 4;
constexpr float kFuzzyMinPrior = 0.1f;
// Areas searched around the caller when no area was said.
constexpr std::size_t kNearbyPoles = 12;
constexpr double kNearbyMaxM = 3000;
constexpr std::size_t kMaxNearbyAreas = 4;
// Without an area or a location, a fuzzy serial in more areas than this says nothing.
constexpr std::size_t kMaxAreasPerFuzzySerial = 8;
// With a caller location, a serial found in none of the areas around the caller
// but in more areas than this elsewhere gives no candidates, only background.
constexpr std::size_t kMaxFarCandidates = 256;

// Caller position given the pole: a 100 m (handset) and a 1 km (cell) spread,
// and a few callers who are nowhere near the pole; as a density ratio against
// a caller anywhere in a reference district of 4 km².
constexpr double kRefAreaM2 = 4e6;
constexpr double kHandsetM = 100, kHandsetShare = 0.55;
constexpr double kCellM = 1000, kCellShare = 0.4;
constexpr double kAnywhereShare = 0.05;

// Calibration of the posterior: an isotonic (pool-adjacent-violators) fit of
// "was this candidate the pole meant" against the posterior over every
// candidate of the corpus (tests/data/spoken_cases.tsv plus the cases
// spoken_corpus_test makes from the synthetic city), smoothed to a few knots
// and interpolated linearly; the scores of one query are then scaled down
// together when they sum above 1. The hand-written caller corpus
// (tests/data/caller_cases.tsv) is never part of the fit: it reports. To
// refit, see tests/calibration/fit_calibration.py.
struct Knot {
  double posterior, score;
};
constexpr Knot kCalibration[] = {{0.00, 0.000}, {0.02, 0.018}, {0.05, 0.049}, {0.10, 0.102}, {0.15, 0.156}, {0.20, 0.212}, {0.30, 0.323}, {0.40, 0.433}, {0.50, 0.540}, {0.60, 0.644}, {0.70, 0.744}, {0.80, 0.837}, {0.90, 0.924}, {0.95, 0.964}, {0.98, 0.987}, {1.00, 0.995}};

// Density of the caller at distance d from the pole, against a caller anywhere
// in the reference district. Without a stated accuracy: a mixture of handset
// and cell positions; with one, a single spread of the accuracy and the
// caller's own distance from the pole.
double location_factor(double d, std::optional<double> accuracy_m) {
  constexpr double kTwoPi = 6.283185307179586;
  if (accuracy_m) {
    const double s = std::hypot(*accuracy_m, kCallerToPoleM);
    return kAccurateShare * kRefAreaM2 / (kTwoPi * s * s) * std::exp(-d / s) + (1 - kAccurateShare);
  }
  return kHandsetShare * kRefAreaM2 / (kTwoPi * kHandsetM * kHandsetM) * std::exp(-d / kHandsetM) +
         kCellShare * kRefAreaM2 / (kTwoPi * kCellM * kCellM) * std::exp(-d / kCellM) + kAnywhereShare;
}

struct Hit {
  std::uint32_t pole = 0;
  std::int16_t reading = -1;  // -1: the whole text as a printed number
  bool exact = false;
  Edit edit;
  double weight = 0;          // prior x confusion x area
  double location = 1;
  double place = 1;           // how well the pole fits the place said
  double distance = -1;       // metres from `near`, -1 without it
  bool nearby = false;        // no number heard: a pole near the caller or the place
  double likelihood() const { return weight * location * place; }
};

// Where a place is, for the poles: in it, or how far outside (metres).
struct PlaceFit {
  bool inside = false;
  double outside_m = 0;
};

PlaceFit place_fit(const PoleSpace& space, const spoken::Place& place, std::uint32_t pole) {
  const SnapshotData& d = space.base();
  const LonLat p = space.position(pole);
  if (place.point) {
    const double m = geo::local_distance_m(*place.point, p);
    return {m <= place.radius_m, std::max(0.0, m - place.radius_m)};
  }
  PlaceFit fit{false, 1e9};
  const std::int32_t g = space.grid(pole);
  const geo::DegreeScale s = geo::degree_scale(p.lat);
  for (std::int32_t pg : place.grids) {
    if (pg == g) return {true, 0};
    const BBox& b = d.grid_bboxes[static_cast<std::size_t>(pg)];
    const double dx = std::max({b.min_lon - p.lon, 0.0, p.lon - b.max_lon}) * s.m_per_deg_lon;
    const double dy = std::max({b.min_lat - p.lat, 0.0, p.lat - b.max_lat}) * s.m_per_deg_lat;
    fit.outside_m = std::min(fit.outside_m, std::hypot(dx, dy));
  }
  return fit;
}

double place_factor(const PlaceFit& fit) {
  if (fit.inside) return 1;
  if (fit.outside_m < 1) return kPlaceEdgeShare;  // inside the grid's box, outside its polygon
  return kPlaceEdgeShare * std::exp(-fit.outside_m / kPlaceSpreadM) + kPlaceFloor;
}

// How close an unknown typed code is to a real one: one letter wrong, swapped,
// missing or extra is a typo; anything else is a different code.
double code_similarity(std::string_view typed, std::string_view code) {
  if (typed.size() == code.size()) {
    std::size_t diff = 0, first = 0;
    for (std::size_t i = 0; i < typed.size(); ++i) {
      if (typed[i] != code[i] && diff++ == 0) first = i;
    }
    if (diff <= 1) return 1;
    if (diff == 2 && first + 1 < typed.size() && typed[first] == code[first + 1] && typed[first + 1] == code[first]) return 1;
    return 0.05;
  }
  const std::string_view longer = typed.size() > code.size() ? typed : code;
  const std::string_view shorter = typed.size() > code.size() ? code : typed;
  if (longer.size() != shorter.size() + 1) return 0.05;
  // One letter missing or extra: the longer without one of its letters is the shorter.
  std::size_t i = 0;
  while (i < shorter.size() && longer[i] == shorter[i]) ++i;
  return longer.substr(i + 1) == shorter.substr(i) ? 0.5 : 0.05;
}

std::size_t area_length(std::string_view number) {
  std::size_t k = 0;
  while (k < number.size() && number[k] >= 'A' && number[k] <= 'Z') ++k;
  return k;
}

class Decoder {
 public:
  Decoder(const PoleSpace& space, const ReadingSet& set, const ResolveOptions& options, std::optional<LonLat> near)
      : d_(space.base()), s_(space), t_(d_.alias_table), set_(set), options_(options), near_(near) {}

  std::vector<Hit> hits;
  double background = 0;  // likelihood of candidates not listed in `hits`

  void decode(std::string_view text) {
    if (auto canonical = canonical_number(text)) {
      if (auto p = s_.find(*canonical)) hits.push_back({*p, -1, true, {}, 1.0});
    }
    for (std::size_t i = 0; i < set_.readings.size(); ++i) exact(static_cast<std::int16_t>(i));

    const bool exact_found = any_exact();
    // Without a location an exact number stands: a neighbour one edit away
    // could not outrank it. With one, the likely confusions are looked up even
    // then (a misheard 312 exists far off, the meant 372 is by the caller).
    if (exact_found && !near_) {
      merge();
      return;
    }
    const bool every_edit = !exact_found || !exact_near_caller();
    std::size_t tried = 0;
    for (std::size_t i = 0; i < set_.readings.size() && tried < kFuzzyReadings; ++i) {
      if (set_.readings[i].prior < kFuzzyMinPrior) break;
      if (fuzzy(static_cast<std::int16_t>(i), every_edit, exact_found)) ++tried;
    }
    merge();
  }

 private:
  AliasTable::SerialWidths widths(std::uint32_t area) {
    if (auto w = t_.cached_serial_widths(area)) return *w;
    const std::string_view code = t_.code(area);
    const std::uint32_t n = static_cast<std::uint32_t>(d_.pole_count());
    auto lower = [&](char after_code) {  // first pole whose number >= code + after_code
      std::uint32_t lo = 0, hi = n;
      while (lo < hi) {
        const std::uint32_t mid = lo + (hi - lo) / 2;
        const std::string_view num = d_.number(mid);
        const std::string_view head = num.substr(0, code.size());
        const bool less = head < code || (head == code && (num.size() == code.size() || num[code.size()] < after_code));
        if (less) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    const std::uint32_t lo = lower('0'), hi = lower('9' + 1);
    AliasTable::SerialWidths w{};
    if (lo < hi) {
      w.min = 255;
      constexpr std::uint32_t kSamples = 16;
      for (std::uint32_t k = 0; k <= kSamples; ++k) {
        const std::uint32_t p = lo + static_cast<std::uint32_t>((static_cast<std::uint64_t>(hi - 1 - lo) * k) / kSamples);
        const auto width = static_cast<std::uint8_t>(std::min<std::size_t>(255, d_.number(p).size() - code.size()));
        w.min = std::min(w.min, width);
        w.max = std::max(w.max, width);
      }
    }
    t_.cache_serial_widths(area, w);
    return w;
  }

  // Calls on_pole(pole, serial width) for every pole of `area` whose serial
  // without leading zeros is `stripped`.
  template <typename F>
  void in_area(std::uint32_t area, std::string_view stripped, F&& on_pole) {
    const AliasTable::SerialWidths w = widths(area);
    if (w.max == 0) return;
    const std::string_view code = t_.code(area);
    char buf[kMaxNumberLength + 8];
    const std::size_t from = std::max<std::size_t>(stripped.size(), w.min);
    for (std::size_t width = from; width <= w.max; ++width) {
      if (code.size() + width > kMaxNumberLength) break;
      std::memcpy(buf, code.data(), code.size());
      std::memset(buf + code.size(), '0', width - stripped.size());
      std::memcpy(buf + code.size() + width - stripped.size(), stripped.data(), stripped.size());
      if (auto p = s_.find({buf, code.size() + width})) on_pole(*p, width);
    }
  }

  // The pole is in the place said, or no place was said.
  bool fits_place(const Reading& r, std::uint32_t pole) const {
    return r.place < 0 || place_fit(s_, d_.gazetteer.place(static_cast<std::uint32_t>(r.place)), pole).inside;
  }

  // A pole carrying the digits of reading i in a serial `width` digits wide:
  // exact unless the reading is a guess, more leading zeros were said than are
  // painted, or the pole lies outside the place said.
  void push_as_read(std::int16_t i, std::uint32_t pole, std::size_t width, std::size_t spoken_width, bool guess,
                    double share = 1.0) {
    const Reading& r = set_.readings[static_cast<std::size_t>(i)];
    const bool as_read = spoken_width <= width;
    hits.push_back({pole, i, as_read && !guess && fits_place(r, pole), {}, r.prior * share * (as_read ? 1.0 : kExtraLeadingZeros)});
  }

  void exact(std::int16_t i) {
    const Reading& r = set_.readings[static_cast<std::size_t>(i)];
    const std::string_view stripped = r.digits.stripped();
    const std::size_t spoken_width = r.leading_zeros_spoken ? r.digits.size() : 0;
    // A reading that swapped a word for its partner (三十七 as 三四七) is a guess,
    // not what was said; so is one the caller did not mean as the pole's number.
    const bool guess = r.note == spoken::ReadingNote::si_shi || r.note == spoken::ReadingNote::teen_tens ||
                         r.prior < kUnderstood || r.raw_prior < kHeardNumber || r.retracted || r.counted ||
                         r.printed_code_as_word || r.alias_guessed;
    if (r.area >= 0) {
      in_area(static_cast<std::uint32_t>(r.area), stripped, [&](std::uint32_t pole, std::size_t width) {
        push_as_read(i, pole, width, spoken_width, guess);
      });
      return;
    }
    if (r.area_source == AreaSource::place) {
      for (std::uint32_t a : d_.gazetteer.place(static_cast<std::uint32_t>(r.place)).codes) {
        in_area(a, stripped, [&](std::uint32_t pole, std::size_t width) {
          push_as_read(i, pole, width, spoken_width, guess);
        });
      }
      return;
    }
    if (r.said_area >= 0 && r.area_source != AreaSource::unknown_code && any_exact()) return;  // the area said has it
    // "NO-170": the code reading has it (by the caller, when there is a location:
    // "No. 170" said at another area's pole 170, with NO170 across town).
    if (r.word_not_code && any_exact() && (!near_ || exact_near_caller())) return;
    if (r.area_source == AreaSource::none && r.said_area < 0 && near_ && exact_nearby(i, stripped, spoken_width, guess)) {
      return;
    }
    const auto poles = s_.find_serial(stripped, serials_);
    if (r.area_source == AreaSource::unknown_place) {
      const std::size_t listed = std::min(poles.size(), kMaxFarCandidates);  // the rest: background, same weight
      for (std::size_t k = 0; k < listed; ++k) hits.push_back({poles[k], i, false, {}, r.prior * kUnknownPlace});
      background += static_cast<double>(poles.size() - listed) * r.prior * kUnknownPlace;
      return;
    }
    if (r.area_source == AreaSource::unknown_code) {
      // Codes one typo from the one typed are candidates, found by trying each
      // typo in the alias table; of the others (each as unlikely as the next) a
      // few are listed and the rest count in the background.
      std::size_t similar_count = 0;
      for (std::uint32_t code : typo_codes(r.unknown_code)) {
        in_area(code, stripped, [&](std::uint32_t pole, std::size_t) {
          const double similar = code_similarity(r.unknown_code, t_.code(code));
          hits.push_back({pole, i, false, {}, r.prior * kUnknownCode * similar});
          ++similar_count;
        });
      }
      const std::size_t others = poles.size() - std::min(similar_count, poles.size());
      const double each = r.prior * kUnknownCode * 0.05;
      std::size_t listed = 0;
      for (std::size_t k = 0; k < poles.size() && listed < kMaxFarCandidates; ++k) {
        const std::string_view num = s_.number(poles[k]);
        if (code_similarity(r.unknown_code, num.substr(0, area_length(num))) >= 0.5) continue;  // listed above
        hits.push_back({poles[k], i, false, {}, each});
        ++listed;
      }
      background += static_cast<double>(others - std::min(others, listed)) * each;
      return;
    }
    if (r.said_area >= 0) {  // the digits in an area other than the one said
      // Each of the others is as likely as the next: the first few (number order)
      // are listed and the rest count in the background, at a cost bounded by the list.
      const std::string_view said = t_.code(static_cast<std::uint32_t>(r.said_area));
      std::size_t in_said = 0;
      in_area(static_cast<std::uint32_t>(r.said_area), stripped, [&](std::uint32_t, std::size_t) { ++in_said; });
      const std::size_t others = poles.size() - std::min(in_said, poles.size());
      if (others == 0) return;
      const double each = r.prior * kOtherArea / static_cast<double>(others);
      std::size_t listed = 0;
      for (std::size_t k = 0; k < poles.size() && listed < kMaxFarCandidates; ++k) {
        const std::string_view num = s_.number(poles[k]);
        if (num.substr(0, area_length(num)) == said) continue;
        hits.push_back({poles[k], i, false, {}, each});
        ++listed;
      }
      background += static_cast<double>(others - std::min(others, listed)) * each;
      return;
    }
    // A caller location and the serial in none of the areas around them: where
    // areas are many (a code per street), the same serial stands in thousands of
    // them, each far from the caller; as in exact_nearby() they only add to the
    // background (a few dozen, as in a registry of district codes, stay candidates).
    if (near_ && r.area_source == AreaSource::none && r.said_area < 0 && poles.size() > kMaxFarCandidates) {
      background += static_cast<double>(poles.size()) * r.prior * kAnywhereShare;
      return;
    }
    // No area, no location, and the serial in thousands of areas: each is as
    // likely as the next, so each is unlikely. The first few (number order)
    // are listed; the others count in the background with the same weight,
    // which keeps every score what it would be, at a bounded cost.
    // A code word taken as a digit ("six two three three" as 6233 beside SIX233):
    // the caller then left the area out, and the reading is one hypothesis shared
    // by every area that has the digits, not one per area (with 14,000 codes it
    // once outweighed the area said by hundreds to one).
    const double share = r.code_word_as_digit ? 1.0 / static_cast<double>(poles.size()) : 1.0;
    const std::size_t listed = std::min(poles.size(), kMaxFarCandidates);
    for (std::size_t k = 0; k < listed; ++k) {
      const std::string_view num = s_.number(poles[k]);
      push_as_read(i, poles[k], num.size() - area_length(num), spoken_width, guess, share);
    }
    if (listed < poles.size()) background += static_cast<double>(poles.size() - listed) * r.prior * share;
  }

  // Known codes one typo from `typed` (a letter wrong, missing, extra, or two
  // neighbours swapped): the codes code_similarity() scores 0.5 or more.
  std::vector<std::uint32_t> typo_codes(std::string_view typed) const {
    std::vector<std::uint32_t> out;
    std::string v;
    auto try_code = [&](const std::string& c) {
      if (c.empty()) return;
      if (auto id = t_.find_code(c); id && std::find(out.begin(), out.end(), *id) == out.end()) out.push_back(*id);
    };
    const std::string base(typed);
    for (std::size_t i = 0; i <= base.size(); ++i) {
      for (char ch = 'A'; ch <= 'Z'; ++ch) {
        if (i < base.size() && ch != base[i]) {
          v = base;
          v[i] = ch;
          try_code(v);  // a letter wrong
        }
        v = base;
        v.insert(v.begin() + static_cast<std::ptrdiff_t>(i), ch);
        try_code(v);  // a letter missing from what was typed
      }
      if (i < base.size()) {
        v = base;
        v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
        try_code(v);  // a letter typed in excess
      }
      if (i + 1 < base.size()) {
        v = base;
        std::swap(v[i], v[i + 1]);
        try_code(v);  // neighbours swapped
      }
    }
    return out;
  }

  bool any_exact() const {
    return std::any_of(hits.begin(), hits.end(), [](const Hit& h) { return h.exact; });
  }

  // An exact hit within kExactNearM of the caller (there is a location).
  bool exact_near_caller() const {
    return std::any_of(hits.begin(), hits.end(), [&](const Hit& h) {
      return h.exact && geo::local_distance_m(*near_, s_.position(h.pole)) <= kExactNearM;
    });
  }

  // No area said, a caller location: the serial in the areas around the caller
  // becomes candidates; the same serial in the other areas only adds to the
  // background (each is far away, so each is as likely as any pole at all).
  // False when no area around the caller has the serial.
  bool exact_nearby(std::int16_t i, std::string_view stripped, std::size_t spoken_width, bool guess) {
    const Reading& r = set_.readings[static_cast<std::size_t>(i)];
    std::size_t found = 0;
    for (std::uint32_t a : nearby_areas()) {
      in_area(a, stripped, [&](std::uint32_t pole, std::size_t width) {
        push_as_read(i, pole, width, spoken_width, guess);
        ++found;
      });
    }
    if (found == 0) return false;
    const std::size_t everywhere = s_.find_serial(stripped, serials_).size();
    if (everywhere > found) background += static_cast<double>(everywhere - found) * r.prior * kAnywhereShare;
    return true;
  }

  // Areas of the poles around the caller, nearest first.
  const std::vector<std::uint32_t>& nearby_areas() {
    if (nearby_done_) return nearby_;
    nearby_done_ = true;
    if (!near_) return nearby_;
    for (auto [pole, dist] : s_.nearest(*near_, kNearbyPoles, kNearbyMaxM)) {
      (void)dist;
      const std::string_view num = s_.number(pole);
      auto code = t_.find_code(num.substr(0, area_length(num)));
      if (code && std::find(nearby_.begin(), nearby_.end(), *code) == nearby_.end()) nearby_.push_back(*code);
      if (nearby_.size() >= kMaxNearbyAreas) break;
    }
    return nearby_;
  }

  // Returns false when the reading cannot take a one-edit variant.
  bool fuzzy(std::int16_t i, bool every_edit, bool exact_found) {
    const Reading& r = set_.readings[static_cast<std::size_t>(i)];
    if (r.area_source == AreaSource::unknown_code || r.area_source == AreaSource::unknown_place ||
        (r.area < 0 && r.said_area >= 0)) {
      return false;
    }
    spoken::ConfusionOptions co;
    co.language = set_.language;
    co.likely_only = !every_edit;
    std::vector<std::uint32_t> areas;
    if (r.area >= 0) {
      areas.push_back(static_cast<std::uint32_t>(r.area));
    } else if (r.area_source == AreaSource::place) {
      areas = d_.gazetteer.place(static_cast<std::uint32_t>(r.place)).codes;
      if (areas.empty()) return false;
    } else if (near_) {
      areas = nearby_areas();
    } else if (exact_found) {
      return false;  // no area, no location: an exact serial somewhere beats every guess
    }
    std::size_t max_width = 0;
    for (std::uint32_t a : areas) max_width = std::max<std::size_t>(max_width, widths(a).max);
    if (!areas.empty()) co.max_length = max_width;
    variants_.clear();
    spoken::one_edit_variants(r.digits.view(), co, variants_);
    for (const spoken::Variant& v : variants_) {
      const std::string_view stripped = v.digits.stripped();
      const double w = r.prior * v.edit.weight;
      if (!areas.empty()) {
        for (std::uint32_t a : areas) {
          in_area(a, stripped, [&](std::uint32_t pole, std::size_t) { hits.push_back({pole, i, false, v.edit, w}); });
        }
      } else {
        const auto poles = s_.find_serial(stripped, serials_);
        if (poles.size() > kMaxAreasPerFuzzySerial) continue;
        for (std::uint32_t p : poles) hits.push_back({p, i, false, v.edit, w});
      }
    }
    return true;
  }

  // One hit per pole: the most likely explanation.
  void merge() {
    if (near_) {
      // The local metric ranks; returned candidates get the exact distance later.
      for (Hit& h : hits) {
        h.distance = geo::local_distance_m(*near_, s_.position(h.pole));
        h.location = location_factor(h.distance, options_.near_accuracy_m);
      }
    }
    for (Hit& h : hits) {
      if (h.reading < 0) continue;
      const Reading& r = set_.readings[static_cast<std::size_t>(h.reading)];
      if (r.place >= 0) h.place = place_factor(place_fit(s_, d_.gazetteer.place(static_cast<std::uint32_t>(r.place)), h.pole));
    }
    std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
      if (a.pole != b.pole) return a.pole < b.pole;
      if (a.exact != b.exact) return a.exact;
      return a.weight > b.weight;
    });
    // The first hit of a pole explains it (exact before fuzzy); it carries the best weight of all.
    std::size_t out = 0;
    for (std::size_t k = 0; k < hits.size(); ++k) {
      if (out > 0 && hits[out - 1].pole == hits[k].pole) {
        hits[out - 1].weight = std::max(hits[out - 1].weight, hits[k].weight);
      } else {
        hits[out++] = hits[k];
      }
    }
    hits.resize(out);
  }

  const SnapshotData& d_;  // the base: aliases, gazetteer, serial widths
  const PoleSpace& s_;     // the poles, base and overlay
  const AliasTable& t_;
  const ReadingSet& set_;
  const ResolveOptions& options_;
  const std::optional<LonLat> near_;
  std::vector<spoken::Variant> variants_;
  std::vector<std::uint32_t> serials_;  // find_serial's buffer when there is an overlay
  std::vector<std::uint32_t> nearby_;
  bool nearby_done_ = false;
};

std::string format_distance(double m) {
  char buf[32];
  if (m < 1000) std::snprintf(buf, sizeof buf, "%.0f m", m);
  else std::snprintf(buf, sizeof buf, "%.1f km", m / 1000);
  return buf;
}

std::string note_text(spoken::ReadingNote note) {
  switch (note) {
    case spoken::ReadingNote::none: return {};
    case spoken::ReadingNote::weak_digit: return ", a word taken as a digit";
    case spoken::ReadingNote::si_shi: return ", 十/四 (shi/si) swapped";
    case spoken::ReadingNote::teen_tens: return ", teen/tens swapped";
  }
  return {};
}

std::string reason_for(const Hit& h, const PoleSpace& space, const ReadingSet& set, const ResolveOptions& options) {
  const SnapshotData& d = space.base();
  const AliasTable& t = d.alias_table;
  const std::string_view number = space.number(h.pole);
  const std::string_view pole_area = number.substr(0, area_length(number));
  std::string s;
  if (h.nearby) {
    s = "no pole number heard; ";
    s.append(options.near ? "a pole near the caller" : "a pole in the place said");
    if (const std::int32_t g = space.grid(h.pole); g >= 0) s.append(", grid ").append(space.grid_record(g).id);
  } else if (h.reading < 0) {
    s = "printed number";
  } else {
    const Reading& r = set.readings[static_cast<std::size_t>(h.reading)];
    if (r.area >= 0) {
      if (r.alias_misheard) {
        s.append("heard ").append(set.spoken_area(r)).append(", taken as ").append(r.alias).append(" = ").append(r.area_code);
      } else if (r.alias_abbreviation) {
        s.append(set.spoken_area(r)).append(", the long name of ").append(r.alias).append(" = ").append(r.area_code);
      } else if (!r.alias.empty() && r.alias != r.area_code) {
        s.append(r.alias).append(" = ").append(r.area_code);
      } else {
        s.append(r.area_code);
      }
    } else if (r.area_source == AreaSource::unknown_code) {
      s.append(r.unknown_code).append(" is no known area, found in ").append(pole_area);
    } else if (r.area_source == AreaSource::unknown_place) {
      s.append(set.spoken_area(r)).append(" is no known area, found in ").append(pole_area);
    } else if (r.area_source == AreaSource::place) {
      s.append("area ").append(pole_area).append(" from the place");
    } else if (r.said_area >= 0) {
      s.append(t.code(static_cast<std::uint32_t>(r.said_area))).append(" said, found in ").append(pole_area);
    } else {
      s.append("no area said");
    }
    if (r.place >= 0) {
      const spoken::Place& place = d.gazetteer.place(static_cast<std::uint32_t>(r.place));
      s.append("; ");
      if (r.place_by_sound) s.append("heard ").append(set.spoken_place(r)).append(", taken as ");
      s.append(place.name).append(" (").append(spoken::place_kind_name(place.kind));
      if (place.grids.size() == 1 && !place.point) s.append(", grid ").append(d.grids[static_cast<std::size_t>(place.grids[0])].id);
      s.append(")");
      const PlaceFit fit = place_fit(space, place, h.pole);
      if (!fit.inside) {
        s.append(", the pole is not in it");
        if (fit.outside_m >= 1) s.append(" (").append(format_distance(fit.outside_m)).append(" outside)");
      }
    }
    s.append("; ");
    if (r.form == spoken::ReadingForm::printed) {
      s.append("printed ").append(r.digits.view());
    } else {
      s.append(set.spoken(r)).append(" read as ").append(r.digits.view());
      s.append(" (").append(spoken::describe(r.form)).append(note_text(r.note)).append(")");
    }
    if (!h.exact && h.edit.kind != EditKind::none) s.append("; ").append(spoken::explain(h.edit));
    if (r.retracted) {
      s.append("; taken back by the caller");
    } else if (r.counted) {
      s.append("; followed by a unit: a count, an approximation or a building number, not the pole's");
    } else {
      for (auto span : set.retracted) s.append("; ").append(set.span(span)).append(" taken back");
    }
  }
  if (options.near && h.distance >= 0) {
    s.append("; ").append(format_distance(h.distance)).append(" from caller");
    if (h.distance > options.far_m) s.append(" (far)");
  }
  return s;
}

// No number heard: the poles nearest the caller (or the place said), those in
// the caller's grid first, so the dispatcher knows whose grid it is.
void nearby_hits(const PoleSpace& space, const ReadingSet& set, std::optional<LonLat> near,
                 const ResolveOptions& options, std::vector<Hit>& hits) {
  const SnapshotData& d = space.base();
  std::optional<LonLat> centre = near;
  const spoken::Place* place = nullptr;
  if (!centre && !set.places_said.empty()) {
    place = &d.gazetteer.place(static_cast<std::uint32_t>(set.places_said.front()));
    if (place->point) {
      centre = place->point;
    } else if (!place->grids.empty()) {
      const BBox& b = d.grid_bboxes[static_cast<std::size_t>(place->grids[0])];
      centre = LonLat{(b.min_lon + b.max_lon) / 2, (b.min_lat + b.max_lat) / 2};
    }
  }
  if (!centre) return;
  const std::optional<std::int32_t> grid = space.grid_at(*centre);
  auto found = space.nearest(*centre, options.limit * 3, 3000);
  for (auto [pole, m] : found) {
    Hit h{pole, -1, false, {}, 1.0};
    h.nearby = true;
    h.distance = near ? m : -1;
    h.location = location_factor(m, options.near_accuracy_m);
    bool in_grid = grid && space.grid(pole) == *grid;
    if (place) in_grid = place_fit(space, *place, pole).inside;
    h.place = in_grid ? 1 : 0.1;
    hits.push_back(h);
  }
}

}  // namespace

double calibrate_score(double posterior) {
  const double p = std::clamp(posterior, 0.0, 1.0);
  for (std::size_t k = 1; k < std::size(kCalibration); ++k) {
    const Knot& a = kCalibration[k - 1];
    const Knot& b = kCalibration[k];
    if (p <= b.posterior) return a.score + (b.score - a.score) * (p - a.posterior) / (b.posterior - a.posterior);
  }
  return kCalibration[std::size(kCalibration) - 1].score;
}

Result<std::vector<Candidate>> resolve(const SnapshotData& data, const OverlayData* overlay, std::string_view text,
                                       const ResolveOptions& options) {
  if (auto st = check_query_text(text); !st) return st;
  if (auto st = options.is_valid(); !st) return st;
  const std::optional<LonLat> near = options.near_wgs84();

  ReadingSet set;
  spoken::read_text(text, data.alias_table, data.gazetteer, set);
  const PoleSpace space(data, overlay);
  Decoder decoder(space, set, options, near);
  decoder.decode(text);
  std::vector<Hit>& hits = decoder.hits;
  bool no_number = hits.empty() && !set.heard_number;
  if (!no_number && set.best_raw_prior < kHeardNumber && (near || !set.places_said.empty())) {
    no_number = true;  // 路灯一闪一闪的: no number was said; where the caller is matters
    hits.clear();
    decoder.background = 0;
  }
  if (no_number) nearby_hits(space, set, near, options, hits);

  const bool any_exact = std::any_of(hits.begin(), hits.end(), [](const Hit& h) { return h.exact; });
  // When even the best reading hardly sounds like a pole number (七百多, a
  // lone digit), "the number is in no pole's entry" gains in proportion.
  const double weak = set.heard_number && set.best_raw_prior < kUnderstood ? kUnderstood / std::max(set.best_raw_prior, 0.01f) : 1.0;
  double total = (any_exact ? kNotInRegistryExact : kNotInRegistry) * weak + decoder.background;
  for (const Hit& h : hits) total += h.likelihood();
  // Ties in number order, not by pole id: an id depends on which layer of the
  // overlay holds the pole, and the order must not depend on the writes' history.
  std::sort(hits.begin(), hits.end(), [&space](const Hit& a, const Hit& b) {
    if (a.likelihood() != b.likelihood()) return a.likelihood() > b.likelihood();
    if (a.exact != b.exact) return a.exact;
    return a.pole != b.pole && space.number(a.pole) < space.number(b.pole);
  });
  if (hits.size() > options.limit) hits.resize(options.limit);

  std::vector<Candidate> out;
  out.reserve(hits.size());
  double score_sum = 0;
  for (Hit& h : hits) {
    if (near) h.distance = geo::distance_m(*near, space.position(h.pole));  // geodesic beyond 3 km
    Candidate c{space.view(h.pole)};
    const double posterior = h.likelihood() / total;
    c.score = no_number ? posterior * kNoNumberShare : calibrate_score(posterior);
    score_sum += c.score;
    c.match = h.nearby ? MatchKind::nearby : h.exact ? MatchKind::exact : MatchKind::fuzzy;
    c.reason = reason_for(h, space, set, options);
    const std::string_view number = space.number(h.pole);
    const auto code = data.alias_table.find_code(number.substr(0, area_length(number)));
    c.read_back = spoken::read_back(number, code ? data.alias_table.display_name(*code) : std::string_view{}, set.language);
    if (near) {
      c.distance_m = h.distance;
      c.far_from_caller = h.distance > options.far_m;
    }
    out.push_back(std::move(c));
  }
  // Scores are probabilities over one query's candidates: they sum to at most 1.
  if (score_sum > 1) {
    for (Candidate& c : out) c.score /= score_sum;
  }
  return out;
}

}  // namespace poleloc::query
