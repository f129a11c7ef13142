// huge_pages.hpp: ask the kernel for transparent huge pages on a large array.
//
//   std::vector<Slot> slots;
//   reserve_huge(slots, n);          // reserve, then madvise(MADV_HUGEPAGE) before first touch
//   slots.assign(n, Slot{});
//
// Opening a 2,000,000-pole database touches ~450 MB of fresh memory; with 4 KB
// pages that is ~100,000 page faults (a third of the open time measured here),
// with 2 MB pages a few hundred. Only a hint: where THP is off it does nothing.
#pragma once

#include <sys/mman.h>

#include <cstdint>
#include <vector>

namespace poleloc {

template <typename T>
void reserve_huge(std::vector<T>& v, std::size_t n) {
  v.reserve(n);
  constexpr std::uintptr_t kHuge = 2u << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(v.data());
  const auto end = begin + v.capacity() * sizeof(T);
  const std::uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1), last = end & ~(kHuge - 1);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
}

}  // namespace poleloc
