#include "index/pole_index.hpp"

#include "geo/geodesic.hpp"
#include "index/far_bound.hpp"

#include "huge_pages.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <tuple>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

namespace poleloc::index {
namespace {

// WGS84 point on the ellipsoid (height 0) in Earth-centred metres.
// sl, cl: the sine and cosine of p.lat.
void ecef_raw(LonLat p, double sl, double cl, double out[3]) {
  constexpr double kA = 6378137.0, kE2 = 6.69437999014e-3, kRad = 3.14159265358979323846 / 180;
  const double lon = p.lon * kRad;
  const double n = kA / std::sqrt(1 - kE2 * sl * sl);
  out[0] = n * cl * std::cos(lon);
  out[1] = n * cl * std::sin(lon);
  out[2] = n * (1 - kE2) * sl;
}
void ecef_raw(LonLat p, double out[3]) {
  constexpr double kRad = 3.14159265358979323846 / 180;
  const double lat = p.lat * kRad;
  ecef_raw(p, std::sin(lat), std::cos(lat), out);
}

// The k best are chosen by a ranking key but reported, and finally ordered, by
// another distance: below kExactBeyondM the key is the squared distance in the
// metric at the query's latitude corrected to first order for the latitude
// between (local_key2), the answer geo::local_distance_m (the metric at both
// points' mean latitude). Their ratio differs from 1 by under 3e-8 (the
// correction's h² / 2, h <= 2.4e-4 rad), and the local metric from the
// geodesic by under 3.5e-7 up to 80 degrees of latitude (measured), which
// matters where keys of both kinds meet near kExactBeyondM. So every candidate
// whose key is within this factor of the k-th key is kept, and the final order
// on the reported distance picks the k exactly. The factor on squared keys.
// (Until 2026-12-02 the key had no correction and the band was
// |dlat| / 2 * (|tan lat| + 0.01): a metre at 2.5 km, which made the search
// measure every pole of a straight row along the edge of the data.)
constexpr double kTieBandD = 2e-6;
constexpr double kTieBand2 = (1 + kTieBandD) / (1 - kTieBandD) * ((1 + kTieBandD) / (1 - kTieBandD));

// The bound on keys that can still enter `best` (sorted by key): the k-th key times the tie band.
double best_bound2(const std::vector<std::pair<double, std::uint32_t>>& best, std::size_t k, double limit2,
                   double band2) {
  if (best.size() < k) return limit2;
  const double kth = best[k - 1].first;
  // Keys from kExactBeyondM on are the reported distances themselves (squared): no band there.
  return std::min(limit2, kth < geo::kExactBeyondM * geo::kExactBeyondM * band2 ? kth * band2 : kth);
}

// Inserts (d2, slot) into `best` (sorted by key), then drops every entry beyond the k-th's tie band.
void keep_best(std::vector<std::pair<double, std::uint32_t>>& best, std::size_t k, double band2, double d2,
               std::uint32_t slot) {
  const std::pair<double, std::uint32_t> item{d2, slot};
  best.insert(std::upper_bound(best.begin(), best.end(), item), item);
  while (best.size() > k && best.back().first > best_bound2(best, k, std::numeric_limits<double>::infinity(), band2)) {
    best.pop_back();
  }
}

}  // namespace

// ECEF moved to the data's centre and turned to its east/north/up axes: a rigid
// motion (distances unchanged), so boxes of city patches are tight and floats precise.
void PoleIndex::ecef(LonLat p, double out[3]) const {
  double e[3];
  ecef_raw(p, e);
  to_frame(e, out);
}

void PoleIndex::to_frame(const double e[3], double out[3]) const {
  const double d[3] = {e[0] - frame_[9], e[1] - frame_[10], e[2] - frame_[11]};
  for (int a = 0; a < 3; ++a) out[a] = frame_[3 * a] * d[0] + frame_[3 * a + 1] * d[1] + frame_[3 * a + 2] * d[2];
}

// The shortest geodesic on WGS84 between two points `chord` metres apart in a
// straight line: the arc of that chord on a sphere of the ellipsoid's largest
// radius of curvature (a²/b, at the poles), which bends least. Far from the
// data (hundreds of km and more) the chord alone is kilometres short of the
// geodesic and would prune nothing; the arc keeps the best-first search to
// the few nodes that can hold the answer. PoleIndex.ArcBoundNeverExceedsTheGeodesic
// checks it against the geodesic at random.
namespace {
constexpr double kArcRadiusM = 6378137.0 * 6378137.0 / 6356752.314245179;  // a²/b: arc_lower_bound_m's sphere
}  // namespace

double arc_lower_bound_m(double chord) {
  constexpr double kRmax = kArcRadiusM;
  const double x = std::min(1.0, chord / (2 * kRmax));
  // Within 380 km, asin's series cut after its second term: every term is
  // positive, so this is below the arc, by 7 mm at 300 km and 0.03 mm at 100
  // km, and costs a few multiplications instead of an arcsine (searches
  // outside the data bound every pole and chunk they look at so).
  if (x < 0.03) return 2 * kRmax * x * (1 + x * x * (1.0 / 6));
  return 2 * kRmax * std::asin(x);
}

// The longest geodesic on WGS84 between two points `chord` metres apart: a
// geodesic bends in space by its normal curvature, at most 1/Rmin with Rmin =
// b²/a (the meridian's radius at the equator), so by Schur's comparison
// theorem it is no longer than the arc of that chord on a circle of radius
// Rmin (while that arc is under half the circle). Infinity beyond 3,000 km,
// where no caller needs it. PoleIndex.GeodesicUpperBoundIsNeverShort checks it.
double geodesic_upper_bound_m(double chord) {
  constexpr double kA = 6378137.0, kB = 6356752.314245179;
  constexpr double kRmin = kB * kB / kA;
  if (!(chord <= 3'000'000)) return std::numeric_limits<double>::infinity();
  return 2 * kRmin * std::asin(chord / (2 * kRmin)) * (1 + 1e-12);
}

namespace {

// The squared straight-line distance between two ECEF points (square metres).
double chord2(const double a[3], const double b[3]) {
  return (a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]);
}

// Straight-line distance between two ECEF points (metres).
double chord_m(const double a[3], const double b[3]) { return std::sqrt(chord2(a, b)); }

// sin and cos of a small angle (|x| <= kSmallAngle) by their Taylor series:
// the next terms are below 1e-20.
constexpr double kSmallAngle = 0.02;
void small_sincos(double x, double& s, double& c) {
  const double x2 = x * x;
  // Products with the reciprocals, not divisions (a division takes ~15 cycles).
  s = x * (1 - x2 * (1.0 / 6) * (1 - x2 * (1.0 / 20) * (1 - x2 * (1.0 / 42))));
  c = 1 - x2 * 0.5 * (1 - x2 * (1.0 / 12) * (1 - x2 * (1.0 / 30) * (1 - x2 * (1.0 / 56))));
}

// ECEF of the poles of one patch (a level-1 node) without a sine or cosine per
// pole: the angle addition formulas around the patch centre, whose sines and
// cosines are computed once. Exact to rounding while the patch is within
// kSmallAngle radians of its centre; otherwise falls back to ecef_raw.
//
// Cheaper still, chord_lower_bound2() bounds a pole's chord to a point from
// below with the patch's tangent plane: ECEF(centre) + J (dlat, dlon) (J the
// derivatives in radians). The second derivatives of ECEF in (lat, lon) are at
// most ~1.03 a (M and N <= a^2/b, dM/dlat <= 0.01 a), so the plane is off by at
// most 1.03 a (dlat^2 + dlon^2) over the patch: `plane_err_`, taken as 1.1 a (...).
class PatchEcef {
 public:
  // What a row of patches (one latitude lat0) shares, computed once at build:
  // sin and cos of lat0, the radii of curvature, the plane's error and the
  // patches' radius; kSmall is 1 when the patches are small.
  enum { kSin, kCos, kN, kM, kPlaneErr, kRadius, kSmall, kRowValues };
  static void row_values(double lat0, double half_lon_deg, double half_lat_deg, double out[kRowValues]) {
    constexpr double kA = 6378137.0, kE2 = 6.69437999014e-3, kRad = 3.14159265358979323846 / 180;
    const double sp = std::sin(lat0 * kRad), cp = std::cos(lat0 * kRad);
    const double w2 = 1 - kE2 * sp * sp, w = std::sqrt(w2);
    const double n = kA / w, m = kA * (1 - kE2) / (w2 * w);
    const double hp = half_lat_deg * kRad, hl = half_lon_deg * kRad;
    const double plane_err = 1.1 * kA * (hp * hp + hl * hl) + 1e-6;
    out[kSin] = sp, out[kCos] = cp, out[kN] = n, out[kM] = m, out[kPlaneErr] = plane_err;
    // J's columns are orthogonal, of lengths m and n cos(lat0).
    out[kRadius] = std::sqrt(m * m * hp * hp + n * n * cp * cp * hl * hl) + plane_err;
    out[kSmall] = hl <= kSmallAngle && hp <= kSmallAngle ? 1.0 : 0.0;
  }
  // row: row_values() of lat0; sc_lon: sin and cos of lon0 (degrees), computed once per column at build.
  PatchEcef(double lon0, double lat0, const double row[kRowValues], const double sc_lon[2])
      : lon0_(lon0), lat0_(lat0) {
    constexpr double kE2 = 6.69437999014e-3;
    small_ = row[kSmall] != 0;
    if (small_) {
      sp0_ = row[kSin], cp0_ = row[kCos];
      sl0_ = sc_lon[0], cl0_ = sc_lon[1];
      const double n = row[kN], m = row[kM];
      c_[0] = n * cp0_ * cl0_, c_[1] = n * cp0_ * sl0_, c_[2] = n * (1 - kE2) * sp0_;
      jp_[0] = -m * sp0_ * cl0_, jp_[1] = -m * sp0_ * sl0_, jp_[2] = m * cp0_;
      jl_[0] = -n * cp0_ * sl0_, jl_[1] = n * cp0_ * cl0_, jl_[2] = 0;
      plane_err_ = row[kPlaneErr];
      radius_ = row[kRadius];
    }
  }
  bool small() const { return small_; }
  double plane_err_m() const { return plane_err_; }
  // No point of the patch is farther than this from centre() (small patches).
  double radius_m() const { return radius_; }
  // |q - plane(t)|^2, with q given relative to the centre (q - centre()).
  double plane_d2(const double qc[3], LonLat t) const {
    constexpr double kRad = 3.14159265358979323846 / 180;
    const double u = (t.lat - lat0_) * kRad, v = (t.lon - lon0_) * kRad;
    const double d0 = qc[0] - jp_[0] * u - jl_[0] * v, d1 = qc[1] - jp_[1] * u - jl_[1] * v, d2 = qc[2] - jp_[2] * u;
    return d0 * d0 + d1 * d1 + d2 * d2;
  }
  const double* centre() const { return c_; }
  void operator()(LonLat t, double out[3]) const {
    constexpr double kA = 6378137.0, kE2 = 6.69437999014e-3, kRad = 3.14159265358979323846 / 180;
    if (!small_) return ecef_raw(t, out);
    double su, cu, sv, cv;
    small_sincos((t.lat - lat0_) * kRad, su, cu);
    small_sincos((t.lon - lon0_) * kRad, sv, cv);
    const double sp = sp0_ * cu + cp0_ * su, cp = cp0_ * cu - sp0_ * su;
    const double sl = sl0_ * cv + cl0_ * sv, cl = cl0_ * cv - sl0_ * sv;
    const double n = kA / std::sqrt(1 - kE2 * sp * sp);
    out[0] = n * cp * cl;
    out[1] = n * cp * sl;
    out[2] = n * (1 - kE2) * sp;
  }

 private:
  double lon0_, lat0_, sp0_ = 0, cp0_ = 1, sl0_ = 0, cl0_ = 1;
  double c_[3] = {0, 0, 0}, jp_[3] = {0, 0, 0}, jl_[3] = {0, 0, 0}, plane_err_ = 0, radius_ = 0;
  bool small_ = false;
};

}  // namespace

// The chord turned into the arc of a circle with the ellipsoid's normal
// curvature at the chord's middle in the chord's direction (Euler's formula:
// cos^2(azimuth) / M + sin^2(azimuth) / N). Two square roots and an arcsine
// instead of Karney's iteration (~0.7 us here); the curvature changes little
// along a geodesic of up to kChordGeodesicMaxM, so the arc agrees with the
// geodesic to 2e-6 m at 150 km and 1e-4 m at 300 km
// (PoleIndex.ChordGeodesicMatchesKarneyBelowItsRange checks it at random, polar
// and antimeridian pairs included).
double chord_geodesic_m(const double q[3], const double t[3]) {
  constexpr double kA = 6378137.0, kE2 = 6.69437999014e-3, kB2 = kA * kA * (1 - kE2);
  const double d[3] = {t[0] - q[0], t[1] - q[1], t[2] - q[2]};
  const double c2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
  // The ellipsoid's normal at the chord's middle: the gradient (x/a^2, y/a^2, z/b^2).
  const double m[3] = {(t[0] + q[0]) / (kA * kA), (t[1] + q[1]) / (kA * kA), (t[2] + q[2]) / kB2};
  const double inv = 1 / std::sqrt(m[0] * m[0] + m[1] * m[1] + m[2] * m[2]);
  const double n[3] = {m[0] * inv, m[1] * inv, m[2] * inv};
  const double dn = d[0] * n[0] + d[1] * n[1] + d[2] * n[2];
  const double h2 = c2 - dn * dn;                  // the chord's horizontal part, squared
  const double w = std::sqrt(1 - kE2 * n[2] * n[2]);  // n[2] = sin(latitude)
  // 1/M - 1/N = w e^2 cos^2(lat) / (a (1 - e^2)), and cos^2(azimuth) cos^2(lat) = north^2 / h2.
  const double north = d[2] - n[2] * dn;
  const double kappa = w * (1 / kA) + (h2 > 0 ? w * kE2 * north * north / (kA * (1 - kE2) * h2) : 0);
  // The arc 2 r asin(chord / 2r) with r = 1 / kappa, with one division.
  return 2 * std::asin(std::min(1.0, std::sqrt(c2) * kappa * 0.5)) / kappa;
}

