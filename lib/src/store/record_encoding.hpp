// record_encoding.hpp: keys and values as stored in RocksDB.
//
// Keys are `id 0x00 ~version` (version big-endian, inverted), so every version
// of a record is kept, the newest sorts first, and ids sort in byte order.
// A deletion is a new version with the tombstone flag. Values start with a
// format byte so that later formats can be read beside old ones.
//
//   pole value : u8 format | u8 flags | f64 lon | f64 lat | varint n | attribute*
//   grid value : u8 format | u8 flags | str name | varint n | attribute* | str geometry
//   attribute  : str key, str value                 (flags without kTypedAttributes: all text)
//              | str key, u8 type, str value        (flags with kTypedAttributes)
//   alias value: u8 format | u8 flags | str code
//   str = varint length, bytes
//   geometry   : compact delta-coded decimals, or WKB (geo/compact_geometry.hpp;
//                the first byte tells which, so grids stored before 2026-12-02 read as before)
//
// Thread-safety: pure functions.
#pragma once

#include <poleloc/status.hpp>
#include <poleloc/types.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace poleloc::store {

inline constexpr std::uint8_t kValueFormat = 1;
inline constexpr std::uint8_t kTombstone = 1;
// Set when some attribute of the record is not text (AttributeType); records
// written before typed attributes, and all-text records, go without it and
// read as text.
inline constexpr std::uint8_t kTypedAttributes = 2;

// Appends `v` as a LEB128 varint (the length and count prefix of every stored value).
void put_varint(std::string& out, std::uint64_t v);

std::string versioned_key(std::string_view id, std::uint64_t version);
// Splits a versioned key; false if malformed.
bool parse_versioned_key(std::string_view key, std::string_view& id, std::uint64_t& version);

using AttributeViews = std::vector<AttributeView>;

std::string encode_pole(const PoleRecord& pole);
std::string encode_pole(LonLat position, const AttributeViews& attributes);
std::string encode_grid(const GridRecord& grid);
std::string encode_alias(const AliasRecord& alias);
std::string encode_tombstone();

bool is_tombstone(std::string_view value);

// Decoded views point into `value`.
struct PoleValueView {
  LonLat position;
  AttributeViews attributes;
};
Status decode_pole(std::string_view value, PoleValueView& out);
Result<GridRecord> decode_grid(std::string_view id, std::string_view value);
// decode_grid() in two steps: the record with an empty geometry and, into
// `geometry_bytes` (a view into `value`), its outline's stored bytes; then those decoded.
Result<GridRecord> decode_grid_record(std::string_view id, std::string_view value, std::string_view& geometry_bytes);
Status decode_grid_geometry(std::string_view id, std::string_view geometry_bytes, GridRecord& grid);
Result<AliasRecord> decode_alias(std::string_view alias, std::string_view value);

// Places (places.csv) live beside the aliases, in the aliases column family,
// under ids that begin with a byte no alias can hold (aliases are printable text).
inline constexpr char kPlaceKeyPrefix = '\x01';
std::string place_key(std::string_view name);
bool is_place_key(std::string_view key);
std::string encode_place(const PlaceRecord& place);
Result<PlaceRecord> decode_place(std::string_view key, std::string_view value);

// Roads (roads.geojson) too, under ids that begin with '\x02' then the road's name.
inline constexpr char kRoadKeyPrefix = '\x02';
std::string road_key(std::string_view name);
bool is_road_key(std::string_view key);
std::string encode_road(const RoadRecord& road);
Result<RoadRecord> decode_road(std::string_view key, std::string_view value);

}  // namespace poleloc::store
