// record_checks.hpp: the checks a single record must pass before it is stored,
// shared by single writes (put_pole, put_grid) and in-memory imports.
//
//   if (auto why = check_pole(pole)) return Status(ErrorCode::invalid_input, *why);  // also canonicalises
#pragma once

#include <poleloc/types.hpp>

#include <optional>
#include <string>

namespace poleloc {

// Canonicalises pole.number in place; the reason it cannot be stored otherwise.
std::optional<std::string> check_pole(PoleRecord& pole);
std::optional<std::string> check_grid(const GridRecord& grid);
std::optional<std::string> check_alias(AliasRecord& alias);

}  // namespace poleloc
