// SPDX-License-Identifier: MIT
/* Benchmark 5: secure-playback trace replay (T1-T5): per-op latency, TEE calls, firewall, peak, failures. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/replay.h>
#include <rheap/secure-stats.h>
#include <rheap/tee-secmem.h>

#include "bench-common.h"
#include "bench-sim.h"
#include "optee/tee.h" /* emu/: the emulator's call counter */

/*
 * Method (perf.md §5): each trace of bench/traces/ (generated
 * by bench/gen-traces.py) is replayed with the library's runner
 * (rh_replay_run(): DMA_HEAP_IOCTL_ALLOC and close through the fd layer)
 * on a fresh default platform, as fast as possible. Pass 1 is cold (the
 * simulated DRAM behind each buffer is faulted in on first use, ~2.7 µs a
 * page here); pass 2 replays the same trace on the same platform and is
 * the one whose per-operation latencies are reported. Both passes must
 * show no unexpected failure.
 *
 * Figures per trace: latency p50 / p99 / max per operation and heap (the
 * ioctl for A, the close that releases the buffer for F), TEE calls (the
 * emulator's message count) per played frame (frames = (stop - play) x fps
 * of the play/stop markers, summed over sessions), firewall reprogramming
 * operations (programs + clears + policy changes), lends of the CMA region,
 * peak secure memory (restricted heaps, page-rounded) and failures. T4
 * adds the largest free extent of the CMA pool over time.
 */

#define MAX_GROUPS 8

static const char *const trace_files[] = {
	"t1-4k-hevc.csv", "t2-ladder.csv", "t3-pip.csv", "t4-churn.csv",
	"t5-ui.csv",
};
#define NR_TRACES (sizeof(trace_files) / sizeof(trace_files[0]))

/* Latencies of one (op, heap) pair. */
struct lat_group {
	char op;
	const char *heap; /* owned by the trace */
	double *ns;
	size_t n, cap;
};

struct replay_state {
	struct rh_platform *plat;
	struct lat_group groups[MAX_GROUPS];
	unsigned int nr_groups;
	uint64_t live_secure, peak_secure;
	bool churn;		/* sample the CMA pool's largest free extent */
	uint64_t largest_min, largest_last;
	double *largest;	/* after each A of the frame loop */
	size_t nr_largest, cap_largest;
	int err;
};

static bool is_secure(const char *heap)
{
	return !strncmp(heap, "restricted_", 11);
}

static int push(double **v, size_t *n, size_t *cap, double x)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 256;
		double *nv = realloc(*v, c * sizeof(**v));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = x;
	return 0;
}

static struct lat_group *group_of(struct replay_state *s, char op,
				  const char *heap)
{
	unsigned int i;

	for (i = 0; i < s->nr_groups; i++)
		if (s->groups[i].op == op && !strcmp(s->groups[i].heap, heap))
			return &s->groups[i];
	if (s->nr_groups == MAX_GROUPS)
		return NULL;
	s->groups[s->nr_groups].op = op;
	s->groups[s->nr_groups].heap = heap;
	return &s->groups[s->nr_groups++];
}

static void on_op(void *data, const struct rh_replay_op_result *res)
{
	struct replay_state *s = data;
	struct rh_secmem_stats st;
	struct lat_group *g;

	if (res->ev->op == RH_REPLAY_OP_MARK || res->skipped || res->err)
		return;
	g = group_of(s, (char)res->ev->op, res->heap);
	if (!g || push(&g->ns, &g->n, &g->cap, (double)res->latency_ns)) {
		s->err = -ENOMEM;
		return;
	}
	if (is_secure(res->heap)) {
		if (res->ev->op == RH_REPLAY_OP_ALLOC)
			s->live_secure += res->bytes;
		else
			s->live_secure -= res->bytes;
		if (s->live_secure > s->peak_secure)
			s->peak_secure = s->live_secure;
	}
	if (s->churn && res->ev->op == RH_REPLAY_OP_ALLOC &&
	    !rh_secmem_get_stats(s->plat, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, &st)) {
		if (st.largest_free < s->largest_min)
			s->largest_min = st.largest_free;
		s->largest_last = st.largest_free;
		if (push(&s->largest, &s->nr_largest, &s->cap_largest,
			 (double)st.largest_free))
			s->err = -ENOMEM;
	}
}

