#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Install what toxtun needs to build and test, from Debian's packages only.
# Used by the README's first command and by .ci/run. Run as root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -ne 0 ]; then
	exec sudo "$0" "$@"
fi
apt-get update </dev/null
# toxcore-utils: tox-bootstrapd, the private bootstrap node of the demo and
# the integration tests. clang + libclang-rt: the libFuzzer harnesses.
# util-linux: setpriv, which ties test processes' lifetime to the test.
# curl: the SOCKS5 / HTTP CONNECT tests. dnsmasq-base: the DNS server behind
# the UDP forward test. chromium: the browser test (a real headless browser
# loading a page through the SOCKS5 proxy). openssh-client, openssh-server:
# ssh and scp with `tunnel pipe` as their ProxyCommand, to a real sshd.
# libinih-dev: inih, the ini reader of the config library (daemon and tray).
# libseccomp-dev: the daemon's sandbox.
# gnuplot-nox: the benchmark's plots (bench/run).
# GTK 3, libayatana-appindicator3, json-glib, libqrencode: toxtun-tray;
# librsvg2-bin renders its icons; Xvfb, trayer, xdotool, x11-utils
# (xwininfo), imagemagick (import), dbus (dbus-run-session, and a session
# bus per desktop user with dbus-daemon and dbus-monitor), libglib2.0-bin
# (gdbus: a notification's action) and a font: the headless GUI tests.
# dpkg-dev (dpkg-shlibdeps) and file: the Debian package's dependencies,
# worked out by CPack; lintian checks the package and man-db (man -w) finds
# its man page once installed (tests/package/test-package.sh).
apt-get install -y --no-install-recommends </dev/null \
	build-essential cmake pkg-config \
	libtoxcore-dev libsodium-dev libenet-dev liblz4-dev libev-dev libinih-dev libjson-c-dev libcap-dev \
	libseccomp-dev \
	toxcore-utils python3 clang libclang-rt-14-dev \
	iproute2 nftables procps util-linux curl dnsmasq-base chromium gnuplot-nox \
	openssh-client openssh-server \
	libgtk-3-dev libayatana-appindicator3-dev libjson-glib-dev libqrencode-dev \
	librsvg2-bin librsvg2-common xvfb xauth trayer xdotool x11-utils imagemagick \
	dbus dbus-x11 libglib2.0-bin fonts-dejavu-core \
	dpkg-dev file lintian man-db
