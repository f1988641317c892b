# SPDX-License-Identifier: GPL-3.0-or-later
# Run by CPack before it writes the package (CPACK_PRE_BUILD_SCRIPTS, set in
# assets/debian/packaging.cmake): the binaries, units and desktop entry carry the
# paths of CMAKE_INSTALL_PREFIX, so a package installing to another prefix
# would start /usr/local/bin/tunnel from /usr/lib/systemd and look for its
# icons there. Refuse to build such a package.
if(NOT CPACK_TOXTUN_INSTALL_PREFIX STREQUAL CPACK_PACKAGING_INSTALL_PREFIX)
  message(FATAL_ERROR
    "This build directory is configured with CMAKE_INSTALL_PREFIX="
    "${CPACK_TOXTUN_INSTALL_PREFIX}, but the package installs to "
    "${CPACK_PACKAGING_INSTALL_PREFIX}. Configure a build directory for the "
    "package with -DCMAKE_INSTALL_PREFIX=${CPACK_PACKAGING_INSTALL_PREFIX} "
    "(see README.md, Install).")
endif()