namespace {

// The ranking distance (metres) beyond kExactBeyondM from p (ECEF `p3`) to t
// (ECEF `t3`): the chord's arc while short enough, else Karney's geodesic.
double far_distance_m(LonLat p, const double p3[3], LonLat t, const double t3[3]) {
  const double chord = chord_m(p3, t3);
  return chord <= kChordGeodesicMaxM ? chord_geodesic_m(p3, t3) : geo::distance_m(p, t);
}

// Below this squared distance (m^2) from p the key is the local metric. Near a
// geographic pole the meridians converge within a few kilometres and the local
// metric is millimetres off (57 m across the pole: 1 mm): there every key is
// the chord's arc, exact to nanometres at that range.
double local_metric_limit2(LonLat p) {
  return std::fabs(p.lat) < 80.0 ? geo::kExactBeyondM * geo::kExactBeyondM : 0.0;
}

// Per-thread scratch for a query: the vectors keep their capacity, so a query allocates nothing.
struct HeapEntry {
  double lb2;
  std::uint32_t level;  // index into levels_
  std::uint32_t node;
  std::uint32_t ref;    // index into refs: the FarBound for this node's poles (by pivots: see search_by_pivots)
  bool operator>(const HeapEntry& o) const { return lb2 > o.lb2; }
};
// A node of the wide tree waiting to be searched: `level` 0 is a leaf (a
// level-1 node of the pyramid), wide_[level - 1] holds the others' children.
struct WideEntry {
  float d2;  // the squared chord from the query to the node's box (floats)
  std::uint32_t level;
  std::uint32_t node;
  std::uint32_t rows;  // a leaf's: its LeafRows, group * 16 + child (leaf_rows_)
};
// Two points whose distances from the query are known (near its antipode, search_by_pivots):
// a node's centre and the point where the geodesic through it meets the query's cut locus (ECEF in the index's frame).
struct Pivot {
  double centre[3], cut[3];
  double g_centre, g_cut;
};
// A run of one node's children sorted by key (in Scratch::stack): `at` is
// the nearest not yet taken, `end` the run's end; d2 = stack[at].d2.
struct RunCursor {
  float d2;
  std::uint32_t at, end;
};
struct Scratch {
  std::vector<WideEntry> stack;  // the wide tree's nodes met, in runs
  std::vector<RunCursor> runs;   // the runs with nodes left, the nearest last
  std::vector<Pivot> pivots;
  std::vector<HeapEntry> heap;
  std::vector<FarBound> refs;
  // (bound, slot) of a far leaf's poles (pivots), or (plane key, slot) of a near leaf's poles passing the plane test
  std::vector<std::pair<double, std::uint32_t>> leaf;
  std::vector<std::pair<double, std::uint32_t>> best;  // (key, slot), the k best so far
  std::vector<std::pair<double, std::uint32_t>> chunks;  // (key, chunk) of a crowded range (for_crowded_slots)
  std::vector<std::pair<std::uint32_t, double>> island;  // one island's answer (nearest_in_islands)
};
Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

// The chord (metres) from `q` (ECEF) to the nearest point of the box.
template <typename Box>
double box_chord2(const double q[3], const Box& b) {
  double d2 = 0;
  for (int a = 0; a < 3; ++a) {
    const double lo = b.lo[a], hi = b.hi[a];
    const double d = q[a] < lo ? lo - q[a] : q[a] > hi ? q[a] - hi : 0;
    d2 += d * d;
  }
  return d2;
}
template <typename Box>
double box_chord_m(const double q[3], const Box& b) {
  return std::sqrt(box_chord2(q, b));
}

// Lower bound of the ranking key (metres) of a pole `chord` metres from the
// query: below ~3 km the key is the corrected local metric (local_key2: under
// 4e-7 off the geodesic, and the chord is never longer than the geodesic);
// 2e-6 and a millimetre leave room for rounding. Beyond, the geodesic itself (>= chord).
double near_key_lower_bound_m(double chord) {
  return chord <= 3100.0 ? std::max(0.0, chord - 2e-6 * chord - 1e-3) : chord;
}

// Lower bound of the ranking key (metres) of a pole `chord` metres from the
// query, for a chord measured in doubles: beyond 3.1 km the arc of the chord
// (arc_lower_bound_m, a millimetre off for the key's own error: chord_geodesic_m
// is within 1e-4 m of the geodesic). The chord alone is a metre short at 100
// km and 16 m at 250 km, where a dense line of poles then had thousands
// measured; the arc is a centimetre short at 100 km.
double pole_key_lower_bound_m(double chord) {
  return chord <= 3100.0 ? near_key_lower_bound_m(chord) : arc_lower_bound_m(chord) - 1e-3;
}

// The chord beyond which pole_key_lower_bound_m exceeds sqrt(bound2)
// (infinity for none): no pole farther than that by chord can beat the k-th.
double chord_threshold_m(double bound2) {
  const double b = std::sqrt(bound2);
  // 1.000002000004 >= 1 / (1 - 2e-6): a product, rounded upward of the quotient.
  constexpr double kNear = (3100.0 + 1e-3) * 1.000002000004;
  if (b < 3100.0) return (b + 1e-3) * 1.000002000004;
  // The chord whose arc (on the sphere of radius a^2/b, arc_lower_bound_m) is b
  // and a millimetre, and never below kNear, so that a chord beyond it is
  // beyond 3.1 km, where the arc bounds the key.
  constexpr double kRmax = kArcRadiusM;
  const double h = (b + 1e-3) / (2 * kRmax);
  if (h >= 1.5707963267948966) return std::numeric_limits<double>::infinity();
  // Within 600 km, sin's series cut after a positive term: above the sine
  // (by under a micrometre), so still a chord whose arc is at least b.
  const double sine = h < 0.05 ? h * (1 - h * h * (1.0 / 6) * (1 - h * h * (1.0 / 20))) : std::sin(h);
  return std::max(kNear, 2 * kRmax * sine * (1 + 1e-12));
}

// The ranking key (squared metres) of t from p below kExactBeyondM: the metric
// at p's latitude, corrected to first order to the latitude between them
// (kTieBand2), so that it orders poles as geo::local_distance_m does.
inline double local_key2(LonLat p, const geo::DegreeScale& s, LonLat t) {
  const double dlat = t.lat - p.lat;
  const double dx = (t.lon - p.lon) * s.m_per_deg_lon * (1 + s.lon_change_per_deg * (0.5 * dlat));
  const double dy = dlat * s.m_per_deg_lat * (1 + s.lat_change_per_deg * (0.5 * dlat));
  return dx * dx + dy * dy;
}

// `margin`: how far the box's floats may lie inside the true box (box_margin_m_).
template <typename Box>
double lower_bound_m(const double q[3], const Box& b, double margin) {
  const double chord = std::max(0.0, box_chord_m(q, b) - margin);
  if (chord <= 3100.0) return near_key_lower_bound_m(chord);
  return arc_lower_bound_m(chord) - 1.0;
}

// A crowded cell's chunk boxes are doubles, rounded to nanometres.
constexpr double kChunkMarginM = 1e-6;
// The squared lower bound of the ranking key of any pole in `box` from q (both in the index's frame).
template <typename Box>
double chunk_key2(const double q[3], const Box& box) {
  // The box is in doubles: the arc of its chord, not lower_bound_m's arc less a metre for floats.
  const double lb = std::max(0.0, pole_key_lower_bound_m(std::max(0.0, box_chord_m(q, box) - kChunkMarginM)));
  return lb * lb;
}

// The index of the least of 16 floats (the first of equals).
std::uint32_t least_of_16(const float* d) {
#if defined(__SSE2__)
  __m128 m = _mm_min_ps(_mm_min_ps(_mm_loadu_ps(d), _mm_loadu_ps(d + 4)), _mm_min_ps(_mm_loadu_ps(d + 8), _mm_loadu_ps(d + 12)));
  m = _mm_min_ps(m, _mm_shuffle_ps(m, m, _MM_SHUFFLE(1, 0, 3, 2)));
  m = _mm_min_ps(m, _mm_shuffle_ps(m, m, _MM_SHUFFLE(2, 3, 0, 1)));
  std::uint32_t mask = 0;
  for (int j = 0; j < 16; j += 4) {
    mask |= static_cast<std::uint32_t>(_mm_movemask_ps(_mm_cmpeq_ps(_mm_loadu_ps(d + j), m))) << j;
  }
  if (mask != 0) return static_cast<std::uint32_t>(std::countr_zero(mask));
#endif
  return static_cast<std::uint32_t>(std::min_element(d, d + 16) - d);
}

// How far q lies outside [lo, hi] (0 within), four lanes at a time or one.
#if defined(__SSE2__)
inline __m128 outside_by(const float* lo, const float* hi, __m128 q) {
  const __m128 d = _mm_max_ps(_mm_sub_ps(_mm_load_ps(lo), q), _mm_sub_ps(q, _mm_load_ps(hi)));
  return _mm_max_ps(d, _mm_setzero_ps());
}
#endif
inline float outside_by(float lo, float hi, float q) { return std::max(std::max(lo - q, q - hi), 0.0f); }

// The mask of the 16 floats at most `limit` (bit j for d[j]).
std::uint32_t mask_at_most_16(const float* d, float limit) {
  std::uint32_t mask = 0;
#if defined(__SSE2__)
  const __m128 lim = _mm_set1_ps(limit);
  for (int j = 0; j < 16; j += 4) {
    mask |= static_cast<std::uint32_t>(_mm_movemask_ps(_mm_cmple_ps(_mm_loadu_ps(d + j), lim))) << j;
  }
#else
  for (int j = 0; j < 16; ++j) mask |= static_cast<std::uint32_t>(d[j] <= limit) << j;
#endif
  return mask;
}

BBox box_of(const std::vector<LonLat>& positions, const std::vector<std::uint32_t>& ids) {
  BBox b{180, 90, -180, -90};
  for (const std::uint32_t i : ids) {
    const LonLat& q = positions[i];
    b.min_lon = std::min(b.min_lon, q.lon), b.max_lon = std::max(b.max_lon, q.lon);
    b.min_lat = std::min(b.min_lat, q.lat), b.max_lat = std::max(b.max_lat, q.lat);
  }
  return b;
}

// `ids` cut in two at the widest empty band across them (of longitude or of
// latitude), when it is at least PoleIndex::kIslandGapM and an eighth of the
// poles' extent that way wide: nullopt otherwise. (A line of poles with a
// short gap stays whole.) The band is found in a histogram of 4,096 bins a
// coordinate (linear in the poles, no sort); both sides keep the order of `ids`.
std::optional<std::pair<std::vector<std::uint32_t>, std::vector<std::uint32_t>>> cut_at_widest_gap(
    const std::vector<LonLat>& positions, const std::vector<std::uint32_t>& ids) {
  if (ids.size() < 2) return std::nullopt;
  const BBox all = box_of(positions, ids);
  constexpr std::size_t kBins = 4096;
  std::vector<std::uint8_t> used(kBins);
  double widest_m = 0, cut = 0;
  bool cut_lon = false;
  for (const bool lon : {true, false}) {
    const double lo = lon ? all.min_lon : all.min_lat, hi = lon ? all.max_lon : all.max_lat;
    // The fewest metres a degree can be over the box: a band is at least as wide as this says.
    const double far_lat = std::min(89.9, std::max(std::fabs(all.min_lat), std::fabs(all.max_lat)));
    const double m_per_deg = lon ? geo::degree_scale(far_lat).m_per_deg_lon : geo::degree_scale(0).m_per_deg_lat;
    const double extent = hi - lo;
    if (!(extent * m_per_deg >= PoleIndex::kIslandGapM)) continue;
    const double bin = extent / kBins;
    std::fill(used.begin(), used.end(), 0);
    for (const std::uint32_t i : ids) {
      const double c = lon ? positions[i].lon : positions[i].lat;
      used[std::min(kBins - 1, static_cast<std::size_t>((c - lo) / bin))] = 1;
    }
    std::size_t run_from = 0, run = 0;
    for (std::size_t b = 0; b < kBins;) {
      std::size_t e = b;
      while (e < kBins && !used[e]) ++e;
      if (e - b > run) run_from = b, run = e - b;
      b = e + 1;
    }
    const double gap_m = static_cast<double>(run) * bin * m_per_deg;
    if (run * 8 < kBins || gap_m < PoleIndex::kIslandGapM || gap_m <= widest_m) continue;
    widest_m = gap_m;
    cut = lo + (static_cast<double>(run_from) + 0.5 * static_cast<double>(run)) * bin;
    cut_lon = lon;
  }
  if (widest_m == 0) return std::nullopt;
  std::pair<std::vector<std::uint32_t>, std::vector<std::uint32_t>> sides;
  for (const std::uint32_t i : ids) ((cut_lon ? positions[i].lon : positions[i].lat) < cut ? sides.first : sides.second).push_back(i);
  if (sides.first.empty() || sides.second.empty()) return std::nullopt;
  return sides;
}

// The islands of `positions` (pole_index.hpp, at the top): each island's pole
// indexes, ascending; one list of every pole when the data is not cut.
std::vector<std::vector<std::uint32_t>> split_into_islands(const std::vector<LonLat>& positions) {
  std::vector<std::vector<std::uint32_t>> done, todo(1);
  todo[0].resize(positions.size());
  std::iota(todo[0].begin(), todo[0].end(), 0u);
  if (positions.size() < 2) return todo;
  while (!todo.empty()) {
    std::vector<std::uint32_t> part = std::move(todo.back());
    todo.pop_back();
    if (done.size() + todo.size() + 2 <= PoleIndex::kMostIslands) {
      if (auto sides = cut_at_widest_gap(positions, part)) {
        todo.push_back(std::move(sides->second));
        todo.push_back(std::move(sides->first));
        continue;
      }
    }
    done.push_back(std::move(part));
  }
  return done;
}

}  // namespace

void PoleIndex::build(const std::vector<LonLat>& positions) {
  *this = PoleIndex();
  slot_count_ = positions.size();
  std::vector<std::vector<std::uint32_t>> islands = split_into_islands(positions);
  if (islands.size() <= 1) {
    build_one(positions, {});
    return;
  }
  std::uint32_t offset = 0;
  std::vector<LonLat> part;
  for (const std::vector<std::uint32_t>& ids : islands) {
    part.clear();
    for (const std::uint32_t i : ids) part.push_back(positions[i]);
    Island island{std::make_unique<PoleIndex>(), box_of(positions, ids), {0, 0, 0}, {0, 0, 0}};
    for (int a = 0; a < 3; ++a) island.lo[a] = std::numeric_limits<double>::infinity(), island.hi[a] = -island.lo[a];
    for (const LonLat& q : part) {
      double e[3];
      ecef_raw(q, e);
      for (int a = 0; a < 3; ++a) island.lo[a] = std::min(island.lo[a], e[a]), island.hi[a] = std::max(island.hi[a], e[a]);
    }
    island.index->build_one(part, ids);
    island.index->slot_offset_ = offset;
    island.index->slot_count_ = ids.size();
    offset += static_cast<std::uint32_t>(ids.size());
    islands_.push_back(std::move(island));
  }
  build_one({}, {});
}

