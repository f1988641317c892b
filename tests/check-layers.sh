#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# check-layers.sh: keeps the daemon's layers honest (docs/architecture.md).
#
# The daemon's layers form a chain; each may include headers of its own layer
# and of those below it, never of one above:
#
#   util → config → enetp → tox → link → mux → forward → core → control → cli
#
# Every .c, .h and .h.in under daemon/, enet-patches/, gui/ and include/ is
# placed in a layer, and so is every header it includes with a quoted
# #include "..." (or <toxtun/...>). "x.h" is looked up as the compiler does:
# next to the including file first, then in gui/ (for the tray's files),
# daemon/ and include/. The tray (gui/) is no part of the chain: it may
# include its own headers and the public util and config headers in
# include/toxtun/, nothing else. tests/ and bench/ are not checked.
#
# Fails (exit 1), listing each, on an include of a higher layer's header, on
# a file or included header that no layer owns, and on an include that names
# no file in the tree. Prints "layers: OK (N files)" otherwise.
#
# Usage: tests/check-layers.sh [ROOT]   (ROOT: the source tree; default: the
# one this script is in)
set -uo pipefail

root=${1:-$(dirname "${BASH_SOURCE[0]}")/..}
if ! cd "$root" 2>/dev/null || [ ! -d daemon ]; then
	echo "check-layers: $root is not a toxtun source tree" >&2
	exit 2
fi

chain=(util config enetp tox link mux forward core control cli)
declare -A rank
for i in "${!chain[@]}"; do
	rank[${chain[i]}]=$i
done

# Sets $layer to the layer that owns PATH (relative to the root), or to
# nothing. A new public header in include/toxtun/ belongs to no layer until
# it is listed here.
layer_of() {
	layer=
	case $1 in
	daemon/main.c) layer=cli ;;
	daemon/util/* | daemon/config/* | daemon/tox/* | daemon/link/* | daemon/mux/* | \
		daemon/forward/* | daemon/core/* | daemon/control/* | daemon/cli/*)
		layer=${1#daemon/}
		layer=${layer%%/*}
		;;
	enet-patches/*) layer=enetp ;;
	include/toxtun/log.h | include/toxtun/version.h | include/toxtun/version.h.in) layer=util ;;
	include/toxtun/config.h | include/toxtun/config_keys.h | include/toxtun/control_path.h | include/toxtun/ini_lexer.h | \
		include/toxtun/ini_edit.h) layer=config ;;
	include/toxtun/enet_patches.h) layer=enetp ;;
	include/toxtun/frame.h) layer=mux ;;
	gui/*) layer=gui ;;
	esac
}

# Sets $path to PATH with "." and ".." taken out ("gui/tests/../model.h" is
# "gui/model.h"); a path that leaves the root keeps a leading "..".
normalize() {
	local part out=()
	local IFS=/
	for part in $1; do
		case $part in
		"" | .) ;;
		..) if ((${#out[@]})) && [ "${out[-1]}" != .. ]; then unset 'out[-1]'; else out+=(..); fi ;;
		*) out+=("$part") ;;
		esac
	done
	path="${out[*]}"
}

# Sets $path to the file that `#include "INC"` in FILE names, relative to
# the root, as the compiler finds it; a generated header counts as its .in
# template. Fails if there is none.
resolve() {
	local file=$1 inc=$2 base candidate
	local bases=("${file%/*}")
	[[ $file == gui/* ]] && bases+=(gui)
	bases+=(daemon include)
	for base in "${bases[@]}"; do
		for candidate in "$base/$inc" "$base/$inc.in"; do
			if [ -f "$candidate" ]; then
				normalize "$candidate"
				return 0
			fi
		done
	done
	return 1
}

# May a file of layer FROM include the header TARGET of layer TO?
allowed() {
	local from=$1 to=$2 target=$3
	if [ "$from" = gui ]; then
		[ "$to" = gui ] || { [[ $target == include/* ]] && [[ $to == util || $to == config ]]; }
	else
		[ "$to" != gui ] && [ "${rank[$to]}" -le "${rank[$from]}" ]
	fi
}

problems=0
report() {
	echo "$*"
	problems=$((problems + 1))
}

mapfile -t files < <(find daemon enet-patches gui include -type f \
	\( -name '*.c' -o -name '*.h' -o -name '*.h.in' \) 2>/dev/null | LC_ALL=C sort)

declare -A file_layer
for file in "${files[@]}"; do
	layer_of "$file"
	file_layer[$file]=$layer
	[ -n "$layer" ] ||
		report "$file: in no layer (layer_of in tests/check-layers.sh places each file)"
done

# One grep for every file: FILE:LINE:TEXT.
include_re='^[[:space:]]*#[[:space:]]*include[[:space:]]*("[^"]+"|<toxtun/[^>]+>)'
while IFS=: read -r file line text; do
	from=${file_layer[$file]}
	[ -n "$from" ] || continue
	[[ $text =~ $include_re ]] || continue
	inc=${BASH_REMATCH[1]:1:-1}
	if ! resolve "$file" "$inc"; then
		report "$file:$line: includes \"$inc\", which is no file in the tree"
		continue
	fi
	layer_of "$path"
	if [ -z "$layer" ]; then
		report "$file:$line: includes $path, which is in no layer"
	elif ! allowed "$from" "$layer" "$path"; then
		why=
		[ "$from" = gui ] && why=" (the tray may include gui/ and include/toxtun/'s util and config headers only)"
		report "$file:$line: includes $path (layer $layer) from layer $from$why"
	fi
done < <(((${#files[@]})) && grep -n -H -E "$include_re" "${files[@]}")

if [ "$problems" -gt 0 ]; then
	[ "$problems" -eq 1 ] && noun=problem || noun=problems
	echo "layers: FAILED ($problems $noun in ${#files[@]} files)"
	exit 1
fi
echo "layers: OK (${#files[@]} files)"
