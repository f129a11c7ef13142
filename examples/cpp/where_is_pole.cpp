// where_is_pole: the smallest useful program on poleloc's C++ API.
//
//   where_is_pole DB_DIR NUMBER [POLES.csv GRIDS.geojson ALIASES.csv]
//
// With the three files, the database is (re)built from them first.
#include <poleloc/poleloc.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 3 && argc != 6) {
    std::cerr << "usage: where_is_pole DB_DIR NUMBER [POLES.csv GRIDS.geojson ALIASES.csv]\n";
    return 2;
  }
  auto service = poleloc::Service::open(argv[1]);
  if (!service) {
    std::cerr << service.status().message() << '\n';
    return 1;
  }
  if (argc == 6) {
    auto report = (*service)->import({argv[3], argv[4], argv[5]});
    if (!report) {
      std::cerr << report.status().message() << '\n';
      return 1;
    }
  }
  auto snap = (*service)->snapshot();
  auto pole = snap->locate(argv[2]);
  if (!pole) {
    std::cerr << "no pole " << argv[2] << '\n';
    return 1;
  }
  const poleloc::LonLat p = pole->position();
  std::cout.precision(10);
  std::cout << pole->number() << ' ' << p.lon << ' ' << p.lat;
  if (auto grid = pole->grid()) std::cout << ' ' << grid->id() << ' ' << grid->name();
  std::cout << '\n';
  return 0;
}
