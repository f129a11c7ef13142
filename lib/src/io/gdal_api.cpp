#include "io/gdal_api.hpp"

#include <dlfcn.h>

#ifndef POLELOC_GDAL_SONAME
#error "POLELOC_GDAL_SONAME names the GDAL library to load (lib/CMakeLists.txt)"
#endif

namespace poleloc::io {
namespace {

struct Loaded {
  GdalApi api;
  std::string error;  // empty once loaded
};

Loaded load() {
  Loaded l;
  void* lib = dlopen(POLELOC_GDAL_SONAME, RTLD_NOW | RTLD_LOCAL);  // kept for the process's life
  if (!lib) {
    const char* e = dlerror();
    l.error = std::string("GDAL (" POLELOC_GDAL_SONAME ") cannot be loaded: ") + (e ? e : "unknown error");
    return l;
  }
#define POLELOC_GDAL_LOOKUP(name)                                                       \
  l.api.name = reinterpret_cast<decltype(&::name)>(dlsym(lib, #name));                  \
  if (!l.api.name) {                                                                    \
    l.error = "GDAL (" POLELOC_GDAL_SONAME ") has no function " #name;                  \
    return l;                                                                           \
  }
  POLELOC_GDAL_FUNCTIONS(POLELOC_GDAL_LOOKUP)
#undef POLELOC_GDAL_LOOKUP
  l.api.GDALAllRegister();
  return l;
}

const Loaded& loaded() {
  static const Loaded l = load();  // thread-safe initialisation
  return l;
}

}  // namespace

bool load_gdal(std::string& why) {
  const Loaded& l = loaded();
  if (!l.error.empty()) why = l.error;
  return l.error.empty();
}

const GdalApi& gdal() { return loaded().api; }

}  // namespace poleloc::io
