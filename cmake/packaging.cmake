# The Debian package: `cpack -G DEB` in the build directory (or `make package`
# at the top). One package, poleloc_VERSION_ARCH.deb, with:
#   /usr/bin/poleloc                          the CLI and the HTTP server
#   /usr/lib/.../libpoleloc.so.MAJOR.MINOR    the shared library (soname libpoleloc.so.MAJOR.MINOR)
#   /usr/include/poleloc/*.hpp                headers, version.hpp included
#   /usr/lib/.../cmake/poleloc                find_package(poleloc) -> poleloc::poleloc
#   /usr/lib/.../pkgconfig/poleloc.pc         pkg-config --cflags --libs poleloc
#   /usr/lib/python3/dist-packages/poleloc    the Python module
#   /lib/systemd/system/poleloc.service       runs as the poleloc system user (postinst creates it)
#   /etc/poleloc/poleloc.conf                 the server's options (a conffile)
#   /usr/share/doc/poleloc                    docs/, LICENSE as copyright, CHANGELOG.md
# The service files go in the `service` component and the docs in `doc`, so
# that `cmake --install --prefix DIR` (component Unspecified) never writes /etc.
install(FILES ${PROJECT_SOURCE_DIR}/packaging/poleloc.service DESTINATION /lib/systemd/system COMPONENT service)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/poleloc.conf DESTINATION /etc/poleloc COMPONENT service)
file(GLOB POLELOC_USER_DOCS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${POLELOC_USER_DOCS} ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/SECURITY.md
              ${PROJECT_SOURCE_DIR}/CHANGELOG.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT doc)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright COMPONENT doc)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME poleloc)
set(CPACK_PACKAGE_VENDOR "poleloc")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "utility pole numbers to locations and grids: library, CLI, HTTP server, Python module")
set(CPACK_PACKAGE_DESCRIPTION "poleloc turns the number painted on a utility pole (printed, spoken or misheard)
into the pole's location and the grid (responsibility zone) it lies in. The package
holds the C++ library (shared, with headers, CMake and pkg-config files), the
poleloc command with its HTTP server and a systemd unit, and the Python module.")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "poleloc maintainers <poleloc@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://localhost/poleloc")
# Library dependencies from the ELF files (dpkg-shlibdeps), plus what Python and the unit need.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The Python module is built for the python3 of the build machine (3.11 on Debian 12).
# GDAL is loaded on first use (lib/src/io/gdal_api.hpp), so dpkg-shlibdeps does not see it.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "python3 (>= 3.11), python3 (<< 3.12), passwd, proj-data")
if(POLELOC_GDAL_PACKAGE)
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", ${POLELOC_GDAL_PACKAGE}")
endif()
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3-numpy")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nginx")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
  ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
  ${PROJECT_SOURCE_DIR}/packaging/debian/postrm
  ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)
# Only what users need: the test and benchmark programs are not installed anyway.
include(CPack)
