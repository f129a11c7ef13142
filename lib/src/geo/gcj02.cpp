// GCJ-02 ("Mars coordinates"), the obfuscated datum of Chinese web maps.
// The forward transform is the publicly documented formula; the inverse is
// found by fixed-point iteration, which converges to far below a centimetre.
#include <poleloc/geo.hpp>

#include <cmath>

namespace poleloc {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kA = 6378245.0;              // Krasovsky 1940 semi-major axis
constexpr double kEe = 0.00669342162296594323;  // its first eccentricity squared

double shift_lat(double x, double y) {
  double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * std::sqrt(std::fabs(x));
  r += (20.0 * std::sin(6.0 * x * kPi) + 20.0 * std::sin(2.0 * x * kPi)) * 2.0 / 3.0;
  r += (20.0 * std::sin(y * kPi) + 40.0 * std::sin(y / 3.0 * kPi)) * 2.0 / 3.0;
  r += (160.0 * std::sin(y / 12.0 * kPi) + 320 * std::sin(y * kPi / 30.0)) * 2.0 / 3.0;
  return r;
}

double shift_lon(double x, double y) {
  double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * std::sqrt(std::fabs(x));
  r += (20.0 * std::sin(6.0 * x * kPi) + 20.0 * std::sin(2.0 * x * kPi)) * 2.0 / 3.0;
  r += (20.0 * std::sin(x * kPi) + 40.0 * std::sin(x / 3.0 * kPi)) * 2.0 / 3.0;
  r += (150.0 * std::sin(x / 12.0 * kPi) + 300.0 * std::sin(x / 30.0 * kPi)) * 2.0 / 3.0;
  return r;
}

LonLat offset(LonLat wgs) {
  double dlat = shift_lat(wgs.lon - 105.0, wgs.lat - 35.0);
  double dlon = shift_lon(wgs.lon - 105.0, wgs.lat - 35.0);
  const double radlat = wgs.lat / 180.0 * kPi;
  double magic = std::sin(radlat);
  magic = 1 - kEe * magic * magic;
  const double sqrtmagic = std::sqrt(magic);
  dlat = (dlat * 180.0) / ((kA * (1 - kEe)) / (magic * sqrtmagic) * kPi);
  dlon = (dlon * 180.0) / (kA / sqrtmagic * std::cos(radlat) * kPi);
  return {dlon, dlat};
}

// The point whose image under `forward` is `target`: both datum shifts are
// small and smooth, so subtracting the residual converges in a few steps.
template <typename Forward>
LonLat invert(Forward forward, LonLat target, LonLat start, double tolerance) {
  LonLat p = start;
  for (int i = 0; i < 30; ++i) {
    const LonLat f = forward(p);
    const double dlon = f.lon - target.lon, dlat = f.lat - target.lat;
    p.lon -= dlon;
    p.lat -= dlat;
    if (std::fabs(dlon) < tolerance && std::fabs(dlat) < tolerance) break;
  }
  return p;
}

}  // namespace

bool in_gcj02_region(LonLat p) {
  return p.lon >= 72.004 && p.lon <= 137.8347 && p.lat >= 0.8293 && p.lat <= 55.8271;
}

LonLat wgs84_to_gcj02(LonLat wgs) {
  if (!in_gcj02_region(wgs)) return wgs;
  const LonLat d = offset(wgs);
  return {wgs.lon + d.lon, wgs.lat + d.lat};
}

LonLat gcj02_to_wgs84(LonLat gcj) {
  if (!in_gcj02_region(gcj)) return gcj;
  return invert(wgs84_to_gcj02, gcj, gcj, 1e-10);
}

// Baidu's published forward transform: polar coordinates around GCJ-02's
// origin, radius and angle nudged by a small periodic term, then shifted.
LonLat gcj02_to_bd09(LonLat gcj) {
  constexpr double kXPi = kPi * 3000.0 / 180.0;
  const double z = std::sqrt(gcj.lon * gcj.lon + gcj.lat * gcj.lat) + 0.00002 * std::sin(gcj.lat * kXPi);
  const double theta = std::atan2(gcj.lat, gcj.lon) + 0.000003 * std::cos(gcj.lon * kXPi);
  return {z * std::cos(theta) + 0.0065, z * std::sin(theta) + 0.006};
}

LonLat bd09_to_gcj02(LonLat bd) {
  return invert(gcj02_to_bd09, bd, {bd.lon - 0.0065, bd.lat - 0.006}, 1e-11);
}

}  // namespace poleloc
