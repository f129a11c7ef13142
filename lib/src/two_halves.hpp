// two_halves.hpp: a loop over [0, n) split in two halves, one on a second thread.
//
//   in_two_halves(places.size(), 8192, [&](std::size_t begin, std::size_t end) { ... });
//
// For the steps of a snapshot build that are independent per item and would
// otherwise run on one core while the other waits. Below `at_least` items the
// whole range runs on the calling thread. `f` must touch only the items of
// its range (or read shared data); an exception in either half (out of
// memory) is thrown again on the calling thread once both have ended.
#pragma once

#include <cstddef>
#include <exception>
#include <thread>

namespace poleloc {

template <typename F>
void in_two_halves(std::size_t n, std::size_t at_least, F&& f) {
  if (n < at_least) return f(std::size_t{0}, n);
  const std::size_t half = n / 2;
  std::exception_ptr failed;
  std::thread first([&] {
    try {
      f(std::size_t{0}, half);
    } catch (...) {
      failed = std::current_exception();
    }
  });
  try {
    f(half, n);
  } catch (...) {
    first.join();
    throw;
  }
  first.join();
  if (failed) std::rethrow_exception(failed);
}

}  // namespace poleloc
