#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The Debian package, end to end: build it (build-pkg/, Release, as the README
# says), check it with lintian (no errors), install it with apt-get, run what
# it installed, remove it and check that nothing of it is left but its
# configuration files. Called by .ci/run after the test suite; run as root on
# Debian 12 with tests/install-deps.sh's packages; needs no network.
# A toxtun package already installed is purged first, and the one installed
# here is purged at the end. Prints "N passed, M failed"; exit status 1 if any
# check failed.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export DEBIAN_FRONTEND=noninteractive
build=${TOXTUN_PKG_BUILD_DIR:-build-pkg}
jobs=$(nproc 2>/dev/null || echo 2)
passed=0
failed=0

ok() {
	passed=$((passed + 1))
	echo "ok   $*"
}
fail() {
	failed=$((failed + 1))
	echo "FAIL $*"
}
finish() {
	echo "$passed passed, $failed failed"
	((failed == 0))
	exit
}
# check DESCRIPTION COMMAND...: passes when COMMAND exits 0.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
# installed, config-files (removed), not-installed, or nothing: never heard of.
pkg_status() {
	dpkg-query -W -f='${db:Status-Status}' toxtun 2>/dev/null
}
purge() {
	case $(pkg_status) in
	'' | not-installed) ;;
	*) dpkg --purge toxtun >/dev/null ;;
	esac
}

if [ "$(id -u)" -ne 0 ]; then
	echo "test-package.sh: run as root (it installs and removes the package)" >&2
	exit 2
fi

# A package left by an earlier run (or installed by hand) must not answer for
# the one built here.
purge
trap purge EXIT
status=$(pkg_status)
check "no toxtun package before the test${status:+ ($status)}" \
	test -z "$status" -o "$status" = not-installed

echo "=== building the package in $build"
mkdir -p "$build"
rm -f "$build"/toxtun_*.deb
log=$build/package-build.log
if {
	cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
		-DTOXTUN_HARDENING=ON -DTOXTUN_BENCH=OFF -DTOXTUN_GUI=ON &&
		cmake --build "$build" -j "$jobs" &&
		cmake --build "$build" --target package
} >"$log" 2>&1; then
	ok "cmake --build $build --target package"
else
	tail -n 40 "$log"
	fail "cmake --build $build --target package (log: $log)"
	finish
