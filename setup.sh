#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages librheap-sim needs (only those missing) and
# configures a Meson build directory.
#
#   ./setup.sh                      -> build/ with the default options
#   ./setup.sh DIR [MESON-OPTS...]  -> DIR with extra options (e.g. -Db_sanitize=address,undefined)
#   ./setup.sh --optional [DIR ...] -> also the optional tools: doxygen (API
#                                      reference), gnuplot (bench/plot.sh),
#                                      clang and its runtimes (fuzzing)
#
# Idempotent and silent when nothing is missing and DIR is already configured.
set -euo pipefail

cd "$(dirname "$0")"
optional=false
if [ "${1:-}" = --optional ]; then
	optional=true
	shift
fi
builddir=${1:-build}
[ $# -gt 0 ] && shift

packages=(meson ninja-build pkg-config gcc python3 libcmocka-dev libbsd-dev
	  libssl-dev libfdt-dev device-tree-compiler)
if [ "${CC:-}" = clang ] || $optional; then
	# The sanitizer and libFuzzer runtimes are only a Recommends of clang.
	packages+=(clang libclang-rt-dev)
fi
if $optional; then
	packages+=(doxygen gnuplot-nox)
fi

missing=()
for pkg in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
	# sudo may ask for a password only if there is a terminal to ask on.
	if [ "$(id -u)" -eq 0 ]; then
		sudo=()
	elif command -v sudo >/dev/null 2>&1 &&
	     { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
		sudo=(sudo)
	else
		echo "setup.sh: missing packages (${missing[*]}); not root, and sudo is" \
		     "not installed or needs a password with no terminal to ask on:" \
		     "install them as root (apt-get install ${missing[*]}), or rerun as" \
		     "root or with sudo" >&2
		exit 1
	fi
	echo "setup.sh: installing ${missing[*]}" >&2
	log=$(mktemp)
	if ! { "${sudo[@]}" apt-get update -qq &&
	       "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		       --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
		cat "$log" >&2
		echo "setup.sh: apt-get failed" >&2
		rm -f "$log"
		exit 1
	fi
	rm -f "$log"
fi

extra=()
if [ "${CC:-}" = clang ]; then
	extra+=(-Db_lundef=false)
fi

if [ ! -f "$builddir/build.ninja" ]; then
	log=$(mktemp)
	if ! meson setup "$builddir" "${extra[@]}" "$@" >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		exit 1
	fi
	rm -f "$log"
elif [ $# -gt 0 ]; then
	meson configure "$builddir" "$@" >/dev/null
fi
