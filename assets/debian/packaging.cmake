# SPDX-License-Identifier: GPL-3.0-or-later
# The documentation and the Debian package (CPack's DEB generator).
# Included at the end of the top-level CMakeLists.txt. The package:
#   cmake -S . -B build-pkg -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
#         -DTOXTUN_HARDENING=ON -DTOXTUN_BENCH=OFF
#   cmake --build build-pkg -j2 --target package     # build-pkg/toxtun_<version>_<arch>.deb
# tests/package/test-package.sh builds, checks (lintian), installs and removes it.

set(TOXTUN_DEB_RELEASE 1 CACHE STRING "Debian revision of the package (the part after the hyphen)")
set(TOXTUN_DEB_MAINTAINER "toxtun maintainers <maintainers@users.noreply.h-seed-c15d9d31.example>"
  CACHE STRING "The package's Maintainer field")
set(TOXTUN_DEB_VERSION ${PROJECT_VERSION}-${TOXTUN_DEB_RELEASE})

# share/doc/toxtun: the READMEs and the protocol (gui/ adds the tray's README).
file(GLOB TOXTUN_DOCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES README.md daemon/control/PROTOCOL.md ${TOXTUN_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES enet-patches/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME README.enet-patches.md)

# The copyright file (machine-readable), without the comment lines at the top
# of its source.
set(DEB_DIR ${CMAKE_BINARY_DIR}/debian)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/assets/debian/copyright)
file(READ ${CMAKE_SOURCE_DIR}/assets/debian/copyright copyright_text)
string(REGEX REPLACE "^(#[^\n]*\n)+" "" copyright_text "${copyright_text}")
file(WRITE ${DEB_DIR}/copyright "${copyright_text}")
install(FILES ${DEB_DIR}/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})

# changelog.Debian.gz: one entry for this version, dated when configured
# (or at SOURCE_DATE_EPOCH), compressed like the man page.
string(TIMESTAMP deb_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
file(WRITE ${DEB_DIR}/changelog.Debian.new
"toxtun (${TOXTUN_DEB_VERSION}) unstable; urgency=medium

  * Package built with CPack from the toxtun source tree, version
    ${PROJECT_VERSION}. See README.md for what it does.

 -- ${TOXTUN_DEB_MAINTAINER}  ${deb_date}
")
configure_file(${DEB_DIR}/changelog.Debian.new ${DEB_DIR}/src/changelog.Debian COPYONLY)
add_custom_command(OUTPUT ${DEB_DIR}/changelog.Debian.gz
  COMMAND ${CMAKE_COMMAND} -E copy ${DEB_DIR}/src/changelog.Debian ${DEB_DIR}/changelog.Debian
  COMMAND ${GZIP} -9nf ${DEB_DIR}/changelog.Debian
  DEPENDS ${DEB_DIR}/src/changelog.Debian
  COMMENT "Compressing the Debian changelog"
  VERBATIM)
add_custom_target(toxtun-deb-changelog ALL DEPENDS ${DEB_DIR}/changelog.Debian.gz)
install(FILES ${DEB_DIR}/changelog.Debian.gz DESTINATION ${CMAKE_INSTALL_DOCDIR})

# lintian's overrides, each with its reason.
install(FILES ${CMAKE_SOURCE_DIR}/assets/debian/lintian-overrides
  DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME toxtun)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME toxtun)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "toxtun maintainers")
set(CPACK_PACKAGE_CONTACT "${TOXTUN_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "TCP and UDP port forwarding through the Tox network")
set(CPACK_PACKAGE_DESCRIPTION
"toxtun forwards TCP and UDP ports between two machines that cannot reach
each other (behind NAT, behind firewalls, without public addresses) through
the Tox peer-to-peer network, encrypted end to end. One side runs
\"tunnel server\", the other \"tunnel client\", and ssh -L style lines say which
local port goes where; reverse forwards, SOCKS5 and HTTP CONNECT proxies are
there too.

The package holds the daemon \"tunnel\" with its systemd units (system-wide
and per user), and \"toxtun-tray\", a GTK 3 tray icon that shows the tunnels'
state, starts and stops them, and edits their configuration.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_NAME toxtun)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${TOXTUN_DEB_RELEASE})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${TOXTUN_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: worked out from the binaries by dpkg-shlibdeps (dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_SOURCE_DIR}/assets/debian/postinst ${CMAKE_SOURCE_DIR}/assets/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# The compiled-in paths must be the package's: see the script.
set(CPACK_TOXTUN_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_SOURCE_DIR}/assets/debian/check-package-prefix.cmake)
# `package_source`: the tree without build directories and git metadata.
set(CPACK_SOURCE_GENERATOR TXZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\.git/" "/build[^/]*/")
# The values above are written to CPackConfig.cmake as they are (quotes).
set(CPACK_VERBATIM_VARIABLES ON)
include(CPack)
