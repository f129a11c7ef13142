# Every poleloc build option, in one place.
option(POLELOC_BUILD_TESTS "Build the GoogleTest suites and register every test with CTest" ON)
option(POLELOC_BUILD_BENCH "Build the Google Benchmark suites" ON)
option(POLELOC_BUILD_PYTHON "Build the Python module _poleloc" ON)
option(POLELOC_BUILD_HTTP "Build the HTTP server into the poleloc command" ON)
option(POLELOC_WERROR "Treat warnings in poleloc's own code as errors" OFF)
set(POLELOC_SANITIZE "" CACHE STRING "Sanitizers for poleloc's own code: address, undefined, thread (comma-separated)")
# libFuzzer targets (tests/fuzz, docs/testing.md). A fuzz build is a build of its
# own, with clang: every poleloc object gets coverage, ASan and UBSan, and the
# targets link libFuzzer's main. OFF leaves the normal build as it is.
option(POLELOC_BUILD_FUZZ "Build the libFuzzer targets in tests/fuzz (clang only)" OFF)
if(POLELOC_BUILD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "POLELOC_BUILD_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++-14, "
                        "or run tests/fuzz/run.sh which does it")
  endif()
  set(POLELOC_SANITIZE "fuzzer-no-link,address,undefined")
endif()
