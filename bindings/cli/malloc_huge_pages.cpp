#include "malloc_huge_pages.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>
#include <sys/auxv.h>
#include <unistd.h>

namespace poleloc::cli {

std::optional<std::string> tunables_with_malloc_huge_pages(const char* current, const std::string& thp_enabled,
                                                           bool top_pad) {
  // "always [madvise] never": the bracketed word is the mode; off, or unknown (no file), changes nothing.
  if (thp_enabled.find("[always]") == std::string::npos && thp_enabled.find("[madvise]") == std::string::npos) {
    return std::nullopt;
  }
  const std::string now = current ? current : "";
  if (now.find("glibc.malloc.hugetlb") != std::string::npos) return std::nullopt;  // the caller's choice
  // First: glibc rewrites the variable it finds in place, and what /proc/PID/environ then shows
  // stops after the first tunable, while every one applies.
  std::string ours = "glibc.malloc.hugetlb=1";
  if (top_pad && now.find("glibc.malloc.top_pad") == std::string::npos) {
    ours += ":glibc.malloc.top_pad=" + std::to_string(kMallocTopPad);
  }
  return now.empty() ? ours : ours + ":" + now;
}

void exec_with_malloc_huge_pages(char** argv) {
  // A set-user-ID binary or one with file capabilities (to bind port 80, say):
  // glibc may drop GLIBC_TUNABLES there, and the command would execute itself forever.
  if (::getauxval(AT_SECURE) != 0) return;
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  std::stringstream thp;
  thp << in.rdbuf();
  // Not for `import` (see the header).
  const bool top_pad = !(argv[0] && argv[1] && std::string_view(argv[1]) == "import");
  const auto tunables = tunables_with_malloc_huge_pages(std::getenv("GLIBC_TUNABLES"), thp.str(), top_pad);
  if (!tunables) return;
  // Set before trying: should the execution fail, a second try (there is none) would see it set.
  if (::setenv("GLIBC_TUNABLES", tunables->c_str(), 1) != 0) return;
  ::execv("/proc/self/exe", argv);
}

}  // namespace poleloc::cli
