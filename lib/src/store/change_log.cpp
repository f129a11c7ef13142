#include "store/change_log.hpp"

#include "store/record_encoding.hpp"

namespace poleloc::store {
namespace {

bool get_varint(std::string_view s, std::size_t& pos, std::uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= s.size()) return false;
    const auto b = static_cast<unsigned char>(s[pos++]);
    v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

std::string encode_be32(std::uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>((v >> (8 * (3 - i))) & 0xFF);
  return s;
}

}  // namespace

std::string_view kind_name(RecordKind kind) {
  switch (kind) {
    case RecordKind::pole: return "pole";
    case RecordKind::grid: return "grid";
    case RecordKind::alias: return "alias";
    case RecordKind::place: return "place";
    case RecordKind::road: return "road";
  }
  return "pole";
}

std::string_view op_name(ChangeOp op) { return op == ChangeOp::put ? "put" : "delete"; }

std::string encode_be64(std::uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((v >> (8 * (7 - i))) & 0xFF);
  return s;
}

std::uint64_t decode_be64(std::string_view s) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < s.size() && i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

std::string seqtime_key(std::uint64_t seq) { return std::string(kSeqTimePrefix) + encode_be64(seq); }
std::string seqauthor_key(std::uint64_t seq) { return std::string(kSeqAuthorPrefix) + encode_be64(seq); }
std::string log_key(std::uint64_t seq, std::uint32_t chunk) {
  return std::string(kLogPrefix) + encode_be64(seq) + encode_be32(chunk);
}

bool parse_log_key(std::string_view key, std::uint64_t& seq, std::uint32_t& chunk) {
  if (key.size() != kLogPrefix.size() + 12 || !key.starts_with(kLogPrefix)) return false;
  seq = decode_be64(key.substr(kLogPrefix.size(), 8));
  chunk = static_cast<std::uint32_t>(decode_be64(key.substr(kLogPrefix.size() + 8, 4)));
  return true;
}

void append_logged(std::string& chunk_items, RecordKind kind, ChangeOp op, std::string_view id) {
  chunk_items.push_back(static_cast<char>((static_cast<std::uint8_t>(kind) << 1) | static_cast<std::uint8_t>(op)));
  put_varint(chunk_items, id.size());
  chunk_items.append(id);
}

std::string finish_chunk(std::uint32_t count, std::string_view chunk_items) {
  std::string out;
  out.reserve(chunk_items.size() + 5);
  put_varint(out, count);
  out.append(chunk_items);
  return out;
}

bool decode_chunk(std::string_view value, std::vector<LoggedChange>& out) {
  std::size_t pos = 0;
  std::uint64_t count = 0;
  if (!get_varint(value, pos, count) || count > value.size()) return false;
  out.reserve(out.size() + count);
  for (std::uint64_t i = 0; i < count; ++i) {
    if (pos >= value.size()) return false;
    const auto tag = static_cast<std::uint8_t>(value[pos++]);
    if ((tag >> 1) > static_cast<std::uint8_t>(RecordKind::road)) return false;
    std::uint64_t n = 0;
    if (!get_varint(value, pos, n) || n > value.size() - pos) return false;
    out.push_back({static_cast<RecordKind>(tag >> 1), static_cast<ChangeOp>(tag & 1), std::string(value.substr(pos, n))});
    pos += n;
  }
  return pos == value.size();
}

}  // namespace poleloc::store
