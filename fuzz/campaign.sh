#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A libFuzzer campaign on one machine: resumable runs, totals, and the merge back into the repo.
#
# Usage:
#   fuzz/campaign.sh list                  the targets (one per fuzz/corpus/<target>/)
#   fuzz/campaign.sh run TARGET [RUNS]     fuzz TARGET until the campaign holds RUNS
#                                          executions (default 10000000); each call
#                                          continues where the last one stopped
#   fuzz/campaign.sh stats [TARGET...]     executions, exec/s, coverage, crashes so far
#   fuzz/campaign.sh merge TARGET          the inputs of the campaign that reach edges the
#                                          committed corpus does not (a small set cover),
#                                          added to fuzz/corpus/TARGET/ as found-<sha1>.bin
#
# One fuzzing process at a time, at low priority: this is meant for a shared
# machine, where the campaign uses what the others leave. A run stops at the
# first crash (its input is in $WORK/TARGET/crash-*); `run` then exits 1.
#
# Environment:
#   BUILD=build-fuzz     libFuzzer build (CC=clang ./setup.sh build-fuzz -Dfuzz=enabled
#                        -Db_sanitize=address,undefined), relative to the source tree
#   WORK=/var/tmp/rheap-fuzz   run corpora, logs and crash inputs, per target
#   CHUNK=1800           seconds per libFuzzer process; a campaign is a series of them
#                        (logs add up, the run corpus carries over)
#   NICE=15              niceness of the fuzzer
#   DEADLINE=            optional, a time date(1) understands ("19:30", "+2 hours"):
#                        `run` stops there even short of the goal (run it again later
#                        to go on), so that a campaign on a shared machine ends in time
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build-fuzz}
WORK=${WORK:-/var/tmp/rheap-fuzz}
CHUNK=${CHUNK:-1800}
NICE=${NICE:-15}
DEADLINE=${DEADLINE:-}
case $BUILD in /*) ;; *) BUILD=$SRC/$BUILD ;; esac

usage()
{
	awk 'NR < 3 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
}

die()
{
	echo "campaign.sh: $*" >&2
	exit 1
}

# shellcheck source=fuzz/targets.sh
. "$SRC/fuzz/targets.sh"

# Dies unless $1 is a target whose libFuzzer binary is built.
check_built()
{
	check_target "$1"
	[ -x "$BUILD/fuzz/fuzz-$1" ] ||
		die "$BUILD/fuzz/fuzz-$1 is not built (ninja -C $BUILD fuzz/fuzz-$1)"
}

# -dict= and the [libfuzzer] options of fuzz/TARGET.options (OSS-Fuzz's format).
target_args()
{
	[ -f "$SRC/fuzz/$1.dict" ] && echo "-dict=$SRC/fuzz/$1.dict"
	[ -f "$SRC/fuzz/$1.options" ] &&
		awk '/^\[/ { on = ($0 == "[libfuzzer]"); next }
		     on && /=/ { gsub(/[ \t]/, ""); print "-" $0 }' "$SRC/fuzz/$1.options"
	return 0
}

# The logs of TARGET's chunks, oldest first (none: nothing printed).
logs()
{
	local f
	for f in "$WORK/$1"/log-*.txt; do
		[ -f "$f" ] && echo "$f"
	done
	return 0
}

# Sum of one "stat::NAME: N" line over every log of TARGET.
stat_sum()
{
	logs "$1" | xargs -r cat |
		awk -v k="stat::$2:" '$1 == k { s += $2 } END { print s + 0 }'
}

# "cov: ft:" (edges, features) of the first INITED line, or of the last status line.
cov_of()
{
	logs "$1" | xargs -r cat | awk -v which="$2" '
		/^#[0-9]+\t(INITED|NEW|REDUCE|pulse|DONE)/ {
			if (which == "first" && seen) next
			if (which == "first" && $2 != "INITED") next
			for (i = 1; i < NF; i++) {
				if ($i == "cov:") c = $(i + 1)
				if ($i == "ft:") f = $(i + 1)
			}
			seen = 1
		}
		END { print (c ? c : "-") " " (f ? f : "-") }'
}

cmd_run()
{
	local t=${1:-} goal=${2:-10000000} done_runs left n log rc secs end=
	check_built "$t"
	if [ -n "$DEADLINE" ]; then
		end=$(date -d "$DEADLINE" +%s) || die "DEADLINE '$DEADLINE' is not a time"
	fi
	mkdir -p "$WORK/$t/corpus"
	export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
	while :; do
		done_runs=$(stat_sum "$t" number_of_executed_units)
		left=$((goal - done_runs))
		if [ "$left" -le 0 ]; then
			echo "campaign.sh: $t: $done_runs executions, goal $goal reached"
			return 0
		fi
		secs=$CHUNK
		if [ -n "$end" ]; then
			[ $((end - $(date +%s))) -lt "$secs" ] && secs=$((end - $(date +%s)))
			if [ "$secs" -lt 10 ]; then
				echo "campaign.sh: $t: $done_runs of $goal executions at the deadline"
				return 0
			fi
		fi
		n=$(logs "$t" | wc -l)
		log=$(printf '%s/%s/log-%03d.txt' "$WORK" "$t" "$n")
		echo "campaign.sh: $t: $done_runs of $goal executions; next chunk in $log"
		rc=0
		# The run corpus first: new inputs go there, never into the repo.
		# shellcheck disable=SC2046 # one argument a line, none with spaces
		nice -n "$NICE" "$BUILD/fuzz/fuzz-$t" $(target_args "$t") -runs="$left" \
			-max_total_time="$secs" -print_final_stats=1 -print_pcs=0 \
			-artifact_prefix="$WORK/$t/" -close_fd_mask=1 \
			"$WORK/$t/corpus" "$SRC/fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
		if [ "$rc" -ne 0 ]; then
			echo "campaign.sh: $t: the fuzzer exited with $rc, see $log:" >&2
			grep -E '^(==[0-9]+==ERROR|SUMMARY|[a-z-]+: )' "$log" | head -n 5 >&2 || true
			ls "$WORK/$t"/crash-* "$WORK/$t"/leak-* "$WORK/$t"/timeout-* 2>/dev/null >&2 || true
			return 1
		fi
	done
}

cmd_stats()
{
	local t runs secs rate c0 f0 c1 f1 crashes
	# shellcheck disable=SC2046 # target names have no spaces
	[ $# -gt 0 ] || set -- $(targets)
	printf '%-14s %12s %8s %8s %16s %16s %8s %7s\n' target executions seconds exec/s \
		"edges start>end" "features" corpus crashes
	for t in "$@"; do
		runs=$(stat_sum "$t" number_of_executed_units)
		# Each chunk's runs over its mean rate: interrupted chunks print no "Done".
		# shellcheck disable=SC2016 # an awk program, expanded by awk
		secs=$(logs "$t" | xargs -r awk '
			$1 == "stat::number_of_executed_units:" { n = $2 }
			$1 == "stat::average_exec_per_sec:" && $2 > 0 { s += n / $2 }
			END { printf "%d\n", s }')
		rate=$([ "$secs" -gt 0 ] && echo $((runs / secs)) || echo -)
		read -r c0 f0 <<<"$(cov_of "$t" first)"
		read -r c1 f1 <<<"$(cov_of "$t" last)"
		crashes=$(find "$WORK/$t" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' \
			-o -name 'timeout-*' \) 2>/dev/null | wc -l)
		printf '%-14s %12s %8s %8s %16s %16s %8s %7s\n' "$t" "$runs" "$secs" "$rate" \
			"$c0>$c1" "$f0>$f1" "$(find "$WORK/$t/corpus" -type f 2>/dev/null | wc -l)" \
			"$crashes"
	done
}

cmd_merge()
{
	local t=${1:-} tmp f sum added=0
	check_built "$t"
	[ -d "$WORK/$t/corpus" ] || die "no campaign corpus in $WORK/$t: run '$0 run $t' first"
	tmp=$(mktemp -d)
	MERGE_TMP=$tmp
	trap 'rm -rf "$MERGE_TMP" "$MERGE_TMP.before"' EXIT
	# A copy of the committed corpus, then the campaign's inputs that reach
	# edges it does not, chosen as a small set cover (libFuzzer's merge; edges
	# only, not hit counts, so that the repository keeps few inputs).
	cp "$SRC/fuzz/corpus/$t"/* "$tmp/" 2>/dev/null || true
	find "$tmp" -maxdepth 1 -type f -printf "%f\n" | sort >"$tmp.before"
	nice -n "$NICE" "$BUILD/fuzz/fuzz-$t" -set_cover_merge=1 -use_counters=0 -close_fd_mask=1 \
		"$tmp" "$WORK/$t/corpus" >"$WORK/$t/merge.txt" 2>&1 ||
		die "merge failed, see $WORK/$t/merge.txt"
	for f in "$tmp"/*; do
		grep -qxF "$(basename "$f")" "$tmp.before" && continue
		sum=$(sha1sum "$f" | cut -c1-16)
		cp "$f" "$SRC/fuzz/corpus/$t/found-$sum.bin"
		added=$((added + 1))
	done
	echo "campaign.sh: $t: $added inputs added to fuzz/corpus/$t/ (found-*.bin);" \
		"check them with $SRC/build/fuzz/replay-$t fuzz/corpus/$t before committing"
}

case ${1:-} in
list) targets ;;
run) shift; cmd_run "$@" ;;
stats) shift; cmd_stats "$@" ;;
merge) shift; cmd_merge "$@" ;;
-h|--help|help) usage ;;
*) usage >&2; exit 1 ;;
esac
