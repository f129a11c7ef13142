// resolve.hpp: spoken or typed text -> ranked pole candidates.
//
//   auto hits = query::resolve(data, "我在团结湖三七二号电线杆旁边，有人晕倒了",
//                              {.near = LonLat{116.4712, 39.9251}, .limit = 3});
//   // hits->at(0): pole TJH0372, match exact, score 0.99,
//   //   reason "团结湖 = TJH; 三七二 read as 372 (digits one by one); 35 m from caller",
//   //   read_back "团结湖 洞三拐两", distance_m 35, far_from_caller false
//
// How it decides (spoken/readings.hpp gives the readings, spoken/confusion.hpp
// the mistakes):
//   1. every reading is looked up exactly: in the area said, padded to the
//      serial widths that area uses (三七二 finds TJH0372); without an area, in
//      every area that has the serial; the whole text as a printed number too;
//   2. without a caller location, an exact number stands; when nothing exists
//      exactly, every one-edit variant of the best readings is looked up. With
//      `near`, the likely confusions (1/7, 6/9, teen/tens, swaps, doubled
//      digits) are looked up even beside an exact number, and every variant
//      when no exact one is within 250 m of the caller; with `near` and no area
//      said, the areas of the poles around the caller are searched (the serial
//      in far areas only adds to the background);
//   3. each candidate's likelihood is prior(reading) x weight(confusion) x
//      location(distance to `near`), the location term being a mixture of a
//      100 m (handset) and a 1 km (cell) spread against a uniform background;
//   4. posterior = likelihood / (sum of all likelihoods + the chance that the
//      number is in no pole's entry: 0.5 when nothing matched exactly, 0.005
//      when something did), then score = a monotone, piecewise-linear map of
//      the posterior fitted (isotonic regression) on the corpus
//      tests/data/spoken_cases.tsv, so that of the candidates scored about 0.9,
//      about 9 in 10 are right there; scores stay below 1.
// A candidate is `exact` only when a pole carries the digits as read (leading
// zeros aside) in the area said, or in any area when none was said. Never
// exact: a word swapped for its partner (三十七 read as 三四七), more leading zeros
// than painted, another area than the one said, an unknown code (XYZ0372) or
// an unknown place name before the digits (呼家楼三七二 where 呼家楼 is no alias).
//
// Errors: bad_request for a bad text (check_query_text) or bad options
// (ResolveOptions::is_valid), with the message saying which.
//
// Thread-safety: reads `data` only (the alias table's serial-width cache is
// atomic); call from any number of threads.
#pragma once

#include "overlay.hpp"
#include "snapshot_data.hpp"

#include <poleloc/query_options.hpp>
#include <poleloc/snapshot.hpp>
#include <poleloc/status.hpp>

#include <string_view>
#include <vector>

namespace poleloc::query {

// `overlay`: the writes since `data` was built (overlay.hpp), or null.
Result<std::vector<Candidate>> resolve(const SnapshotData& data, const OverlayData* overlay, std::string_view text,
                                       const ResolveOptions& options);

// The calibration map from the model's posterior to the reported score: monotone, in [0, 0.995].
double calibrate_score(double posterior);

}  // namespace poleloc::query