fi
shopt -s nullglob
debs=("$build"/toxtun_*.deb)
shopt -u nullglob
if [ ${#debs[@]} -ne 1 ]; then
	fail "one package written, found: ${debs[*]:-none}"
	finish
fi
deb=$(realpath "${debs[0]}")
version=$(dpkg-deb -f "$deb" Version)
arch=$(dpkg-deb -f "$deb" Architecture)
check "file name toxtun_${version}_${arch}.deb (Debian's)" \
	test "$(basename "$deb")" = "toxtun_${version}_${arch}.deb"
check "Depends worked out from the binaries (libtoxcore, GTK 3)" \
	bash -c 'dpkg-deb -f "$1" Depends | grep -q "libtoxcore" &&
	         dpkg-deb -f "$1" Depends | grep -q "libgtk-3"' _ "$deb"

echo "=== lintian $deb"
lintian_out=$(lintian --display-info --pedantic --fail-on error "$deb" 2>&1)
lintian_status=$?
printf '%s\n' "$lintian_out"
check "lintian: no errors" \
	test "$lintian_status" -eq 0 -a -z "$(printf '%s\n' "$lintian_out" | grep '^E:')"

echo "=== installing"
if apt-get install -y --no-install-recommends "$deb" </dev/null >/dev/null; then
	ok "apt-get install $deb"
else
	fail "apt-get install $deb"
	finish
fi
check "toxtun $version installed" \
	test "$(dpkg-query -W -f='${db:Status-Status} ${Version}' toxtun)" = "installed $version"

# The installed programs by their full path: a `tunnel` in /usr/local/bin
# (cmake --install) must not answer for them.
upstream=${version%-*}
out=$(/usr/bin/tunnel --version 2>&1)
check "/usr/bin/tunnel --version: $out" test "$out" = "tunnel (toxtun) $upstream"
out=$(env -u DISPLAY -u WAYLAND_DISPLAY /usr/bin/toxtun-tray --help 2>&1)
status=$?
check "/usr/bin/toxtun-tray --help without a display (exit $status)" \
	test "$status" -eq 0 -a -n "$(printf '%s\n' "$out" | grep -e '--config')"
out=$(man -w tunnel 2>&1)
check "man -w tunnel: $out" test "$out" = /usr/share/man/man1/tunnel.1.gz
out=$(man -w toxtun-tray 2>&1)
check "man -w toxtun-tray: $out" test "$out" = /usr/share/man/man1/toxtun-tray.1.gz
scratch=$(mktemp -d)
printf '[server]\nname = package-test\n' >"$scratch/s.ini"
out=$(/usr/bin/tunnel id "$scratch/s.ini" 2>&1)
check "/usr/bin/tunnel id prints a Tox ID" \
	bash -c '[[ $1 =~ ^[0-9A-F]{76}$ ]]' _ "$out"
rm -rf "$scratch"
for unit in /usr/lib/systemd/system/toxtun-{server,client}@.service \
	/usr/lib/systemd/user/toxtun-{server,client,run}@.service; do
	check "$unit starts /usr/bin/tunnel" grep -q '^ExecStart=/usr/bin/tunnel ' "$unit"
done
check "the desktop entry starts /usr/bin/toxtun-tray, Icon=toxtun" \
	bash -c 'f=/usr/share/applications/toxtun-tray.desktop
	         grep -q "^Exec=/usr/bin/toxtun-tray" $f && grep -qx "Icon=toxtun" $f'
# The tray's icon root (tt_icon_root) is the hicolor theme's directory.
check "the tray's icons in /usr/share/icons/hicolor" \
	bash -c 'grep -qa /usr/share/icons /usr/bin/toxtun-tray &&
	         test -f /usr/share/icons/hicolor/scalable/apps/toxtun.svg &&
	         test -f /usr/share/icons/hicolor/scalable/status/toxtun-connected.svg'
check "copyright and changelog.Debian.gz in /usr/share/doc/toxtun" \
	test -f /usr/share/doc/toxtun/copyright -a -f /usr/share/doc/toxtun/changelog.Debian.gz
check "no autostart entry for every user" \
	bash -c '! dpkg-query -L toxtun | grep -q "^/etc/xdg/autostart"'

echo "=== removing"
mapfile -t files < <(dpkg-query -L toxtun)
mapfile -t conffiles < <(dpkg-query -W -f='${Conffiles}\n' toxtun | awk 'NF { print $1 }')
if apt-get remove -y toxtun </dev/null >/dev/null; then
	ok "apt-get remove toxtun"
else
	fail "apt-get remove toxtun"
	finish
fi
status=$(pkg_status)
check "toxtun removed (${status:-unknown to dpkg})" \
	bash -c 'case $1 in "" | not-installed | config-files) ;; *) false ;; esac' _ "$status"
# Left behind: any file of the list but the conffiles, and any directory of
# the list that no other package owns (another package's directory stays; a
# directory dpkg could not remove, not empty, stays listed as toxtun's).
other_owner() {
	local owners
	owners=$(dpkg-query -S "$1" 2>/dev/null | sed -n 's/: .*//p' | tr ',' '\n' | tr -d ' ')
	printf '%s\n' "$owners" | grep -vx -e '' -e toxtun -e 'toxtun:.*' >/dev/null
}
left=()
for path in "${files[@]}"; do
	[ -e "$path" ] || [ -L "$path" ] || continue
	[ "$path" = /. ] && continue
	if [ -d "$path" ] && [ ! -L "$path" ]; then
		other_owner "$path" && continue
	else
		for conf in "${conffiles[@]}"; do
			[ "$path" = "$conf" ] && continue 2
		done
	fi
	left+=("$path")
done
check "nothing of the ${#files[@]} paths left but conffiles (${#conffiles[@]})${left:+; left: ${left[*]}}" \
	test ${#left[@]} -eq 0

finish
