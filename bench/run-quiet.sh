#!/bin/sh
# SPDX-License-Identifier: MIT
# run-quiet.sh: the final figures of docs/performance.md, taken on a quiet machine.
#
# usage: bench/run-quiet.sh [BUILDDIR [OUTDIR]]
#        (defaults: build, and a new directory bench-results-<date> under BUILDDIR)
#
# Waits until the 1-minute load average is below MAX_LOAD (default 0.3),
# polling every 30 s for at most WAIT_MIN minutes (default 30); gives up
# with exit status 3 if the machine never gets quiet. Then runs every
# benchmark of rheap-bench in full, one after the other, unniced, with
# --max-load MAX_LOAD so that any figure taken while other processes used
# more CPU than that is flagged 'loaded' in the text and the CSV. Writes:
#   OUTDIR/<benchmark>.txt   the text output of each benchmark
#   OUTDIR/results.csv       every figure (see docs/performance.md)
#   OUTDIR/loadavg.txt       /proc/loadavg before and after each benchmark
#   OUTDIR/shim.txt          bench-shim under rheap-sim run (its own text format)
#   OUTDIR/tables.md         every figure as Markdown tables (bench/csv-tables.sh)
#   OUTDIR/img/*.png         the charts (bench/plot.sh); copy them to docs/img
#                            only when no figure is flagged
# BENCHMARKS="sgdup tee" runs only those (default: all of them).
# Exit status: 0 when no figure was flagged 'loaded', 4 otherwise.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
out=${2:-$build/bench-results-$(date +%Y%m%d-%H%M%S)}
max_load=${MAX_LOAD:-0.3}
wait_min=${WAIT_MIN:-30}
bin=$build/bench/rheap-bench
benchmarks=${BENCHMARKS:-"alloc tee sgdup fragmentation replay scaling startup memory protmem"}

[ -x "$bin" ] || { echo "$0: no $bin (build first: ninja -C $build)" >&2; exit 2; }
mkdir -p "$out"

load1() { cut -d' ' -f1 /proc/loadavg; }
quiet() { awk -v l="$(load1)" -v m="$max_load" 'BEGIN { exit !(l < m) }'; }

waited=0
until quiet; do
	if [ "$waited" -ge $((wait_min * 60)) ]; then
		echo "$0: load average still $(load1) after $wait_min min (want < $max_load); no run" >&2
		exit 3
	fi
	echo "load average $(load1), waiting for < $max_load ..." >&2
	sleep 30
	waited=$((waited + 30))
done

rm -f "$out/results.csv"
for b in $benchmarks; do
	echo "$b: before $(cat /proc/loadavg)" >> "$out/loadavg.txt"
	echo "running $b ..." >&2
	"$bin" "$b" --csv "$out/results.csv" --max-load "$max_load" --no-progress \
		> "$out/$b.txt" 2>&1 || echo "$0: $b exited with $?" >&2
	echo "$b: after  $(cat /proc/loadavg)" >> "$out/loadavg.txt"
done

sh "$here/csv-tables.sh" "$out/results.csv" > "$out/tables.md"
if [ -x "$build/bench/bench-shim" ] && [ -x "$build/tools/rheap-sim" ]; then
	echo "shim: before $(cat /proc/loadavg)" >> "$out/loadavg.txt"
	echo "running bench-shim ..." >&2
	"$build/tools/rheap-sim" run -- "$build/bench/bench-shim" > "$out/shim.txt" 2>&1 ||
		echo "$0: bench-shim exited with $?" >&2
	echo "shim: after  $(cat /proc/loadavg)" >> "$out/loadavg.txt"
fi
if command -v gnuplot >/dev/null; then
	sh "$here/plot.sh" "$out/results.csv" "$out/img" >/dev/null
fi
flagged=$(awk -F, 'NR > 1 && $NF ~ /loaded/' "$out/results.csv" | wc -l)
echo "results in $out; $flagged figures flagged 'loaded'"
[ "$flagged" -eq 0 ] || exit 4