namespace {

// A side may have up to 2^22 cells (the other then has few: their product
// is about the target): poles along one straight line 300 km long (a box a
// metre high) get cells of a metre, not 8,192 cells of 36 m with 244 poles
// each, as under the former cap of 8,192 a side.
constexpr double kMaxCellsASide = 1 << 22;

// Square cells of side_m metres over `box` (width_m x height_m at its
// middle latitude), as build_one lays them out.
struct CellLayout {
  std::uint32_t nx, ny;
  double min_lon, min_lat, deg_lon, deg_lat;
  std::uint32_t cell_of(const LonLat& p) const {
    const auto cx = std::min<std::uint32_t>(nx - 1, static_cast<std::uint32_t>((p.lon - min_lon) / deg_lon));
    const auto cy = std::min<std::uint32_t>(ny - 1, static_cast<std::uint32_t>((p.lat - min_lat) / deg_lat));
    return cy * nx + cx;
  }
};

CellLayout cell_layout(const BBox& box, double width_m, double height_m, double side_m) {
  CellLayout c;
  c.nx = static_cast<std::uint32_t>(std::clamp(std::ceil(width_m / side_m), 1.0, kMaxCellsASide));
  c.ny = static_cast<std::uint32_t>(std::clamp(std::ceil(height_m / side_m), 1.0, kMaxCellsASide));
  c.min_lon = box.min_lon;
  c.min_lat = box.min_lat;
  // Slightly larger than needed so that max_lon/max_lat fall inside the last cell.
  c.deg_lon = std::max((box.max_lon - box.min_lon) / c.nx * (1 + 1e-9), 1e-9);
  c.deg_lat = std::max((box.max_lat - box.min_lat) / c.ny * (1 + 1e-9), 1e-9);
  return c;
}

// Cells sized for poles spread over their whole box hold many poles each
// where the poles cluster (along roads, a railway, in villages): a search then
// reads every pole of a cell or leaf for the few it needs. So the side is
// halved (cells 4x as many) once when the cells that hold a pole hold over 16
// on average, as long as the cells stay within 1.1 a pole (a cell costs about
// 22 bytes: 2M poles along roads, 79 -> 110 MB; a second halving, 245 MB,
// gained a tenth more). Both versions in one process, alternating, k = 5, the
// same answers: 2M poles along rural roads 6.50 -> 5.51 us, along a railway
// 9.28 -> 7.33 us, 2,000 villages 5.74 -> 4.98 us; spread evenly, round a
// lake, 50 towns: unchanged. `counts`: the poles of each cell of `cells`
// (build_one's histogram, so that deciding costs no pass over the poles).
bool halve_for_clusters(const CellLayout& cells, const std::vector<std::uint32_t>& counts, std::size_t n) {
  constexpr double kCrowded = 16;  // poles per occupied cell beyond which the side is halved
  constexpr double kMostCellsPerPole = 1.1;
  if (4.0 * cells.nx * cells.ny > kMostCellsPerPole * static_cast<double>(n) || 2.0 * cells.nx > kMaxCellsASide ||
      2.0 * cells.ny > kMaxCellsASide) {
    return false;
  }
  const auto occupied = static_cast<std::size_t>(
      std::count_if(counts.begin(), counts.end(), [](std::uint32_t c) { return c != 0; }));
  return static_cast<double>(n) > kCrowded * static_cast<double>(occupied);
}

}  // namespace

void PoleIndex::build_one(const std::vector<LonLat>& positions, const std::vector<std::uint32_t>& ids) {
  // About four poles per cell: fewer cells to visit per ring, few enough poles per cell
  // (measured 2 / 4 / 8 on the 2M-pole city: 4 was fastest for k = 1).
  constexpr double kPolesPerCell = 4.0;
  const std::size_t n = positions.size();
  order_.clear();
  sorted_pos_.clear();
  if (n == 0) {
    nx_ = ny_ = 0;
    cell_start_.assign(1, 0);
    return;
  }
  double min_lon = 180, max_lon = -180, min_lat = 90, max_lat = -90;
  for (const LonLat& p : positions) {
    min_lon = std::min(min_lon, p.lon);
    max_lon = std::max(max_lon, p.lon);
    min_lat = std::min(min_lat, p.lat);
    max_lat = std::max(max_lat, p.lat);
  }
  // Square cells, measured in metres at the middle latitude.
  const geo::DegreeScale mid = geo::degree_scale(0.5 * (min_lat + max_lat));
  const double width_m = std::max(1.0, (max_lon - min_lon) * mid.m_per_deg_lon);
  const double height_m = std::max(1.0, (max_lat - min_lat) * mid.m_per_deg_lat);
  const double target_cells = std::clamp(static_cast<double>(n) / kPolesPerCell, 1.0, double{1 << 23});
  const BBox box{min_lon, min_lat, max_lon, max_lat};
  const double spread_side_m = std::max(1.0, std::sqrt(width_m * height_m / target_cells));
  std::vector<std::uint32_t> cell;
  reserve_huge(cell, n);
  cell.resize(n);
  // Each pole's cell, and cell_start_[c + 1] the poles of cell c.
  auto lay_out = [&](const CellLayout& cells) {
    nx_ = cells.nx;
    ny_ = cells.ny;
    min_lon_ = cells.min_lon;
    min_lat_ = cells.min_lat;
    cell_deg_lon_ = cells.deg_lon;
    cell_deg_lat_ = cells.deg_lat;
    cell_start_.clear();
    reserve_huge(cell_start_, static_cast<std::size_t>(nx_) * ny_ + 1);
    cell_start_.assign(static_cast<std::size_t>(nx_) * ny_ + 1, 0);
    for (std::size_t i = 0; i < n; ++i) {
      cell[i] = cells.cell_of(positions[i]);
      ++cell_start_[cell[i] + 1];
    }
  };
  const CellLayout spread = cell_layout(box, width_m, height_m, spread_side_m);
  lay_out(spread);
  if (halve_for_clusters(spread, cell_start_, n)) lay_out(cell_layout(box, width_m, height_m, spread_side_m / 2));
  for (std::size_t c = 1; c < cell_start_.size(); ++c) cell_start_[c] += cell_start_[c - 1];
  reserve_huge(order_, n);
  order_.resize(n);
  reserve_huge(sorted_pos_, n);
  sorted_pos_.resize(n);
  std::vector<std::uint32_t> fill(cell_start_.begin(), cell_start_.end() - 1);
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint32_t at = fill[cell[i]]++;
    order_[at] = ids.empty() ? i : ids[i];
    sorted_pos_[at] = positions[i];
  }
  sort_crowded_cells();
  occupied_.assign((cell_start_.size() - 1 + 63) / 64, 0);
  for (std::size_t c = 0; c + 1 < cell_start_.size(); ++c) {
    if (cell_start_[c + 1] != cell_start_[c]) occupied_[c >> 6] |= std::uint64_t{1} << (c & 63);
  }
  // Lower bounds use the smallest metres-per-degree of longitude over the data.
  const double far_lat = std::max(std::fabs(min_lat), std::fabs(max_lat));
  min_m_per_deg_lon_ = geo::degree_scale(std::min(89.9, far_lat)).m_per_deg_lon;
  min_m_per_deg_lat_ = geo::degree_scale(0).m_per_deg_lat;  // smallest at the equator
  min_lon_all_ = min_lon;
  max_lon_all_ = max_lon;
  min_lat_all_ = min_lat;
  max_lat_all_ = max_lat;
  build_pyramid();
}

namespace {

// The order of a crowded cell's slots: by the Z-order key of their position
// in the cell (PoleIndex::cell_z_key), lon, lat, then pole index
// (sort_crowded_cells sorts by it, slot_of searches by it). Poles at one
// position are side by side, lowest index first; a chunk of consecutive
// slots is a compact patch (a Z-order curve's stretch), not a strip.
bool position_before(std::uint64_t key_a, const LonLat& a, std::uint32_t pole_a, std::uint64_t key_b, const LonLat& b,
                     std::uint32_t pole_b) {
  if (key_a != key_b) return key_a < key_b;
  if (a.lon != b.lon) return a.lon < b.lon;
  if (a.lat != b.lat) return a.lat < b.lat;
  return pole_a < pole_b;
}

bool same_position(const LonLat& a, const LonLat& b) { return a.lon == b.lon && a.lat == b.lat; }

// x's 21 low bits spread to the even bits of the result.
std::uint64_t spread_bits(std::uint64_t x) {
  x &= 0x1fffff;
  x = (x | x << 16) & 0x0000ffff0000ffffULL;
  x = (x | x << 8) & 0x00ff00ff00ff00ffULL;
  x = (x | x << 4) & 0x0f0f0f0f0f0f0f0fULL;
  x = (x | x << 2) & 0x3333333333333333ULL;
  x = (x | x << 1) & 0x5555555555555555ULL;
  return x;
}

}  // namespace

std::uint64_t PoleIndex::cell_z_key(std::uint32_t c, LonLat p) const {
  constexpr double kScale = 1 << 21;
  const std::uint32_t cx = c % nx_, cy = c / nx_;
  const double fx = (p.lon - (min_lon_ + cx * cell_deg_lon_)) / cell_deg_lon_ * kScale;
  const double fy = (p.lat - (min_lat_ + cy * cell_deg_lat_)) / cell_deg_lat_ * kScale;
  const auto u = static_cast<std::uint64_t>(std::clamp(fx, 0.0, kScale - 1));
  const auto v = static_cast<std::uint64_t>(std::clamp(fy, 0.0, kScale - 1));
  return spread_bits(u) | spread_bits(v) << 1;
}

void PoleIndex::sort_crowded_cells() {
  // A run of kRunMin needs a cell of as many: only such cells are sorted (a
  // few percent of them where poles are spread out; 2,000,000 poles around 20
  // hot spots built in 113-129 ms against 108 ms unsorted, BM_PoleIndexBuild/2).
  runs_.clear();
  chunks_.clear();
  struct Keyed {
    std::uint64_t key;
    LonLat position;
    std::uint32_t pole;
  };
  std::vector<Keyed> cell;
  auto by_position = [](const Keyed& a, const Keyed& b) {
    return position_before(a.key, a.position, a.pole, b.key, b.position, b.pole);
  };
  for (std::size_t c = 0; c + 1 < cell_start_.size(); ++c) {
    const std::uint32_t begin = cell_start_[c], end = cell_start_[c + 1];
    if (end - begin < kRunMin) continue;
    cell.clear();
    for (std::uint32_t i = begin; i < end; ++i) {
      cell.push_back({cell_z_key(static_cast<std::uint32_t>(c), sorted_pos_[i]), sorted_pos_[i], order_[i]});
    }
    std::sort(cell.begin(), cell.end(), by_position);
    for (std::uint32_t i = begin; i < end; ++i) sorted_pos_[i] = cell[i - begin].position, order_[i] = cell[i - begin].pole;
    for (std::uint32_t i = begin; i < end;) {
      std::uint32_t j = i + 1;
      while (j < end && same_position(sorted_pos_[j], sorted_pos_[i])) ++j;
      if (j - i >= kRunMin) runs_.push_back({i, j});
      i = j;
    }
    if (end - begin >= kChunkCellMin) cut_into_chunks(begin, end);
  }
}

// Chunks of about sqrt(n) slots of a crowded cell (sorted by position, runs
// found): sqrt(n) boxes to measure and a few chunks of sqrt(n) to visit. A
// chunk never splits poles at one position, and a run is a chunk of its own
// (a point box, visited k poles deep by for_slots_in_runs).
void PoleIndex::cut_into_chunks(std::uint32_t begin, std::uint32_t end) {
  const auto size = std::max<std::uint32_t>(32, static_cast<std::uint32_t>(std::sqrt(double(end - begin))));
  for (std::uint32_t i = begin; i < end;) {
    std::uint32_t j = i;
    while (j < end && j - i < size) {
      std::uint32_t group = j + 1;
      while (group < end && same_position(sorted_pos_[group], sorted_pos_[j])) ++group;
      if (group - j >= kRunMin) {
        if (j == i) j = group;  // the run alone; else the chunk ends before it
        break;
      }
      j = group;
    }
    chunks_.push_back({i, j, {}, {}});  // its box once the frame is known (build_pyramid)
    i = j;
  }
}

template <typename Visit, typename ChunkKey, typename Bound>
void PoleIndex::for_crowded_slots(std::uint32_t begin, std::uint32_t end, std::size_t k, const HiddenPoles* hidden,
                                  Visit& visit, ChunkKey& chunk_key, Bound& bound) const {
  if (end - begin < kChunkCellMin) return for_slots_in_runs(begin, end, k, hidden, visit);  // no chunked cell
  // The first chunk that ends after `begin`; chunks lie inside cells, so none begins before it.
  auto chunk = std::lower_bound(chunks_.begin(), chunks_.end(), begin, [](const Chunk& c, std::uint32_t slot) {
    return c.end <= slot;
  });
  if (chunk == chunks_.end() || chunk->first >= end) return for_slots_in_runs(begin, end, k, hidden, visit);
  // The visits and bound() never come back here: one list per thread serves.
  std::vector<std::pair<double, std::uint32_t>>& keyed = scratch().chunks;
  keyed.clear();
  std::uint32_t i = begin;
  for (; chunk != chunks_.end() && chunk->first < end; ++chunk) {
    if (i < chunk->first) for_slots_in_runs(i, chunk->first, k, hidden, visit);
    keyed.emplace_back(chunk_key(*chunk), static_cast<std::uint32_t>(chunk - chunks_.begin()));
    i = chunk->end;
  }
  if (i < end) for_slots_in_runs(i, end, k, hidden, visit);
  // The nearest chunk not visited yet, while it may hold a better pole: a
  // search visits a few of the cell's chunks, so picking each by a scan of
  // the keys costs less than sorting them all (100,000 poles over a metre:
  // 316 chunks, BM_NearestPiled/100000/100). Each chunk once: a visited
  // one's key becomes infinity, which a search still short of k poles
  // (bound() infinite: k larger than the poles seen, or all of them hidden)
  // would otherwise take again, adding its poles twice or, when they are
  // hidden, for ever (until 2026-12-06).
  for (std::size_t left = keyed.size(); left != 0; --left) {
    std::size_t m = 0;
    for (std::size_t n = 1; n < keyed.size(); ++n) {
      if (keyed[n].first < keyed[m].first) m = n;
    }
    if (!(keyed[m].first <= bound())) break;  // the nearest is beyond
    const Chunk& c = chunks_[keyed[m].second];
    keyed[m].first = std::numeric_limits<double>::infinity();
    for_slots_in_runs(c.first, c.end, k, hidden, visit);
  }
}

