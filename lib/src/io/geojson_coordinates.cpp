#include "io/geojson_coordinates.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <random>
#include <utility>

namespace poleloc::io {
namespace {

constexpr std::size_t kReadBytes = 1 << 20;   // read from the file at a time
constexpr std::size_t kChunkBytes = 64 << 10;  // handed to the parser at a time
// A chunk ends early once the coordinates taken for it reach this: a chunk of
// 64 KB of the other text spans some 200 features, whose coordinates (and
// file text) were all held at once, 1.6 GB at the peak of reading 40 million
// vertices.
constexpr std::size_t kChunkTakenBytes = 1 << 20;

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

CoordinatesTaken::CoordinatesTaken(std::istream& in, std::size_t max_positions)
    : in_(in), max_positions_(max_positions) {
  std::random_device random;
  lead_ = std::string(1, '\0') + std::to_string((std::uint64_t{random()} << 32) | random()) + ":";
}

bool CoordinatesTaken::fill() {
  if (eof_) return false;
  const std::size_t old = buffer_.size();
  buffer_.resize(old + kReadBytes);
  in_.read(buffer_.data() + old, static_cast<std::streamsize>(kReadBytes));
  const auto got = static_cast<std::size_t>(in_.gcount());
  buffer_.resize(old + got);
  if (got == 0) eof_ = true;
  return got > 0;
}

void CoordinatesTaken::scan(char c) {
  if (in_string_) {
    if (escaped_) {
      escaped_ = false;
    } else if (c == '\\') {
      escaped_ = true;
      if (reading_key_) key_text_.assign(1, '\\');  // an escaped key is none of the three
    } else if (c == '"') {
      in_string_ = false;
      if (reading_key_) {
        reading_key_ = false;
        const Key k = key_text_ == "features"      ? Key::features
                      : key_text_ == "geometry"    ? Key::geometry
                      : key_text_ == "coordinates" ? Key::coordinates
                                                   : Key::other;
        if (!levels_.empty()) levels_.back().key = k;
      }
    } else if (reading_key_ && key_text_.size() <= 12) {
      key_text_.push_back(c);
    }
    return;
  }
  switch (c) {
    case '"':
      in_string_ = true;
      reading_key_ = key_next_;
      key_next_ = value_next_ = false;
      key_text_.clear();
      break;
    case '{':
      levels_.push_back({'{', Key::other});
      key_next_ = true;
      value_next_ = false;
      break;
    case '[':
      levels_.push_back({'[', Key::other});
      key_next_ = value_next_ = false;
      break;
    case '}':
    case ']':
      if (!levels_.empty()) levels_.pop_back();
      key_next_ = value_next_ = false;
      break;
    case ':':
      value_next_ = true;
      break;
    case ',':
      key_next_ = !levels_.empty() && levels_.back().type == '{';
      value_next_ = false;
      break;
    default:
      if (!is_space(c)) key_next_ = value_next_ = false;
      break;
  }
}

bool CoordinatesTaken::take(std::size_t at, std::size_t& end, Coordinates& out) {
  std::size_t i = at;
  // The byte at i, reading more of the file as needed ('\0' past its end).
  auto peek = [&]() -> char {
    while (i >= buffer_.size()) {
      if (!fill()) return '\0';
    }
    return buffer_[i];
  };
  auto skip_space = [&] {
    while (is_space(peek())) ++i;
  };
  // A JSON number at i (its grammar checked here: from_chars alone accepts more).
  auto number = [&](double& value) {
    const std::size_t start = i;
    if (peek() == '-') ++i;
    if (peek() == '0') {
      ++i;
    } else if (is_digit(peek())) {
      while (is_digit(peek())) ++i;
    } else {
      return false;
    }
    if (peek() == '.') {
      ++i;
      if (!is_digit(peek())) return false;
      while (is_digit(peek())) ++i;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++i;
      if (peek() == '+' || peek() == '-') ++i;
      if (!is_digit(peek())) return false;
      while (is_digit(peek())) ++i;
    }
    const char* first = buffer_.data() + start;
    const auto r = std::from_chars(first, buffer_.data() + i, value);
    // Out of range (1e400, 1e-400): left to the JSON parser, which names it.
    return r.ec == std::errc() && r.ptr == buffer_.data() + i;
  };
  int depth = 0, leaf = 0;
  while (true) {
    // An array opens here.
    skip_space();
    if (peek() != '[') return false;
    ++i;
    if (++depth > 4) return false;
    skip_space();
    const char c = peek();
    if (c == '[') continue;
    if (c != '-' && !is_digit(c)) return false;  // empty, or not numbers
    // A position: its depth is every position's.
    if (leaf == 0) leaf = depth;
    if (depth != leaf || leaf < 3) return false;
    double xy[2] = {0, 0};
    int n = 0;
    while (true) {
      double v = 0;
      if (!number(v)) return false;
      if (n < 2) xy[n] = v;
      ++n;
      skip_space();
      if (peek() == ',') {
        ++i;
        skip_space();
        continue;
      }
      if (peek() != ']') return false;
      ++i;
      break;
    }
    if (n < 2 || out.positions.size() >= max_positions_) return false;
    out.positions.push_back({xy[0], xy[1]});
    --depth;
    // Close arrays until a sibling follows.
    while (true) {
      skip_space();
      if (peek() == ',') {
        ++i;
        break;
      }
      if (peek() != ']') return false;
      ++i;
      if (depth == leaf - 1) out.ring_ends.push_back(static_cast<std::uint32_t>(out.positions.size()));
      if (leaf == 4 && depth == 2) out.polygon_ends.push_back(static_cast<std::uint32_t>(out.ring_ends.size()));
      if (--depth == 0) {
        out.depth = leaf;
        end = i;
        return true;
      }
    }
  }
}

bool CoordinatesTaken::at_geometry_coordinates() const {
  return value_next_ && !in_string_ && levels_.size() == 4 && levels_[0].type == '{' &&
         levels_[0].key == Key::features && levels_[1].type == '[' && levels_[2].type == '{' &&
         levels_[2].key == Key::geometry && levels_[3].type == '{' && levels_[3].key == Key::coordinates;
}

std::streambuf::int_type CoordinatesTaken::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  filtered_bytes_ += out_.size();
  out_.clear();
  std::size_t taken_bytes = 0;
  while (out_.size() < kChunkBytes && taken_bytes < kChunkTakenBytes) {
    if (pos_ >= buffer_.size() || pos_ >= kReadBytes) {
      // Keep only what is not passed on yet (take() reads ahead into the
      // buffer, so it is rarely all passed on), then read on if need be.
      buffer_.erase(0, pos_);
      pos_ = 0;
      if (buffer_.empty() && !fill()) break;
    }
    const char c = buffer_[pos_];
    if (c == '[' && at_geometry_coordinates()) {
      Coordinates taken;
      std::size_t end = 0;
      if (take(pos_, end, taken)) {
        std::string text = "\"\\u0000" + lead_.substr(1) + std::to_string(next_placeholder_++) + "\"";
        out_ += text;
        const std::size_t shift = (shifts_.empty() ? 0 : shifts_.back().second) + (end - pos_) - text.size();
        shifts_.emplace_back(filtered_bytes_ + out_.size(), shift);
        taken_bytes += taken.positions.size() * sizeof(LonLat);
        taken_.push_back(std::move(taken));
        pos_ = end;
        value_next_ = false;
        continue;
      }
    }
    scan(c);
    out_.push_back(c);
    ++pos_;
  }
  if (out_.empty()) return traits_type::eof();
  setg(out_.data(), out_.data(), out_.data() + out_.size());
  return traits_type::to_int_type(out_[0]);
}

const Coordinates* CoordinatesTaken::placeholder(const nlohmann::json& value) {
  const std::optional<std::size_t> index = placeholder_index(value);
  if (!index) return nullptr;
  const std::size_t n = *index;
  // Placeholders of features the caller refused unread are dropped on the way.
  while (!taken_.empty() && handed_out_ < n) taken_.pop_front(), ++handed_out_;
  if (taken_.empty() || handed_out_ != n) return nullptr;
  current_ = std::move(taken_.front());
  taken_.pop_front();
  ++handed_out_;
  return &current_;
}

std::size_t CoordinatesTaken::held_bytes() const {
  std::size_t bytes = buffer_.capacity() + out_.capacity();
  for (const Coordinates& c : taken_) {
    bytes += c.positions.capacity() * sizeof(LonLat) + (c.ring_ends.capacity() + c.polygon_ends.capacity()) * 4;
  }
  return bytes;
}

void CoordinatesTaken::release_through(std::size_t n) {
  while (!taken_.empty() && handed_out_ <= n) taken_.pop_front(), ++handed_out_;
}

std::optional<std::size_t> CoordinatesTaken::placeholder_index(const nlohmann::json& value) const {
  if (!value.is_string()) return std::nullopt;
  const std::string& s = value.get_ref<const std::string&>();
  if (s.size() <= lead_.size() || s.compare(0, lead_.size(), lead_) != 0) return std::nullopt;
  std::size_t n = 0;
  const auto r = std::from_chars(s.data() + lead_.size(), s.data() + s.size(), n);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return n;
}

std::size_t CoordinatesTaken::original_byte(std::size_t filtered) const {
  // The last placeholder that ends before this byte.
  auto it = std::upper_bound(shifts_.begin(), shifts_.end(), std::make_pair(filtered, std::size_t{0}),
                             [](const auto& a, const auto& b) { return a.first < b.first; });
  return it == shifts_.begin() ? filtered : filtered + std::prev(it)->second;
}

}  // namespace poleloc::io
