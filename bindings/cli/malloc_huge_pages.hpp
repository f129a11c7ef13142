// malloc_huge_pages.hpp: run the poleloc command with glibc's malloc asking
// for transparent huge pages.
//
//   int main(int argc, char** argv) {
//     poleloc::cli::exec_with_malloc_huge_pages(argv);  // returns only if it does not re-exec
//
// An open of a 2,000,000-pole database touches ~440 MB of fresh memory, much
// of it through malloc (records, blocks, tables), one 4 KB page fault at a
// time; on a virtual machine a fault costs microseconds on top of zeroing the
// page. glibc (2.35+) makes malloc advise huge pages for the heap and its
// mapped blocks when the tunable glibc.malloc.hugetlb=1 is set, which it reads
// only at start: the command sets it and executes itself again, once (measured:
// open and first answer 1.23-1.42 s -> 1.08-1.13 s, peak RSS +1 %;
// docs/operations.md, "Memory"). With it goes glibc.malloc.top_pad (unless the
// caller set one): the heap then grows by 128 MB at a time instead of 128 KB,
// so that the open's small blocks (records, keys, 200,000 grids' names and
// attributes) come from a few large extensions in 2 MB pages rather than
// thousands of small ones. Measured with `poleloc locate`, four runs each
// alternated (2026-12-05 17:4x): 2,000,000 poles in 200,000 grids median
// 1.40 -> 1.09 s (1.28-1.48 -> 1.00-1.34 s); the five shapes of
// bench/open_database.sh within the host's noise, peak RSS +0 to +60 MB (more of
// the heap in huge pages). Not for `import`: a read-only server following the
// database saw re-imports 0.1-0.2 s later after an importer with it (medians of
// six, four runs alternated), whatever the server ran with. Nothing happens
// where transparent huge pages are off ("[never]"), where GLIBC_TUNABLES already names
// glibc.malloc.hugetlb (set it to 0 to opt out), in a set-user-ID or
// file-capability binary (glibc may ignore the variable there), or where the
// re-execution fails (the command goes on as it is).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace poleloc::cli {

inline constexpr std::size_t kMallocTopPad = std::size_t{128} << 20;  // glibc.malloc.top_pad

// The GLIBC_TUNABLES value to execute with, given the current one (null when
// unset), the contents of /sys/kernel/mm/transparent_hugepage/enabled and
// whether to add kMallocTopPad; nullopt when there is nothing to change.
std::optional<std::string> tunables_with_malloc_huge_pages(const char* current, const std::string& thp_enabled,
                                                           bool top_pad);

// Executes /proc/self/exe with `argv` and GLIBC_TUNABLES from
// tunables_with_malloc_huge_pages(); returns when there is nothing to change
// or the execution failed.
void exec_with_malloc_huge_pages(char** argv);

}  // namespace poleloc::cli
