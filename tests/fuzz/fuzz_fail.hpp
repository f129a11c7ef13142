// fuzz_fail.hpp: a broken invariant ends the fuzz run with its reason.
//
//   if (encode_pole(twice) != again) poleloc::fuzz::fail("a decoded pole does not survive encode/decode");
//
// Prints "<target>: <what>" on stderr (POLELOC_FUZZ_TARGET, set per target in
// tests/fuzz/CMakeLists.txt) and aborts, so that libFuzzer keeps the input as
// a crash.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace poleloc::fuzz {

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "%s: %s\n", POLELOC_FUZZ_TARGET, what);
  std::abort();
}

}  // namespace poleloc::fuzz
