#!/bin/sh
# SPDX-License-Identifier: MIT
# plot.sh: the charts of docs/performance.md, as PNG, from a `rheap-bench --csv` file (gnuplot).
#
# usage: bench/plot.sh RESULTS.csv [OUTDIR]
#
# OUTDIR defaults to a new temporary directory (printed), never to the
# committed docs/img: charts of a quick or loaded run must not replace the
# published ones by accident. To update the documentation's charts, name it:
#
#   build/bench/rheap-bench all --csv results.csv
#   bench/plot.sh results.csv docs/img
#
# Figures from a --quick run (CSV column quick = 1) or flagged 'loaded'
# (other processes used more than --max-load CPUs) are marked in every
# chart title: "QUICK RUN, indicative only" / "LOADED machine".
#
# Charts written (each only when the CSV has the benchmark's rows; a CSV
# that several runs appended to gives the last run's figures):
#   alloc-ns.png        alloc+free time per size and heap (C API) and the baseline
#   alloc-ratio.png     the same as ratios to the baseline, goal line 1.5
#   tee.png             TEE round trips and secmem commands vs call + memcpy
#   sgdup.png           rh_sg_dup_table ratios to malloc+memcpy, goal line 3
#   fragmentation.png   chunk allocator vs tlsf-off and genalloc-ff (ns/pair, utilisation)
#   replay-latency.png  p50 / p99 per operation and heap of the trace replays
#   replay-t4.png       largest free extent of the CMA pool during T4
#   scaling.png         2-thread / 1-thread scaling against the baseline's
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 RESULTS.csv [OUTDIR]" >&2
	exit 2
fi
csv=$1
here=$(cd "$(dirname "$0")" && pwd)
command -v gnuplot >/dev/null || { echo "$0: gnuplot not found" >&2; exit 1; }
[ -r "$csv" ] || { echo "$0: cannot read $csv" >&2; exit 1; }
if [ $# -ge 2 ]; then
	out=$2
	mkdir -p "$out"
else
	out=$(mktemp -d "${TMPDIR:-/tmp}/rheap-plots.XXXXXX")
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# CSV -> tab-separated, quotes dropped (no field holds a comma or a tab);
# for each (bench, case, metric) only the last row counts.
awk -F, 'NR > 1 {
	for (i = 1; i <= NF; i++)
		gsub(/"/, "", $i)
	key = $1 SUBSEP $2 SUBSEP $3
	if (!(key in row))
		order[n++] = key
	row[key] = $1 "\t" $2 "\t" $3 "\t" $4 "\t" $5 "\t" $6 "\t" $7 "\t" $8 "\t" $9 "\t" $10 "\t" $11 "\t" $12 "\t" $14 "\t" $20
} END {
	for (i = 0; i < n; i++)
		print row[order[i]]
}' "$csv" > "$tmp/all.tsv"
# columns: 1 bench 2 case 3 metric 4 unit 5 value 6 p99 7 min 8 baseline
#          9 baseline_value 10 ratio 11 goal 12 status 13 quick 14 flags

have() {
	awk -F'\t' -v b="$1" '$1 == b { f = 1 } END { exit !f }' "$tmp/all.tsv"
}

# " [QUICK RUN, indicative only]" / " [LOADED machine]" for a benchmark's
# charts when any of its figures was taken that way.
mark() {
	awk -F'\t' -v b="$1" '$1 == b {
		if ($13 == 1 || $14 ~ /quick/) q = 1
		if ($14 ~ /loaded/) l = 1
	} END {
		if (q) printf " [QUICK RUN, indicative only]"
		if (l) printf " [LOADED machine]"
	}' "$tmp/all.tsv"
}

common='set terminal pngcairo size 720,400 font "DejaVu Sans,9" noenhanced
set key top left box opaque
set grid ytics lc rgb "#dddddd"
set border 3
set tics nomirror'

