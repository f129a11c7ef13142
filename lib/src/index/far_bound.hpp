// far_bound.hpp: a tight lower bound of the geodesic from a far query point to
// the poles of a city, for the best-first nearest search.
//
//   FarBound f = FarBound::make(q, t0, t0_xyz, rows);   // one geodesic q -> t0
//   if (f.valid()) lb = std::max(lb, f.point_lower_bound_m(t_xyz));
//   lb_box = f.box_lower_bound_m(lo, hi);                // any box of poles
//
// Coordinates are in the caller's frame: ECEF metres moved and turned by the
// rotation `rows` (3x3, row major), so offsets are ECEF offsets turned.
//
// Why: for a query thousands of km away, the arc of the ECEF chord is up to
// ~1 km shorter than the geodesic, so every pole in a band that deep along the
// data's near edge would need a geodesic. Around a reference pole t0, the
// distance from q is smooth (t0 is far from q's cut locus and conjugate points)
// and its Taylor expansion is known exactly from the one geodesic q -> t0:
//   s(t) = s0 + <T, d> + kappa/2 <P, d>^2 + O(|d|^3 (K + kappa^2))
// with d = t - t0, T the unit tangent of the geodesic at t0 (azimuth azi2), P
// the unit tangent across it, kappa = M21 / m12 the curvature of the geodesic
// circle through t0 and K <= 1/b^2 the Gaussian curvature. The bound takes
// kappa at its lowest over the ball of radius |d| (the Riccati equation
// kappa' = -(K + kappa^2) bounds its change) and subtracts twice the cubic
// term, so it stays below the geodesic; PoleIndex.FarBoundNeverExceedsTheGeodesic
// checks it at random. It is used only where |d| kappa <= 0.1 and s0 + |d| <=
// 19,900 km (short of q's cut locus, 19,970 km at the nearest); elsewhere it returns 0 (no
// information) and callers keep the arc bound. The gap to the geodesic is
// millimetres for |d| of a few km at thousands of km.
//
// Thread-safety: a value; const members are pure.
#pragma once

#include <poleloc/types.hpp>

namespace poleloc::index {

class FarBound {
 public:
  static FarBound make(LonLat q, LonLat t0, const double t0_xyz[3], const double rows[9]);
  bool valid() const { return valid_; }
  double s0() const { return s0_; }

  // Lower bound (metres, may be 0) of the geodesic from q to the surface point at `xyz`.
  double point_lower_bound_m(const double xyz[3]) const;
  // Lower bound of the geodesic from q to any surface point inside the box (frame coordinates).
  double box_lower_bound_m(const float lo[3], const float hi[3]) const;
  // How much the bound may fall short of the geodesic over the box (metres, an
  // estimate of its cubic and curvature terms); infinity where it says nothing.
  double slack_m(const float lo[3], const float hi[3]) const;
  // The same for points within `r` metres of the reference (infinity where it says nothing).
  double slack_for_radius_m(double r) const;

 private:
  // d: offset from t0; r: an upper bound of |d|; [tl, th], [pl, ph]: ranges of <T,d>, <P,d>.
  double bound(double r, double tl, double pl, double ph) const;
  bool valid_ = false;
  double s0_ = 0, kappa_ = 0, c_ = 0;
  double t0_[3] = {0, 0, 0}, t_[3] = {0, 0, 0}, p_[3] = {0, 0, 0};
};

}  // namespace poleloc::index
