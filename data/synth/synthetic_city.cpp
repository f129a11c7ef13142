// The synthetic city: a jittered street lattice in a local metric frame,
// blocks as grids, poles along street sides and lanes, converted to WGS84 last.
//
// Why it is built this way:
//  - Every street piece is generated once and every grid walks the same points,
//    so shared boundaries are bit-identical (no slivers, no gaps).
//  - Every random stream is keyed by (seed, what, index), so no piece of the city
//    depends on the order in which the pieces are built. Only + - * / and sqrt
//    touch coordinates (plus one cosine of the centre latitude for the map
//    scale), so results do not depend on the libm's trigonometry.
//  - The pole budget is spread over all street sides and lanes in proportion to
//    their length (cumulative rounding), which gives exactly `poles` poles at an
//    even spacing; the number of lanes per block is chosen so that spacing is ~40 m.
#include "synthetic_city.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <string_view>
#include <system_error>
#include <utility>

namespace poleloc::synth {
namespace {

// ---------------------------------------------------------------------------
// Deterministic randomness: splitmix64 streams keyed by (seed, tag, index).

constexpr std::uint64_t kGamma = 0x9E3779B97F4A7C15ULL;

std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

enum class Stream : std::uint64_t {
  columns = 1, rows, node, street, block, exclave, poles, people, districts, points,
  community,  // appended last: the streams above keep their keys
  serials, outside, clusters,
};

std::uint64_t stream_key(std::uint64_t seed, Stream what, std::uint64_t index) {
  return mix64(mix64(seed ^ (static_cast<std::uint64_t>(what) * kGamma)) + index * kGamma);
}

class Rng {
 public:
  explicit Rng(std::uint64_t key) : state_(key) {}
  Rng(std::uint64_t seed, Stream what, std::uint64_t index) : state_(stream_key(seed, what, index)) {}
  std::uint64_t next() {
    state_ += kGamma;
    return mix64(state_);
  }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double uniform(double a, double b) { return a + (b - a) * unit(); }
  // Modulo bias is below 1e-17 for the small n used here.
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }

 private:
  std::uint64_t state_;
};

// ---------------------------------------------------------------------------
// Plane geometry in metres (x east, y north).

struct XY {
  double x = 0, y = 0;
};

XY lerp(XY a, XY b, double t) { return {a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t}; }
double dist(XY a, XY b) { return std::sqrt((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)); }

double segment_distance(XY p, XY a, XY b) {
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0;
  t = std::clamp(t, 0.0, 1.0);
  return dist(p, {a.x + t * dx, a.y + t * dy});
}

// Metres -> degrees around the city centre. An equirectangular frame: over a
// city of 50 km its scale error (< 0.3 %) does not matter, and it is exact
// arithmetic, so shared vertices convert to identical degrees.
class Frame {
 public:
  Frame(double lon0, double lat0, XY middle) : lon0_(lon0), lat0_(lat0), middle_(middle) {
    const double pi = 3.14159265358979323846;
    const double phi = lat0 * pi / 180;
    m_per_deg_lat_ = 111132.954 - 559.822 * std::cos(2 * phi) + 1.175 * std::cos(4 * phi);
    m_per_deg_lon_ = 111412.84 * std::cos(phi) - 93.5 * std::cos(3 * phi);
  }
  LonLat to_lonlat(XY p) const {
    return {round7(lon0_ + (p.x - middle_.x) / m_per_deg_lon_), round7(lat0_ + (p.y - middle_.y) / m_per_deg_lat_)};
  }