template <typename Visit>
void PoleIndex::for_slots_in_runs(std::uint32_t begin, std::uint32_t end, std::size_t k, const HiddenPoles* hidden,
                                  Visit& visit) const {
  // The first run that ends after `begin`; runs lie inside cells, so none begins before it.
  auto run = std::lower_bound(runs_.begin(), runs_.end(), begin, [](const Run& r, std::uint32_t slot) {
    return r.end <= slot;
  });
  std::uint32_t i = begin;
  for (; run != runs_.end() && run->first < end; ++run) {
    for (; i < run->first; ++i) visit(i);
    // The run's poles tie; the lower indexes come first and win: k of them
    // that are not passed over are enough. (A search passes over a hidden
    // pole anyway: it is not even visited here, where an overlay that moved
    // the pile's poles one by one would hide thousands.)
    const std::uint32_t stop = std::min(end, run->end);
    for (std::size_t seen = 0; i < stop && seen < k; ++i) {
      if (is_hidden(hidden, i)) continue;
      ++seen;
      visit(i);
    }
    i = stop;
  }
  for (; i < end; ++i) visit(i);
}

void PoleIndex::build_pyramid() {
  levels_.clear();
  wide_.clear();
  leaf_rows_.clear();
  if (order_.empty()) return;
  {
    constexpr double kRad = 3.14159265358979323846 / 180;
    const double lon = 0.5 * (min_lon_all_ + max_lon_all_) * kRad, lat = 0.5 * (min_lat_all_ + max_lat_all_) * kRad;
    const double sl = std::sin(lon), cl = std::cos(lon), sp = std::sin(lat), cp = std::cos(lat);
    const double rows[9] = {-sl, cl, 0, -sp * cl, -sp * sl, cp, cp * cl, cp * sl, sp};
    std::copy(rows, rows + 9, frame_);
    ecef_raw({0.5 * (min_lon_all_ + max_lon_all_), 0.5 * (min_lat_all_ + max_lat_all_)}, frame_ + 9);
  }
  for (Chunk& chunk : chunks_) {
    for (int a = 0; a < 3; ++a) chunk.lo[a] = std::numeric_limits<double>::infinity(), chunk.hi[a] = -chunk.lo[a];
    for (std::uint32_t slot = chunk.first; slot < chunk.end; ++slot) {
      double e[3];
      ecef(sorted_pos_[slot], e);
      for (int a = 0; a < 3; ++a) chunk.lo[a] = std::min(chunk.lo[a], e[a]), chunk.hi[a] = std::max(chunk.hi[a], e[a]);
    }
  }
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const Box3 empty{{kInf, kInf, kInf}, {-kInf, -kInf, -kInf}};
  // Level 1 from the poles: O(n), one pass over sorted_pos_ cell by cell.
  Level first;
  first.nx = (nx_ + 1) / 2;
  first.ny = (ny_ + 1) / 2;
  first.boxes.assign(static_cast<std::size_t>(first.nx) * first.ny, empty);
  reserve_huge(frame_pos_, order_.size());
  frame_pos_.resize(order_.size());
  double farthest = 0;  // the largest coordinate kept, for the floats' margin
  // Each leaf's poles along the diagonals (DiagGroup), from their doubles.
  constexpr double kHalfRoot2 = 0.7071067811865476, kInfD = std::numeric_limits<double>::infinity();
  std::vector<DiagInterval> leaf_diag(first.boxes.size(), DiagInterval{kInfD, -kInfD, kInfD, -kInfD});
  for (std::uint32_t cy = 0; cy < ny_; ++cy) {
    for (std::uint32_t cx = 0; cx < nx_; ++cx) {
      const std::uint32_t c = cy * nx_ + cx;
      const std::size_t leaf = static_cast<std::size_t>(cy / 2) * first.nx + cx / 2;
      Box3& b = first.boxes[leaf];
      DiagInterval& d = leaf_diag[leaf];
      for (std::uint32_t i = cell_start_[c]; i < cell_start_[c + 1]; ++i) {
        double e[3];
        ecef(sorted_pos_[i], e);
        frame_pos_[i] = {static_cast<float>(e[0]), static_cast<float>(e[1]), static_cast<float>(e[2])};
        for (int a = 0; a < 3; ++a) {
          farthest = std::max(farthest, std::fabs(e[a]));
          b.lo[a] = std::min(b.lo[a], static_cast<float>(e[a]));
          b.hi[a] = std::max(b.hi[a], static_cast<float>(e[a]));
        }
        const double u = (e[0] + e[1]) * kHalfRoot2, v = (e[0] - e[1]) * kHalfRoot2;
        d[0] = std::min(d[0], u), d[1] = std::max(d[1], u), d[2] = std::min(d[2], v), d[3] = std::max(d[3], v);
      }
    }
  }
  // A float is within 2^-24 of its value, relative: a chord from a point in
  // doubles to a kept one is within sqrt(3) times that at the largest
  // coordinate; twice that, and a centimetre.
  frame_pos_margin_m_ = 2 * 1.7320508075688772 * farthest * 0x1p-24 + 0.01;
  levels_.push_back(std::move(first));
  while (levels_.back().nx > 1 || levels_.back().ny > 1) {
    const Level& below = levels_.back();
    Level up;
    up.nx = (below.nx + 1) / 2;
    up.ny = (below.ny + 1) / 2;
    up.boxes.assign(static_cast<std::size_t>(up.nx) * up.ny, empty);
    for (std::uint32_t y = 0; y < below.ny; ++y) {
      for (std::uint32_t x = 0; x < below.nx; ++x) {
        const Box3& c = below.boxes[static_cast<std::size_t>(y) * below.nx + x];
        Box3& b = up.boxes[static_cast<std::size_t>(y / 2) * up.nx + x / 2];
        for (int a = 0; a < 3; ++a) {
          b.lo[a] = std::min(b.lo[a], c.lo[a]);
          b.hi[a] = std::max(b.hi[a], c.hi[a]);
        }
      }
    }
    levels_.push_back(std::move(up));
  }
  {
    constexpr double kRad = 3.14159265358979323846 / 180;
    const Level& leaves = levels_.front();
    leaf_row_values_.resize(PatchEcef::kRowValues * std::size_t{leaves.ny});
    leaf_col_sc_.resize(2 * std::size_t{leaves.nx});
    for (std::uint32_t y = 0; y < leaves.ny; ++y) {
      // A leaf is 2x2 cells around its centre: half a leaf is a cell (and a little, for rounding).
      PatchEcef::row_values(min_lat_ + (2 * y + 1) * cell_deg_lat_, cell_deg_lon_ * (1 + 1e-9),
                            cell_deg_lat_ * (1 + 1e-9), &leaf_row_values_[PatchEcef::kRowValues * y]);
    }
    for (std::uint32_t x = 0; x < leaves.nx; ++x) {
      const double lon = (min_lon_ + (2 * x + 1) * cell_deg_lon_) * kRad;
      leaf_col_sc_[2 * x] = std::sin(lon), leaf_col_sc_[2 * x + 1] = std::cos(lon);
    }
  }
  // The boxes' floats are rounded to nearest (half an ulp, 6e-8 relative, per axis).
  float max_abs = 0;
  for (const Box3& b : levels_.front().boxes) {
    if (b.lo[0] > b.hi[0]) continue;
    for (int a = 0; a < 3; ++a) max_abs = std::max({max_abs, std::fabs(b.lo[a]), std::fabs(b.hi[a])});
  }
  box_margin_m_ = 2e-7 * max_abs + 1e-3;
  build_wide_tree(std::move(leaf_diag));
}

// The wide tree over the pyramid's leaves: each node keeps the boxes of its
// 4x4 children side by side (coordinate by coordinate), so that the
// search tests 16 children in a few vector instructions and goes
// down half as many levels as the pyramid's.
void PoleIndex::build_wide_tree(std::vector<DiagInterval> leaf_diag) {
  wide_.clear();
  constexpr float kInf = std::numeric_limits<float>::infinity();
  WideGroup empty_group;
  for (int a = 0; a < 3; ++a) {
    std::fill(std::begin(empty_group.lo[a]), std::end(empty_group.lo[a]), kInf);
    std::fill(std::begin(empty_group.hi[a]), std::end(empty_group.hi[a]), -kInf);
  }
  const Box3 empty{{kInf, kInf, kInf}, {-kInf, -kInf, -kInf}};
  std::vector<Box3> below = levels_.front().boxes;
  std::uint32_t below_nx = levels_.front().nx, below_ny = levels_.front().ny;
  using Diag = DiagInterval;
  const Diag no_diag{kInf, -kInf, kInf, -kInf};
  std::vector<Diag> below_diag = std::move(leaf_diag);  // the leaves', from build_pyramid
  DiagGroup empty_diag;
  for (int a = 0; a < 2; ++a) {
    std::fill(std::begin(empty_diag.lo[a]), std::end(empty_diag.lo[a]), kInf);
    std::fill(std::begin(empty_diag.hi[a]), std::end(empty_diag.hi[a]), -kInf);
  }
  for (;;) {
    WideLevel level;
    level.nx = (below_nx + 3) / 4;
    level.ny = (below_ny + 3) / 4;
    level.groups.assign(static_cast<std::size_t>(level.nx) * level.ny, empty_group);
    const bool with_diag = !wide_.empty();
    if (with_diag) level.diag.assign(level.groups.size(), empty_diag);
    std::vector<Box3> boxes(level.groups.size(), empty);
    std::vector<Diag> diags(level.groups.size(), no_diag);
    for (std::uint32_t y = 0; y < below_ny; ++y) {
      for (std::uint32_t x = 0; x < below_nx; ++x) {
        const Box3& c = below[static_cast<std::size_t>(y) * below_nx + x];
        const std::size_t node = static_cast<std::size_t>(y / 4) * level.nx + x / 4;
        const std::uint32_t j = (y % 4) * 4 + x % 4;
        const Diag& cd = below_diag[static_cast<std::size_t>(y) * below_nx + x];
        Diag& nd = diags[node];
        for (int a = 0; a < 4; a += 2) nd[a] = std::min(nd[a], cd[a]), nd[a + 1] = std::max(nd[a + 1], cd[a + 1]);
        if (with_diag) {
          // Rounded outward: a float interval that holds the doubles.
          for (int a = 0; a < 2; ++a) {
            level.diag[node].lo[a][j] = std::nextafter(static_cast<float>(cd[2 * a]), -kInf);
            level.diag[node].hi[a][j] = std::nextafter(static_cast<float>(cd[2 * a + 1]), kInf);
          }
        }
        for (int a = 0; a < 3; ++a) {
          level.groups[node].lo[a][j] = c.lo[a];
          level.groups[node].hi[a][j] = c.hi[a];
          boxes[node].lo[a] = std::min(boxes[node].lo[a], c.lo[a]);
          boxes[node].hi[a] = std::max(boxes[node].hi[a], c.hi[a]);
        }
      }
    }
    if (wide_.empty()) {
      // The leaves' rows of cells, beside their parents' boxes.
      leaf_rows_.assign(level.groups.size(), LeafRowsGroup{});
      for (std::uint32_t y = 0; y < below_ny; ++y) {
        for (std::uint32_t x = 0; x < below_nx; ++x) {
          LeafRows& rows = leaf_rows_[static_cast<std::size_t>(y / 4) * level.nx + x / 4].leaf[(y % 4) * 4 + x % 4];
          const std::uint32_t last_cx = std::min(2 * x + 1, nx_ - 1);
          for (std::uint32_t r = 0; r < 2; ++r) {
            const std::uint32_t cy = 2 * y + r;
            if (cy >= ny_) break;
            rows.begin[r] = cell_start_[static_cast<std::size_t>(cy) * nx_ + 2 * x];
            rows.end[r] = cell_start_[static_cast<std::size_t>(cy) * nx_ + last_cx + 1];
          }
        }
      }
    }
    const bool root = level.nx == 1 && level.ny == 1;
    below_nx = level.nx, below_ny = level.ny;
    wide_.push_back(std::move(level));
    if (root) break;
    below = std::move(boxes);
    below_diag = std::move(diags);
  }
}

