// SPDX-License-Identifier: MIT
/* Benchmark harness: option parsing, timer calibration, statistics, reporting. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/* A recorded result, strings owned (for --json at the end). */
struct bench_row {
	struct bench_result res;
	char *bench, *case_name, *metric, *unit, *baseline;
	double ratio, ratio_min;
	double others, load1;
	char flags[32];
	enum bench_status status;
};

void bench_rng_seed(struct bench_rng *rng, uint64_t seed)
{
	/* splitmix64 so that small seeds still give well-mixed states */
	uint64_t z = seed + UINT64_C(0x9e3779b97f4a7c15);

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	z ^= z >> 31;
	rng->s = z ? z : 1;
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted @v. */
static double percentile(const double *v, size_t n, double p)
{
	size_t rank = (size_t)ceil(p * (double)n);

	if (rank == 0)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

void bench_stats_compute(double *v, size_t n, struct bench_stats *ret)
{
	double sum = 0;
	size_t i;

	memset(ret, 0, sizeof(*ret));
	ret->faults = NAN;
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_double);
	for (i = 0; i < n; i++)
		sum += v[i];
	ret->n = n;
	ret->min = v[0];
	ret->p10 = percentile(v, n, 0.10);
	ret->max = v[n - 1];
	ret->mean = sum / (double)n;
	ret->median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	ret->p99 = percentile(v, n, 0.99);
	ret->p999 = percentile(v, n, 0.999);
}

/* ------------------------------------------------------------ machine */

static void read_cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256], *colon;

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "model name", 10) != 0)
			continue;
		colon = strchr(line, ':');
		if (colon) {
			colon += 1 + (colon[1] == ' ');
			colon[strcspn(colon, "\n")] = '\0';
			snprintf(buf, len, "%s", colon);
		}
		break;
	}
	fclose(f);
}

static uint64_t read_mem_mib(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || psize <= 0)
		return 0;
	return (uint64_t)pages * (uint64_t)psize >> 20;
}

/* ------------------------------------------------------------ load */

/* 1-minute load average, NAN when /proc/loadavg cannot be read. */
static double read_load1(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double l = NAN;

	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = NAN;
		fclose(f);
	}
	return l;
}

/* Busy time of all CPUs in USER_HZ ticks (steal included), 0 if unknown. */
static uint64_t read_busy_ticks(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int n = 0;

	if (!f)
		return 0;
	/* cpu  user nice system idle iowait irq softirq steal */
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
		   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return 0;
	return v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
}

