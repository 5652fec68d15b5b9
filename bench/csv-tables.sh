#!/bin/sh
# SPDX-License-Identifier: MIT
# csv-tables.sh: Markdown tables of a `rheap-bench --csv` file, one per benchmark, for docs/performance.md.
#
# usage: bench/csv-tables.sh RESULTS.csv [BENCHMARK...]
#
# One row per figure (the last row of each bench/case/metric): the value
# (median over the repetitions), its minimum, the same-run baseline, the
# ratio (median of the paired per-repetition ratios, their minimum in
# parentheses, when the figure has them), page faults per operation of the
# figure and of its baseline, the goal and its status, and the flags
# (quick, loaded, faults). Times are in ns in the CSV and scaled here.
set -eu

if [ $# -lt 1 ]; then
	echo "usage: $0 RESULTS.csv [BENCHMARK...]" >&2
	exit 2
fi
csv=$1
shift
[ -r "$csv" ] || { echo "$0: cannot read $csv" >&2; exit 1; }

awk -F, -v only="$*" '
function unq(s) { gsub(/^"|"$/, "", s); gsub(/""/, "\"", s); return s }
function num(v, unit) {
	if (v == "")
		return "–"
	if (unit != "ns")
		return sprintf("%.3g", v)
	if (v >= 1e6) return sprintf("%.2f ms", v / 1e6)
	if (v >= 1e4) return sprintf("%.1f µs", v / 1e3)
	if (v >= 1e3) return sprintf("%.2f µs", v / 1e3)
	return sprintf("%.1f ns", v)
}
function flt(v) { return v == "" ? "–" : sprintf("%.3g", v) }
BEGIN {
	n = split(only, w, " ")
	for (i = 1; i <= n; i++)
		want[w[i]] = 1
}
NR == 1 { next }
{
	# no field of ours holds a comma: split on commas, strip quotes
	for (i = 1; i <= NF; i++)
		$i = unq($i)
	if (n && !($1 in want))
		next
	key = $1 SUBSEP $2 SUBSEP $3
	if (!(key in row)) {
		order[nr++] = key
		if (!($1 in seen)) {
			seen[$1] = 1
			benches[nb++] = $1
		}
	}
	ratio = $10 == "" ? "–" : sprintf("%.3f", $10)
	if ($15 != "")
		ratio = ratio sprintf(" (%.3f)", $15)
	faults = $16 == "" ? "–" : flt($16) ($8 != "" && $17 != "" ? " / " flt($17) : "")
	row[key] = "| " $2 " | " $3 " | " num($5, $4) " | " num($7, $4) " | " \
		   ($8 == "" ? "–" : $8 " " num($9, $4)) " | " ratio " | " faults \
		   " | " ($11 == "" ? "" : $11 " " $12) " | " $20 " |"
	bench_of[key] = $1
}
END {
	for (b = 0; b < nb; b++) {
		printf "\n#### %s\n\n", benches[b]
		print "| case | metric | value | min | baseline | ratio (min) | faults/op (baseline) | goal | flags |"
		print "|---|---|---:|---:|---|---:|---:|---|---|"
		for (i = 0; i < nr; i++)
			if (bench_of[order[i]] == benches[b])
				print row[order[i]]
	}
}' "$csv"
