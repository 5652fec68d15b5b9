/* SPDX-License-Identifier: MIT */
/* Benchmark harness: timing, statistics, same-run baselines and ratios, text/CSV/JSON output. */
#ifndef RH_BENCH_H
#define RH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Every benchmark is a subcommand of rheap-bench. Figures are always
 * printed next to a baseline measured in the same run, with the ratio:
 * these machines are noisy and only ratios are stable (perf.md §6).
 */

/* ------------------------------------------------------------ RNG */

/* xorshift64*: deterministic, seedable, fast enough to be noise. */
struct bench_rng {
	uint64_t s;
};

void bench_rng_seed(struct bench_rng *rng, uint64_t seed);

static inline uint64_t bench_rng_next(struct bench_rng *rng)
{
	uint64_t x = rng->s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng->s = x;
	return x * UINT64_C(2685821657736338717);
}

__extension__ typedef unsigned __int128 bench_u128;

/* Uniform in [0, n) (n > 0), by multiply-shift: no modulo bias worth noting. */
static inline uint64_t bench_rng_below(struct bench_rng *rng, uint64_t n)
{
	return (uint64_t)(((bench_u128)bench_rng_next(rng) * n) >> 64);
}

/* Uniform in [0, 1). */
static inline double bench_rng_unit(struct bench_rng *rng)
{
	return (double)(bench_rng_next(rng) >> 11) * 0x1.0p-53;
}

/* ------------------------------------------------------------ time */

/* CLOCK_MONOTONIC in ns. */
uint64_t bench_now_ns(void);

/* A cheap cycle-ish counter (TSC on x86-64, else bench_now_ns()). */
static inline uint64_t bench_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	return bench_now_ns();
#endif
}

/* ------------------------------------------------------------ statistics */

struct bench_stats {
	size_t n;
	double min;
	double p10;
	double median;
	double mean;
	double p99;
	double p999;
	double max;
	/* page faults per operation over the timed samples; NAN when not counted */
	double faults;
};

/* Fills @ret from @v[0..n) (sorted in place). n == 0 gives all zeros. */
void bench_stats_compute(double *v, size_t n, struct bench_stats *ret);

/* ------------------------------------------------------------ context */

enum bench_status {
	BENCH_INFO = 0,	/* no goal attached */
	BENCH_PASS,
	BENCH_MISS,
};

/* How a ratio is judged against its goal. */
enum bench_goal_kind {
	BENCH_GOAL_NONE = 0,
	BENCH_GOAL_RATIO_MAX,	/* pass when value / baseline <= goal */
	BENCH_GOAL_RATIO_MIN,	/* pass when value / baseline >= goal */
	BENCH_GOAL_VALUE_MAX,	/* pass when value <= goal (absolute) */
	BENCH_GOAL_VALUE_MIN,	/* pass when value >= goal (absolute) */
};

/**
 * struct bench_result - one figure, its same-run baseline and the ratio
 * @bench:     subcommand ("fragmentation")
 * @case_name: what was measured ("W1 chunk")
 * @metric:    "ns/pair", "alloc p99.9", "utilisation", ...
 * @unit:      "ns", "ratio", "%", ...
 * @value:     the figure (median unless the metric says otherwise)
 * @p99, @min: optional spread of the figure (NAN when not meaningful)
 * @baseline:  name of the baseline ("tlsf-off"), NULL when none
 * @baseline_value: the baseline's figure in the same run
 * @goal_kind, @goal: the goal, judged by bench_report()
 * @csv_only:  not printed as text (a benchmark-specific table shows it)
 * @paired:    @ratio_median / @ratio_min are the median and the minimum of
 *             the per-repetition ratios (sample i of the figure / sample i of
 *             its baseline, taken back to back); the goal is judged on
 *             @ratio_median. Otherwise the ratio is @value / @baseline_value.
 * @faults, @baseline_faults: page faults (minor + major) per operation in the
 *             timed samples of the figure and of its baseline; NAN (or 0 in a
 *             zero-initialised result, see bench_report()) when not counted
 * @faults_counted: @faults and @baseline_faults hold counts
 */
struct bench_result {
	const char *bench;
	const char *case_name;
	const char *metric;
	const char *unit;
	double value;
	double p99;
	double min;
	const char *baseline;
	double baseline_value;
	enum bench_goal_kind goal_kind;
	double goal;
	bool csv_only;
	bool paired;
	double ratio_median;
	double ratio_min;
	bool faults_counted;
	double faults;
	double baseline_faults;
};

struct bench_row;

struct bench_ctx {
	/* options */
	bool quick;
	bool json;
	bool progress;		/* stderr is a terminal and not --json */
	uint64_t seed;
	unsigned int reps;	/* samples per figure (median of these) */
	uint64_t min_sample_ns;	/* calibrated batch length */
	const char *csv_path;
	FILE *csv;
	FILE *out;		/* human text: stdout, or NULL with --json */

	/* machine description */
	char cpu[128];
	char kernel[128];
	unsigned int ncpu;
	uint64_t mem_mib;