# ---------------------------------------------------------------- alloc
if have alloc; then
	note=$(mark alloc)
	# size (bytes) <tab> system cm cma (ns) <tab> baseline (ns), then ratios
	awk -F'\t' '$1 == "alloc" && $3 == "alloc+free" {
		split($2, w, " ")
		if (w[2] != "capi")
			next
		s = w[3]; m = substr(s, length(s)); v = substr(s, 1, length(s) - 1)
		b = m == "K" ? v * 1024 : m == "M" ? v * 1048576 : s
		ns[b, w[1]] = $5; r[b, w[1]] = $10; base[b] = $9; sizes[b] = 1
	} END {
		for (b in sizes)
			printf "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", b, ns[b, "system"],
			       ns[b, "cm"], ns[b, "cma"], base[b], r[b, "system"],
			       r[b, "cm"], r[b, "cma"]
	}' "$tmp/all.tsv" | sort -n > "$tmp/alloc.dat"
	gnuplot <<EOF
$common
set output "$out/alloc-ns.png"
set title "alloc+free through the C API (warm; CMA with one buffer held)$note"
set logscale x 2
set xtics ("4K" 4096, "16K" 16384, "64K" 65536, "256K" 262144, "1M" 1048576, \
	   "4M" 4194304, "16M" 16777216, "64M" 67108864, "256M" 268435456)
set xlabel "buffer size"
set xrange [3000:360000000]
set ylabel "ns per alloc+free"
set logscale y 10
set format y "%.0s%c"
plot "$tmp/alloc.dat" u 1:5 w lp lw 2 dt 2 pt 7 lc rgb "#555555" t "baseline: memset(0) of a pre-faulted buffer", \
     "" u 1:2 w lp lw 2 pt 5 lc rgb "#1f77b4" t "system", \
     "" u 1:3 w lp lw 2 pt 9 lc rgb "#d62728" t "restricted_mtk_cm", \
     "" u 1:4 w lp lw 2 pt 13 lc rgb "#2ca02c" t "restricted_mtk_cma"
set output "$out/alloc-ratio.png"
set title "alloc+free / memset(0), median of paired ratios (goal >= 1 MiB: <= 1.5)$note"
unset logscale y
set format y "%g"
set ylabel "ratio to baseline (clipped at 6)"
set yrange [0:6]
set key top right
set arrow from 1048576, graph 0 to 1048576, graph 1 nohead dt 3 lc rgb "#999999"
plot 1.5 w l lw 2 dt 2 lc rgb "#ff7f0e" t "goal 1.5", \
     "$tmp/alloc.dat" u 1:6 w lp lw 2 pt 5 lc rgb "#1f77b4" t "system", \
     "" u 1:7 w lp lw 2 pt 9 lc rgb "#d62728" t "restricted_mtk_cm", \
     "" u 1:8 w lp lw 2 pt 13 lc rgb "#2ca02c" t "restricted_mtk_cma"
EOF
fi

# ---------------------------------------------------------------- tee
if have tee; then
	note=$(mark tee)
	awk -F'\t' '$1 == "tee" { printf "\"%s\"\t%s\t%s\n", $2, $5, $9 }' \
		"$tmp/all.tsv" > "$tmp/tee.dat"
	gnuplot <<EOF
$common
set output "$out/tee.png"
set title "TEE round trips (client -> emulator -> TA -> reply) and their baselines$note"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set ylabel "ns"
set logscale y 10
set yrange [1:*]
set xtics rotate by -20 left
plot "$tmp/tee.dat" u 2:xtic(1) t "library" lc rgb "#d62728", \
     "" u 3 t "baseline (call+memcpy / no-op invoke)" lc rgb "#555555"
EOF
fi

# ---------------------------------------------------------------- sgdup
if have sgdup; then
	note=$(mark sgdup)
	awk -F'\t' '$1 == "sgdup" { printf "\"%s\"\t%s\t%s\t%s\n", $2, $5, $9, $10 }' \
		"$tmp/all.tsv" > "$tmp/sgdup.dat"
	gnuplot <<EOF
$common
set output "$out/sgdup.png"
set title "rh_sg_dup_table + free / malloc + memcpy + free of 32 B x entries (goal <= 3)$note"
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.6
set ylabel "ratio"
set yrange [0:*]
plot "$tmp/sgdup.dat" u 4:xtic(1) t "ratio" lc rgb "#1f77b4", \
     3 w l lw 2 dt 2 lc rgb "#ff7f0e" t "goal 3"
EOF
fi