static uint64_t fw_changes(struct rh_platform *plat)
{
	struct rh_platform_stats st;

	if (rh_platform_get_stats(plat, &st))
		return 0;
	return st.firewall_programs + st.firewall_clears +
	       st.firewall_policy_changes;
}

static uint64_t tee_calls(struct rh_platform *plat)
{
	struct rh_tee_emu_stats st;

	rh_tee_emu_get_stats(rh_tee_emu_of(plat), &st);
	return st.calls;
}

static uint64_t cma_lends(struct rh_platform *plat)
{
	struct rh_secmem_stats st;

	if (rh_secmem_get_stats(plat, RH_MTK_SECURE_MEMORY_TYPE_CM_CMA, &st))
		return 0;
	return st.lends;
}

static void report_info(struct bench_ctx *ctx, const char *tname,
			const char *what, const char *metric, const char *unit,
			double value)
{
	char cname[64];
	struct bench_result r = {
		.bench = "replay", .metric = metric, .unit = unit,
		.value = value, .p99 = NAN, .min = NAN,
	};

	snprintf(cname, sizeof(cname), "%s %s", tname, what);
	r.case_name = cname;
	bench_report(ctx, &r);
}

static const char *heap_tag(const char *heap)
{
	unsigned int i;

	for (i = 0; i < BENCH_NR_HEAPS; i++)
		if (!strcmp(heap, bench_heaps[i].name))
			return bench_heaps[i].tag;
	return heap;
}

static void reset_state(struct replay_state *s)
{
	unsigned int i;

	for (i = 0; i < s->nr_groups; i++)
		s->groups[i].n = 0;
	s->live_secure = s->peak_secure = 0;
	s->largest_min = UINT64_MAX;
	s->largest_last = 0;
	s->nr_largest = 0;
}