/* CPU time (user + system) of this process, all threads, in µs. */
static uint64_t self_cpu_us(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

uint64_t bench_faults(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		return 0;
	return (uint64_t)ru.ru_minflt + (uint64_t)ru.ru_majflt;
}

void bench_window_begin(struct bench_ctx *ctx)
{
	ctx->win_busy_ticks = read_busy_ticks();
	ctx->win_self_us = self_cpu_us();
	ctx->win_wall_ns = bench_now_ns();
	ctx->win_open = true;
}

void bench_window_end(struct bench_ctx *ctx)
{
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t wall = bench_now_ns() - ctx->win_wall_ns;
	uint64_t busy = read_busy_ticks();
	double busy_s, self_s, others;

	if (!ctx->win_open)
		return;
	ctx->win_open = false;
	ctx->win_load1 = read_load1();
	if (!busy || !ctx->win_busy_ticks || hz <= 0 || wall < 1000000) {
		ctx->win_others = NAN;
		return;
	}
	busy_s = (double)(busy - ctx->win_busy_ticks) / (double)hz;
	self_s = (double)(self_cpu_us() - ctx->win_self_us) / 1e6;
	others = (busy_s - self_s) / ((double)wall / 1e9);
	/* /proc/stat counts in ticks: a short window reads a tick either way. */
	ctx->win_others = others > 0 ? others : 0;
}

static void calibrate(struct bench_ctx *ctx)
{
	uint64_t t0, n0, t1, n1, a, b, best = UINT64_MAX;
	uint64_t span = ctx->quick ? 5000000 : 20000000;
	unsigned int i;

	n0 = bench_now_ns();
	t0 = bench_ticks();
	do {
		n1 = bench_now_ns();
	} while (n1 - n0 < span);
	t1 = bench_ticks();
	ctx->ns_per_tick = t1 > t0 ? (double)(n1 - n0) / (double)(t1 - t0) : 1.0;

	for (i = 0; i < 2000; i++) {
		a = bench_ticks();
		b = bench_ticks();
		if (b - a < best)
			best = b - a;
	}
	ctx->tick_overhead_ns = bench_ticks_to_ns(ctx, best);
}

void bench_describe_machine(struct bench_ctx *ctx)
{
#if RH_SANITIZED
	const char *san = "yes (figures are not representative)";
#else
	const char *san = "no";
#endif

	bench_printf(ctx, "machine: %s, %u CPUs, %" PRIu64 " MiB RAM, %s\n",
		     ctx->cpu, ctx->ncpu, ctx->mem_mib, ctx->kernel);
	bench_printf(ctx, "build:   compiler %s, sanitizers %s%s\n", __VERSION__,
		     san,
#ifdef __OPTIMIZE__
		     ""
#else
		     ", NOT optimised"
#endif
		     );
	bench_printf(ctx, "timer:   %.3f ns/tick, read overhead %.1f ns; seed %"
		     PRIu64 "; %s (%u samples of >= %.0f ms)\n",
		     ctx->ns_per_tick, ctx->tick_overhead_ns, ctx->seed,
		     ctx->quick ? "quick" : "full", ctx->reps,
		     (double)ctx->min_sample_ns / 1e6);
	bench_printf(ctx, "load:    1-min load average %.2f before the run; figures "
		     "taken while other processes used more than %.2f CPUs are "
		     "flagged 'loaded'\n", ctx->load1_start, ctx->max_load);
	if (ctx->quick)
		bench_printf(ctx, "QUICK RUN: every figure below is indicative only "
			     "(short samples, few repetitions; flag 'quick' in the CSV)\n");
}

/* ------------------------------------------------------------ options */

void bench_usage_common(FILE *f)
{
	fprintf(f,
		"common options:\n"
		"  --quick        a few seconds in total (what `meson test --suite bench` runs)\n"
		"  --csv FILE     append every figure as CSV to FILE\n"
		"  --json         machine-readable results on stdout instead of text\n"
		"  --seed N       RNG seed (default 1)\n"
		"  --reps N       samples per figure, the median is reported (default 9, quick 3)\n"
		"  --no-progress  no progress line even on a terminal\n"
		"  --max-load X   flag figures measured while other processes used more\n"
		"                 than X CPUs (default 0.3)\n");
}

static int parse_u64(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int bench_init(struct bench_ctx *ctx, int *argc, char **argv)
{
	struct utsname un;
	uint64_t v;
	bool no_progress = false;
	bool reps_set = false;
	int i, out = 1;

	memset(ctx, 0, sizeof(*ctx));
	ctx->seed = 1;
	ctx->max_load = 0.3;
	ctx->win_others = NAN;
	ctx->win_load1 = NAN;
	for (i = 1; i < *argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--quick")) {
			ctx->quick = true;
		} else if (!strcmp(a, "--json")) {
			ctx->json = true;
		} else if (!strcmp(a, "--no-progress")) {
			no_progress = true;
		} else if (!strcmp(a, "--max-load")) {
			char *end;

			if (++i >= *argc)
				goto err_missing;
			ctx->max_load = strtod(argv[i], &end);
			if (*end || end == argv[i] || !(ctx->max_load >= 0) ||
			    ctx->max_load > 1000) {
				fprintf(stderr, "rheap-bench: bad value for %s: %s\n",
					a, argv[i]);
				return -EINVAL;
			}
		} else if (!strcmp(a, "--csv")) {
			if (++i >= *argc)
				goto err_missing;
			ctx->csv_path = argv[i];
		} else if (!strcmp(a, "--seed") || !strcmp(a, "--reps")) {
			if (++i >= *argc)
				goto err_missing;
			if (parse_u64(argv[i], &v) ||
			    (a[2] == 'r' && (v == 0 || v > 1000))) {
				fprintf(stderr, "rheap-bench: bad value for %s: %s\n",
					a, argv[i]);
				return -EINVAL;
			}
			if (a[2] == 's') {
				ctx->seed = v;
			} else {
				ctx->reps = (unsigned int)v;
				reps_set = true;
			}
		} else {
			argv[out++] = argv[i];
		}
	}
	*argc = out;
	argv[out] = NULL;

	if (!reps_set)
		ctx->reps = ctx->quick ? 3 : 9;
	ctx->min_sample_ns = ctx->quick ? 2000000 : 20000000;
	ctx->out = ctx->json ? NULL : stdout;
	ctx->progress = !ctx->json && !no_progress && isatty(STDERR_FILENO);

	if (ctx->csv_path) {
		long pos;

		ctx->csv = fopen(ctx->csv_path, "a");
		if (!ctx->csv) {
			fprintf(stderr, "rheap-bench: cannot open %s: %s\n",
				ctx->csv_path, strerror(errno));
			return -errno;
		}
		pos = ftell(ctx->csv);
		if (pos == 0)
			fprintf(ctx->csv,
				"bench,case,metric,unit,value,p99,min,baseline,"
				"baseline_value,ratio,goal,status,seed,quick,"
				"ratio_min,faults,baseline_faults,others_cpu,"
				"load1,flags\n");
	}

	ctx->load1_start = read_load1();
	read_cpu_model(ctx->cpu, sizeof(ctx->cpu));
	ctx->ncpu = (unsigned int)sysconf(_SC_NPROCESSORS_ONLN);
	ctx->mem_mib = read_mem_mib();
	if (uname(&un) == 0)
		snprintf(ctx->kernel, sizeof(ctx->kernel), "%.20s %.80s %.20s",
			 un.sysname, un.release, un.machine);
	else
		snprintf(ctx->kernel, sizeof(ctx->kernel), "unknown");
	calibrate(ctx);
	ctx->progress_start_ns = bench_now_ns();
	return 0;

err_missing:
	fprintf(stderr, "rheap-bench: %s needs a value\n", argv[i - 1]);
	return -EINVAL;
}

/* ------------------------------------------------------------ output */

void bench_printf(struct bench_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (!ctx->out)
		return;
	bench_progress_done(ctx);
	va_start(ap, fmt);
	vfprintf(ctx->out, fmt, ap);
	va_end(ap);
	fflush(ctx->out);
}

void bench_section(struct bench_ctx *ctx, const char *title)
{
	bench_printf(ctx, "\n== %s\n", title);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.6g", v);
	else
		fputs("null", f);
}

static void json_kv_str(FILE *f, const char *key, const char *s)
{
	fputs(key, f);
	json_str(f, s);
}

static void json_kv_num(FILE *f, const char *key, double v)
{
	fputs(key, f);
	json_num(f, v);
}

static void csv_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.6g", v);
}

