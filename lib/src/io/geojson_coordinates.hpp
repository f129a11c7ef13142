// geojson_coordinates.hpp: reads the coordinates of a GeoJSON
// FeatureCollection's geometries without building a JSON tree of them.
//
//   std::ifstream file(path, std::ios::binary);
//   CoordinatesTaken taken(file, max_positions);
//   std::istream filtered(&taken);
//   json::parse(filtered, callback);        // sees "coordinates":"\u0000<token>:<n>"
//   ... in the callback, for a feature's geometry:
//   if (auto* c = taken.placeholder(coordinates_value)) use(*c);   // the numbers, parsed
//   taken.original_byte(e.byte);             // a parse error's byte in the file
//
// Why: a JSON parser that builds a tree allocates a node per number and per
// position and converts numbers with strtod; for grids of many vertices that
// is most of an import (40 million vertices: about 40 of 75 s). This stream
// passes the file through unchanged except the value of `coordinates` in
// each feature's `geometry` (features[i].geometry.coordinates), which it
// parses itself (std::from_chars: correctly rounded, the same doubles as the
// JSON parser's) into a Coordinates entry and replaces by a placeholder
// string. Only a well-formed, uniformly nested array of positions is taken:
// a Polygon's or MultiPolygon's (positions of two or more numbers, no empty
// array, numbers as JSON writes them, at most `max_positions` positions).
// Anything else passes through unchanged, so the JSON parser and its caller
// report it exactly as before (a syntax error, a string, a number out of
// range, too many vertices, a LineString ...).
//
// Thread-safety: one reader.
#pragma once

#include <poleloc/types.hpp>

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <istream>
#include <optional>
#include <streambuf>
#include <string>
#include <vector>

namespace poleloc::io {

// The numbers of one coordinates array, as written (before any CRS conversion).
struct Coordinates {
  // 3: a Polygon's (rings of positions), 4: a MultiPolygon's (polygons of rings).
  int depth = 0;
  std::vector<LonLat> positions;                  // x, y of every position, in order (a third number is dropped)
  std::vector<std::uint32_t> ring_ends;           // positions before the end of each ring
  std::vector<std::uint32_t> polygon_ends;        // rings before the end of each polygon (depth 4)
};

class CoordinatesTaken : public std::streambuf {
 public:
  CoordinatesTaken(std::istream& in, std::size_t max_positions);

  // The number of the placeholder `value` is, if it is one of this stream's.
  std::optional<std::size_t> placeholder_index(const nlohmann::json& value) const;
  // The coordinates a placeholder stands for (valid until the next call), or
  // null when `value` is not a placeholder still held. Each is handed out
  // once, in order; those skipped are dropped.
  const Coordinates* placeholder(const nlohmann::json& value);
  // Drops the coordinates of placeholders up to number `n` (a feature read
  // or refused): a file of refused features is not held in memory.
  void release_through(std::size_t n);
  // The byte of the file that byte `filtered` (1-based, as the JSON parser counts) of this stream came from.
  std::size_t original_byte(std::size_t filtered) const;
  // The memory it holds now: the file's text read and not passed on, and the
  // coordinates taken and not handed out or released. A few MB whatever the
  // file's size: the parser gets a chunk once it carries 1 MB of coordinates.
  std::size_t held_bytes() const;

 protected:
  int_type underflow() override;

 private:
  // Reads more of the file into in_; false at its end.
  bool fill();
  // Parses a coordinates array starting at in_[at] ('['): true and `end` set
  // after its closing ']' if it is taken.
  bool take(std::size_t at, std::size_t& end, Coordinates& out);
  // Scans one byte of the passed-through text: strings, keys, nesting.
  void scan(char c);
  // Whether a value starting here is a feature's geometry's coordinates (features[i].geometry.coordinates).
  bool at_geometry_coordinates() const;

  std::istream& in_;
  std::size_t max_positions_;
  std::string buffer_;        // of the file, not yet passed on (from pos_)
  std::size_t pos_ = 0;       // next byte of buffer_ to pass on
  bool eof_ = false;
  std::string out_;           // the chunk handed to the parser
  // NUL, then a random token, then ':': a string in the file cannot pass for a placeholder.
  std::string lead_;

  // The scanner's state (passed-through text only).
  enum class Key : std::uint8_t { other, features, geometry, coordinates };
  struct Level {
    char type;     // '{' or '['
    Key key;       // in an object: the current member's key
  };
  std::vector<Level> levels_;
  bool in_string_ = false, escaped_ = false, key_next_ = false, reading_key_ = false;
  std::string key_text_;
  bool value_next_ = false;  // after a ':' (a member's value may start)

  std::deque<Coordinates> taken_;  // front: placeholder number handed_out_
  Coordinates current_;
  std::size_t handed_out_ = 0, next_placeholder_ = 0;
  // (end of a placeholder in the filtered stream, bytes the file had there beyond it, summed)
  std::vector<std::pair<std::size_t, std::size_t>> shifts_;
  std::size_t filtered_bytes_ = 0;  // handed to the parser before out_
};

}  // namespace poleloc::io