# ---------------------------------------------------------------- fragmentation
if have fragmentation; then
	note=$(mark fragmentation)
	awk -F'\t' '$1 == "fragmentation" && ($3 == "ns/pair" || $3 == "utilisation") {
		split($2, w, " ")
		if (w[2] == "null" || w[2] == "chunk+mutex")
			next
		if ($3 == "ns/pair") ns[w[1], w[2]] = $5; else ut[w[1], w[2]] = $5
		wl[w[1]] = 1
	} END {
		for (x in wl)
			printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x,
			       ns[x, "tlsf-off"], ns[x, "genalloc-ff"], ns[x, "chunk"],
			       ut[x, "tlsf-off"], ut[x, "genalloc-ff"], ut[x, "chunk"]
	}' "$tmp/all.tsv" | sort > "$tmp/frag.dat"
	gnuplot <<EOF
$common
set output "$out/fragmentation.png"
set multiplot layout 1,2 title "secmem chunk allocator vs its peers (same request stream)$note"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set key top left
set title "ns per alloc+free pair (lower is better)"
set logscale y 10
set yrange [10:*]
plot "$tmp/frag.dat" u 2:xtic(1) t "tlsf-off" lc rgb "#555555", \
     "" u 3 t "genalloc-ff" lc rgb "#ff7f0e", "" u 4 t "chunk" lc rgb "#d62728"
unset logscale y
set title "utilisation at first failure (higher is better)"
set yrange [0.5:1]
set key bottom left
plot "$tmp/frag.dat" u 5:xtic(1) t "tlsf-off" lc rgb "#555555", \
     "" u 6 t "genalloc-ff" lc rgb "#ff7f0e", "" u 7 t "chunk" lc rgb "#d62728"
unset multiplot
EOF
fi

# ---------------------------------------------------------------- replay
if have replay; then
	note=$(mark replay)
	awk -F'\t' '$1 == "replay" && $3 == "latency p50" {
		printf "\"%s\"\t%s\t%s\n", $2, $5, $6
	}' "$tmp/all.tsv" > "$tmp/replay.dat"
	awk -F'\t' '$1 == "replay" && $3 == "largest free" && $2 ~ /^T4 alloc / {
		split($2, w, " ")
		printf "%d\t%s\n", w[3], $5
	}' "$tmp/all.tsv" | sort -n > "$tmp/t4.dat"
	gnuplot <<EOF
$common
set output "$out/replay-latency.png"
set title "trace replay, warm pass: latency per operation (A = ioctl alloc, F = close)$note"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set ylabel "ns"
set logscale y 10
set yrange [100:*]
set xtics rotate by -45 left font ",8"
plot "$tmp/replay.dat" u 2:xtic(1) t "p50" lc rgb "#1f77b4", \
     "" u 3 t "p99" lc rgb "#d62728"
EOF
	if [ -s "$tmp/t4.dat" ]; then
		gnuplot <<EOF
$common
set output "$out/replay-t4.png"
set title "T4 churn: largest free extent of the lent CMA region (384 MiB) after each allocation$note"
set xlabel "allocation"
set ylabel "MiB"
set yrange [0:400]
set key bottom right
plot "$tmp/t4.dat" u 1:2 w l lw 2 lc rgb "#2ca02c" t "largest free extent"
EOF
	fi
fi

# ---------------------------------------------------------------- scaling
if have scaling; then
	note=$(mark scaling)
	awk -F'\t' '$1 == "scaling" && $3 == "2T/1T" {
		printf "\"%s\"\t%s\t%s\t%s\n", $2, $5, $7, $6
	}' "$tmp/all.tsv" > "$tmp/scaling.dat"
	gnuplot <<EOF
$common
set output "$out/scaling.png"
set title "2 threads / 1 thread, alloc+free 1 MiB with zeroing (median pass, min-max bars)$note"
set style data histograms
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set boxwidth 0.6
set ylabel "scaling"
set yrange [0:2.2]
set xtics rotate by -15 left
plot "$tmp/scaling.dat" u 2:3:4:xtic(1) t "2T / 1T" lc rgb "#1f77b4", \
     1.7 w l lw 2 dt 2 lc rgb "#ff7f0e" t "goal 1.7 (2 platforms)", \
     1.2 w l lw 2 dt 3 lc rgb "#d62728" t "goal 1.2 (shared heap)"
EOF
fi

ls "$out"/*.png 2>/dev/null | sed 's/^/wrote /'
