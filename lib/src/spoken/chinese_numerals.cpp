#include "spoken/chinese_numerals.hpp"

#include <algorithm>

#include <cstdint>
#include <string>

namespace poleloc::spoken {
namespace {

constexpr Numeral digit(int v, Script s = Script::chinese, bool weak = false) {
  return {NumeralKind::digit, static_cast<std::uint8_t>(v), s, weak};
}
constexpr Numeral multiplier(int power) { return {NumeralKind::multiplier, static_cast<std::uint8_t>(power), Script::chinese, false}; }

}  // namespace

std::optional<Numeral> chinese_numeral(char32_t c) {
  switch (c) {
    case U'零': case U'〇': return digit(0);
    case U'一': case U'壹': return digit(1);
    case U'二': case U'贰': return digit(2);
    case U'三': case U'叁': return digit(3);
    case U'四': case U'肆': return digit(4);
    case U'五': case U'伍': return digit(5);
    case U'六': case U'陆': return digit(6);
    case U'七': case U'柒': return digit(7);
    case U'八': case U'捌': return digit(8);
    case U'九': case U'玖': return digit(9);
    // 两 is both the everyday "two" and the radio "two"; count it Chinese so a
    // cardinal like 两百零三 stays a cardinal.
    case U'两': case U'兩': case U'俩': case U'倆': return digit(2);
    case U'貳': return digit(2);
    case U'陸': return digit(6);
    case U'幺': return digit(1, Script::radio);
    case U'洞': return digit(0, Script::radio);
    case U'拐': return digit(7, Script::radio);
    case U'勾': case U'钩': return digit(9, Script::radio);
    // What recognisers write for 幺 (yāo): also everyday words, hence weak.
    case U'腰': case U'要': case U'么': case U'妖': case U'邀': return digit(1, Script::radio, true);
    // ... and for 洞 (dòng), 拐 (guǎi), 勾 (gōu).
    case U'栋': case U'动': case U'冻': return digit(0, Script::radio, true);
    case U'怪': case U'乖': return digit(7, Script::radio, true);
    case U'沟': case U'狗': return digit(9, Script::radio, true);
    case U'十': case U'拾': return multiplier(1);
    case U'百': case U'佰': return multiplier(2);
    case U'千': case U'仟': return multiplier(3);
    case U'万': case U'萬': return multiplier(4);
    default: return std::nullopt;
  }
}

bool is_strong_numeral(char32_t c) {
  const auto n = chinese_numeral(c);
  return n && !n->weak;
}

std::string_view chinese_digit(int digit) {
  static constexpr std::string_view kWords[10] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
  return digit >= 0 && digit <= 9 ? kWords[digit] : std::string_view{};
}

std::string_view radio_digit(int digit) {
  static constexpr std::string_view kWords[10] = {"洞", "幺", "两", "三", "四", "五", "六", "拐", "八", "勾"};
  return digit >= 0 && digit <= 9 ? kWords[digit] : std::string_view{};
}

namespace {
bool parse_cardinal_strict(std::span<const Numeral> numerals, Digits& out);
}  // namespace

bool parse_chinese_cardinal(std::span<const Numeral> numerals, Digits& out) {
  // A dropped tail unit: after 百 two digits, after 千 three digits read as they
  // stand (三百七二 = 372, 一百13 = 113, 5百20 = 520, 两千零五零 = 2050).
  std::size_t last = numerals.size();
  for (std::size_t i = numerals.size(); i-- > 0;) {
    if (numerals[i].kind == NumeralKind::multiplier) {
      last = i;
      break;
    }
  }
  if (last < numerals.size()) {
    const int p = numerals[last].value;
    const std::size_t tail = numerals.size() - last - 1;
    const bool digits_only = std::all_of(numerals.begin() + static_cast<std::ptrdiff_t>(last) + 1, numerals.end(),
                                         [](const Numeral& n) { return n.kind == NumeralKind::digit; });
    if ((p == 2 || p == 3) && tail == static_cast<std::size_t>(p) && digits_only && numerals[last + 1].value != 0) {
      Digits head;
      if (!parse_cardinal_strict(numerals.first(last + 1), head)) return false;
      std::uint64_t v = 0;
      for (char c : head.view()) v = v * 10 + static_cast<std::uint64_t>(c - '0');
      std::uint64_t low = 0;
      for (std::size_t i = last + 1; i < numerals.size(); ++i) low = low * 10 + numerals[i].value;
      out = Digits{};
      return out.append(std::to_string(v + low));
    }
  }
  return parse_cardinal_strict(numerals, out);
}

namespace {
bool parse_cardinal_strict(std::span<const Numeral> numerals, Digits& out) {
  std::uint64_t total = 0;    // the part above 万
  std::uint64_t section = 0;  // below 万
  int pending = -1;           // a digit waiting for its multiplier
  int last_power = 5;         // multipliers must fall inside a section
  int pending_after_power = 0;  // power of the multiplier right before `pending`, 0 if none
  bool zero_gap = false;      // a 零 since the last multiplier
  bool any_multiplier = false;
  bool any_value = false;
  for (const Numeral& n : numerals) {
    if (n.kind == NumeralKind::digit) {
      if (pending >= 0) return false;  // 七二: two digits in a row
      if (n.value == 0) {
        zero_gap = true;
        continue;
      }
      pending = n.value;
      pending_after_power = zero_gap ? 0 : (any_multiplier ? last_power : 0);
      any_value = true;
      continue;
    }
    if (n.kind != NumeralKind::multiplier) return false;
    any_multiplier = true;
    const int p = n.value;
    if (p == 4) {  // 万 closes the section
      const std::uint64_t v = section + (pending >= 0 ? pending : 0);
      if (v == 0 || total != 0) return false;
      total = v * 10000;
      section = 0;
      pending = -1;
      last_power = 4;
      zero_gap = false;
      continue;
    }
    if (p >= last_power) return false;  // 三十百
    std::uint64_t k = 0;
    if (pending >= 0) {
      k = static_cast<std::uint64_t>(pending);
    } else if (p == 1) {
      k = 1;  // 十五 = 15, 一百十五 = 115
    } else {
      return false;  // 百 with nothing before it
    }
    std::uint64_t scale = 1;
    for (int i = 0; i < p; ++i) scale *= 10;
    section += k * scale;
    pending = -1;
    last_power = p;
    zero_gap = false;
    any_value = true;
  }
  if (!any_multiplier || !any_value) return false;
  if (pending >= 0) {
    if (pending_after_power >= 2 && pending_after_power <= 4) {
      // 三百七 = 370, 三千二 = 3200, 两万三 = 23000: the digit fills the next place down.
      std::uint64_t scale = 1;
      for (int i = 0; i < pending_after_power - 1; ++i) scale *= 10;
      if (pending_after_power == 4) {
        total += static_cast<std::uint64_t>(pending) * 1000;
      } else {
        section += static_cast<std::uint64_t>(pending) * scale;
      }
    } else {
      section += static_cast<std::uint64_t>(pending);
    }
  }
  const std::string s = std::to_string(total + section);
  out = Digits{};
  return out.append(s);
}
}  // namespace

}  // namespace poleloc::spoken
