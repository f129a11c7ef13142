// import_diff.cpp: ImportDiff, what an import adds, changes and removes, in words.
#include <poleloc/import.hpp>

#include "io/readers.hpp"

namespace poleloc {

bool ImportDiff::empty() const {
  return poles.added + poles.changed + poles.removed + grids.added + grids.changed + grids.removed == 0;
}

std::string ImportDiff::summary() const {
  auto line = [](const Counts& c, const char* what) {
    return "add " + io::with_commas(c.added) + ", change " + io::with_commas(c.changed) + ", remove " +
           io::with_commas(c.removed) + " " + what;
  };
  std::string s = "will " + line(poles, "poles") + "; " + line(grids, "grids");
  if (poles.unchanged || grids.unchanged) {
    s += " (" + io::with_commas(poles.unchanged) + " poles and " + io::with_commas(grids.unchanged) +
         " grids unchanged)";
  }
  return s;
}

}  // namespace poleloc