 private:
  static double round7(double v) { return std::round(v * 1e7) / 1e7; }
  double lon0_, lat0_;
  XY middle_;
  double m_per_deg_lat_ = 0, m_per_deg_lon_ = 0;
};

// ---------------------------------------------------------------------------
// Names. Districts get invented three-syllable names (东直门 -> DZM, dongzhimen).

struct Syllable {
  std::string_view hanzi, pinyin;
};
constexpr std::array<Syllable, 16> kFirst{{{"东", "dong"}, {"西", "xi"}, {"南", "nan"}, {"北", "bei"},
                                           {"安", "an"}, {"永", "yong"}, {"和", "he"}, {"长", "chang"},
                                           {"广", "guang"}, {"德", "de"}, {"朝", "chao"}, {"金", "jin"},
                                           {"万", "wan"}, {"新", "xin"}, {"太", "tai"}, {"青", "qing"}}};
constexpr std::array<Syllable, 15> kMiddle{{{"直", "zhi"}, {"华", "hua"}, {"定", "ding"}, {"宁", "ning"},
                                            {"平", "ping"}, {"兴", "xing"}, {"丰", "feng"}, {"源", "yuan"},
                                            {"福", "fu"}, {"庆", "qing"}, {"顺", "shun"}, {"康", "kang"},
                                            {"惠", "hui"}, {"盛", "sheng"}, {"泽", "ze"}}};
constexpr std::array<Syllable, 17> kLast{{{"门", "men"}, {"桥", "qiao"}, {"庄", "zhuang"}, {"营", "ying"},
                                          {"里", "li"}, {"园", "yuan"}, {"街", "jie"}, {"坊", "fang"},
                                          {"苑", "yuan"}, {"湖", "hu"}, {"寺", "si"}, {"村", "cun"},
                                          {"口", "kou"}, {"屯", "tun"}, {"坡", "po"}, {"台", "tai"},
                                          {"店", "dian"}}};

struct District {
  std::string code, name, pinyin;
};

// `count` districts with distinct codes. 16, 15 and 17 are pairwise coprime, so
// k -> (7k mod 16, 11k mod 15, 13k mod 17) visits all 4080 combinations.
std::vector<District> district_names(std::size_t count) {
  std::vector<District> out;
  std::vector<std::string> codes{"TJH"};  // reserved for the bundled sample
  const std::size_t combos = kFirst.size() * kMiddle.size() * kLast.size();
  for (std::size_t k = 0; out.size() < count && k < combos; ++k) {
    const Syllable& a = kFirst[(7 * k) % kFirst.size()];
    const Syllable& b = kMiddle[(11 * k) % kMiddle.size()];
    const Syllable& c = kLast[(13 * k) % kLast.size()];
    std::string code;
    for (const Syllable* s : {&a, &b, &c}) code.push_back(static_cast<char>(s->pinyin[0] - 'a' + 'A'));
    if (std::find(codes.begin(), codes.end(), code) != codes.end()) continue;
    codes.push_back(code);
    out.push_back({code, std::string(a.hanzi) + std::string(b.hanzi) + std::string(c.hanzi),
                   std::string(a.pinyin) + std::string(b.pinyin) + std::string(c.pinyin)});
  }
  // About 2,000 codes exist; a city of more districts (over 600,000 grids) gets
  // "new" districts with four-letter codes: 东直门新区, DZMX, dongzhimenxinqu.
  for (std::size_t k = 0; out.size() < count; ++k) {
    District d = out[k];
    d.name += "新区";
    d.code += 'X';
    d.pinyin += "xinqu";
    out.push_back(std::move(d));
  }
  return out;
}

// Community names: "<place><suffix>社区网格", as Beijing names its community grids.
// Places are invented in the style of old Beijing neighbourhoods (village, temple,
// lane and estate names), some with digit characters in them as real ones have
// (三里屯, 八里庄, 十里堡), and some of two characters only (红庙, 枣营).
constexpr std::array<std::string_view, 96> kCommunityPlaces{
    "水碓子", "白家庄", "三里屯", "呼家楼", "八里庄", "南北里", "农光里", "红庙",   "金台里", "延静里",
    "六里屯", "核桃园", "关东店", "光华里", "永安里", "雅宝里", "芳草地", "吉祥里", "神路街", "日坛",
    "左家庄", "西坝河", "光熙门", "麦子店", "枣营",   "亮马桥", "霞光里", "幸福村", "新源里", "将台",
    "驼房营", "高家园", "大山子", "王四营", "管庄",   "定福庄", "甘露园", "石佛营", "平乐园", "百子湾",
    "垂杨柳", "松榆里", "华威里", "劲松",   "潘家园", "武圣里", "双井",   "九龙山", "小武基", "十里堡",
    "黄木厂", "甜水园", "碧水园", "柳芳",   "樱花园", "芍药居", "惠新里", "安贞里", "小关",   "花家地",
    "南湖渠", "望花路", "来广营", "北苑",   "立水桥", "清河营", "东坝",   "奶子房", "豆各庄", "小红门",
    "牌坊",   "肖家河", "马家堡", "角门",   "洋桥",   "草桥",   "石榴园", "蒲黄榆", "方庄",   "刘家窑",
    "宋家庄", "成寿寺", "南顶",   "木樨园", "沙子口", "永定门", "天坛",   "四块玉", "夕照寺", "龙潭",
    "广渠门", "板厂",   "枣林",   "水南庄", "杨闸",   "康家沟"};
constexpr std::array<std::string_view, 11> kCommunitySuffixes{"",     "东里", "西里", "北里", "南里", "一条",
                                                              "二条", "东区", "西区", "小区", "家园"};
constexpr std::array<std::string_view, 4> kCompoundSuffixes{"嘉园", "花园", "公寓", "大厦"};

constexpr std::array<std::string_view, 30> kSurnames{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴",
                                                     "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗",
                                                     "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧"};
constexpr std::array<std::string_view, 36> kGivenNames{
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞",
    "平", "刚", "秀英", "桂兰", "建华", "志强", "海燕", "春梅", "国庆", "建国", "玉兰", "红梅", "晓东", "文静",
    "立新", "淑珍", "德明", "丽华"};

std::string person_name(Rng& rng) {
  return std::string(kSurnames[rng.below(kSurnames.size())]) + std::string(kGivenNames[rng.below(kGivenNames.size())]);
}

// Beijing landline: 010-6xxxxxxx.
std::string phone_number(Rng& rng) {
  std::string s = "010-6";
  for (int i = 0; i < 7; ++i) s.push_back(static_cast<char>('0' + rng.below(10)));
  return s;
}

void append_padded(std::string& out, std::size_t value, std::size_t width) {
  const std::string digits = std::to_string(value);
  if (digits.size() < width) out.append(width - digits.size(), '0');
  out += digits;
}

std::size_t digit_count(std::size_t v) {
  std::size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

constexpr std::array<std::string_view, 3> kKinds{"路灯", "电力杆", "通信杆"};
enum class Mix : std::uint8_t { road, lane, compound };
// Cumulative shares of 路灯 and 电力杆 per kind of line; the rest are 通信杆.
constexpr std::array<std::array<double, 2>, 3> kKindShares{{{0.70, 0.90}, {0.50, 0.80}, {1.0, 1.0}}};

// ---------------------------------------------------------------------------
// The street lattice.

constexpr double kMinBlock = 250, kMaxBlock = 380;  // block spacing, metres
constexpr double kNodeJitter = 18;                  // crossing displacement, metres
constexpr double kBow = 5, kWiggle = 1.5;           // street deviation from its chord, metres
constexpr double kStreetEndMargin = 15;             // no pole this close to a crossing, metres
constexpr double kLaneEndMargin = 28;               // lanes stop this far from the street, metres
constexpr double kMinOffset = 3, kMaxOffset = 8;    // pole offset from the line it follows, metres
constexpr double kTargetSpacing = 40;               // metres between poles on a line
constexpr std::size_t kMaxGridVertices = 150;       // over all rings of a grid

struct Span {
  std::uint32_t begin = 0, count = 0;  // points in the pool; count 0: no such street piece
};

class Lattice {
 public:
  // vertices_per_grid: CityOptions::vertices_per_grid (0: 11-35 per street piece).
  Lattice(std::size_t grids, std::uint64_t seed, std::size_t vertices_per_grid)
      : grids_(grids), vertices_per_grid_(vertices_per_grid) {
    cols_ = 1;
    while (cols_ * cols_ < grids) ++cols_;
    rows_ = (grids + cols_ - 1) / cols_;
    std::vector<double> xs(cols_ + 1), ys(rows_ + 1);
    Rng rx(seed, Stream::columns, 0), ry(seed, Stream::rows, 0);
    for (std::size_t i = 1; i <= cols_; ++i) xs[i] = xs[i - 1] + rx.uniform(kMinBlock, kMaxBlock);
    for (std::size_t j = 1; j <= rows_; ++j) ys[j] = ys[j - 1] + ry.uniform(kMinBlock, kMaxBlock);
    width_ = xs[cols_];
    height_ = ys[rows_];
    nodes_.resize((cols_ + 1) * (rows_ + 1));
    for (std::size_t j = 0; j <= rows_; ++j) {
      for (std::size_t i = 0; i <= cols_; ++i) {
        Rng r(seed, Stream::node, j * (cols_ + 1) + i);
        // A slow warp (parabolic waves, ~2 km long) so streets are not ruler-straight lines.
        const double wx = wave(ys[j] / 2100.0), wy = wave(xs[i] / 2300.0);
        nodes_[j * (cols_ + 1) + i] = {xs[i] + 14 * wx + r.uniform(-kNodeJitter, kNodeJitter),
                                       ys[j] + 14 * wy + r.uniform(-kNodeJitter, kNodeJitter)};
      }
    }
    build_streets(seed);
  }

  std::size_t cols() const { return cols_; }
  std::size_t rows() const { return rows_; }
  double width() const { return width_; }
  double height() const { return height_; }
  const std::vector<XY>& pool() const { return pool_; }
  std::vector<XY>& pool() { return pool_; }

  bool has_block(std::ptrdiff_t i, std::ptrdiff_t j) const {
    if (i < 0 || j < 0 || static_cast<std::size_t>(i) >= cols_ || static_cast<std::size_t>(j) >= rows_) return false;
    return static_cast<std::size_t>(j) * cols_ + static_cast<std::size_t>(i) < grids_;
  }
  XY node(std::size_t i, std::size_t j) const { return nodes_[j * (cols_ + 1) + i]; }
  // The street from crossing (i, j) east to (i + 1, j), and from (i, j) north to (i, j + 1).
  Span east_street(std::size_t i, std::size_t j) const { return east_[j * cols_ + i]; }
  Span north_street(std::size_t i, std::size_t j) const { return north_[j * (cols_ + 1) + i]; }

  // Point (u, v) in [0,1]^2 of block (i, j) by bilinear interpolation of its crossings.
  XY block_point(std::size_t i, std::size_t j, double u, double v) const {
    return lerp(lerp(node(i, j), node(i + 1, j), u), lerp(node(i, j + 1), node(i + 1, j + 1), u), v);
  }

 private:
  // A periodic wave in [-1, 1] from parabolic arcs (no libm, so platform-independent).
  static double wave(double t) {
    const double f = t - std::floor(t);  // [0, 1)
    const double a = f < 0.5 ? f * 2 : (f - 0.5) * 2;
    const double arc = 4 * a * (1 - a);
    return f < 0.5 ? arc : -arc;
  }

  Span add_street(Rng rng, XY p, XY q) {
    Span span{static_cast<std::uint32_t>(pool_.size()), 0};
    std::size_t n = 11 + rng.below(25);  // vertices including both crossings: 11..35
    if (vertices_per_grid_ > 0) n = std::max<std::size_t>(2, vertices_per_grid_ / 4 + 1);
    const double dx = q.x - p.x, dy = q.y - p.y;
    const double len = std::sqrt(dx * dx + dy * dy);
    const double nx = -dy / len, ny = dx / len;
    const double bow = rng.uniform(-kBow, kBow);
    // Many vertices: wiggles no larger than a tenth of the vertex spacing, so the
    // street stays smooth (a pole's offset is measured from its local segment).
    const double wiggle = vertices_per_grid_ > 0
                              ? kWiggle * std::min(1.0, len / static_cast<double>(n - 1) / 10.0)
                              : kWiggle;
    pool_.push_back(p);
    for (std::size_t k = 1; k + 1 < n; ++k) {
      // t stays increasing (jitter < half a step), so the piece never folds back on itself.
      const double t = (static_cast<double>(k) + rng.uniform(-0.3, 0.3)) / static_cast<double>(n - 1);
      const double off = bow * 4 * t * (1 - t) + rng.uniform(-wiggle, wiggle);
      pool_.push_back({p.x + dx * t + nx * off, p.y + dy * t + ny * off});
    }
    pool_.push_back(q);
    span.count = static_cast<std::uint32_t>(n);
    return span;
  }

  void build_streets(std::uint64_t seed) {
    east_.assign((rows_ + 1) * cols_, {});
    north_.assign(rows_ * (cols_ + 1), {});
    pool_.reserve(2 * grids_ * 24 + 4 * (cols_ + rows_) * 24);
    for (std::size_t j = 0; j <= rows_; ++j) {
      for (std::size_t i = 0; i < cols_; ++i) {
        const auto si = static_cast<std::ptrdiff_t>(i), sj = static_cast<std::ptrdiff_t>(j);
        if (!has_block(si, sj - 1) && !has_block(si, sj)) continue;
        const std::size_t id = j * cols_ + i;
        east_[id] = add_street(Rng(seed, Stream::street, 2 * id), node(i, j), node(i + 1, j));
      }
    }
    for (std::size_t j = 0; j < rows_; ++j) {
      for (std::size_t i = 0; i <= cols_; ++i) {
        const auto si = static_cast<std::ptrdiff_t>(i), sj = static_cast<std::ptrdiff_t>(j);
        if (!has_block(si - 1, sj) && !has_block(si, sj)) continue;
        const std::size_t id = j * (cols_ + 1) + i;
        north_[id] = add_street(Rng(seed, Stream::street, 2 * id + 1), node(i, j), node(i, j + 1));
      }
    }
  }

  std::size_t grids_, vertices_per_grid_, cols_ = 0, rows_ = 0;
  double width_ = 0, height_ = 0;
  std::vector<XY> nodes_;
  std::vector<Span> east_, north_;
  std::vector<XY> pool_;
};

double polyline_length(const std::vector<XY>& pool, Span s) {
  double len = 0;
  for (std::uint32_t k = 1; k < s.count; ++k) len += dist(pool[s.begin + k - 1], pool[s.begin + k]);
  return len;
}

// A walled compound inside one block (its host) that belongs to a neighbouring
// block (its owner); CityBuilder keeps the host -> compound and owner -> compound maps.
struct Compound {
  XY centre;
  double radius = 0;     // metres; every wall vertex lies within it
  std::vector<XY> wall;  // counter-clockwise, closed
};

// A walled compound: an irregular octagon (no trigonometry), `n` vertices.
std::vector<XY> compound_wall(Rng& rng, XY c, double r, std::size_t n) {
  // Octagon corners, counter-clockwise, on a circle-like outline of radius ~r.
  constexpr double k = 0.41421356;  // tan(22.5 deg): a regular octagon
  const std::array<XY, 8> corners{{{1, -k}, {1, k}, {k, 1}, {-k, 1}, {-1, k}, {-1, -k}, {-k, -1}, {k, -1}}};
  std::vector<XY> wall;
  wall.reserve(n + 1);
  for (std::size_t v = 0; v < n; ++v) {
    // Evenly along the outline, jittered within a fifth of a step.
    const double pos = (static_cast<double>(v) + rng.uniform(-0.2, 0.2)) * 8.0 / static_cast<double>(n);
    const double p = pos < 0 ? pos + 8 : pos;
    const auto side = static_cast<std::size_t>(p) % 8;
    const XY on = lerp(corners[side], corners[(side + 1) % 8], p - std::floor(p));
    const double scale = r * rng.uniform(0.94, 1.0) / 1.0824;  // octagon corners sit at 1.0824 of the apothem
    wall.push_back({c.x + on.x * scale, c.y + on.y * scale});
  }
  wall.push_back(wall.front());
  return wall;
}

// One row of poles: along a polyline, on one side, between two arc lengths.
struct PoleLine {
  std::uint32_t block = 0;  // owning block (lattice index)
  Span points;
  double from = 0, to = 0;  // usable arc length, metres
  double side = 1;          // +1: left of the direction of travel, -1: right
  Mix mix = Mix::road;
  bool street = false;      // the polyline is a grid boundary: keep clear of it
  double usable() const { return to > from ? to - from : 0; }
};

struct BlockPlan {
  bool north_south_lanes = false;
  double lane_jitter_key = 0;
};

class CityBuilder {
 public:
  explicit CityBuilder(const CityOptions& o) : o_(o), lattice_(o.grids, o.seed, o.vertices_per_grid) {}

  // The city; without poles when `with_poles` is false (places only need the grids).
  Dataset build(bool with_poles = true) {
    Dataset out;
    plan_districts();
    plan_compounds();
    plan_lanes();
    if (o_.community_names) plan_community_names();
    emit_grids(out);
    if (with_poles) emit_poles(out);
    out.aliases.reserve(districts_.size() * 4);
    for (const District& d : districts_) {
      out.aliases.push_back({d.name, d.code});
      out.aliases.push_back({d.name + "街道", d.code});
      out.aliases.push_back({d.pinyin, d.code});
      if (o_.community_names) out.aliases.push_back({"北京市朝阳区" + d.name + "街道", d.code});
    }
    out.has_aliases = true;
    return out;
  }

  // Filled by build() when community_names is set.
  std::vector<Place> take_places() { return std::move(places_); }

 private:
  std::size_t block_index(std::size_t i, std::size_t j) const { return j * lattice_.cols() + i; }
  std::size_t col_of(std::size_t b) const { return b % lattice_.cols(); }
  std::size_t row_of(std::size_t b) const { return b / lattice_.cols(); }

  // Districts are rectangular tiles of blocks, about 300 blocks each, at least 4.
  void plan_districts() {
    const std::size_t cols = lattice_.cols(), rows = lattice_.rows();
    const std::size_t wanted = std::min<std::size_t>(o_.grids, std::max<std::size_t>(4, (o_.grids + 150) / 300));
    const double aspect = static_cast<double>(wanted * cols) / static_cast<double>(rows);
    const std::size_t tiles_x = std::clamp<std::size_t>(static_cast<std::size_t>(std::llround(std::sqrt(aspect))), 1, cols);
    const std::size_t tiles_y = std::clamp<std::size_t>((wanted + tiles_x - 1) / tiles_x, 1, rows);
    const std::size_t tile_w = (cols + tiles_x - 1) / tiles_x;
    const std::size_t tile_h = (rows + tiles_y - 1) / tiles_y;
    const std::size_t tiles_x_used = (cols + tile_w - 1) / tile_w;
    const std::size_t tiles_y_used = (rows + tile_h - 1) / tile_h;

    // Blocks in output order: district by district, row-major inside a district.
    district_of_block_.assign(cols * rows, SIZE_MAX);
    std::size_t used = 0;
    for (std::size_t ty = 0; ty < tiles_y_used; ++ty) {
      for (std::size_t tx = 0; tx < tiles_x_used; ++tx) {
        bool any = false;
        for (std::size_t j = ty * tile_h; j < std::min(rows, (ty + 1) * tile_h); ++j) {
          for (std::size_t i = tx * tile_w; i < std::min(cols, (tx + 1) * tile_w); ++i) {
            if (!lattice_.has_block(static_cast<std::ptrdiff_t>(i), static_cast<std::ptrdiff_t>(j))) continue;
            any = true;
            order_.push_back(block_index(i, j));
            district_of_block_[block_index(i, j)] = used;
          }
        }
        if (any) ++used;
      }
    }
    districts_ = district_names(used);

    // Maintainers: three per kind of pole and district.
    maintainers_.resize(used);
    for (std::size_t d = 0; d < used; ++d) {
      Rng r(o_.seed, Stream::people, d);
      for (auto& kind : maintainers_[d]) {
        for (auto& m : kind) m = {person_name(r), phone_number(r)};
      }
    }
  }

  // The shell of block b in metres, counter-clockwise, closed.
  std::vector<XY> block_shell(std::size_t b) const {
    const std::size_t i = col_of(b), j = row_of(b);
    const auto& pool = lattice_.pool();
    std::vector<XY> ring;
    auto walk = [&](Span s, bool forward) {
      for (std::uint32_t k = 0; k + 1 < s.count; ++k) ring.push_back(pool[s.begin + (forward ? k : s.count - 1 - k)]);
    };
    walk(lattice_.east_street(i, j), true);       // south side, west to east
    walk(lattice_.north_street(i + 1, j), true);  // east side, south to north
    walk(lattice_.east_street(i, j + 1), false);  // north side, east to west
    walk(lattice_.north_street(i, j), false);     // west side, north to south
    ring.push_back(ring.front());
    return ring;
  }

  std::size_t shell_vertices(std::size_t b) const {
    const std::size_t i = col_of(b), j = row_of(b);
    return lattice_.east_street(i, j).count + lattice_.north_street(i + 1, j).count +
           lattice_.east_street(i, j + 1).count + lattice_.north_street(i, j).count - 4;
  }

  // The smaller of the block's two extents, metres (distance between opposite streets).
  double block_extent(std::size_t b) const {
    const std::size_t i = col_of(b), j = row_of(b);
    const double w = std::min(dist(lattice_.node(i, j), lattice_.node(i + 1, j)),
                              dist(lattice_.node(i, j + 1), lattice_.node(i + 1, j + 1)));
    const double h = std::min(dist(lattice_.node(i, j), lattice_.node(i, j + 1)),
                              dist(lattice_.node(i + 1, j), lattice_.node(i + 1, j + 1)));
    return std::min(w, h);
  }

  // About 1 % of the blocks host a compound of a neighbour (never both roles, never twice).
  void plan_compounds() {
    const std::size_t cells = lattice_.cols() * lattice_.rows();
    compound_of_host_.assign(cells, SIZE_MAX);
    compound_of_owner_.assign(cells, SIZE_MAX);
    if (o_.grids < 50) return;
    const std::size_t wanted = std::max<std::size_t>(1, o_.grids / 100);
    Rng r(o_.seed, Stream::exclave, 0);
    std::vector<bool> taken(cells, false);
    for (std::size_t attempt = 0; compounds_.size() < wanted && attempt < wanted * 20; ++attempt) {
      const std::size_t host = order_[r.below(order_.size())];
      const auto i = static_cast<std::ptrdiff_t>(col_of(host)), j = static_cast<std::ptrdiff_t>(row_of(host));
      const std::array<std::pair<std::ptrdiff_t, std::ptrdiff_t>, 4> around{{{1, 0}, {-1, 0}, {0, 1}, {0, -1}}};
      const auto [di, dj] = around[r.below(4)];
      if (taken[host] || !lattice_.has_block(i + di, j + dj)) continue;
      const std::size_t owner = block_index(static_cast<std::size_t>(i + di), static_cast<std::size_t>(j + dj));
      if (taken[owner]) continue;
      taken[host] = taken[owner] = true;

      Compound c;
      c.centre = lattice_.block_point(col_of(host), row_of(host), r.uniform(0.45, 0.55), r.uniform(0.45, 0.55));
      c.radius = std::min(50.0, 0.14 * block_extent(host));
      const std::size_t shells = std::max(shell_vertices(host), shell_vertices(owner));
      const std::size_t budget = o_.vertices_per_grid > 0 || shells >= kMaxGridVertices ? 20 : kMaxGridVertices - shells;
      c.wall = compound_wall(r, c.centre, c.radius, std::min<std::size_t>(20, budget));
      compound_of_host_[host] = compounds_.size();
      compound_of_owner_[owner] = compounds_.size();
      compounds_.push_back(std::move(c));
    }
  }

  // Grid names of a community city, by output position. Each district hosts a
  // community named after one or two other districts ("<other>北里"); the rest
  // are "<place><suffix>", unique in the city and never a district's own name.
  void plan_community_names() {
    const std::size_t n = order_.size(), nd = districts_.size();
    community_.assign(n, {});
    std::set<std::string> taken;
    for (const District& d : districts_) taken.insert(d.name);
    Rng r(o_.seed, Stream::community, 0);
    std::vector<std::vector<std::size_t>> grids_of(nd);
    for (std::size_t k = 0; k < n; ++k) grids_of[district_of_block_[order_[k]]].push_back(k);
    for (std::size_t d = 0; nd >= 2 && d < nd; ++d) {
      for (std::size_t step = 1; step <= std::min<std::size_t>(2, nd - 1); ++step) {
        const std::vector<std::size_t>& mine = grids_of[d];
        const std::size_t k = mine[r.below(mine.size())];
        const std::string base = districts_[(d + step) % nd].name + "北里";
        if (!community_[k].base.empty() || taken.count(base)) continue;
        taken.insert(base);
        community_[k] = {base, districts_[(d + step) % nd].name, true};
      }
    }
    for (std::size_t k = 0; k < n; ++k) {
      if (!community_[k].base.empty()) continue;
      std::string place, base;
      for (int attempt = 0; attempt < 24 && base.empty(); ++attempt) {
        place = kCommunityPlaces[r.below(kCommunityPlaces.size())];
        const std::string_view suffix = r.unit() < 0.25 ? "" : kCommunitySuffixes[1 + r.below(kCommunitySuffixes.size() - 1)];
        std::string candidate = place + std::string(suffix);
        if (!taken.count(candidate)) base = std::move(candidate);
      }
      if (base.empty()) base = place + "第" + std::to_string(k + 1) + "区";  // only in very large cities
      taken.insert(base);
      community_[k] = {base, place, false};
    }
  }

  // Compounds, schools and markets of grid k (named after its place), inside its shell.
  void plan_places(std::size_t k, const Ring& shell, std::set<std::string>& taken) {
    if (community_[k].trap || shell.size() < 5) return;
    Rng r(o_.seed, Stream::community, 1 + k);
    double cx = 0, cy = 0;
    const std::size_t m = shell.size() - 1;  // without the closing vertex
    for (std::size_t v = 0; v < m; ++v) {
      cx += shell[v].lon;
      cy += shell[v].lat;
    }
    cx /= static_cast<double>(m);
    cy /= static_cast<double>(m);
    // 0.6 of the way from the middle towards a shell vertex: clear of a hosted
    // compound's hole (at most 54 m from the middle) and of the streets.
    auto towards = [&](std::size_t v) {
      const LonLat c = shell[v % m];
      auto round7 = [](double x) { return std::round(x * 1e7) / 1e7; };
      return LonLat{round7(cx + 0.6 * (c.lon - cx)), round7(cy + 0.6 * (c.lat - cy))};
    };
    const std::string& place = community_[k].place;
    auto add = [&](std::string name, std::string_view kind, std::size_t vertex) {
      if (taken.count(name)) return;
      taken.insert(name);
      places_.push_back({std::move(name), std::string(kind), towards(vertex)});
    };
    if (r.unit() < 0.35) add(place + std::string(kCompoundSuffixes[r.below(kCompoundSuffixes.size())]), "compound", 0);
    if (r.unit() < 0.12) add(place + (r.unit() < 0.6 ? "小学" : "中学"), "school", m / 2);
    if (r.unit() < 0.12) add(place + "菜市场", "market", m / 4);
  }

  BlockPlan block_plan(std::size_t b) const {
    Rng r(o_.seed, Stream::block, b);
    BlockPlan p;
    p.north_south_lanes = r.unit() < 0.3;
    p.lane_jitter_key = r.unit();
    return p;
  }

  // Lane k of m in block b at relative position v: its two ends.
  std::pair<XY, XY> lane_ends(std::size_t b, bool north_south, double v) const {
    const std::size_t i = col_of(b), j = row_of(b);
    const double along = north_south ? dist(lattice_.block_point(i, j, v, 0), lattice_.block_point(i, j, v, 1))
                                     : dist(lattice_.block_point(i, j, 0, v), lattice_.block_point(i, j, 1, v));
    const double a = std::min(0.45, kLaneEndMargin / along);
    if (north_south) return {lattice_.block_point(i, j, v, a), lattice_.block_point(i, j, v, 1 - a)};
    return {lattice_.block_point(i, j, a, v), lattice_.block_point(i, j, 1 - a, v)};
  }

  // Most lanes a block takes while its lanes stay 22 m apart and away from its streets.
  std::size_t max_lanes(std::size_t b, bool north_south) const {
    const std::size_t i = col_of(b), j = row_of(b);
    const double across = north_south ? std::min(dist(lattice_.node(i, j), lattice_.node(i + 1, j)),
                                                 dist(lattice_.node(i, j + 1), lattice_.node(i + 1, j + 1)))
                                      : std::min(dist(lattice_.node(i, j), lattice_.node(i, j + 1)),
                                                 dist(lattice_.node(i + 1, j), lattice_.node(i + 1, j + 1)));
    const double fit = std::floor(0.85 * across / 22.0) - 1;
    return fit < 1 ? 0 : std::min<std::size_t>(12, static_cast<std::size_t>(fit));
  }

  // Usable street-side length (both sides of shared streets), and lanes per block so
  // that the whole network holds `poles` poles at ~kTargetSpacing.
  void plan_lanes() {
    const auto& pool = lattice_.pool();
    double streets = 0, one_lane_each = 0;
    for (std::size_t b : order_) {
      const std::size_t i = col_of(b), j = row_of(b);
      for (Span s : {lattice_.east_street(i, j), lattice_.north_street(i + 1, j), lattice_.east_street(i, j + 1),
                     lattice_.north_street(i, j)}) {
        streets += std::max(0.0, polyline_length(pool, s) - 2 * kStreetEndMargin);
      }
      const BlockPlan p = block_plan(b);
      if (max_lanes(b, p.north_south_lanes) > 0) {
        const auto [s, e] = lane_ends(b, p.north_south_lanes, 0.5);
        one_lane_each += dist(s, e);
      }
    }
    const double wanted = static_cast<double>(o_.poles) * kTargetSpacing;
    lanes_per_block_ = one_lane_each > 0 ? std::max(0.0, (wanted - streets) / (2 * one_lane_each)) : 0;
  }

  void emit_grids(Dataset& out) {
    const std::size_t width = std::max<std::size_t>(5, digit_count(o_.grids));
    const Frame frame = make_frame();
    auto to_ring = [&](const std::vector<XY>& pts, bool reversed) {
      Ring ring;
      ring.reserve(pts.size());
      if (reversed) {
        for (auto it = pts.rbegin(); it != pts.rend(); ++it) ring.push_back(frame.to_lonlat(*it));
      } else {
        for (const XY& p : pts) ring.push_back(frame.to_lonlat(p));
      }
      return ring;
    };
    out.grids.reserve(order_.size());
    std::vector<std::size_t> per_district(districts_.size(), 0);
    std::set<std::string> place_names;
    for (const Community& c : community_) place_names.insert(c.base);
    for (std::size_t k = 0; k < order_.size(); ++k) {
      const std::size_t b = order_[k];
      const std::size_t d = district_of_block_[b];
      GridRecord g;
      g.id = "G";
      append_padded(g.id, k + 1, width);
      ++per_district[d];
      g.name = o_.community_names ? community_[k].base + "社区网格"
                                  : districts_[d].name + "第" + std::to_string(per_district[d]) + "街区网格";
      Rng r(o_.seed, Stream::people, districts_.size() + b);
      g.attributes = {{"manager", person_name(r)},
                      {"phone", phone_number(r)},
                      {"department", districts_[d].name + "街道办事处"},
                      {"parent", districts_[d].code}};
      Polygon shell;
      shell.rings.push_back(to_ring(block_shell(b), false));
      if (compound_of_host_[b] != SIZE_MAX) {
        shell.rings.push_back(to_ring(compounds_[compound_of_host_[b]].wall, true));  // hole: clockwise
      }
      if (o_.community_names) plan_places(k, shell.rings.front(), place_names);
      g.geometry.push_back(std::move(shell));
      if (compound_of_owner_[b] != SIZE_MAX) {
        g.geometry.push_back(Polygon{{to_ring(compounds_[compound_of_owner_[b]].wall, false)}});
      }
      out.grids.push_back(std::move(g));
    }
  }

  Frame make_frame() const {
    return Frame(o_.center_lon, o_.center_lat, {lattice_.width() / 2, lattice_.height() / 2});
  }

  // Every pole line of block b, in a fixed order; lane and compound points go to the pool.
  void block_lines(std::size_t b, std::vector<PoleLine>& lines) {
    const std::size_t i = col_of(b), j = row_of(b);
    auto& pool = lattice_.pool();
    const auto block = static_cast<std::uint32_t>(b);
    // Street sides facing into the block: left of a street when the block is north
    // of an eastward street or west of a northward street.
    const std::array<std::pair<Span, double>, 4> sides{{{lattice_.east_street(i, j), 1},
                                                        {lattice_.north_street(i + 1, j), 1},
                                                        {lattice_.east_street(i, j + 1), -1},
                                                        {lattice_.north_street(i, j), -1}}};
    for (const auto& [span, side] : sides) {
      const double len = polyline_length(pool, span);
      lines.push_back({block, span, kStreetEndMargin, len - kStreetEndMargin, side, Mix::road, true});
    }

    const BlockPlan plan = block_plan(b);
    const std::size_t cap = max_lanes(b, plan.north_south_lanes);
    const double whole = std::floor(lanes_per_block_);
    std::size_t m = static_cast<std::size_t>(whole) + (plan.lane_jitter_key < lanes_per_block_ - whole ? 1 : 0);
    m = std::min(m, cap);
    const Compound* hosted = compound_of_host_[b] != SIZE_MAX ? &compounds_[compound_of_host_[b]] : nullptr;
    Rng r(o_.seed, Stream::block, (static_cast<std::uint64_t>(1) << 40) + b);
    for (std::size_t k = 0; k < m; ++k) {
      const double v = (static_cast<double>(k + 1) + r.uniform(-0.12, 0.12)) / static_cast<double>(m + 1);
      auto [s, e] = lane_ends(b, plan.north_south_lanes, v);
      std::vector<std::pair<XY, XY>> pieces{{s, e}};
      if (hosted) pieces = clip_around(s, e, hosted->centre, 1.08 * hosted->radius + kMaxOffset + 5);
      for (const auto& [ps, pe] : pieces) {
        const double len = dist(ps, pe);
        if (len < 20) continue;
        const Span span{static_cast<std::uint32_t>(pool.size()), 2};
        pool.push_back(ps);
        pool.push_back(pe);
        lines.push_back({block, span, 0, len, 1, Mix::lane, false});
        lines.push_back({block, span, 0, len, -1, Mix::lane, false});
      }
    }

    if (compound_of_owner_[b] != SIZE_MAX) {
      // A ring road inside the compound, lamps on its inner side.
      const Compound& c = compounds_[compound_of_owner_[b]];
      const double rr = 0.55 * c.radius;
      constexpr double k = 0.41421356;
      const std::array<XY, 8> corners{{{1, -k}, {1, k}, {k, 1}, {-k, 1}, {-1, k}, {-1, -k}, {-k, -1}, {k, -1}}};
      const Span span{static_cast<std::uint32_t>(pool.size()), 9};
      for (std::size_t v = 0; v <= 8; ++v) {
        pool.push_back({c.centre.x + corners[v % 8].x * rr, c.centre.y + corners[v % 8].y * rr});
      }
      lines.push_back({block, span, 0, polyline_length(pool, span), 1, Mix::compound, false});
    }
  }

  // The parts of segment s-e farther than `radius` from `c`.
  static std::vector<std::pair<XY, XY>> clip_around(XY s, XY e, XY c, double radius) {
    const double dx = e.x - s.x, dy = e.y - s.y;
    const double a = dx * dx + dy * dy;
    const double bq = 2 * (dx * (s.x - c.x) + dy * (s.y - c.y));
    const double cq = (s.x - c.x) * (s.x - c.x) + (s.y - c.y) * (s.y - c.y) - radius * radius;
    const double disc = bq * bq - 4 * a * cq;
    if (a == 0 || disc <= 0) return {{s, e}};
    const double root = std::sqrt(disc);
    const double t1 = (-bq - root) / (2 * a), t2 = (-bq + root) / (2 * a);
    if (t2 <= 0 || t1 >= 1) return {{s, e}};
    std::vector<std::pair<XY, XY>> out;
    if (t1 > 0) out.push_back({s, lerp(s, e, t1)});
    if (t2 < 1) out.push_back({lerp(s, e, t2), e});
    return out;
  }

  // Per lattice block, the weight of its pole lines with clusters (CityOptions::clusters):
  // 0.02 + sum over the hot spots of 1 / (1 + (d / 800 m)^2)^2, d from the block's
  // middle. Hot spots are drawn uniformly over the city. Empty without clusters.
  std::vector<double> block_weights() const {
    if (o_.clusters == 0) return {};
    constexpr double kSpotRadius = 800, kFloor = 0.02;
    Rng r(o_.seed, Stream::clusters, 0);
    std::vector<XY> spots(o_.clusters);
    for (XY& s : spots) s = {r.uniform(0, lattice_.width()), r.uniform(0, lattice_.height())};
    std::vector<double> w(lattice_.cols() * lattice_.rows(), kFloor);
    for (std::size_t b : order_) {
      const XY m = lattice_.block_point(col_of(b), row_of(b), 0.5, 0.5);
      for (const XY& s : spots) {
        const double q = 1 + (dist(m, s) / kSpotRadius) * (dist(m, s) / kSpotRadius);
        w[b] += 1 / (q * q);
      }
    }
    return w;
  }

  void emit_poles(Dataset& out) {
    // Every line, in output order (district by district), then the exact pole budget
    // spread over them in proportion to their usable length.
    std::vector<PoleLine> lines;
    lines.reserve(order_.size() * (6 + 2 * static_cast<std::size_t>(std::min(lanes_per_block_, 12.0) + 1)));
    for (std::size_t b : order_) block_lines(b, lines);
    // Clustered poles: a line's share is its usable length times its block's weight.
    const std::vector<double> weight = block_weights();
    auto share = [&](const PoleLine& l) { return weight.empty() ? l.usable() : l.usable() * weight[l.block]; };
    double total = 0;
    for (const PoleLine& l : lines) total += share(l);
    std::vector<std::uint32_t> per_line(lines.size(), 0);
    std::vector<std::size_t> per_district(districts_.size(), 0);
    if (total > 0 && o_.poles > 0) {
      double cumulative = 0;
      std::size_t assigned = 0;
      for (std::size_t k = 0; k < lines.size(); ++k) {
        cumulative += share(lines[k]);
        const std::size_t upto = k + 1 == lines.size()
                                     ? o_.poles
                                     : std::min(o_.poles, static_cast<std::size_t>(std::floor(
                                                              cumulative / total * static_cast<double>(o_.poles))));
        per_line[k] = static_cast<std::uint32_t>(upto - assigned);
        assigned = upto;
        per_district[district_of_block_[lines[k].block]] += per_line[k];
      }
    }
    std::vector<std::size_t> serial_width(districts_.size());
    for (std::size_t d = 0; d < districts_.size(); ++d) serial_width[d] = std::max<std::size_t>(4, digit_count(per_district[d]));
    // Shapes: with area_codes, pole line k belongs to code group k * N / lines
    // (contiguous, never spanning two districts); a group numbers from 1.
    const bool shaped = o_.area_codes > 0 || o_.serial_width > 0 || o_.serial_gap > 0;
    std::vector<std::size_t> group_of_line;
    std::vector<std::size_t> group_poles;
    std::vector<std::string> group_code;
    if (shaped) {
      group_of_line.resize(lines.size());
      std::size_t last_key = SIZE_MAX, last_d = SIZE_MAX;
      // Fewer codes than districts: a code spans districts (else each district has its own).
      const bool span_districts = o_.area_codes > 0 && o_.area_codes < districts_.size();
      for (std::size_t k = 0; k < lines.size(); ++k) {
        const std::size_t d = district_of_block_[lines[k].block];
        const std::size_t key = o_.area_codes > 0 ? k * o_.area_codes / lines.size() : d;
        if (key != last_key || (d != last_d && !span_districts)) {
          std::string code = districts_[d].code;
          if (o_.area_codes > 0) {
            std::size_t v = key;
            char suffix[4];
            for (int i = 3; i >= 0; --i) {
              suffix[i] = static_cast<char>('A' + v % 26);
              v /= 26;
            }
            code.append(suffix, 4);
          }
          group_code.push_back(std::move(code));
          group_poles.push_back(0);
          last_key = key;
          last_d = d;
        }
        group_of_line[k] = group_code.size() - 1;
        group_poles.back() += per_line[k];
      }
    }
    std::vector<std::size_t> group_serial(group_code.size(), 0);
    auto group_width = [&](std::size_t g) {
      const std::size_t most = group_poles[g] * (o_.serial_gap > 0 ? 2 * o_.serial_gap + 1 : 1);
      return std::max<std::size_t>({4, o_.serial_width, digit_count(most)});
    };

    const Frame frame = make_frame();
    const auto& pool = lattice_.pool();
    std::vector<std::size_t> serial(districts_.size(), 0);
    std::vector<double> arc;
    out.poles.reserve(o_.poles);
    for (std::size_t k = 0; k < lines.size(); ++k) {
      if (per_line[k] == 0) continue;
      const PoleLine& line = lines[k];
      const std::size_t d = district_of_block_[line.block];
      Rng r(o_.seed, Stream::poles, k);
      Rng gaps(o_.seed, Stream::serials, k);
      // Arc length at each vertex.
      arc.assign(line.points.count, 0);
      for (std::uint32_t v = 1; v < line.points.count; ++v) {
        arc[v] = arc[v - 1] + dist(pool[line.points.begin + v - 1], pool[line.points.begin + v]);
      }
      const double step = line.usable() / per_line[k];
      // Poles of one row keep about the same distance from the line, as in a real street.
      const double line_offset = r.uniform(kMinOffset + 0.5, kMaxOffset - 0.5);
      std::uint32_t seg = 0;
      for (std::uint32_t n = 0; n < per_line[k]; ++n) {
        const double s = line.from + (n + 0.5 + r.uniform(-0.05, 0.05)) * step;
        while (seg + 2 < line.points.count && arc[seg + 1] < s) ++seg;
        const XY a = pool[line.points.begin + seg], b = pool[line.points.begin + seg + 1];
        const double len = arc[seg + 1] - arc[seg];
        const double t = len > 0 ? std::clamp((s - arc[seg]) / len, 0.0, 1.0) : 0;
        const XY base = lerp(a, b, t);
        const double ux = len > 0 ? (b.x - a.x) / len : 1, uy = len > 0 ? (b.y - a.y) / len : 0;
        double offset = line_offset + r.uniform(-0.5, 0.5);
        XY pos{base.x - uy * offset * line.side, base.y + ux * offset * line.side};
        if (line.street) {
          // A wiggle that bends towards the pole can bring the street closer than the
          // offset: move the pole out until it is kMinOffset clear of the nearby pieces.
          for (int pass = 0; pass < 3; ++pass) {
            double nearest = offset;
            const std::uint32_t lo = seg >= 2 ? seg - 2 : 0;
            const std::uint32_t hi = std::min(seg + 3, line.points.count - 1);
            for (std::uint32_t v = lo; v < hi; ++v) {
              nearest = std::min(nearest, segment_distance(pos, pool[line.points.begin + v], pool[line.points.begin + v + 1]));
            }
            if (nearest >= kMinOffset) break;
            offset += kMinOffset - nearest + 0.1;
            pos = {base.x - uy * offset * line.side, base.y + ux * offset * line.side};
          }
        }
        PoleRecord pole;
        if (shaped) {
          const std::size_t g = group_of_line[k];
          group_serial[g] += 1 + (o_.serial_gap > 0 ? gaps.below(2 * o_.serial_gap + 1) : 0);
          pole.number = group_code[g];
          append_padded(pole.number, group_serial[g], group_width(g));
        } else {
          pole.number = districts_[d].code;
          append_padded(pole.number, ++serial[d], serial_width[d]);
        }
        pole.position = frame.to_lonlat(pos);
        const double pick = r.unit();
        if (o_.pole_attributes) {
          const auto& shares = kKindShares[static_cast<std::size_t>(line.mix)];
          const std::size_t kind = pick < shares[0] ? 0 : pick < shares[1] ? 1 : 2;
          const auto& who = maintainers_[d][kind][line.block % 3];
          pole.attributes.reserve(3);
          pole.attributes.emplace_back("kind", std::string(kKinds[kind]));
          pole.attributes.emplace_back("manager", who.first);
          pole.attributes.emplace_back("phone", who.second);
        }
        out.poles.push_back(std::move(pole));
      }
    }
  }

  const CityOptions& o_;
  Lattice lattice_;
  std::vector<std::size_t> order_;              // blocks in output order
  std::vector<std::size_t> district_of_block_;  // block -> district
  std::vector<District> districts_;
  std::vector<std::array<std::array<std::pair<std::string, std::string>, 3>, 3>> maintainers_;  // [district][kind][k]
  std::vector<Compound> compounds_;
  std::vector<std::size_t> compound_of_host_, compound_of_owner_;
  double lanes_per_block_ = 0;
  struct Community {
    std::string base;   // the grid name without 社区网格: "水碓子东里"
    std::string place;  // the place it is named after: "水碓子"
    bool trap = false;  // named after another district
  };
  std::vector<Community> community_;  // by output position; empty unless community_names
  std::vector<Place> places_;
};

}  // namespace

bool CityOptions::is_valid() const {
  return std::isfinite(center_lon) && std::isfinite(center_lat) && std::abs(center_lon) <= 170 &&
         std::abs(center_lat) <= 75 && grids <= 1'000'000 && poles <= 100'000'000 && clusters <= 100'000 &&
         vertices_per_grid <= 1'000'000 && grids * vertices_per_grid <= 100'000'000;
}

Dataset make_city(const CityOptions& options) {
  if (!options.is_valid() || options.grids == 0) return {};
  return CityBuilder(options).build();
}

Status write_city(const CityOptions& options, const std::string& out_dir) {
  if (!options.is_valid()) {
    return {ErrorCode::bad_request,
            "synthetic city: centre must be finite with |lon| <= 170 and |lat| <= 75, grids <= 1000000, "
            "poles <= 100000000, clusters <= 100000, vertices per grid <= 1000000 and grids x vertices per "
            "grid <= 100000000"};
  }
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return {ErrorCode::io_error, out_dir + ": cannot create directory: " + ec.message()};
  Dataset city;
  std::vector<Place> places;
  if (options.grids > 0) {
    CityBuilder builder(options);
    city = builder.build();
    places = builder.take_places();
  }
  const std::filesystem::path dir(out_dir);
  if (Status s = write_poles_csv((dir / "poles.csv").string(), city.poles); !s) return s;
  if (Status s = write_grids_geojson((dir / "grids.geojson").string(), city.grids); !s) return s;
  if (Status s = write_aliases_csv((dir / "aliases.csv").string(), city.aliases); !s) return s;
  if (options.community_names) return write_places_csv((dir / "places.csv").string(), places);
  return {};
}

std::vector<Place> make_places(const CityOptions& options) {
  if (!options.is_valid() || options.grids == 0 || !options.community_names) return {};
  CityBuilder builder(options);
  builder.build(/*with_poles=*/false);
  return builder.take_places();
}

Status write_places_csv(const std::string& path, const std::vector<Place>& places) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return {ErrorCode::io_error, path + ": cannot open for writing"};
  char buf[64];
  out << "name,kind,lon,lat\n";
  for (const Place& p : places) {
    std::snprintf(buf, sizeof buf, "%.7f,%.7f", p.position.lon, p.position.lat);
    out << p.name << ',' << p.kind << ',' << buf << '\n';
  }
  out.flush();
  if (!out) return {ErrorCode::io_error, path + ": write failed"};
  return {};
}

