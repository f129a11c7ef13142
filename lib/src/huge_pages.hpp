// huge_pages.hpp: ask the kernel for transparent huge pages on a large array.
//
//   std::vector<Slot> slots;
//   reserve_huge(slots, n);          // reserve, then madvise(MADV_HUGEPAGE) before first touch
//   slots.assign(n, Slot{});
//
// Opening a 2,000,000-pole database touches ~450 MB of fresh memory; with 4 KB
// pages that is ~100,000 page faults (a third of the open time measured here),
// with 2 MB pages a few hundred. Only a hint: where THP is off it does nothing.
//
//   Ring ring;
//   reserve_prefaulted(ring, n);     // reserve, then map every page in one call
//
// An array too small for huge pages but large enough to be mapped on its own
// (glibc's malloc maps each block over 128 KB-32 MB separately) takes a page
// fault per 4 KB on first touch; on a virtual machine each fault costs ~1 µs
// of exception handling on top of zeroing the page. madvise(MADV_POPULATE_WRITE)
// (Linux 5.14) maps them all in one call. Only a hint: older kernels refuse it
// and the pages are faulted as before.
#pragma once

#include <sys/mman.h>

#include <cstdint>
#include <vector>

namespace poleloc {

// madvise(advice) over the whole `align`-aligned blocks inside v's capacity
// (the advice may only name memory the vector owns).
template <typename T>
void advise_capacity(const std::vector<T>& v, std::uintptr_t align, int advice) {
  const auto begin = reinterpret_cast<std::uintptr_t>(v.data());
  const auto end = begin + v.capacity() * sizeof(T);
  const std::uintptr_t first = (begin + align - 1) & ~(align - 1), last = end & ~(align - 1);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, advice);
}

template <typename T>
void reserve_huge(std::vector<T>& v, std::size_t n) {
  v.reserve(n);
  advise_capacity(v, std::uintptr_t{2} << 20, MADV_HUGEPAGE);
}

// Arrays under this many bytes are left to fault: most come from pages the
// heap has mapped already, and a system call costs more than a few faults.
inline constexpr std::size_t kPrefaultMinBytes = std::size_t{64} << 10;

template <typename T>
void reserve_prefaulted(std::vector<T>& v, std::size_t n) {
  v.reserve(n);
#ifdef MADV_POPULATE_WRITE
  if (v.capacity() * sizeof(T) >= kPrefaultMinBytes) advise_capacity(v, 4096, MADV_POPULATE_WRITE);
#endif
}

}  // namespace poleloc
