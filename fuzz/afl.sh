#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# AFL++ recipe for the fuzz targets: the same sources as the libFuzzer build (docs/fuzzing.md).
#
# Usage:
#   fuzz/afl.sh list                     the targets (one per fuzz/corpus/<target>/)
#   fuzz/afl.sh build                    configure and build $BUILD with afl-clang-fast
#   fuzz/afl.sh run TARGET [AFL-ARGS..]  afl-fuzz on TARGET, seeds fuzz/corpus/TARGET,
#                                        dictionary fuzz/TARGET.dict, findings in $OUT/TARGET
#   fuzz/afl.sh min TARGET               afl-cmin of $OUT/TARGET/default/queue into
#                                        $OUT/TARGET/min (candidates for the seed corpus)
#
# Environment:
#   BUILD=build-afl     build directory (relative to the source tree, or absolute)
#   OUT=afl-out         afl-fuzz output directory
#   DRIVER=libfuzzer    libfuzzer: the targets are linked with -fsanitize=fuzzer,
#                       which afl-clang-fast turns into AFL++'s libAFLDriver
#                       (persistent mode, shared-memory test cases: fast);
#                       replay: fuzz/replay-main.c as the driver, one process per
#                       input read from a file (@@): slow, but needs nothing from
#                       AFL++ beyond the compiler wrapper
#   SANITIZE=address,undefined   AFL_USE_ASAN / AFL_USE_UBSAN for the build
#                       ("" for none: faster, finds only crashes and aborts)
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build-afl}
OUT=${OUT:-afl-out}
DRIVER=${DRIVER:-libfuzzer}
SANITIZE=${SANITIZE-address,undefined}
case $BUILD in /*) ;; *) BUILD=$SRC/$BUILD ;; esac
case $OUT in /*) ;; *) OUT=$SRC/$OUT ;; esac

# The comment block at the top, from its third line.
usage()
{
	awk 'NR < 3 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
}

die()
{
	echo "afl.sh: $*" >&2
	exit 1
}

need_afl()
{
	local tool missing=
	for tool in afl-clang-fast afl-fuzz "$@"; do
		command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
	done
	[ -z "$missing" ] && return 0
	cat >&2 <<EOF
afl.sh: AFL++ is not installed (missing:$missing).

Install it, then run this script again:
  Debian 12 / Ubuntu:  apt-get install afl++
      (AFL++ 4.04c; its afl-clang-fast uses the clang/LLVM the package was
      built with, install that clang too if apt does not pull it in)
  From source:         the AFLplusplus/AFLplusplus repository on GitHub:
                       make distrib && make install in a clone of it
      (needs clang, llvm-dev and lld of one LLVM version; see its docs/INSTALL.md)

Without AFL++, the same targets run under libFuzzer (docs/fuzzing.md):
  CC=clang meson setup build-fz -Dfuzz=enabled -Db_sanitize=address,undefined -Db_lundef=false
  ninja -C build-fz && build-fz/fuzz/fuzz-<target> -dict=fuzz/<target>.dict fuzz/corpus/<target>
EOF
	exit 2
}

# shellcheck source=fuzz/targets.sh
. "$SRC/fuzz/targets.sh"

cmd_build()
{
	local fuzz=enabled tests=disabled t exes=()
	need_afl
	case $DRIVER in
	libfuzzer) ;;
	replay) fuzz=disabled tests=enabled ;; # the replay drivers come with the tests
	*) die "DRIVER is libfuzzer or replay" ;;
	esac
	case ",$SANITIZE," in *,address,*) export AFL_USE_ASAN=1 ;; esac
	case ",$SANITIZE," in *,undefined,*) export AFL_USE_UBSAN=1 ;; esac
	if [ ! -f "$BUILD/build.ninja" ]; then
		# afl-clang-fast reports itself as clang, so -Dfuzz=enabled is accepted;
		# the sanitizers come from AFL_USE_*, not from -Db_sanitize.
		CC=afl-clang-fast meson setup "$BUILD" "$SRC" -Dfuzz=$fuzz -Dtests=$tests \
			-Dbench=disabled -Dtools=disabled -Ddocs=disabled -Db_lundef=false \
			--buildtype=debugoptimized
	else
		meson configure "$BUILD" -Dfuzz=$fuzz -Dtests=$tests
	fi
	for t in $(targets); do
		exes+=("$(target_cmd "$t" | sed "s|^$BUILD/||")")
	done
	ninja -C "$BUILD" "${exes[@]}"
	echo "afl.sh: built ${exes[*]} in $BUILD"
}

target_cmd()
{
	if [ "$DRIVER" = replay ]; then
		echo "$BUILD/fuzz/replay-$1"
	else
		echo "$BUILD/fuzz/fuzz-$1"
	fi
}

cmd_run()
{
	local t=${1:-} exe dict
	need_afl
	check_target "$t"
	shift
	exe=$(target_cmd "$t")
	[ -x "$exe" ] || die "$exe is not built: run '$0 build' first (same DRIVER)"
	dict=()
	[ -f "$SRC/fuzz/$t.dict" ] && dict=(-x "$SRC/fuzz/$t.dict")
	mkdir -p "$OUT/$t"
	# Containers and VMs rarely let afl-fuzz tune the CPU governor or core dumps.
	export AFL_SKIP_CPUFREQ=${AFL_SKIP_CPUFREQ:-1}
	export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=${AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES:-1}
	# ASan needs its shadow memory: no afl-fuzz memory limit.
	if [ "$DRIVER" = replay ]; then
		exec afl-fuzz -m none -i "$SRC/fuzz/corpus/$t" -o "$OUT/$t" "${dict[@]}" "$@" \
			-- "$exe" @@
	fi
	exec afl-fuzz -m none -i "$SRC/fuzz/corpus/$t" -o "$OUT/$t" "${dict[@]}" "$@" -- "$exe"
}

cmd_min()
{
	local t=${1:-} exe
	need_afl afl-cmin
	check_target "$t"
	exe=$(target_cmd "$t")
	[ -d "$OUT/$t/default/queue" ] || die "no queue in $OUT/$t/default: run '$0 run $t' first"
	if [ "$DRIVER" = replay ]; then
		afl-cmin -m none -i "$OUT/$t/default/queue" -o "$OUT/$t/min" -- "$exe" @@
	else
		afl-cmin -m none -i "$OUT/$t/default/queue" -o "$OUT/$t/min" -- "$exe"
	fi
	echo "afl.sh: minimised corpus in $OUT/$t/min; check each file with"
	echo "        $BUILD/fuzz/replay-$t FILE before adding it to fuzz/corpus/$t/"
}

case ${1:-} in
list) targets ;;
build) cmd_build ;;
run) shift; cmd_run "$@" ;;
min) shift; cmd_min "$@" ;;
-h|--help|help) usage ;;
*) usage >&2; exit 1 ;;
esac