void PoleIndex::nearest_best_first(LonLat p, const geo::DegreeScale& s, const double sc_lat[2], std::size_t k,
                                   double limit2, const HiddenPoles* hidden,
                                   std::vector<std::pair<double, std::uint32_t>>& best, bool near_first) const {
  const double kExact2 = local_metric_limit2(p);
  double q[3], q_raw[3];
  ecef_raw(p, sc_lat[0], sc_lat[1], q_raw);
  to_frame(q_raw, q);
  Scratch& scratch_ = scratch();
  // Calls visit(slot) for every pole of level-1 node (x, y), that is of its 2x2 cells.
  // A crowded cell's chunks in the order of chunk_key, up to the first beyond bound() (for_slots).
  auto for_each_leaf_slot = [&](std::uint32_t x, std::uint32_t y, auto&& visit, auto&& chunk_key, auto&& bound) {
    for (std::uint32_t cy = 2 * y; cy < std::min(2 * y + 2, ny_); ++cy) {
      for (std::uint32_t cx = 2 * x; cx < std::min(2 * x + 2, nx_); ++cx) {
        const std::uint32_t c = cy * nx_ + cx;
        for_slots(cell_start_[c], cell_start_[c + 1], k, hidden, visit, chunk_key, bound);
      }
    }
  };
  // The key of a chunk for searches bounded by bound2(): the bound of its poles' keys.
  auto chunk_key = [&](const auto& chunk) { return chunk_key2(q, chunk); };
  // A chunk's box in floats, rounded outward (for the far and pivot bounds, which take a node's box).
  auto chunk_box3 = [](const auto& chunk) {
    Box3 b;
    for (int a = 0; a < 3; ++a) {
      b.lo[a] = std::nextafter(static_cast<float>(chunk.lo[a]), -std::numeric_limits<float>::infinity());
      b.hi[a] = std::nextafter(static_cast<float>(chunk.hi[a]), std::numeric_limits<float>::infinity());
    }
    return b;
  };
  // The ECEF of level-1 node (x, y)'s poles without a sine or cosine per pole.
  auto leaf_patch = [&](std::uint32_t x, std::uint32_t y) {
    return PatchEcef(min_lon_ + (2 * x + 1) * cell_deg_lon_, min_lat_ + (2 * y + 1) * cell_deg_lat_,
                     &leaf_row_values_[PatchEcef::kRowValues * y], &leaf_col_sc_[2 * x]);
  };
  std::vector<HeapEntry>& heap = scratch_.heap;  // a min-heap by lb2 (std::push_heap with greater)
  heap.clear();
  constexpr double band2 = kTieBand2;
  auto bound2 = [&] { return best_bound2(best, k, limit2, band2); };
  // A pole at squared distance d2 (slot i) enters the k best if it is within
  // the limit, within the k-th's tie band and not hidden.
  auto offer = [&](double d2, std::uint32_t i) {
    if (d2 > bound2()) return;
    if (is_hidden(hidden, i)) return;
    keep_best(best, k, band2, d2, i);
    __builtin_prefetch(&order_[i]);  // the answer's pole index, read at the end: a DRAM miss met meanwhile
  };
  // Far from the data (beyond kFarModelM) the arc bound is metres to a kilometre
  // short; a FarBound around a pole near the answer (one geodesic) is
  // millimetres short there, so few nodes and poles pass it (far_bound.hpp).
  constexpr double kFarModelM = 200'000;
  // Beyond this chord (about 11,000 km of arc) a missing FarBound means q's
  // cut locus is near the data: the search goes by pivots (below).
  constexpr double kPivotBeyondM = 10'000'000;
  FarBound far;
  bool pivots = false;
  const auto top = static_cast<std::uint32_t>(levels_.size() - 1);
  // The chord (a lower bound, no arcsine) decides: far search beyond kFarModelM of the data.
  const double root_chord = box_chord_m(q, levels_[top].boxes[0]);
  // Only this far out may a search fall back on pivots (below).
  const bool pivot_range = root_chord > kPivotBeyondM;
  // Data wider than kFarModelM (two cities 1,000 km apart, a country's
  // lines) leaves points inside its box hundreds of km from every pole,
  // where the chord's arc is tens of metres to a kilometre short and the near
  // search below would measure a geodesic for every pole of the band that
  // deep along the nearest city's edge (1,300 Karney geodesics, 1.7 ms, at
  // 520 km): there the walk below finds a pole, and if even that is beyond
  // kFarModelM the search goes far, by FarBounds, as from outside the box.
  const Box3& root = levels_[top].boxes[0];
  double diagonal2 = 0;
  for (int a = 0; a < 3; ++a) diagonal2 += (double(root.hi[a]) - root.lo[a]) * (double(root.hi[a]) - root.lo[a]);
  const bool wide_data = diagonal2 > kFarModelM * kFarModelM;
  // But q within kFarModelM of such data's box nearly always has its k
  // nearest within kFarModelM (villages 10 km apart across a province): the
  // near search below, bounded at kFarModelM, finds them without the walk
  // (17 levels of the pyramid, a fifth of such a query's time); only when it
  // finds fewer than k does the search start again, with the walk.
  const bool near_first_here = near_first && wide_data && root_chord <= kFarModelM;
  if ((root_chord > kFarModelM || wide_data) && root_chord * root_chord <= limit2 && !near_first_here) {
    // Walk down by the arc bound to a leaf, then take its pole with the least
    // arc bound. (A second walk by the FarBound around that pole found a
    // better reference near the antipode, but cost 3 us on every far query;
    // the nodes' own references below do that job only where it is needed.)
    {
      std::uint32_t level = top, node = 0;
      while (level > 0) {
        const Level& lv = levels_[level];
        const Level& down = levels_[level - 1];
        const std::uint32_t x = node % lv.nx, y = node / lv.nx;
        double least = std::numeric_limits<double>::infinity();
        std::uint32_t pick = 0;
        for (std::uint32_t cy = 2 * y; cy < std::min(2 * y + 2, down.ny); ++cy) {
          for (std::uint32_t cx = 2 * x; cx < std::min(2 * x + 2, down.nx); ++cx) {
            const Box3& b = down.boxes[cy * down.nx + cx];
            if (b.lo[0] > b.hi[0]) continue;
            // The nearest box by its chord: the arc bound grows with it, so no arcsine is needed to compare.
            const double c2 = box_chord2(q, b);
            if (c2 < least) least = c2, pick = cy * down.nx + cx;
          }
        }
        node = pick;
        --level;
      }
      const std::uint32_t x = node % levels_[0].nx, y = node / levels_[0].nx;
      // The leaf's pole with the shortest chord (the least arc bound).
      const PatchEcef patch = leaf_patch(x, y);
      double least = std::numeric_limits<double>::infinity(), t0_raw[3] = {0, 0, 0};
      std::uint32_t t0_slot = 0;
      for_each_leaf_slot(
          x, y,
          [&](std::uint32_t i) {
            double r3[3];
            patch(sorted_pos_[i], r3);
            const double c2 = chord2(r3, q_raw);
            if (c2 < least) least = c2, t0_slot = i, std::copy(r3, r3 + 3, t0_raw);
          },
          [&](const auto& chunk) {
            const double c = std::max(0.0, box_chord_m(q, chunk) - kChunkMarginM);
            return c * c;
          },
          [&] { return least; });
      // (Inside a wide box, only when that pole is beyond kFarModelM too: else the near search below.)
      if (least < std::numeric_limits<double>::infinity() &&
          (root_chord > kFarModelM || least > kFarModelM * kFarModelM)) {
        double t0[3];
        to_frame(t0_raw, t0);
        far = FarBound::make(p, sorted_pos_[t0_slot], t0, frame_);
      }
      // Its geodesic is measured already: a first answer that bounds the search from the start.
      if (far.valid() && far.s0() * far.s0() <= limit2 && !is_hidden(hidden, t0_slot)) {
        best.emplace_back(far.s0() * far.s0(), t0_slot);
      }
      // No FarBound this far out: q's cut locus runs through or near the data (below).
      if (!far.valid() && pivot_range && least < std::numeric_limits<double>::infinity()) {
        pivots = true;
        const double g = geo::distance_m(p, sorted_pos_[t0_slot]);
        offer(g * g, t0_slot);
      }
    }
  }
  std::vector<std::pair<double, std::uint32_t>>& leaf = scratch_.leaf;
  auto search_by_pivots = [&] {
    // Near the data's antipode every pole is ~20,000 km away and the chord,
    // near its maximum there, hardly changes from pole to pole: its arc bound
    // prunes almost nothing (a geodesic for every pole, seconds at 2M poles).
    // The triangle inequality holds everywhere: no point of a box is nearer
    // to q than g(q, x) - r, for any point x and r the longest geodesic from
    // x to the box (geodesic_upper_bound_m of the chord to its farthest
    // corner). A node gets its pivots when it first reaches the top of the
    // heap (one geodesic and one point along it) and goes back in with their
    // bound:
    // - its centre x, as a pivot from the side (the bound is r short at most);
    // - the point where the geodesic from q through x meets q's cut locus
    //   (geo::geodesic_to_cut_locus). Up to there that geodesic is a shortest
    //   path, so for the poles near it the bound through this pivot behind
    //   them is nearly exact, and it bounds the node's children apart: those
    //   on q's side higher than those behind.
    // A leaf bounds each pole by its pivots and measures them in that order.
    auto far_corner_chord = [&](const double x3[3], const Box3& b) {
      double d2 = 0;
      for (int a = 0; a < 3; ++a) {
        const double d = std::max(std::fabs(x3[a] - b.lo[a]), std::fabs(b.hi[a] - x3[a])) + box_margin_m_;
        d2 += d * d;
      }
      return std::sqrt(d2);
    };
    // Slack for the geodesics' own error (nanometres) and the ECEF rounding.
    constexpr double kPivotSlackM = 1e-3;
    constexpr std::uint32_t kOwnPivot = 0x80000000u;
    std::vector<Pivot>& pivots_ = scratch_.pivots;
    pivots_.clear();
    // The bound by pivot pair `v` of what lies within chords `to_centre` and `to_cut` of its two points.
    auto by_pivots = [&](const Pivot& v, double to_centre, double to_cut) {
      return std::max(v.g_centre - geodesic_upper_bound_m(to_centre), v.g_cut - geodesic_upper_bound_m(to_cut)) -
             kPivotSlackM;
    };
    auto pivot_bound = [&](const Pivot& v, const Box3& b) {
      return by_pivots(v, far_corner_chord(v.centre, b), far_corner_chord(v.cut, b));
    };
    auto measured = [&](std::uint32_t i) {
      return std::any_of(best.begin(), best.end(), [&](const auto& b) { return b.second == i; });
    };
    // A pivot's cut point bounds a box nearly exactly when the geodesic to
    // it passes through the box: then the box needs no pivots of its own.
    auto near_line = [&](const Pivot& v, const Box3& b) {
      // u: the line's direction (centre to cut point), w: centre to the box's middle.
      double h2 = 0, uu = 0, uw = 0, ww = 0;
      for (int a = 0; a < 3; ++a) {
        const double half = 0.5 * (double(b.hi[a]) - b.lo[a]);
        const double u = v.cut[a] - v.centre[a], w = 0.5 * (double(b.lo[a]) + b.hi[a]) - v.centre[a];
        h2 += half * half, uu += u * u, uw += u * w, ww += w * w;
      }
      const double off2 = std::max(0.0, ww - uw * uw / uu);  // squared distance of the box's middle from the line
      const double d2 = uu - 2 * uw + ww;                     // |cut - middle|²
      // The bound through the cut point is about off² / (2 d) short at the
      // box's middle: near enough when that is under a twentieth of the box's
      // half diagonal h, and the box lies before the cut point (beyond it the
      // geodesic is no longer the shortest).
      constexpr double kShortByH = 0.05;
      return uw < uu && d2 > 4 * h2 && off2 * off2 < kShortByH * kShortByH * 4 * d2 * h2;
    };
    // `ref`: 1 + the index in pivots_ of the pivots that bound the entry (0:
    // none yet), with kOwnPivot when they are the node's own.
    auto push = [&](std::uint32_t level, std::uint32_t node, double lb, std::uint32_t ref) {
      const Box3& b = levels_[level].boxes[node];
      if (b.lo[0] > b.hi[0]) return;  // no poles
      lb = std::max({lb, lower_bound_m(q, b, box_margin_m_), 0.0});
      if (lb * lb > bound2()) return;
      heap.push_back({lb * lb, level, node, ref});
      std::push_heap(heap.begin(), heap.end(), std::greater<>{});
    };
    heap.clear();
    push(top, 0, 0.0, 0);
    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end(), std::greater<>{});
      const HeapEntry e = heap.back();
      heap.pop_back();
      if (e.lb2 > bound2()) break;
      const double lb = std::sqrt(e.lb2);
      const Level& lv = levels_[e.level];
      const std::uint32_t x = e.node % lv.nx, y = e.node / lv.nx;
      std::uint32_t ref = e.ref & ~kOwnPivot;
      if ((e.ref & kOwnPivot) == 0 && (ref == 0 || !near_line(pivots_[ref - 1], lv.boxes[e.node]))) {
        // The node's own pivots: the centre of its cells (half the reach of a corner pole) and its cut point.
        const double span = static_cast<double>(std::uint64_t{2} << e.level);
        LonLat centre{min_lon_ + (x + 0.5) * span * cell_deg_lon_, std::clamp(min_lat_ + (y + 0.5) * span * cell_deg_lat_, -90.0, 90.0)};
        if (centre.lon > 180) centre.lon -= 360;
        const geo::CutPoint cut = geo::geodesic_to_cut_locus(p, centre);
        Pivot v;
        ecef(centre, v.centre);
        ecef(cut.cut, v.cut);
        v.g_centre = cut.s_ab;
        v.g_cut = cut.s_cut;
        pivots_.push_back(v);
        ref = static_cast<std::uint32_t>(pivots_.size());
        const double own = std::max(lb, pivot_bound(v, lv.boxes[e.node]));
        if (own * own > bound2()) continue;
        if (e.level > 0) {
          push(e.level, e.node, own, ref | kOwnPivot);
          continue;
        }
      }
      const Pivot v = pivots_[ref - 1];
      if (e.level == 0) {
        leaf.clear();
        // The poles bounded so far, measured in the order of their bounds.
        auto measure_leaf = [&] {
          std::sort(leaf.begin(), leaf.end());
          for (const auto& entry : leaf) {
            const double pole_lb = entry.first;
            const std::uint32_t i = entry.second;
            if (pole_lb * pole_lb > bound2()) break;
            if (measured(i)) continue;
            const double g = geo::distance_m(p, sorted_pos_[i]);
            offer(g * g, i);
          }
          leaf.clear();
        };
        for_each_leaf_slot(
            x, y,
            [&](std::uint32_t i) {
              double t3[3];
              ecef(sorted_pos_[i], t3);
              const double pole_lb = std::max({arc_lower_bound_m(chord_m(t3, q)) - 1.0,
                                               by_pivots(v, chord_m(t3, v.centre), chord_m(t3, v.cut)), 0.0});
              if (pole_lb * pole_lb > bound2()) return;
              leaf.emplace_back(pole_lb, i);
            },
            [&](const auto& chunk) {
              const double lb = std::max(std::sqrt(chunk_key(chunk)), pivot_bound(v, chunk_box3(chunk)));
              return lb > 0 ? lb * lb : 0.0;
            },
            // A crowded cell's chunks one by one: each measured before the next is bounded.
            [&] {
              measure_leaf();
              return bound2();
            });
        measure_leaf();
        continue;
      }
      // The children, each bounded by these pivots on its own box.
      const Level& down = levels_[e.level - 1];
      for (std::uint32_t cy = 2 * y; cy < std::min(2 * y + 2, down.ny); ++cy) {
        for (std::uint32_t cx = 2 * x; cx < std::min(2 * x + 2, down.nx); ++cx) {
          const std::uint32_t child = cy * down.nx + cx;
          const Box3& b = down.boxes[child];
          if (b.lo[0] > b.hi[0]) continue;
          push(e.level - 1, child, std::max(lb, pivot_bound(v, b)), ref);
        }
      }
    }
  };
  // Within a few hundred km of the data's antipode the FarBounds hold over
  // ever smaller balls (their curvature grows towards q's conjugate points):
  // the pivots through q's cut locus answer there with a few geodesics.
  constexpr double kPivotsBeyondM = 19'500'000;
  if (far.valid() && far.s0() > kPivotsBeyondM) pivots = true;
  if (pivots) return search_by_pivots();
  if (!far.valid()) {
    const double full_limit2 = limit2;
    if (near_first_here) limit2 = std::min(limit2, kFarModelM * kFarModelM);
    // Within kFarModelM of the data: best first over the wide tree, the
    // nearest node met so far next (each expanded node's children a run
    // sorted by key; the runs' cursors kept sorted, below). The chord itself
    // (never longer than the geodesic, centimetres short at 50 km) prunes
    // well there: a child's key is its box's squared chord, in floats (16
    // children at a time), compared with the inverse of
    // pole_key_lower_bound_m widened by the floats' margins.
    const float qf[3] = {static_cast<float>(q[0]), static_cast<float>(q[1]), static_cast<float>(q[2])};
    // q along the diagonals of DiagGroup (its interval bounds are a lower
    // bound of the chord too: a projection is never longer than the chord).
    const float qd[2] = {static_cast<float>((q[0] + q[1]) * 0.7071067811865476),
                         static_cast<float>((q[0] - q[1]) * 0.7071067811865476)};
    // The floats' error on a child's chord: q's rounding (half an ulp per
    // axis) and the subtraction's, squaring's and sum's (a few ulps, relative);
    // along a diagonal the same, of coordinates up to sqrt 2 times as large.
    const double q_margin_m =
        4e-7 * std::max({std::fabs(q[0]), std::fabs(q[1]), std::fabs(q[2])}) + box_margin_m_ + 1e-3;
    // chord_threshold_m of the k-th's bound, computed once per bound for
    // every leaf's plane test and every node's (each leaf asked it again).
    double threshold_bound2 = -1, threshold_value = 0;
    auto threshold_m = [&](double b2) {
      if (b2 != threshold_bound2) threshold_bound2 = b2, threshold_value = chord_threshold_m(b2);
      return threshold_value;
    };
    double chord_bound2 = -1;
    float chord_max2_value = 0;
    // Squared float chords above this cannot hold a pole that beats the k-th.
    auto chord_max2 = [&] {
      if (const double b2 = bound2(); b2 != chord_bound2) {
        chord_bound2 = b2;
        const double c = threshold_m(b2) + q_margin_m;
        // 1e30: finite, so that an empty child (an infinite key) never passes.
        chord_max2_value = static_cast<float>(std::min(1e30, c * c * (1 + 1e-5)));
      }
      return chord_max2_value;
    };
    const auto& leaves = levels_.front();
    auto near_leaf = [&](std::uint32_t x, std::uint32_t y, const LeafRows& rows) {
      // Within kFarModelM of the data: each pole's chord (a lower bound of its
      // geodesic) first, from its ECEF computed without trigonometry; the few
      // poles it keeps get the chord's arc (chord_geodesic_m), not a Karney geodesic.
      const PatchEcef patch = leaf_patch(x, y);
      const double qc[3] = {q_raw[0] - patch.centre()[0], q_raw[1] - patch.centre()[1], q_raw[2] - patch.centre()[2]};
      // A pole whose tangent-plane chord is beyond this cannot beat the k-th (see chord_threshold_m).
      double plane_bound2 = -1, plane_max2 = std::numeric_limits<double>::infinity();
      auto refresh_plane_max2 = [&] {
        if (const double b2 = bound2(); b2 != plane_bound2) {
          plane_bound2 = b2;
          const double c = threshold_m(b2) + patch.plane_err_m();
          plane_max2 = c * c;
        }
      };
      auto consider = [&](std::uint32_t i) {
        const LonLat& t = sorted_pos_[i];
        // Below kExactBeyondM the key is the local metric itself: cheaper than any bound of it.
        if (const double local2 = local_key2(p, s, t); local2 < kExact2) return offer(local2, i);
        if (patch.small()) {
          refresh_plane_max2();
          if (patch.plane_d2(qc, t) > plane_max2) return;
        }
        double t3[3];
        patch(t, t3);
        const double c2 = chord2(t3, q_raw);
        const double lb = pole_key_lower_bound_m(std::sqrt(c2) * (1 - 1e-12));
        if (lb * lb > bound2()) return;
        const double g = far_distance_m(p, q_raw, t, t3);
        offer(g * g, i);
      };
      // The leaf's poles: its two row spans of sorted_pos_ (LeafRows); a
      // crowded cell's chunks in the order of `key`, while one may beat `bound`
      // (for_slots); each_pole: by their keys' bound against the k-th's.
      auto each_pole_by = [&](auto&& visit, auto&& key, auto&& bound) {
        for (int r = 0; r < 2; ++r) {
          for_slots(rows.begin[r], rows.end[r], k, hidden, visit, key, bound);
        }
      };
      auto each_pole = [&](auto&& visit) { each_pole_by(visit, chunk_key, bound2); };
      // The plane test bounds a pole's key at any distance (chord_threshold_m
      // covers both kinds of key); consider() keys the pole by the local
      // metric first only because within kExactBeyondM that is cheaper still.
      // With the whole patch beyond that (a query outside the data, as a
      // rule) no pole is keyed so: the plane test alone turns nearly all of
      // them away, a few multiplications per pole in this loop instead of a
      // call of consider() each.
      const bool beyond_exact =
          patch.small() && std::sqrt(qc[0] * qc[0] + qc[1] * qc[1] + qc[2] * qc[2]) - patch.radius_m() >
                               geo::kExactBeyondM + 100.0;
      // Fewer than k poles yet (the first leaf; a limit such as max_m may
      // bound the search already, but not this tightly): the poles nearest the
      // query in the tangent plane first, nearly always the answer, so that
      // the others fail the plane test instead of each being measured. Beyond
      // kExactBeyondM the k nearest in the plane (up to kPlaneFirstMost): in
      // their slots' order every pole nearer than the k-th seen so far would
      // be measured, about k ln(n / k) of a leaf's n (a railway's leaf of 400
      // poles, k = 5: 27 instead of 5).
      constexpr std::size_t kPlaneFirstMost = 8;
      std::pair<double, std::uint32_t> firsts[kPlaneFirstMost];
      std::size_t first_count = 0;
      if (patch.small() && best.size() < k) {
        const std::size_t wanted = beyond_exact ? std::min(k, kPlaneFirstMost) : 1;
        double least = std::numeric_limits<double>::infinity();  // the wanted-th nearest in the plane so far
        auto nearer_in_plane = [&](std::uint32_t i) {
          const double d2 = patch.plane_d2(qc, sorted_pos_[i]);
          if (!(d2 < least)) return;
          std::size_t at = std::min(first_count, wanted - 1);
          for (; at > 0 && firsts[at - 1].first > d2; --at) firsts[at] = firsts[at - 1];
          firsts[at] = {d2, i};
          first_count = std::min(first_count + 1, wanted);
          if (first_count == wanted) least = firsts[wanted - 1].first;
        };
        // A chunk's poles are at least its chord less the plane's error from q in the plane.
        auto chunk_plane_key = [&](const auto& chunk) {
          const double c = std::max(0.0, box_chord_m(q, chunk) - kChunkMarginM - patch.plane_err_m());
          return c * c;
        };
        each_pole_by(nearer_in_plane, chunk_plane_key, [&] { return least; });
        for (std::size_t f = 0; f < first_count; ++f) consider(firsts[f].second);
      }
      // Whether pole i was measured first (the nearest in the plane first: a register, not the array).
      const std::uint32_t first = first_count != 0 ? firsts[0].second : std::numeric_limits<std::uint32_t>::max();
      const std::size_t firsts_measured = first_count;
      auto is_first = [&firsts, first, firsts_measured](std::uint32_t i) {
        if (i == first) return true;
        for (std::size_t f = 1; f < firsts_measured; ++f) {
          if (firsts[f].second == i) return true;
        }
        return false;
      };
      if (beyond_exact && first_count == 0) {
        // A later leaf: the poles that pass the plane test are measured
        // nearest in the plane first (each crowded cell's chunk before the
        // next is bounded). In their slots' order, a road's poles approaching
        // the foot of the query's perpendicular each beat the k-th before
        // them and were each measured: the roads' slowest hundredth measured
        // about 100 geodesics a query. Both versions in one process,
        // alternating, k = 5: roads mean -4 %, p99 -14 %; lake -3 %, p99 -7 %;
        // points at sea -9 %; railway -1 %, p99 -6 %; k = 1 unchanged. (The
        // same in the first leaf too, where nearly every pole passes, was
        // slower: the first leaf measures its k plane-nearest first instead.)
        refresh_plane_max2();
        std::vector<std::pair<double, std::uint32_t>>& passed = scratch_.leaf;
        passed.clear();
        auto measure_passed = [&] {
          if (passed.size() > 1) std::sort(passed.begin(), passed.end());
          for (const auto& [d2, i] : passed) {
            if (d2 > plane_max2) break;
            consider(i);
            refresh_plane_max2();
          }
          passed.clear();
        };
        each_pole_by(
            [&](std::uint32_t i) {
              const double d2 = patch.plane_d2(qc, sorted_pos_[i]);
              if (d2 <= plane_max2) passed.emplace_back(d2, i);
            },
            chunk_key,
            [&] {
              measure_passed();
              return bound2();
            });
        measure_passed();
        return;
      }
      if (beyond_exact) {
        refresh_plane_max2();
        each_pole([&](std::uint32_t i) {
          if (patch.plane_d2(qc, sorted_pos_[i]) > plane_max2 || is_first(i)) return;
          consider(i);
          refresh_plane_max2();
        });
        return;
      }
      each_pole([&](std::uint32_t i) {
        if (i != first) consider(i);
      });
    };
    auto rows_of = [&](std::uint32_t entry) -> const LeafRows& { return leaf_rows_[entry / 16].leaf[entry % 16]; };
    // The squared float chords from q to the 16 children of node `node` of
    // wide_[level - 1] into `out` (infinity for an absent or empty child).
    // Branch-free: the children are in no order a branch predictor could learn.
    auto measure_children = [&](std::uint32_t level, std::uint32_t node, float* out) {
      const WideGroup& g = wide_[level - 1].groups[node];
      if (level == 1) {
        // The leaves' rows, fetched with their boxes (four lines).
        const auto* rows_line = reinterpret_cast<const char*>(&leaf_rows_[node]);
        for (int line = 0; line < 4; ++line) __builtin_prefetch(rows_line + 64 * line);
      }
      // The box's squared chord, then (above the first level) at least the diagonals' squared gaps.
      const DiagGroup* dg = level >= 2 ? &wide_[level - 1].diag[node] : nullptr;
#if defined(__SSE2__)
      for (int j = 0; j < 16; j += 4) {
        __m128 sum = _mm_setzero_ps();
        for (int a = 0; a < 3; ++a) {
          const __m128 d = outside_by(&g.lo[a][j], &g.hi[a][j], _mm_set1_ps(qf[a]));
          sum = _mm_add_ps(sum, _mm_mul_ps(d, d));
        }
        for (int a = 0; dg != nullptr && a < 2; ++a) {
          const __m128 d = outside_by(&dg->lo[a][j], &dg->hi[a][j], _mm_set1_ps(qd[a]));
          sum = _mm_max_ps(sum, _mm_mul_ps(d, d));
        }
        _mm_storeu_ps(out + j, sum);
      }
#else
      for (int j = 0; j < 16; ++j) {
        float sum = 0;
        for (int a = 0; a < 3; ++a) {
          const float d = outside_by(g.lo[a][j], g.hi[a][j], qf[a]);
          sum += d * d;
        }
        for (int a = 0; dg != nullptr && a < 2; ++a) {
          const float d = outside_by(dg->lo[a][j], dg->hi[a][j], qd[a]);
          sum = std::max(sum, d * d);
        }
        out[j] = sum;
      }
#endif
    };
    auto child_of = [&](std::uint32_t level, std::uint32_t node, std::uint32_t j) {
      const std::uint32_t nx = wide_[level - 1].nx, below_nx = level == 1 ? leaves.nx : wide_[level - 2].nx;
      return (4 * (node / nx) + j / 4) * below_nx + 4 * (node % nx) + j % 4;
    };
    // Until 2026-12-06 the search went depth first (nearest child first, as
    // an R-tree's): where many leaves are near the k-th (poles round a lake
    // seen from its middle, a railway or roads from beside them) it opened a
    // subtree's leaves before nearer ones elsewhere. Best first opens fewer
    // (round the lake 27 instead of 45-55 for the slowest hundredth of
    // points) and measures fewer poles. Both in one process, alternating, k
    // = 5: railway mean -16 %, p99 -34 %; lake -6 %, p99 -19 %; roads -6 %,
    // p99 -13 %; villages p99 -24 %; an even city unchanged; k = 1000 1.6-3x
    // faster. A binary heap of the nodes was slower than the depth-first
    // stack (its branches mispredicted on every pop): the children of a node
    // go in as one sorted run, and only the runs' cursors, a few dozen at
    // most, are kept sorted, by insertion.
    std::vector<WideEntry>& stack = scratch_.stack;
    stack.clear();
    std::vector<RunCursor>& runs = scratch_.runs;
    runs.clear();
    auto add_run = [&](RunCursor c) {
      runs.push_back(c);
      for (std::size_t i = runs.size() - 1; i > 0 && runs[i - 1].d2 < c.d2; --i) std::swap(runs[i - 1], runs[i]);
    };
    // Children `mask` of a node (keys `d`) onto the stack as a run sorted by key.
    auto push_children = [&](std::uint32_t level, std::uint32_t node, const float* d, std::uint32_t mask) {
      if (mask == 0) return;
      const auto first = static_cast<std::uint32_t>(stack.size());
      for (; mask != 0; mask &= mask - 1) {
        const auto j = static_cast<std::uint32_t>(std::countr_zero(mask));
        const WideEntry c{d[j], level - 1, child_of(level, node, j), 16 * node + j};
        if (level == 1) {
          // Nearly every leaf that passes now is searched: its poles' first lines on their way.
          const LeafRows& rows = rows_of(c.rows);
          for (int r = 0; r < 2; ++r) {
            // Up to four lines a row (16 poles; a row holds 8 on average).
            const auto* from = reinterpret_cast<const char*>(sorted_pos_.data() + rows.begin[r]);
            const auto* to = reinterpret_cast<const char*>(sorted_pos_.data() + rows.end[r]);
            for (const char* line = from; line < to && line < from + 256; line += 64) __builtin_prefetch(line);
          }
        }
        stack.push_back(c);
        for (std::size_t i = stack.size() - 1; i > first && stack[i - 1].d2 > c.d2; --i) {
          std::swap(stack[i - 1], stack[i]);
        }
      }
      add_run({stack[first].d2, first, static_cast<std::uint32_t>(stack.size())});
    };
    // A first bound before the search: straight down to a leaf, the nearest
    // child at each level (until a leaf is measured nothing prunes). The
    // path's measures are kept: the siblings of its nodes are the first runs,
    // and no node is measured twice.
    constexpr std::size_t kMaxWideLevels = 16;  // 2^22 cells a side make 11
    float path_d2[kMaxWideLevels][16];
    std::uint32_t path_node[kMaxWideLevels], path_child[kMaxWideLevels];
    std::size_t depth = 0;
    {
      auto level = static_cast<std::uint32_t>(wide_.size());
      std::uint32_t node = 0;
      while (level > 0 && depth < kMaxWideLevels) {
        measure_children(level, node, path_d2[depth]);
        const std::uint32_t j = least_of_16(path_d2[depth]);
        if (!(path_d2[depth][j] < 1e30f)) break;  // no poles below (not reached: the path's nodes have some)
        path_node[depth] = node, path_child[depth] = j, ++depth;
        node = child_of(level, node, j);
        --level;
      }
      if (level == 0) {
        near_leaf(node % leaves.nx, node / leaves.nx, rows_of(16 * path_node[depth - 1] + path_child[depth - 1]));
      } else {
        // Stopped above the leaves (a tree deeper than the path's buffer):
        // the node reached is searched like any other, so nothing is missed.
        stack.push_back({0.0f, level, node, 0});
        runs.push_back({0.0f, 0, 1});
      }
    }
    float d2[16];
    for (std::size_t i = depth; i-- > 0;) {
      const auto level = static_cast<std::uint32_t>(wide_.size() - i);
      push_children(level, path_node[i], path_d2[i],
                    mask_at_most_16(path_d2[i], chord_max2()) & ~(1u << path_child[i]));
    }
    while (!runs.empty()) {
      RunCursor r = runs.back();
      runs.pop_back();
      const WideEntry e = stack[r.at];
      if (e.d2 > chord_max2()) break;  // the nearest node left: no pole below any of them can beat the k-th
      if (++r.at < r.end) add_run({stack[r.at].d2, r.at, r.end});
      if (e.level == 0) {
        near_leaf(e.node % leaves.nx, e.node / leaves.nx, rows_of(e.rows));
        continue;
      }
      measure_children(e.level, e.node, d2);
      push_children(e.level, e.node, d2, mask_at_most_16(d2, chord_max2()));
    }
    // Fewer than k within kFarModelM: the rest may be far, where the walk and FarBounds are needed.
    if (best.size() < k && limit2 < full_limit2) {
      best.clear();
      nearest_best_first(p, s, sc_lat, k, full_limit2, hidden, best, false);
    }
    return;
  }
  // Far from the data: best first by FarBounds. Where the bound around t0 is
  // loose (a node far from t0 near the antipode, where the distance curves
  // most), a node gets its own reference: one more geodesic, up to kMaxRefs per query.
  constexpr std::size_t kMaxRefs = 64;
  std::vector<FarBound>& refs = scratch_.refs;
  refs.assign(1, far);
  auto push = [&](std::uint32_t level, std::uint32_t node, std::uint32_t ref) {
    const Box3& b = levels_[level].boxes[node];
    if (b.lo[0] > b.hi[0]) return;  // no poles
    // The FarBound alone where it says something (millimetres to centimetres
    // short): the arc bound, metres short this far out and an arcsine dearer,
    // only where it says nothing.
    const double far_lb = refs[ref].box_lower_bound_m(b.lo, b.hi);
    const double lb = far_lb > 0 ? far_lb : lower_bound_m(q, b, box_margin_m_);
    if (lb * lb > bound2()) return;
    heap.push_back({lb * lb, level, node, ref});
    std::push_heap(heap.begin(), heap.end(), std::greater<>{});
  };
  // A pole of a non-empty node: the first one down its first non-empty children.
  auto some_pole = [&](std::uint32_t level, std::uint32_t node) {
    while (level > 0) {
      const Level& lv = levels_[level];
      const Level& down = levels_[level - 1];
      const std::uint32_t x = node % lv.nx, y = node / lv.nx;
      bool found = false;
      for (std::uint32_t cy = 2 * y; cy < std::min(2 * y + 2, down.ny) && !found; ++cy) {
        for (std::uint32_t cx = 2 * x; cx < std::min(2 * x + 2, down.nx) && !found; ++cx) {
          const Box3& b = down.boxes[cy * down.nx + cx];
          if (b.lo[0] <= b.hi[0]) node = cy * down.nx + cx, found = true;
        }
      }
      --level;
    }
    const std::uint32_t x = node % levels_[0].nx, y = node / levels_[0].nx;
    for (std::uint32_t cy = 2 * y; cy < std::min(2 * y + 2, ny_); ++cy) {
      for (std::uint32_t cx = 2 * x; cx < std::min(2 * x + 2, nx_); ++cx) {
        const std::uint32_t c = cy * nx_ + cx;
        if (cell_start_[c] < cell_start_[c + 1]) return cell_start_[c];
      }
    }
    return cell_start_[0];  // not reached: the node has poles
  };
  // The FarBounds are millimetres short near their references, but within a
  // few degrees of the data's antipode they can be loose over much of the data
  // and the search then measures geodesic after geodesic (seconds at 2M
  // poles). Past this much work it goes on by pivots instead, keeping the
  // poles measured so far (exact distances, so still a valid k best). The
  // pivots' bounds are loose elsewhere (a node's centre less its radius):
  // where the data's edge faces q (a box of 2M poles 16,000 km away) a
  // search sent to them too early measured the whole edge, 100 ms. k nearest
  // need some k leaves and geodesics: until 2026-12-05 the limit was 32 for
  // every k, and k = 5 anywhere on Earth took up to 119 ms, k = 20 p99 48 ms
  // (now 0.7 ms and 72 µs; near the antipode no change beyond noise).
  const std::size_t far_work_before_pivots = 32 + 24 * k;
  std::size_t work = 0;
  push(top, 0, 0);
  while (!heap.empty()) {
    if (pivot_range && work > far_work_before_pivots) return search_by_pivots();
    ++work;
    std::pop_heap(heap.begin(), heap.end(), std::greater<>{});
    const HeapEntry e = heap.back();
    heap.pop_back();
    if (e.lb2 > bound2()) break;
    const Level& lv = levels_[e.level];
    const std::uint32_t x = e.node % lv.nx, y = e.node / lv.nx;
    std::uint32_t ref = e.ref;
    if (refs.size() < kMaxRefs) {
      const Box3& b = lv.boxes[e.node];
      const double slack = refs[ref].slack_m(b.lo, b.hi);
      double h2 = 0;
      for (int a = 0; a < 3; ++a) h2 += (double(b.hi[a]) - b.lo[a]) * (double(b.hi[a]) - b.lo[a]);
      const double h = std::sqrt(h2);
      // Worth a geodesic when the bound may be a metre short here and a
      // reference inside the node would be several times tighter.
      if (slack > 1.0 && 8 * refs[ref].slack_for_radius_m(h) < slack) {
        const std::uint32_t slot = some_pole(e.level, e.node);
        double t3[3];
        ecef(sorted_pos_[slot], t3);
        const FarBound local = FarBound::make(p, sorted_pos_[slot], t3, frame_);
        if (local.valid()) {
          refs.push_back(local);
          ref = static_cast<std::uint32_t>(refs.size() - 1);
          const double lb = local.box_lower_bound_m(b.lo, b.hi);
          if (lb * lb > bound2()) continue;
        }
      }
    }
    if (e.level == 0) {
      // Far: bound every pole of the leaf, then measure geodesics in the order
      // of the bounds (millimetres short), so usually only the answer is measured.
      leaf.clear();
      const PatchEcef patch = leaf_patch(x, y);
      // The poles bounded so far, measured in the order of their bounds.
      auto measure_leaf = [&] {
        std::sort(leaf.begin(), leaf.end());
        for (const auto& entry : leaf) {
          // Named copies, not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
          const double lb = entry.first;
          const std::uint32_t i = entry.second;
          if (lb > 0 && lb * lb > bound2()) break;
          if (std::any_of(best.begin(), best.end(), [&](const auto& b) { return b.second == i; })) continue;  // t0
          const double g = geo::distance_m(p, sorted_pos_[i]);
          ++work;
          offer(g * g, i);
        }
        leaf.clear();
      };
      for_each_leaf_slot(
          x, y,
          [&](std::uint32_t i) {
            double r3[3], t3[3];
            patch(sorted_pos_[i], r3);
            to_frame(r3, t3);
            // As for the boxes: the FarBound where it says something, else the arc bound.
            const double far_lb = refs[ref].point_lower_bound_m(t3);
            const double lb = far_lb > 0 ? far_lb : arc_lower_bound_m(chord_m(t3, q)) - 1.0;
            if (lb > 0 && lb * lb > bound2()) return;
            leaf.emplace_back(lb, i);
          },
          [&](const auto& chunk) {
            const Box3 b = chunk_box3(chunk);
            const double lb = std::max(std::sqrt(chunk_key(chunk)), refs[ref].box_lower_bound_m(b.lo, b.hi));
            return lb > 0 ? lb * lb : 0.0;
          },
          // A crowded cell's chunks one by one: each measured before the next is bounded.
          [&] {
            measure_leaf();
            return bound2();
          });
      measure_leaf();
      continue;
    }
    const Level& down = levels_[e.level - 1];
    for (std::uint32_t cy = 2 * y; cy < std::min(2 * y + 2, down.ny); ++cy) {
      for (std::uint32_t cx = 2 * x; cx < std::min(2 * x + 2, down.nx); ++cx) push(e.level - 1, cy * down.nx + cx, ref);
    }
  }
}

