// read_back.hpp: the phrase a call-taker reads back to confirm a number.
//
// Read-backs use the words that survive a bad line: radio digits in Chinese
// (幺 for 1, 两 for 2, 拐 for 7, 洞 for 0, 勾 for 9), the NATO alphabet and
// plain digit words in English. The language follows the caller's.
//
//   read_back("TJH0372", "团结湖", Language::chinese);   // "团结湖 洞三拐两"
//   read_back("TJH0372", "", Language::chinese);         // "TJH 洞三拐两" (no Chinese name known)
//   read_back("TJH0372", "团结湖", Language::english);   // "tango juliett hotel zero three seven two"
//
// Every character of the serial is read: leading zeros too, letters inside a
// serial as letters (Chinese) or NATO words (English).
//
// Thread-safety: pure functions.
#pragma once

#include "spoken/confusion.hpp"

#include <string>
#include <string_view>

namespace poleloc::spoken {

// `number` canonical; `display_name` the area's Chinese name or empty.
// Language::neutral reads back in English.
std::string read_back(std::string_view number, std::string_view display_name, Language language);

}  // namespace poleloc::spoken