std::vector<LonLat> random_points(const Dataset& dataset, std::size_t n, std::uint64_t seed) {
  return random_points(dataset, n, seed, 0.0);
}

std::vector<LonLat> random_points(const Dataset& dataset, std::size_t n, std::uint64_t seed, double outside) {
  BBox box{180, 90, -180, -90};
  bool any = false;
  auto extend = [&](LonLat p) {
    box.min_lon = std::min(box.min_lon, p.lon);
    box.min_lat = std::min(box.min_lat, p.lat);
    box.max_lon = std::max(box.max_lon, p.lon);
    box.max_lat = std::max(box.max_lat, p.lat);
    any = true;
  };
  for (const GridRecord& g : dataset.grids) {
    for (const Polygon& p : g.geometry) {
      if (!p.rings.empty()) {
        for (const LonLat& v : p.rings.front()) extend(v);
      }
    }
  }
  if (!any) {
    for (const PoleRecord& p : dataset.poles) extend(p.position);
  }
  std::vector<LonLat> out;
  if (!any) return out;
  out.reserve(n);
  Rng r(seed, Stream::points, 0);
  Rng far(seed, Stream::outside, 0);
  const double w = box.max_lon - box.min_lon, h = box.max_lat - box.min_lat;
  outside = std::clamp(outside, 0.0, 1.0);
  double owed = 0;  // spreads the outside points evenly through the run
  for (std::size_t k = 0; k < n; ++k) {
    owed += outside;
    if (owed >= 1 && w > 0 && h > 0) {
      owed -= 1;
      for (;;) {  // rejection: the grown box minus the box (5/9 of it), a few draws
        const double lon = far.uniform(box.min_lon - w / 2, box.max_lon + w / 2);
        const double lat = far.uniform(box.min_lat - h / 2, box.max_lat + h / 2);
        if (lon < box.min_lon || lon > box.max_lon || lat < box.min_lat || lat > box.max_lat) {
          out.push_back({lon, lat});
          break;
        }
      }
      continue;
    }
    const double lon = r.uniform(box.min_lon, box.max_lon);
    out.push_back({lon, r.uniform(box.min_lat, box.max_lat)});
  }
  return out;
}

}  // namespace poleloc::synth
