#include <poleloc/time_text.hpp>

#include <algorithm>
#include <cstdint>
#include <string>

namespace poleloc {
namespace {

std::string quoted(std::string_view text) {
  std::string s = "'";
  s.append(text.substr(0, 40));
  if (text.size() > 40) s += "…";
  return s + "'";
}

}  // namespace

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view text, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > text.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

Result<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text, std::string_view name) {
  auto bad = [&](std::string_view why) {
    return Status(ErrorCode::bad_request,
                  std::string(name) + " " + quoted(text) + " is not an RFC 3339 time (" + std::string(why) +
                      "); use e.g. 2026-03-01T08:00:00+08:00 or 2026-03-01T00:00:00Z");
  };
  int year, month, day, hour, minute, second;
  if (!digits(text, 0, 4, year) || text.size() < 19 || text[4] != '-' || !digits(text, 5, 2, month) ||
      text[7] != '-' || !digits(text, 8, 2, day)) {
    return bad("the date must be YYYY-MM-DD");
  }
  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return bad("date and time are joined by T");
  if (!digits(text, 11, 2, hour) || text[13] != ':' || !digits(text, 14, 2, minute) || text[16] != ':' ||
      !digits(text, 17, 2, second)) {
    return bad("the time must be hh:mm:ss");
  }
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1] || (month == 2 && day == 29 && !leap)) {
    return bad("no such date");
  }
  if (hour > 23 || minute > 59 || second > 60) return bad("no such time of day");
  std::size_t pos = 19;
  std::int64_t millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    std::int64_t scale = 100;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      millis += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start || pos - start > 9) return bad("fractional seconds need 1 to 9 digits");
  }
  if (pos >= text.size()) return bad("an offset (Z or +hh:mm) is required");
  std::int64_t offset_min = 0;
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int oh, om;
    if (!digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !digits(text, pos + 4, 2, om) || oh > 23 || om > 59) {
      return bad("the offset must be Z or +hh:mm");
    }
    offset_min = (text[pos] == '-' ? -1 : 1) * (oh * 60 + om);
    pos += 6;
  } else {
    return bad("an offset (Z or +hh:mm) is required");
  }
  if (pos != text.size()) return bad("unexpected text after the offset");
  const std::int64_t secs = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
                            hour * 3600 + minute * 60 + std::min(second, 59) - offset_min * 60;
  // Years 0000-9999 reach beyond the clock: clamped, not wrapped (9999-12-31 once read as 1830).
  return time_from_unix_us((secs * 1000 + millis) * 1000);
}

std::chrono::system_clock::time_point time_from_unix_us(std::int64_t us) {
  using Clock = std::chrono::system_clock;
  using std::chrono::microseconds;
  // +1: the first whole microsecond within the clock's range (floor() of its minimum lies below it).
  const std::int64_t lowest = std::chrono::floor<microseconds>(Clock::time_point::min()).time_since_epoch().count() + 1;
  const std::int64_t highest = std::chrono::floor<microseconds>(Clock::time_point::max()).time_since_epoch().count();
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(microseconds(std::clamp(us, lowest, highest))));
}

}  // namespace poleloc