std::vector<std::pair<std::uint32_t, double>> PoleIndex::nearest(LonLat p, std::size_t k,
                                                                 std::optional<double> max_m,
                                                                 const HiddenPoles* hidden) const {
  std::vector<std::pair<std::uint32_t, double>> out;
  nearest(p, k, max_m, hidden, out);
  return out;
}

void PoleIndex::nearest(LonLat p, std::size_t k, std::optional<double> max_m, const HiddenPoles* hidden,
                        std::vector<std::pair<std::uint32_t, double>>& out) const {
  if (islands_.empty()) return nearest_one(p, k, max_m, hidden, out);
  nearest_in_islands(p, k, max_m, hidden, out);
}

void PoleIndex::nearest_in_islands(LonLat p, std::size_t k, std::optional<double> max_m, const HiddenPoles* hidden,
                                   std::vector<std::pair<std::uint32_t, double>>& out) const {
  out.clear();
  if (k == 0) return;
  // The islands by a lower bound of the geodesic to their poles: the arc of
  // the chord to their ECEF boxes, a metre short for rounding.
  double q[3];
  ecef_raw(p, q);
  std::array<std::pair<double, std::uint32_t>, kMostIslands> order;
  const std::size_t m = islands_.size();
  for (std::uint32_t i = 0; i < m; ++i) {
    // Inserted in order (a few islands).
    const std::pair<double, std::uint32_t> item{arc_lower_bound_m(box_chord_m(q, islands_[i])) - 1.0, i};
    std::size_t at = i;
    for (; at > 0 && item < order[at - 1]; --at) order[at] = order[at - 1];
    order[at] = item;
  }
  std::vector<std::pair<std::uint32_t, double>>& part = scratch().island;
  for (std::size_t j = 0; j < m; ++j) {
    // An island beyond the k-th found cannot hold a nearer pole. Its search
    // is bounded there too, with room for the difference between a
    // search's keys and the reported distances (under 1e-6; tie band above),
    // so that a pole tying with the k-th is found and the lower index wins.
    std::optional<double> limit = max_m;
    if (out.size() >= k) {
      const double kth = out[k - 1].second * (1 + 1e-5) + 0.01;
      limit = limit ? std::min(*limit, kth) : kth;
    }
    if (limit && order[j].first > *limit) break;
    islands_[order[j].second].index->nearest_one(p, k, limit, hidden, part);
    if (part.empty()) continue;
    const bool first = out.empty();
    out.insert(out.end(), part.begin(), part.end());
    if (first) continue;
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second < b.second : a.first < b.first;
    });
    if (out.size() > k) out.resize(k);
  }
}

