#include "index/far_bound.hpp"

#include "geo/geodesic.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace poleloc::index {
namespace {

constexpr double kB = 6356752.314245179;  // WGS84 semi-minor axis: the Gaussian curvature is at most 1/b^2
// The distance from q is smooth up to its cut locus, which is no nearer than
// min(pi b, half the shortest closed geodesic) = 19,970 km on WGS84 (the
// Gaussian curvature is at most 1/b^2, so no conjugate point comes sooner).
constexpr double kMaxReachM = 19'900'000;
constexpr double kMaxKappaR = 0.1;        // |d| kappa above this: the expansion is not trusted

}  // namespace

FarBound FarBound::make(LonLat q, LonLat t0, const double t0_xyz[3], const double rows[9]) {
  FarBound f;
  if (std::fabs(t0.lat) > 89.9) return f;  // east and north are not defined at a geographic pole
  const geo::GeodesicEnd g = geo::geodesic_end(q, t0);
  if (!(g.m12 > 0) || !(g.s12 < kMaxReachM) || !std::isfinite(g.M21)) return f;
  constexpr double kRad = 3.14159265358979323846 / 180;
  const double lat = t0.lat * kRad, lon = t0.lon * kRad, az = g.azi2_deg * kRad;
  const double east[3] = {-std::sin(lon), std::cos(lon), 0};
  const double north[3] = {-std::sin(lat) * std::cos(lon), -std::sin(lat) * std::sin(lon), std::cos(lat)};
  double t[3], p[3];
  for (int a = 0; a < 3; ++a) {
    t[a] = std::sin(az) * east[a] + std::cos(az) * north[a];
    p[a] = std::cos(az) * east[a] - std::sin(az) * north[a];
  }
  for (int a = 0; a < 3; ++a) {
    f.t_[a] = rows[3 * a] * t[0] + rows[3 * a + 1] * t[1] + rows[3 * a + 2] * t[2];
    f.p_[a] = rows[3 * a] * p[0] + rows[3 * a + 1] * p[1] + rows[3 * a + 2] * p[2];
    f.t0_[a] = t0_xyz[a];
  }
  f.s0_ = g.s12;
  f.kappa_ = g.M21 / g.m12;
  f.c_ = 1 / (kB * kB) + f.kappa_ * f.kappa_;
  f.valid_ = true;
  return f;
}

double FarBound::bound(double r, double tl, double pl, double ph) const {
  // The surface path from t0 is a little longer than the chord; 0.1 % covers it at these sizes.
  const double re = r * 1.001 + 0.001;
  if (!valid_ || re * std::fabs(kappa_) > kMaxKappaR || s0_ + re > kMaxReachM) return 0;
  const double kappa_lo = kappa_ - 2 * re * c_;
  double across2;  // <P,d>^2 at its least (kappa >= 0) or most (kappa < 0) over the range
  if (kappa_lo >= 0) {
    const double m = pl > 0 ? pl : ph < 0 ? -ph : 0;
    across2 = m * m;
  } else {
    across2 = std::max(pl * pl, ph * ph);
  }
  return std::max(0.0, s0_ + tl + 0.5 * kappa_lo * across2 - 2 * re * re * re * c_);
}

double FarBound::point_lower_bound_m(const double xyz[3]) const {
  const double d[3] = {xyz[0] - t0_[0], xyz[1] - t0_[1], xyz[2] - t0_[2]};
  const double r = std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
  const double along = t_[0] * d[0] + t_[1] * d[1] + t_[2] * d[2];
  const double across = p_[0] * d[0] + p_[1] * d[1] + p_[2] * d[2];
  // 1 cm: rounding of the frame coordinates (doubles, sub-micrometre) with room to spare.
  return std::max(0.0, bound(r, along, across, across) - 0.01);
}

double FarBound::box_lower_bound_m(const float lo[3], const float hi[3]) const {
  double r2 = 0, tl = 0, pl = 0, ph = 0, scale = 0;
  for (int a = 0; a < 3; ++a) {
    const double dl = double(lo[a]) - t0_[a], dh = double(hi[a]) - t0_[a];
    r2 += std::max(dl * dl, dh * dh);
    tl += std::min(t_[a] * dl, t_[a] * dh);
    pl += std::min(p_[a] * dl, p_[a] * dh);
    ph += std::max(p_[a] * dl, p_[a] * dh);
    scale += std::max(std::fabs(double(lo[a])), std::fabs(double(hi[a])));
  }
  // The box corners are floats rounded to nearest: half an ulp per axis at most.
  const double margin = 0.01 + 1.2e-7 * scale;
  return std::max(0.0, bound(std::sqrt(r2) + margin, tl - margin, pl - margin, ph + margin) - margin);
}

double FarBound::slack_m(const float lo[3], const float hi[3]) const {
  double r2 = 0;
  for (int a = 0; a < 3; ++a) {
    const double dl = double(lo[a]) - t0_[a], dh = double(hi[a]) - t0_[a];
    r2 += std::max(dl * dl, dh * dh);
  }
  return slack_for_radius_m(std::sqrt(r2));
}

double FarBound::slack_for_radius_m(double r) const {
  const double re = r * 1.001 + 0.001;
  if (!valid_ || re * std::fabs(kappa_) > kMaxKappaR || s0_ + re > kMaxReachM) return std::numeric_limits<double>::infinity();
  return 3 * re * re * re * c_;
}

}  // namespace poleloc::index
