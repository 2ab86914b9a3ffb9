# SPDX-License-Identifier: ISC
# Finds avow's dependencies through pkg-config and names the Debian package
# to install when one is missing.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: apt-get install pkg-config")
endif()
find_package(Threads REQUIRED)

function(avow_require name module package)
  pkg_check_modules(${name} QUIET IMPORTED_TARGET ${module})
  if(NOT ${name}_FOUND)
    message(FATAL_ERROR "${module} not found: apt-get install ${package} (or run tools/quickstart)")
  endif()
endfunction()

avow_require(LMDB lmdb liblmdb-dev)
avow_require(SODIUM libsodium libsodium-dev)
avow_require(JANSSON jansson libjansson-dev)
# PNG charts (src/io/png.c): librsvg draws the SVG onto a cairo surface.
avow_require(RSVG librsvg-2.0 librsvg2-dev)
avow_require(CURL libcurl libcurl4-openssl-dev)
if(AVOW_TESTS)
  avow_require(CMOCKA cmocka libcmocka-dev)
endif()