bool PoleIndex::any_occupied(std::int64_t cx, std::int64_t cy, std::int64_t r) const {
  const auto x0 = static_cast<std::size_t>(std::max<std::int64_t>(cx - r, 0));
  const auto x1 = static_cast<std::size_t>(std::min<std::int64_t>(cx + r, std::int64_t{nx_} - 1));
  const std::int64_t y1 = std::min<std::int64_t>(cy + r, std::int64_t{ny_} - 1);
  for (std::int64_t y = std::max<std::int64_t>(cy - r, 0); y <= y1; ++y) {
    const std::size_t first = static_cast<std::size_t>(y) * nx_ + x0, last = static_cast<std::size_t>(y) * nx_ + x1;
    for (std::size_t w = first >> 6; w <= last >> 6; ++w) {
      std::uint64_t bits = occupied_[w];
      if (w == first >> 6) bits &= ~std::uint64_t{0} << (first & 63);
      if (w == last >> 6 && (last & 63) != 63) bits &= (std::uint64_t{1} << ((last & 63) + 1)) - 1;
      if (bits != 0) return true;
    }
  }
  return false;
}

void PoleIndex::nearest_one(LonLat p, std::size_t k, std::optional<double> max_m, const HiddenPoles* hidden,
                            std::vector<std::pair<std::uint32_t, double>>& out) const {
  out.clear();
  if (order_.empty() || k == 0) return;
  // The latitude's sine and cosine serve both the local metric and, outside the data, the query's ECEF.
  constexpr double kRad = 3.14159265358979323846 / 180;
  const double sc_lat[2] = {std::sin(p.lat * kRad), std::cos(p.lat * kRad)};
  const geo::DegreeScale s = geo::degree_scale(sc_lat[0], sc_lat[1]);
  // Ranking key: squared distance in the local metric at the query's latitude
  // (sub-millimetre agreement with the geodesic for city distances); beyond
  // kExactBeyondM the squared geodesic itself.
  const double kExact2 = local_metric_limit2(p);
  const double limit2 = max_m ? *max_m * *max_m : std::numeric_limits<double>::infinity();
  // The best k so far and those in the k-th's tie band, sorted by (key, slot);
  // k is small, so insertion beats a heap. Per thread: no allocation per query.
  std::vector<std::pair<double, std::uint32_t>>& best = scratch().best;
  best.reserve(std::min<std::size_t>(k, order_.size()) + 4);
  double q3[3];
  bool have_q3 = false;
  // A crowded cell's chunks (for_slots) and poles beyond kExactBeyondM: by their chords from q (the index's frame).
  double q_frame[3];
  bool have_q_frame = false;
  // The chord beyond which a slot's kept point (frame_pos_) cannot beat
  // `bound2`, squared, with the floats' margin; for the bound it was found for.
  double far_bound2_for = -1, far_chord2 = 0;
  // The key of the pole at `slot`, or infinity when it cannot beat `bound2`:
  // beyond kExactBeyondM a geodesic costs a microsecond, so the chord from
  // the slot's kept point, then the arc of the ECEF chord (lower bounds, a
  // tenth of the cost) are checked first.
  auto rank_key = [&](std::uint32_t slot, double bound2) {
    const LonLat& t = sorted_pos_[slot];
    const double d2 = local_key2(p, s, t);
    if (d2 < kExact2) return d2;
    if (!have_q_frame) {
      if (!have_q3) ecef_raw(p, sc_lat[0], sc_lat[1], q3), have_q3 = true;
      to_frame(q3, q_frame), have_q_frame = true;
    }
    // Bounded first by the slot's kept point: no sine, no arcsine.
    if (bound2 != far_bound2_for) {
      const double c = chord_threshold_m(bound2) + frame_pos_margin_m_;
      far_chord2 = c * c, far_bound2_for = bound2;
    }
    const FramePoint& f = frame_pos_[slot];
    const double fx = q_frame[0] - f.x, fy = q_frame[1] - f.y, fz = q_frame[2] - f.z;
    if (fx * fx + fy * fy + fz * fz > far_chord2) return std::numeric_limits<double>::infinity();
    double t3[3];
    ecef_raw(t, t3);
    const double lb = arc_lower_bound_m(chord_m(t3, q3)) - 1.0;
    if (lb > 0 && lb * lb > bound2) return std::numeric_limits<double>::infinity();
    const double g = far_distance_m(p, q3, t, t3);
    return g * g;
  };
  constexpr double band2 = kTieBand2;
  const HiddenPoles* filter = nullptr;  // the hidden poles this pass skips (see below)
  auto chunk_key = [&](const auto& chunk) {
    if (!have_q_frame) {
      if (!have_q3) ecef_raw(p, sc_lat[0], sc_lat[1], q3), have_q3 = true;
      to_frame(q3, q_frame), have_q_frame = true;
    }
    return chunk_key2(q_frame, chunk);
  };
  auto chunk_bound = [&] { return best_bound2(best, k, limit2, band2); };
  // best_bound2 of `best` as it stands: the rings change `best` only through
  // keep_best below (and search() clears it), so it is computed again only
  // then, not for each pole of a cell.
  double rings_bound2 = limit2;
  auto consider_cell = [&](std::uint32_t cx, std::uint32_t cy) {
    const std::uint32_t c = cy * nx_ + cx;
    for_slots(
        cell_start_[c], cell_start_[c + 1], k, filter,
        [&](std::uint32_t i) {
          const double d2 = rank_key(i, rings_bound2);
          if (d2 > rings_bound2) return;
          if (is_hidden(filter, i)) return;
          keep_best(best, k, band2, d2, i);  // i: slot in sorted_pos_
          rings_bound2 = best_bound2(best, k, limit2, band2);
          __builtin_prefetch(&order_[i]);  // read at the end: the miss overlaps the rest of the search
        },
        chunk_key, chunk_bound);
  };
  // Outside the poles' box the rings would start at the edge and grow through
  // cells that cannot hold the answer: search the pyramid instead.
  const bool inside = p.lon >= min_lon_all_ && p.lon <= max_lon_all_ && p.lat >= min_lat_all_ && p.lat <= max_lat_all_;
  // Rings beyond this many without an answer (a wide empty area): the pyramid too.
  constexpr std::int64_t kMaxRings = 8;
  // Rings up to this one without a single pole: the fields between villages
  // or towns, where the answer is kilometres away and the rings would cross
  // hundreds of empty cells before kMaxRings; the pyramid is searched at once.
  // (Where poles are spread out the first rings hold some: unchanged.)
  constexpr std::int64_t kEmptyRings = 3;
  const double fx = (p.lon - min_lon_) / cell_deg_lon_;
  const double fy = (p.lat - min_lat_) / cell_deg_lat_;
  const auto cx = static_cast<std::int64_t>(std::clamp(std::floor(fx), 0.0, double(nx_ - 1)));
  const auto cy = static_cast<std::int64_t>(std::clamp(std::floor(fy), 0.0, double(ny_ - 1)));
  const double lb_lon = std::min(min_m_per_deg_lon_, s.m_per_deg_lon) * 0.999;
  const double lb_lat = min_m_per_deg_lat_ * 0.999;
  // One pass of the search into `best`, skipping the poles in `filter`.
  auto search = [&] {
    best.clear();
    rings_bound2 = limit2;
    // No pole in rings 0 to kEmptyRings: the pyramid at once (the cells'
    // bits are in cache; their offsets would cost a DRAM miss a row).
    bool use_pyramid = !inside || !any_occupied(cx, cy, kEmptyRings);
    if (!use_pyramid) {
      // Rings 0 and 1 (nearly every query needs both) are three rows of three
      // cells: their offsets, then their poles, each row a DRAM miss at 2M
      // poles. Fetched together here instead of one after another below.
      const std::int64_t x0 = std::max<std::int64_t>(cx - 1, 0), x1 = std::min<std::int64_t>(cx + 1, nx_ - 1);
      const std::int64_t y0 = std::max<std::int64_t>(cy - 1, 0), y1 = std::min<std::int64_t>(cy + 1, ny_ - 1);
      for (std::int64_t y = y0; y <= y1; ++y) __builtin_prefetch(&cell_start_[static_cast<std::size_t>(y * nx_ + x0)]);
      constexpr std::ptrdiff_t kPrefetchLinesPerRow = 64;
      for (std::int64_t y = y0; y <= y1; ++y) {
        const auto* from = reinterpret_cast<const char*>(sorted_pos_.data() + cell_start_[static_cast<std::size_t>(y * nx_ + x0)]);
        const auto* to = reinterpret_cast<const char*>(sorted_pos_.data() + cell_start_[static_cast<std::size_t>(y * nx_ + x1 + 1)]);
        // At most a few kilobytes a row: a crowded cell's chunks are mostly passed over, not read.
        for (const char* line = from; line < std::min(to, from + 64 * kPrefetchLinesPerRow); line += 64) {
          __builtin_prefetch(line);
        }
      }
    }
    for (std::int64_t r = 0; !use_pyramid; ++r) {
      if (r > kMaxRings) {
        best.clear();
        use_pyramid = true;
        break;
      }
      const std::int64_t x0 = cx - r, x1 = cx + r, y0 = cy - r, y1 = cy + r;
      for (std::int64_t y = std::max<std::int64_t>(y0, 0); y <= std::min<std::int64_t>(y1, ny_ - 1); ++y) {
        if (y == y0 || y == y1) {
          for (std::int64_t x = std::max<std::int64_t>(x0, 0); x <= std::min<std::int64_t>(x1, nx_ - 1); ++x) {
            consider_cell(static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y));
          }
        } else {
          if (x0 >= 0) consider_cell(static_cast<std::uint32_t>(x0), static_cast<std::uint32_t>(y));
          if (x1 < nx_) consider_cell(static_cast<std::uint32_t>(x1), static_cast<std::uint32_t>(y));
        }
      }
      // Lower bound on the distance to any cell of ring r+1 (that exists).
      double lb = std::numeric_limits<double>::infinity();
      if (x1 + 1 < nx_) lb = std::min(lb, std::max(0.0, (min_lon_ + (x1 + 1) * cell_deg_lon_ - p.lon) * lb_lon));
      if (x0 - 1 >= 0) lb = std::min(lb, std::max(0.0, (p.lon - (min_lon_ + x0 * cell_deg_lon_)) * lb_lon));
      if (y1 + 1 < ny_) lb = std::min(lb, std::max(0.0, (min_lat_ + (y1 + 1) * cell_deg_lat_ - p.lat) * lb_lat));
      if (y0 - 1 >= 0) lb = std::min(lb, std::max(0.0, (p.lat - (min_lat_ + y0 * cell_deg_lat_)) * lb_lat));
      if (lb == std::numeric_limits<double>::infinity()) break;  // every cell visited
      if (lb * lb > rings_bound2) break;  // (never above limit2)
      if (r >= kEmptyRings && best.empty()) {
        use_pyramid = true;
        break;
      }
    }
    if (use_pyramid) nearest_best_first(p, s, sc_lat, k, limit2, filter, best);
  };
  // The poles an overlay hid are few, and seldom among a query's nearest:
  // search as if none were hidden, and only when one is among the best
  // found, search again skipping them. A query then asks the hidden set
  // about its few answers, not about every candidate on the way (about
  // three times as many).
  if (hidden && !hidden->few()) filter = hidden;  // many: skipping them on the way is cheaper than searching twice
  search();
  if (hidden && !filter && std::any_of(best.begin(), best.end(), [&](const auto& e) { return is_hidden(hidden, e.second); })) {
    filter = hidden;
    search();
  }
  // Reported distances use the mean latitude of both points (or the geodesic):
  // re-rank on them and keep the k nearest (kTieBand2).
  out.reserve(best.size());
  for (const auto& [d2, slot] : best) {
    out.emplace_back(order_[slot], d2 < kExact2 ? geo::local_distance_m(p, sorted_pos_[slot]) : std::sqrt(d2));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second < b.second : a.first < b.first;
  });
  if (out.size() > k) out.resize(k);  // the candidates in the k-th's tie band that lost on the reported distance
}