static int replay_one(struct bench_ctx *ctx, const char *dir, const char *file,
		      bool timed)
{
	struct rh_replay_options opts = { 0 };
	struct rh_replay_result res[2];
	struct replay_state s = { 0 };
	struct rh_replay_trace *tr = NULL;
	uint64_t calls0, calls1, fw0, fw1, lends0, lends1;
	char path[512], errbuf[256], tname[8], title[160];
	double frames;
	unsigned int pass, i;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	ret = rh_replay_parse_file(path, &tr, errbuf, sizeof(errbuf));
	if (ret) {
		fprintf(stderr, "replay: %s: %s\n", path,
			ret == -EINVAL ? errbuf : strerror(-ret));
		return ret;
	}
	/* "t1-4k-hevc.csv" -> "T1" */
	snprintf(tname, sizeof(tname), "T%c", file[1]);
	ret = bench_platform_new(&s.plat);
	if (ret)
		goto out;
	s.churn = file[1] == '4';

	opts.timed = timed;
	opts.on_op = on_op;
	opts.data = &s;
	opts.errbuf = errbuf;
	opts.errlen = sizeof(errbuf);
	for (pass = 0; pass < 2; pass++) {
		reset_state(&s);
		calls0 = tee_calls(s.plat);
		fw0 = fw_changes(s.plat);
		lends0 = cma_lends(s.plat);
		/* The warm pass's figures carry the load it ran under. */
		if (pass == 1)
			bench_window_begin(ctx);
		ret = rh_replay_run(s.plat, tr, &opts, &res[pass]);
		if (pass == 1)
			bench_window_end(ctx);
		if (!ret)
			ret = s.err;
		if (ret) {
			fprintf(stderr, "replay: %s: %s\n", file,
				ret == -ENOENT ? errbuf : strerror(-ret));
			goto out;
		}
		calls1 = tee_calls(s.plat);
		fw1 = fw_changes(s.plat);
		lends1 = cma_lends(s.plat);
	}

	frames = bench_played_frames(tr);
	snprintf(title, sizeof(title), "replay %s (%s): %" PRIu64 " events, "
		 "%.0f frames played; pass 1 (cold) %.1f ms, pass 2 (warm) %.1f ms",
		 tname, file, res[1].events, frames,
		 (double)res[0].elapsed_ns / 1e6, (double)res[1].elapsed_ns / 1e6);
	bench_section(ctx, title);

	bench_printf(ctx, "  %-26s %8s %10s %10s %10s %10s\n", "operation (warm pass)",
		     "count", "p50 ns", "p99 ns", "max ns", "mean ns");
	for (i = 0; i < s.nr_groups; i++) {
		struct lat_group *g = &s.groups[i];
		struct bench_stats st;
		char what[64];
		struct bench_result r = {
			.bench = "replay", .metric = "latency p50", .unit = "ns",
			.csv_only = true,
		};

		bench_stats_compute(g->ns, g->n, &st);
		snprintf(what, sizeof(what), "%s %c %s", tname, g->op,
			 heap_tag(g->heap));
		r.case_name = what;
		r.value = st.median;
		r.p99 = st.p99;
		r.min = st.min;
		bench_report(ctx, &r);
		bench_printf(ctx, "  %-26s %8zu %10.0f %10.0f %10.0f %10.0f\n",
			     what, g->n, st.median, st.p99, st.max, st.mean);
	}
	bench_sim_report_replay(ctx, tname, tr);
	report_info(ctx, tname, "TEE calls", "per frame", "calls",
		    frames > 0 ? (double)(calls1 - calls0) / frames : NAN);
	report_info(ctx, tname, "TEE calls", "total", "calls",
		    (double)(calls1 - calls0));
	report_info(ctx, tname, "firewall", "reprograms", "ops",
		    (double)(fw1 - fw0));
	report_info(ctx, tname, "CMA region", "lends", "lends",
		    (double)(lends1 - lends0));
	report_info(ctx, tname, "peak secure", "bytes", "MiB",
		    (double)s.peak_secure / (double)MIB);
	report_info(ctx, tname, "failures", "expected", "ops",
		    (double)res[1].expected_failures);
	if (s.churn && s.nr_largest) {
		report_info(ctx, tname, "largest free", "min", "MiB",
			    (double)s.largest_min / (double)MIB);
		report_info(ctx, tname, "largest free", "end", "MiB",
			    (double)s.largest_last / (double)MIB);
		/* The series, for the chart: every 10th allocation. */
		for (i = 0; i < s.nr_largest; i += 10) {
			char what[32];
			struct bench_result r = {
				.bench = "replay", .metric = "largest free",
				.unit = "MiB", .value = s.largest[i] / (double)MIB,
				.p99 = NAN, .min = NAN, .csv_only = true,
			};

			snprintf(what, sizeof(what), "T4 alloc %u", i);
			r.case_name = what;
			bench_report(ctx, &r);
		}
	}
	{
		char what[64];
		struct bench_result r = {
			.bench = "replay", .metric = "unexpected", .unit = "ops",
			.value = (double)(res[0].unexpected_failures +
					  res[0].unexpected_successes +
					  res[1].unexpected_failures +
					  res[1].unexpected_successes),
			.p99 = NAN, .min = NAN,
			.goal_kind = BENCH_GOAL_VALUE_MAX, .goal = 0,
		};

		snprintf(what, sizeof(what), "%s failures", tname);
		r.case_name = what;
		bench_report(ctx, &r);
	}
	ret = 0;
out:
	for (i = 0; i < s.nr_groups; i++)
		free(s.groups[i].ns);
	free(s.largest);
	rh_platform_unref(s.plat);
	rh_replay_trace_free(tr);
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rheap-bench replay [common options] [--traces DIR] [--trace FILE.csv]\n"
		"                          [--timed]\n"
		"  replays the secure-playback traces T1-T5 of bench/traces/ (default\n"
		"  %s) through the fd layer on a fresh default platform, twice (cold,\n"
		"  warm); reports per-operation latency of the warm pass, TEE calls per\n"
		"  frame, firewall reprogramming, CMA lends, peak secure memory and\n"
		"  failures (goal: 0 unexpected). --timed waits for each row's time.\n",
		BENCH_TRACES_DIR);
}

int bench_replay_main(struct bench_ctx *ctx, int argc, char **argv)
{
	const char *dir = BENCH_TRACES_DIR, *only = NULL;
	bool timed = false;
	unsigned int t;
	int i, ret = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--traces") && i + 1 < argc) {
			dir = argv[++i];
		} else if (!strcmp(argv[i], "--trace") && i + 1 < argc) {
			only = argv[++i];
		} else if (!strcmp(argv[i], "--timed")) {
			timed = true;
		} else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	for (t = 0; t < NR_TRACES && !ret; t++) {
		if (only && strcmp(only, trace_files[t]))
			continue;
		bench_progress(ctx, "replay", t, NR_TRACES);
		ret = replay_one(ctx, dir, trace_files[t], timed);
	}
	return ret ? 1 : 0;
}
