# Every poleloc build option, in one place.
option(POLELOC_BUILD_TESTS "Build the GoogleTest suites and register every test with CTest" ON)
option(POLELOC_BUILD_BENCH "Build the Google Benchmark suites" ON)
option(POLELOC_BUILD_PYTHON "Build the Python module _poleloc" ON)
option(POLELOC_BUILD_HTTP "Build the HTTP server into the poleloc command" ON)
option(POLELOC_WERROR "Treat warnings in poleloc's own code as errors" OFF)
set(POLELOC_SANITIZE "" CACHE STRING "Sanitizers for poleloc's own code: address, undefined, thread (comma-separated)")
