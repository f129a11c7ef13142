// change_log.hpp: what each change touched, and the other per-sequence facts the
// store keeps in its meta column family. The one place that knows these keys.
//
//   meta key                               value
//   seqtime/  + be64 seq                -> be64 unix ms when the sequence was written
//   seqauthor/+ be64 seq                -> author (token name); absent when not known
//   log/      + be64 seq + be32 chunk   -> encoded list of LoggedChange (kLogChunkItems at most)
//   changelog_from                      -> be64: the first sequence whose log is kept
//
// Every entry of a sequence is written in the same WriteBatch as the change
// itself, so the log and the data never disagree. Big-endian numbers make the
// keys sort in sequence order: the changes after a sequence are one Seek and a
// forward scan (O(log n + answer)). A large import is split into chunks of
// kLogChunkItems items so that no single value grows without bound; paging
// inside a sequence seeks straight to the chunk holding the item.
//
// Databases written before the log existed have no log entries and no
// changelog_from; their first logged write sets it (see Store::apply). Older
// history keeps its versions (history() and as-of work) but is not in the feed.
//
//   chunk value: varint count | (u8 kind<<1 | op, str id)*     str = varint length, bytes
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace poleloc::store {

enum class RecordKind : std::uint8_t { pole = 0, grid = 1, alias = 2, place = 3, road = 4 };
enum class ChangeOp : std::uint8_t { put = 0, remove = 1 };

std::string_view kind_name(RecordKind kind);  // "pole", "grid", "alias", "place", "road"
std::string_view op_name(ChangeOp op);        // "put", "delete"

struct LoggedChange {
  RecordKind kind = RecordKind::pole;
  ChangeOp op = ChangeOp::put;
  std::string id;  // pole number, grid id, alias text, place name or road name
};

inline constexpr std::uint32_t kLogChunkItems = 4096;

inline constexpr std::string_view kSeqTimePrefix = "seqtime/";
inline constexpr std::string_view kSeqAuthorPrefix = "seqauthor/";
inline constexpr std::string_view kLogPrefix = "log/";
inline constexpr std::string_view kChangelogFromKey = "changelog_from";

std::string encode_be64(std::uint64_t v);
std::uint64_t decode_be64(std::string_view s);  // the first 8 bytes (fewer: as many as there are)

std::string seqtime_key(std::uint64_t seq);
std::string seqauthor_key(std::uint64_t seq);
std::string log_key(std::uint64_t seq, std::uint32_t chunk);
// Splits a log/ key; false if it is not one.
bool parse_log_key(std::string_view key, std::uint64_t& seq, std::uint32_t& chunk);

// Appends items to the chunk being built.
void append_logged(std::string& chunk_items, RecordKind kind, ChangeOp op, std::string_view id);
// A chunk value from `count` items appended with append_logged().
std::string finish_chunk(std::uint32_t count, std::string_view chunk_items);
// Decodes a chunk value; false when malformed.
bool decode_chunk(std::string_view value, std::vector<LoggedChange>& out);

}  // namespace poleloc::store