static const char *status_name(enum bench_status s)
{
	switch (s) {
	case BENCH_PASS:
		return "PASS";
	case BENCH_MISS:
		return "MISS";
	default:
		return "";
	}
}

static const char *goal_op(enum bench_goal_kind k)
{
	switch (k) {
	case BENCH_GOAL_RATIO_MAX:
		return "ratio <=";
	case BENCH_GOAL_RATIO_MIN:
		return "ratio >=";
	case BENCH_GOAL_VALUE_MAX:
		return "<=";
	case BENCH_GOAL_VALUE_MIN:
		return ">=";
	default:
		return "";
	}
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* One figure as a CSV row (the header's columns, in order). */
static void csv_row(struct bench_ctx *ctx, const struct bench_result *res,
		    double ratio, double ratio_min, enum bench_status st,
		    const char *flags)
{
	FILE *f = ctx->csv;
	char goal[48] = "";
	const char *const strs[] = { res->bench, res->case_name, res->metric,
				     res->unit };
	const double nums[] = { res->value, res->p99, res->min };
	unsigned int i;

	for (i = 0; i < 4; i++) {
		csv_str(f, strs[i]);
		fputc(',', f);
	}
	for (i = 0; i < 3; i++) {
		csv_num(f, nums[i]);
		fputc(',', f);
	}
	csv_str(f, res->baseline ? res->baseline : "");
	fputc(',', f);
	csv_num(f, res->baseline ? res->baseline_value : NAN);
	fputc(',', f);
	csv_num(f, ratio);
	fputc(',', f);
	if (res->goal_kind != BENCH_GOAL_NONE) {
		snprintf(goal, sizeof(goal), "%s %g", goal_op(res->goal_kind),
			 res->goal);
		csv_str(f, goal);
	}
	fprintf(f, ",%s,%" PRIu64 ",%d,", status_name(st), ctx->seed, ctx->quick);
	csv_num(f, ratio_min);
	fputc(',', f);
	csv_num(f, res->faults_counted ? res->faults : NAN);
	fputc(',', f);
	csv_num(f, res->faults_counted && res->baseline ? res->baseline_faults : NAN);
	fputc(',', f);
	csv_num(f, ctx->win_others);
	fputc(',', f);
	csv_num(f, ctx->win_load1);
	fputc(',', f);
	csv_str(f, flags);
	fputc('\n', f);
}

/* Flags of a figure: "quick", "loaded", "faults" (space-separated). */
static void result_flags(struct bench_ctx *ctx, const struct bench_result *res,
			 char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	if (ctx->quick)
		off += (size_t)snprintf(buf + off, len - off, "quick ");
	if (isfinite(ctx->win_others) && ctx->win_others > ctx->max_load &&
	    off < len)
		off += (size_t)snprintf(buf + off, len - off, "loaded ");
	if (res->faults_counted && off < len &&
	    ((isfinite(res->faults) && res->faults > 0) ||
	     (res->baseline && isfinite(res->baseline_faults) &&
	      res->baseline_faults > 0)))
		off += (size_t)snprintf(buf + off, len - off, "faults ");
	if (off && off <= len)
		buf[off - 1] = '\0';
}

enum bench_status bench_report(struct bench_ctx *ctx,
			       const struct bench_result *res)
{
	enum bench_status st = BENCH_INFO;
	double ratio = NAN, ratio_min = NAN;
	struct bench_row *row;
	char flags[32];

	if (res->paired) {
		ratio = res->ratio_median;
		ratio_min = res->ratio_min;
	} else if (res->baseline && res->baseline_value != 0) {
		ratio = res->value / res->baseline_value;
	}
	switch (res->goal_kind) {
	case BENCH_GOAL_RATIO_MAX:
		st = ratio <= res->goal ? BENCH_PASS : BENCH_MISS;
		break;
	case BENCH_GOAL_RATIO_MIN:
		st = ratio >= res->goal ? BENCH_PASS : BENCH_MISS;
		break;
	case BENCH_GOAL_VALUE_MAX:
		st = res->value <= res->goal ? BENCH_PASS : BENCH_MISS;
		break;
	case BENCH_GOAL_VALUE_MIN:
		st = res->value >= res->goal ? BENCH_PASS : BENCH_MISS;
		break;
	default:
		break;
	}
	if (st == BENCH_PASS)
		ctx->nr_pass++;
	else if (st == BENCH_MISS)
		ctx->nr_miss++;
	result_flags(ctx, res, flags, sizeof(flags));
	if (strstr(flags, "loaded"))
		ctx->nr_loaded++;
	if (res->faults_counted && res->baseline &&
	    isfinite(res->baseline_faults) && res->baseline_faults > 0)
		ctx->nr_faulty++;

	if (ctx->out && !res->csv_only) {
		char goal[48] = "", rmin[24] = "", flt[48] = "", fl[40] = "";

		if (res->goal_kind != BENCH_GOAL_NONE)
			snprintf(goal, sizeof(goal), "goal %s %.3g",
				 goal_op(res->goal_kind), res->goal);
		if (res->paired)
			snprintf(rmin, sizeof(rmin), " (min %.3f)", ratio_min);
		if (res->faults_counted && res->baseline)
			snprintf(flt, sizeof(flt), " | faults/op %.3g vs %.3g",
				 res->faults, res->baseline_faults);
		else if (res->faults_counted)
			snprintf(flt, sizeof(flt), " | faults/op %.3g", res->faults);
		if (flags[0])
			snprintf(fl, sizeof(fl), " [%s]", flags);
		if (res->baseline)
			bench_printf(ctx,
				     "  %-26s %-13s %10.4g %-5s | %-12s %10.4g | ratio %7.3f%s | %-18s %s%s%s\n",
				     res->case_name, res->metric, res->value,
				     res->unit, res->baseline,
				     res->baseline_value, ratio, rmin, goal,
				     status_name(st), flt, fl);
		else
			bench_printf(ctx,
				     "  %-26s %-13s %10.4g %-5s | %-12s %10s | %-13s | %-18s %s%s%s\n",
				     res->case_name, res->metric, res->value,
				     res->unit, "-", "", "", goal,
				     status_name(st), flt, fl);
	}
	if (ctx->csv)
		csv_row(ctx, res, ratio, ratio_min, st, flags);

	if (ctx->nr_rows == ctx->cap_rows) {
		size_t cap = ctx->cap_rows ? ctx->cap_rows * 2 : 64;
		struct bench_row *rows = realloc(ctx->rows, cap * sizeof(*rows));

		if (!rows)
			return st; /* printed already; JSON loses the row */
		ctx->rows = rows;
		ctx->cap_rows = cap;
	}
	row = &ctx->rows[ctx->nr_rows++];
	row->res = *res;
	row->bench = dup_or_null(res->bench);
	row->case_name = dup_or_null(res->case_name);
	row->metric = dup_or_null(res->metric);
	row->unit = dup_or_null(res->unit);
	row->baseline = dup_or_null(res->baseline);
	row->ratio = ratio;
	row->ratio_min = ratio_min;
	row->others = ctx->win_others;
	row->load1 = ctx->win_load1;
	snprintf(row->flags, sizeof(row->flags), "%s", flags);
	row->status = st;
	return st;
}

int bench_finish(struct bench_ctx *ctx)
{
	size_t i;

	bench_progress_done(ctx);
	if (ctx->json) {
		FILE *f = stdout;

		fputs("{\"machine\":{\"cpu\":", f);
		json_str(f, ctx->cpu);
		fprintf(f, ",\"ncpu\":%u,\"mem_mib\":%" PRIu64 ",\"kernel\":",
			ctx->ncpu, ctx->mem_mib);
		json_str(f, ctx->kernel);
		fputs(",\"compiler\":", f);
		json_str(f, __VERSION__);
		fprintf(f, ",\"sanitized\":%s},", RH_SANITIZED ? "true" : "false");
		fprintf(f, "\"seed\":%" PRIu64 ",\"quick\":%s,\"indicative_only\":%s,"
			"\"reps\":%u,\"max_load\":", ctx->seed,
			ctx->quick ? "true" : "false", ctx->quick ? "true" : "false",
			ctx->reps);
		json_num(f, ctx->max_load);
		fputs(",\"load1_start\":", f);
		json_num(f, ctx->load1_start);
		fputs(",\"results\":[", f);
		for (i = 0; i < ctx->nr_rows; i++) {
			const struct bench_row *r = &ctx->rows[i];

			fputs(i ? ",\n{" : "\n{", f);
			json_kv_str(f, "\"bench\":", r->bench);
			json_kv_str(f, ",\"case\":", r->case_name);
			json_kv_str(f, ",\"metric\":", r->metric);
			json_kv_str(f, ",\"unit\":", r->unit);
			json_kv_num(f, ",\"value\":", r->res.value);
			json_kv_num(f, ",\"p99\":", r->res.p99);
			json_kv_num(f, ",\"min\":", r->res.min);
			fputs(",\"baseline\":", f);
			if (r->baseline)
				json_str(f, r->baseline);
			else
				fputs("null", f);
			json_kv_num(f, ",\"baseline_value\":",
				    r->baseline ? r->res.baseline_value : NAN);
			json_kv_num(f, ",\"ratio\":", r->ratio);
			json_kv_num(f, ",\"ratio_min\":", r->ratio_min);
			json_kv_num(f, ",\"faults\":",
				    r->res.faults_counted ? r->res.faults : NAN);
			json_kv_num(f, ",\"baseline_faults\":",
				    r->res.faults_counted && r->baseline ?
				    r->res.baseline_faults : NAN);
			json_kv_num(f, ",\"others_cpu\":", r->others);
			json_kv_num(f, ",\"load1\":", r->load1);
			json_kv_str(f, ",\"flags\":", r->flags);
			if (r->res.goal_kind != BENCH_GOAL_NONE) {
				fputs(",\"goal\":", f);
				json_str(f, goal_op(r->res.goal_kind));
				fputs(",\"goal_value\":", f);
				json_num(f, r->res.goal);
			}
			fputs(",\"status\":", f);
			json_str(f, r->status == BENCH_INFO ? "info" :
				    r->status == BENCH_PASS ? "pass" : "miss");
			fputc('}', f);
		}
		fputs("\n]}\n", f);
	} else {
		if (ctx->nr_pass + ctx->nr_miss)
			bench_printf(ctx, "\ngoals: %u PASS, %u MISS%s\n",
				     ctx->nr_pass, ctx->nr_miss,
				     ctx->quick ? " (quick run: indicative only)" : "");
		if (ctx->nr_loaded)
			bench_printf(ctx, "%u figures were taken while other processes "
				     "used more than %.2f CPUs (flag 'loaded'): "
				     "not results; rerun on a quiet machine\n",
				     ctx->nr_loaded, ctx->max_load);
		if (ctx->nr_faulty)
			bench_printf(ctx, "%u figures have a baseline that page-faulted "
				     "(flag 'faults')\n", ctx->nr_faulty);
	}
	for (i = 0; i < ctx->nr_rows; i++) {
		free(ctx->rows[i].bench);
		free(ctx->rows[i].case_name);
		free(ctx->rows[i].metric);
		free(ctx->rows[i].unit);
		free(ctx->rows[i].baseline);
	}
	free(ctx->rows);
	ctx->rows = NULL;
	if (ctx->csv) {
		fclose(ctx->csv);
		ctx->csv = NULL;
	}
	/* A MISS is a finding, not a failure: machines are noisy. */
	return 0;
}

/* ------------------------------------------------------------ measuring */

void bench_measure(struct bench_ctx *ctx, bench_batch_fn fn, void *arg,
		   struct bench_stats *ret, size_t latency_ops,
		   struct bench_stats *ret_lat)
{
	uint64_t iters = 1, t0, dt, f0;
	double *samples, *lat;
	unsigned int i;
	size_t k;

	/* Calibrate: grow the batch until it lasts ~1/4 of a sample. */
	for (;;) {
		t0 = bench_now_ns();
		fn(arg, iters);
		dt = bench_now_ns() - t0;
		if (dt >= ctx->min_sample_ns / 4 || iters >= (UINT64_C(1) << 40))
			break;
		iters *= dt < ctx->min_sample_ns / 64 ? 8 : 2;
	}
	if (dt)
		iters = (uint64_t)((double)iters * (double)ctx->min_sample_ns /
				   (double)dt) + 1;

	samples = calloc(ctx->reps, sizeof(*samples));
	if (!samples) {
		memset(ret, 0, sizeof(*ret));
		return;
	}
	bench_window_begin(ctx);
	fn(arg, iters); /* warm-up sample */
	f0 = bench_faults();
	for (i = 0; i < ctx->reps; i++) {
		t0 = bench_now_ns();
		fn(arg, iters);
		samples[i] = (double)(bench_now_ns() - t0) / (double)iters;
	}
	f0 = bench_faults() - f0;
	bench_window_end(ctx);
	bench_stats_compute(samples, ctx->reps, ret);
	ret->faults = (double)f0 / ((double)iters * ctx->reps);
	free(samples);

	if (!latency_ops || !ret_lat)
		return;
	lat = calloc(latency_ops, sizeof(*lat));
	if (!lat) {
		memset(ret_lat, 0, sizeof(*ret_lat));
		return;
	}
	for (k = 0; k < latency_ops; k++) {
		uint64_t a = bench_ticks(), b;

		fn(arg, 1);
		b = bench_ticks();
		lat[k] = bench_ticks_to_ns(ctx, b - a) - ctx->tick_overhead_ns;
		if (lat[k] < 0)
			lat[k] = 0;
	}
	bench_stats_compute(lat, latency_ops, ret_lat);
	free(lat);
}

/* ------------------------------------------------------------ progress */

void bench_progress(struct bench_ctx *ctx, const char *label, uint64_t done,
		    uint64_t total)
{
	uint64_t now;

	if (!ctx->progress)
		return;
	now = bench_now_ns();
	if (now - ctx->progress_start_ns < 2000000000u ||
	    now - ctx->progress_last_ns < 200000000u)
		return;
	ctx->progress_last_ns = now;
	fprintf(stderr, "\r\033[K%s %3u%%", label,
		total ? (unsigned int)(done * 100 / total) : 0);
	fflush(stderr);
	ctx->progress_shown = true;
}

void bench_progress_done(struct bench_ctx *ctx)
{
	if (!ctx->progress_shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	ctx->progress_shown = false;
}
