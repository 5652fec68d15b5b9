#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs fuzz/oss-fuzz/build.sh here as the fuzzing service would (clang + libFuzzer, ASan + UBSan), then each target over its seed corpus.
#
# Usage: fuzz/oss-fuzz/check-build.sh [DIR]
#   DIR (default: a temporary directory, removed at the end) receives
#   WORK/ and OUT/. Exits 0 when every target of fuzz/corpus/ was built with
#   its seed corpus and dictionary, and ran its whole seed corpus without a
#   crash, a leak or a sanitizer report; 1 otherwise. Needs clang and its
#   libFuzzer runtime (CC=clang ./setup.sh installs them).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SRC=$ROOT
die()
{
	echo "check-build.sh: $*" >&2
	exit 1
}
# shellcheck source=fuzz/targets.sh
. "$ROOT/fuzz/targets.sh"
if [ $# -gt 0 ]; then
	DIR=$1
	mkdir -p "$DIR"
else
	DIR=$(mktemp -d)
	trap 'rm -rf "$DIR"' EXIT
fi

command -v clang >/dev/null || die "clang is not installed (CC=clang ./setup.sh installs it)"

# The flags of OSS-Fuzz's base-builder for libFuzzer with ASan, plus UBSan
# (the service builds them apart; one build checks both here).
export CC=clang CXX=clang++
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only \
-DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -fsanitize=address \
-fsanitize-address-use-after-scope -fsanitize=undefined -fno-sanitize-recover=undefined \
-fsanitize=fuzzer-no-link"
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer
export WORK=$DIR/work OUT=$DIR/out
mkdir -p "$WORK" "$OUT"

"$ROOT/fuzz/oss-fuzz/build.sh" >"$DIR/build.log" 2>&1 || {
	tail -n 30 "$DIR/build.log" >&2
	die "build.sh failed (log: $DIR/build.log)"
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
fail=0 passed=0
for t in $(targets); do
	for f in "$OUT/$t" "$OUT/${t}_seed_corpus.zip" "$OUT/$t.dict"; do
		[ -e "$f" ] || { echo "FAIL $t: $f was not built" >&2; fail=1; continue 2; }
	done
	rm -rf "$WORK/corpus-$t"
	mkdir -p "$WORK/corpus-$t"
	python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
		"$OUT/${t}_seed_corpus.zip" "$WORK/corpus-$t"
	# -runs=0: run every input of the corpus once, then stop.
	if "$OUT/$t" -runs=0 -dict="$OUT/$t.dict" "$WORK/corpus-$t" >"$WORK/run-$t.log" 2>&1; then
		echo "ok   $t: $(find "$WORK/corpus-$t" -type f | wc -l) seeds," \
			"$(grep -o 'cov: [0-9]*' "$WORK/run-$t.log" | tail -n 1 | cut -d' ' -f2) edges"
		passed=$((passed + 1))
	else
		echo "FAIL $t:" >&2
		tail -n 20 "$WORK/run-$t.log" >&2
		fail=1
	fi
done
# One closing line as test runners print it.
echo "fuzz-targets: $passed passed, $(( $(targets | wc -l) - passed )) failed"
[ "$fail" -eq 0 ]