std::optional<std::uint32_t> PoleIndex::slot_of(std::uint32_t pole, LonLat position) const {
  if (islands_.empty()) return slot_of_one(pole, position);
  // Islands' boxes do not overlap: the one holding the position, else (never for a built index) any.
  for (const bool by_box : {true, false}) {
    for (const Island& island : islands_) {
      if (by_box != island.box.contains(position)) continue;
      if (auto slot = island.index->slot_of_one(pole, position)) return island.index->slot_offset_ + *slot;
    }
  }
  return std::nullopt;
}

std::optional<std::uint32_t> PoleIndex::slot_of_one(std::uint32_t pole, LonLat position) const {
  if (order_.empty()) return std::nullopt;
  const auto cx = std::min<std::uint32_t>(nx_ - 1, static_cast<std::uint32_t>(std::max(0.0, (position.lon - min_lon_) / cell_deg_lon_)));
  const auto cy = std::min<std::uint32_t>(ny_ - 1, static_cast<std::uint32_t>(std::max(0.0, (position.lat - min_lat_) / cell_deg_lat_)));
  const std::uint32_t c = cy * nx_ + cx;
  if (cell_start_[c + 1] - cell_start_[c] >= kRunMin) {
    // Sorted by position, then pole (sort_crowded_cells): a pile of thousands is searched, not scanned.
    const std::uint64_t key = cell_z_key(c, position);
    std::uint32_t lo = cell_start_[c], hi = cell_start_[c + 1];
    while (lo < hi) {
      const std::uint32_t mid = lo + (hi - lo) / 2;
      if (position_before(cell_z_key(c, sorted_pos_[mid]), sorted_pos_[mid], order_[mid], key, position, pole)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (lo < cell_start_[c + 1] && order_[lo] == pole) return lo;
  }
  for (std::uint32_t i = cell_start_[c]; i < cell_start_[c + 1]; ++i) {
    if (order_[i] == pole) return i;
  }
  for (std::uint32_t i = 0; i < order_.size(); ++i) {  // not where its position says: never for a built index
    if (order_[i] == pole) return i;
  }
  return std::nullopt;
}

std::vector<std::uint32_t> PoleIndex::within(const BBox& box) const {
  std::vector<std::uint32_t> out;
  if (islands_.empty()) {
    within_one(box, out);
  } else {
    for (const Island& island : islands_) {
      if (box.min_lon <= island.box.max_lon && island.box.min_lon <= box.max_lon && box.min_lat <= island.box.max_lat &&
          island.box.min_lat <= box.max_lat) {
        island.index->within_one(box, out);
      }
    }
  }
  return out;
}

void PoleIndex::within_one(const BBox& box, std::vector<std::uint32_t>& out) const {
  if (order_.empty()) return;
  auto clamp_x = [&](double lon) {
    return static_cast<std::int64_t>(std::clamp(std::floor((lon - min_lon_) / cell_deg_lon_), 0.0, double(nx_ - 1)));
  };
  auto clamp_y = [&](double lat) {
    return static_cast<std::int64_t>(std::clamp(std::floor((lat - min_lat_) / cell_deg_lat_), 0.0, double(ny_ - 1)));
  };
  for (std::int64_t y = clamp_y(box.min_lat); y <= clamp_y(box.max_lat); ++y) {
    for (std::int64_t x = clamp_x(box.min_lon); x <= clamp_x(box.max_lon); ++x) {
      const std::size_t c = static_cast<std::size_t>(y) * nx_ + static_cast<std::size_t>(x);
      for (std::uint32_t i = cell_start_[c]; i < cell_start_[c + 1]; ++i) {
        if (box.contains(sorted_pos_[i])) out.push_back(order_[i]);
      }
    }
  }
}

std::size_t PoleIndex::memory_bytes() const {
  std::size_t pyramid = 0;
  for (const Level& l : levels_) pyramid += l.boxes.capacity() * sizeof(Box3);
  for (const WideLevel& l : wide_) {
    pyramid += l.groups.capacity() * sizeof(WideGroup) + l.diag.capacity() * sizeof(DiagGroup);
  }
  pyramid += leaf_rows_.capacity() * sizeof(LeafRowsGroup);
  pyramid += (leaf_row_values_.capacity() + leaf_col_sc_.capacity()) * sizeof(double);
  std::size_t islands = islands_.capacity() * sizeof(Island);
  for (const Island& island : islands_) islands += sizeof(PoleIndex) + island.index->memory_bytes();
  return cell_start_.capacity() * 4 + occupied_.capacity() * 8 + order_.capacity() * 4 +
         sorted_pos_.capacity() * sizeof(LonLat) + frame_pos_.capacity() * sizeof(FramePoint) +
         runs_.capacity() * sizeof(Run) + chunks_.capacity() * sizeof(Chunk) + pyramid + islands;
}

}  // namespace poleloc::index