	/*
	 * Load. The 1-minute load average counts the benchmark itself (~1 once
	 * it has run for a minute), so figures are judged on what the *other*
	 * processes used: busy CPU time of the machine (/proc/stat, steal
	 * included) minus this process's own CPU time, per second of wall
	 * time, over the window in which the figure was measured.
	 */
	double max_load;	/* --max-load: flag figures above this (CPUs) */
	double load1_start;	/* 1-min load average before the run started */
	uint64_t win_busy_ticks, win_self_us, win_wall_ns; /* window start */
	double win_others;	/* others' CPUs over the last closed window */
	double win_load1;	/* 1-min load average when it closed */
	bool win_open;
	unsigned int nr_loaded;	/* figures flagged "loaded" */
	unsigned int nr_faulty;	/* baselines that page-faulted */

	/* timer calibration */
	double ns_per_tick;
	double tick_overhead_ns;

	/* collected results (for --json and the exit summary) */
	struct bench_row *rows;
	size_t nr_rows, cap_rows;
	unsigned int nr_pass, nr_miss;

	/* progress line state */
	uint64_t progress_start_ns;
	uint64_t progress_last_ns;
	bool progress_shown;
};

/*
 * Parses the common options (--quick, --csv FILE, --json, --seed N,
 * --reps N, --no-progress), removing them from argv; what is left
 * (subcommand-specific) stays in argv[1..*argc). Calibrates the timer.
 * Returns 0, or -EINVAL after printing a message.
 */
int bench_init(struct bench_ctx *ctx, int *argc, char **argv);

/* Writes --json output, closes the CSV; returns the process exit code. */
int bench_finish(struct bench_ctx *ctx);

void bench_usage_common(FILE *f);

/* Prints the machine description (text) / records it (JSON). */
void bench_describe_machine(struct bench_ctx *ctx);

static inline double bench_ticks_to_ns(const struct bench_ctx *ctx,
				       uint64_t ticks)
{
	return (double)ticks * ctx->ns_per_tick;
}

/* ------------------------------------------------------------ measuring */

/* Runs @iters operations; used for batched timing. */
typedef void (*bench_batch_fn)(void *arg, uint64_t iters);

/**
 * bench_measure() - median / min per operation of @fn
 *
 * Calibrates the batch so one sample lasts about ctx->min_sample_ns, runs
 * one warm-up sample then ctx->reps samples; per-operation figures are
 * sample time / iterations. When @latency_ops > 0 a second pass times
 * @latency_ops single operations each (tick counter, timer overhead
 * subtracted) and fills @ret_lat (p50 / p99 / p99.9 / max).
 */
void bench_measure(struct bench_ctx *ctx, bench_batch_fn fn, void *arg,
		   struct bench_stats *ret, size_t latency_ops,
		   struct bench_stats *ret_lat);

/*
 * Load windows: bench_window_begin() before a figure's samples,
 * bench_window_end() after them; bench_report() stamps every figure with
 * the last closed window's load and flags it when the other processes used
 * more than ctx->max_load CPUs. bench_measure() and
 * bench_measure_interleaved() open and close their own window.
 */
void bench_window_begin(struct bench_ctx *ctx);
void bench_window_end(struct bench_ctx *ctx);

/* Page faults (minor + major) of the calling thread so far. */
uint64_t bench_faults(void);

/**
 * bench_report() - record and print one figure with its baseline and ratio
 *
 * Judges the goal (PASS / MISS) and returns the status.
 */
enum bench_status bench_report(struct bench_ctx *ctx,
			       const struct bench_result *res);

/* Text helpers for benchmark-specific tables (no-ops with --json). */
void bench_printf(struct bench_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void bench_section(struct bench_ctx *ctx, const char *title);

/* ------------------------------------------------------------ progress */

/* "label: done/total" on stderr when it is a terminal, at most 5 times a
 * second and only once the run has lasted 2 s; bench_progress_done()
 * clears the line. */
void bench_progress(struct bench_ctx *ctx, const char *label, uint64_t done,
		    uint64_t total);
void bench_progress_done(struct bench_ctx *ctx);

/* ------------------------------------------------------------ benchmarks */

/* Entry points of the subcommands (bench-<name>.c). */
int bench_alloc_main(struct bench_ctx *ctx, int argc, char **argv);
int bench_tee_main(struct bench_ctx *ctx, int argc, char **argv);
int bench_sgdup_main(struct bench_ctx *ctx, int argc, char **argv);
int bench_fragmentation_main(struct bench_ctx *ctx, int argc, char **argv);
int bench_replay_main(struct bench_ctx *ctx, int argc, char **argv);
int bench_scaling_main(struct bench_ctx *ctx, int argc, char **argv);
int bench_startup_main(struct bench_ctx *ctx, int argc, char **argv);
int bench_memory_main(struct bench_ctx *ctx, int argc, char **argv);
int bench_protmem_main(struct bench_ctx *ctx, int argc, char **argv);

#endif /* RH_BENCH_H */
