// SPDX-License-Identifier: MIT
/* Benchmark 9: the protected heaps of Linux 6.18 beside the MediaTek heaps: alloc sweep, T1-T5 replays. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rheap/firewall.h>
#include <rheap/replay.h>

#include "baselines.h"
#include "bench-common.h"

/*
 * Method (issue 15, same goals as benchmarks 1 and 5):
 * - alloc sweep on the optee-protmem board: protected,secure-video (the
 *   dynamic pool) with one 4 KiB buffer held so its chunk stays lent, and
 *   protected,trusted-ui (the static carveout, up to 16 MiB of its 32),
 *   C API and fd layer, interleaved with benchmark 1's baselines: memset(0)
 *   of a pre-faulted buffer of the same size (the goal's yardstick, paired
 *   ratios) and, below 32 MiB, malloc+memset(0)+free as context; the
 *   lend+reclaim cycle (alloc+free with nothing else alive) on its own.
 *   Goal: >= 1 MiB within 1.5x of the baseline.
 * - replays of T1-T5 (bench/traces/) on both protocols: the MediaTek heaps
 *   on the default board, and the same rows on the protected heap of their
 *   role on optee-protmem (rh_tee_dma_heap_of_role()); each on a fresh
 *   platform, warm pass after a cold one. Per trace and protocol: TEE
 *   calls per buffer and world switches per played frame (2 per SMC round
 *   trip; fast calls such as the capabilities query are not counted),
 *   firewall reprogramming (programs + clears + policy changes), peak
 *   memory under firewall protection (static chunk or carveout included),
 *   and unexpected failures.
 */

#define GOAL_RATIO 1.5
#define GOAL_MIN_SIZE MIB
#define PREFAULT_MIN_SIZE (32 * MIB)
#define MAX_SIZE (64 * MIB)
/* The trusted-UI carveout is 32 MiB: sizes above half of it are not swept. */
#define UI_MAX_SIZE (16 * MIB)

extern const unsigned char bench_optee_protmem_dtb[];
extern const size_t bench_optee_protmem_dtb_size;

static const uint64_t sizes[] = {
	4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, MIB, 4 * MIB, 16 * MIB, 64 * MIB,
};
#define NR_SIZES (sizeof(sizes) / sizeof(sizes[0]))

static const struct {
	const char *name;
	const char *tag;
	uint64_t max_size;
} pm_heaps[] = {
	{ RH_TEE_HEAP_SECURE_VIDEO_NAME, "video", MAX_SIZE },
	{ RH_TEE_HEAP_TRUSTED_UI_NAME, "ui", UI_MAX_SIZE },
};
#define NR_PM_HEAPS (sizeof(pm_heaps) / sizeof(pm_heaps[0]))

static const char *const trace_files[] = {
	"t1-4k-hevc.csv", "t2-ladder.csv", "t3-pip.csv", "t4-churn.csv", "t5-ui.csv",
};
#define NR_TRACES (sizeof(trace_files) / sizeof(trace_files[0]))

static int protmem_platform_new(struct rh_platform **ret_plat)
{
	RH_DEFINE_PLATFORM_INFO(info);
	int ret;

	info.dtb = bench_optee_protmem_dtb;
	info.dtb_size = bench_optee_protmem_dtb_size;
	info.log_level = RH_LOG_ERR;
	ret = rh_platform_new(&info, ret_plat);
	if (ret)
		fprintf(stderr, "rheap-bench: cannot create the optee-protmem platform: %s\n",
			strerror(-ret));
	return ret;
}

/* ------------------------------------------------------------ alloc sweep */

/* One size: the baseline and both paths of each heap that takes it. */
static int sweep_size(struct bench_ctx *ctx, struct bench_alloc_arg *args, uint64_t size,
		      void *prefaulted)
{
	struct bench_mem_arg m = { .size = (size_t)size, .dst = prefaulted };
	struct bench_case cases[2 + 2 * NR_PM_HEAPS];
	unsigned int heap_of[2 + 2 * NR_PM_HEAPS], h, n = 0, i;
	bool with_malloc = size < PREFAULT_MIN_SIZE;
	char cname[64], sz[16];
	int ret;

	/* Benchmark 1's baselines: memset(0) the yardstick, malloc+memset(0)+free context. */
	memset(cases, 0, sizeof(cases));
	cases[n].fn = bench_batch_memset0;
	cases[n++].arg = &m;
	if (with_malloc) {
		cases[n].fn = bench_batch_malloc_memset_free;
		cases[n].vs = &cases[0];
		cases[n++].arg = &m;
	}
	for (h = 0; h < NR_PM_HEAPS; h++) {
		if (size > pm_heaps[h].max_size)
			continue;
		bench_add_alloc_cases(cases, heap_of, &n, &cases[0], &args[h], h, size);
	}
	ret = bench_measure_interleaved(ctx, cases, n);
	if (ret)
		return ret;
	if (with_malloc) {
		struct bench_result r = {
			.bench = "protmem", .metric = "baseline", .unit = "ns", .p99 = NAN,
			.baseline = "memset0",
		};

		snprintf(cname, sizeof(cname), "malloc+memset %s",
			 bench_fmt_size(size, sz, sizeof(sz)));
		r.case_name = cname;
		bench_result_from_cases(&r, &cases[1]);
		bench_report(ctx, &r);
	}
	for (i = 1 + with_malloc; i < n; i++) {
		struct bench_alloc_arg *a = &args[heap_of[i]];
		bool fd = cases[i].fn == bench_batch_fd;
		struct bench_stats lat;
		struct bench_result r = {
			.bench = "protmem", .metric = "alloc+free", .unit = "ns",
			.baseline = "memset0",
		};

		if (!a->err)
			bench_latency(ctx, cases[i].fn, a, ctx->quick ? 50 : 500, &lat);
		if (a->err) {
			fprintf(stderr, "protmem: %s %s failed: %s\n", pm_heaps[heap_of[i]].name,
				bench_fmt_size(size, sz, sizeof(sz)), strerror(-a->err));
			return a->err;
		}
		snprintf(cname, sizeof(cname), "%s %s %s", pm_heaps[heap_of[i]].tag,
			 fd ? "fd" : "capi", bench_fmt_size(size, sz, sizeof(sz)));
		r.case_name = cname;
		bench_result_from_cases(&r, &cases[i]);
		r.p99 = lat.p99;
		if (size >= GOAL_MIN_SIZE) {
			r.goal_kind = BENCH_GOAL_RATIO_MAX;
			r.goal = GOAL_RATIO;
		}
		bench_report(ctx, &r);
	}
	return 0;
}

/* LEND_PROTMEM + RECLAIM_PROTMEM: alloc+free with nothing else alive. */
static int lend_cycle(struct bench_ctx *ctx, struct bench_alloc_arg *a, uint64_t size)
{
	struct bench_result r = {
		.bench = "protmem", .metric = "lend+reclaim", .unit = "ns",
	};
	struct rh_tee_heap_stats before, after;
	struct bench_stats st, lat;
	char cname[64], sz[16];

	rh_tee_heap_get_stats(a->plat, RH_TEE_HEAP_SECURE_VIDEO_NAME, &before);
	a->size = size;
	a->err = 0;
	bench_measure(ctx, bench_batch_capi, a, &st, ctx->quick ? 20 : 200, &lat);
	if (a->err)
		return a->err;
	rh_tee_heap_get_stats(a->plat, RH_TEE_HEAP_SECURE_VIDEO_NAME, &after);
	if (after.reclaims == before.reclaims) {
		fprintf(stderr, "protmem: the chunk was never reclaimed\n");
		return -EINVAL;
	}
	snprintf(cname, sizeof(cname), "video cycle %s", bench_fmt_size(size, sz, sizeof(sz)));
	r.case_name = cname;
	r.value = st.median;
	r.p99 = lat.p99;
	r.min = st.min;
	bench_report(ctx, &r);
	return 0;
}

static int alloc_sweep(struct bench_ctx *ctx)
{
	struct bench_alloc_arg args[NR_PM_HEAPS];
	struct rh_dma_buf *keeper = NULL;
	struct rh_platform *plat;
	void *prefaulted;
	unsigned int h, s;
	char path[96];
	int ret;

	prefaulted = mmap(NULL, MAX_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	if (prefaulted == MAP_FAILED)
		return -ENOMEM;
	bench_fault_in(prefaulted, MAX_SIZE);
	ret = protmem_platform_new(&plat);
	if (ret)
		goto out_unmap;
	memset(args, 0, sizeof(args));
	for (h = 0; h < NR_PM_HEAPS; h++) {
		args[h].plat = plat;
		args[h].heap_fd = -1;
	}
	for (h = 0; h < NR_PM_HEAPS; h++) {
		args[h].heap = rh_dma_heap_find(plat, pm_heaps[h].name);
		snprintf(path, sizeof(path), RH_DMA_HEAP_DEV_DIR "/%s", pm_heaps[h].name);
		args[h].heap_fd = rh_open(plat, path, O_RDWR | O_CLOEXEC);
		if (!args[h].heap || args[h].heap_fd < 0) {
			fprintf(stderr, "protmem: no heap %s\n", pm_heaps[h].name);
			ret = -ENOENT;
			goto out_put;
		}
		/* Warm: the largest size once, so the pages it reuses are faulted in. */
		args[h].size = pm_heaps[h].max_size;
		bench_batch_capi(&args[h], 1);
		if (args[h].err) {
			ret = args[h].err;
			goto out_put;
		}
	}
	bench_section(ctx, "protmem: alloc+free on the protected heaps (optee-protmem), C API "
		      "(capi) and fd layer (fd)");
	bench_printf(ctx, "  video: the dynamic pool, one 4K buffer held (its 512 MiB chunk stays "
		     "lent); ui: the static carveout; baseline memset(0) of a pre-faulted "
		     "buffer, malloc+memset(0)+free below 32M as context\n");
	keeper = bench_heap_alloc(args[0].heap, 4 * KIB);
	if (RH_IS_ERR(keeper)) {
		ret = (int)RH_PTR_ERR(keeper);
		keeper = NULL;
		goto out_put;
	}
	for (s = 0; s < NR_SIZES; s++) {
		bench_progress(ctx, "protmem", s, NR_SIZES);
		ret = sweep_size(ctx, args, sizes[s], prefaulted);
		if (ret)
			goto out_put;
	}
	bench_section(ctx, "protmem: LEND_PROTMEM + RECLAIM_PROTMEM cycle (no other buffer alive)");
	rh_dma_buf_put(keeper);
	keeper = NULL;
	ret = lend_cycle(ctx, &args[0], 4 * KIB);
	if (!ret)
		ret = lend_cycle(ctx, &args[0], MIB);
out_put:
	rh_dma_buf_put(keeper);
	for (h = 0; h < NR_PM_HEAPS; h++) {
		if (args[h].heap_fd >= 0)
			rh_close(plat, args[h].heap_fd);
		rh_dma_heap_put(args[h].heap);
	}
	rh_platform_unref(plat);
out_unmap:
	munmap(prefaulted, MAX_SIZE);
	return ret;
}

/* ------------------------------------------------------------ replays */

struct side_state {
	struct rh_platform *plat;
	uint64_t protected_now, protected_peak;
	uint64_t allocs;
};

/* Bytes the firewall protects now (every programmed slot). */
static uint64_t protected_bytes(struct rh_platform *plat)
{
	unsigned int i, n = rh_platform_get_desc(plat)->firewall_regions;
	struct rh_fw_region r;
	uint64_t sum = 0;

	for (i = 0; i < n; i++)
		if (!rh_phys_firewall_region(plat, i, &r) && r.in_use)
			sum += r.size;
	return sum;
}

static void side_on_op(void *data, const struct rh_replay_op_result *res)
{
	struct side_state *s = data;

	if (res->ev->op == RH_REPLAY_OP_MARK || res->skipped || res->err)
		return;
	if (res->ev->op == RH_REPLAY_OP_ALLOC)
		s->allocs++;
	s->protected_now = protected_bytes(s->plat);
	if (s->protected_now > s->protected_peak)
		s->protected_peak = s->protected_now;
}

struct side_result {
	uint64_t allocs, world_switches, fw_ops, peak, unexpected;
	double elapsed_ms;
};

/* The warm pass of @tr on a fresh platform of one protocol. */
static int replay_side(const struct rh_replay_trace *tr, bool protmem,
		       struct side_result *ret)
{
	struct rh_replay_options opts = { 0 };
	struct rh_platform_stats p0, p1;
	struct rh_replay_result res;
	struct side_state s = { 0 };
	char errbuf[256];
	unsigned int pass;
	int err;

	err = protmem ? protmem_platform_new(&s.plat) : bench_platform_new(&s.plat);
	if (err)
		return err;
	opts.on_op = side_on_op;
	opts.data = &s;
	opts.errbuf = errbuf;
	opts.errlen = sizeof(errbuf);
	opts.map_heap = protmem ? rh_tee_heap_replay_map : NULL;
	for (pass = 0; pass < 2 && !err; pass++) {
		s.allocs = 0;
		s.protected_peak = protected_bytes(s.plat);
		rh_platform_get_stats(s.plat, &p0);
		err = rh_replay_run(s.plat, tr, &opts, &res);
		rh_platform_get_stats(s.plat, &p1);
	}
	if (err) {
		fprintf(stderr, "protmem: replay: %s\n", err == -ENOENT ? errbuf : strerror(-err));
	} else {
		ret->allocs = s.allocs;
		ret->world_switches = p1.world_switches - p0.world_switches;
		ret->fw_ops = (p1.firewall_programs - p0.firewall_programs) +
			      (p1.firewall_clears - p0.firewall_clears) +
			      (p1.firewall_policy_changes - p0.firewall_policy_changes);
		ret->peak = s.protected_peak;
		ret->unexpected = res.unexpected_failures + res.unexpected_successes;
		ret->elapsed_ms = (double)res.elapsed_ns / 1e6;
	}
	rh_platform_unref(s.plat);
	return err;
}

static void report(struct bench_ctx *ctx, const char *tname, const char *side,
		   const char *metric, const char *unit, double value, bool goal_zero)
{
	char cname[64];
	struct bench_result r = {
		.bench = "protmem", .metric = metric, .unit = unit, .value = value,
		.p99 = NAN, .min = NAN, .csv_only = !goal_zero,
	};

	if (goal_zero) {
		r.goal_kind = BENCH_GOAL_VALUE_MAX;
		r.goal = 0;
	}
	snprintf(cname, sizeof(cname), "%s %s", tname, side);
	r.case_name = cname;
	bench_report(ctx, &r);
}

static int replays(struct bench_ctx *ctx)
{
	static const char *const side_names[2] = { "mtk", "protmem" };
	unsigned int t, side;
	int ret = 0;

	bench_section(ctx, "protmem: T1-T5 on both protocols (MediaTek heaps on mt8188-svp; "
		      "protected heaps by role on optee-protmem), warm pass");
	bench_printf(ctx, "  %-4s %-8s %7s %10s %12s %10s %10s %10s %9s\n", "", "", "buffers",
		     "switches", "TEE calls/", "switches/", "firewall", "peak prot", "failures");
	bench_printf(ctx, "  %-4s %-8s %7s %10s %12s %10s %10s %10s %9s\n", "", "", "", "",
		     "buffer", "frame", "ops", "MiB", "unexp.");
	for (t = 0; t < NR_TRACES && !ret; t++) {
		struct rh_replay_trace *tr = NULL;
		char path[512], errbuf[256], tname[8];
		double frames;

		snprintf(path, sizeof(path), "%s/%s", BENCH_TRACES_DIR, trace_files[t]);
		ret = rh_replay_parse_file(path, &tr, errbuf, sizeof(errbuf));
		if (ret) {
			fprintf(stderr, "protmem: %s: %s\n", path,
				ret == -EINVAL ? errbuf : strerror(-ret));
			break;
		}
		snprintf(tname, sizeof(tname), "T%c", trace_files[t][1]);
		frames = bench_played_frames(tr);
		bench_progress(ctx, "protmem", t, NR_TRACES);
		for (side = 0; side < 2 && !ret; side++) {
			struct side_result r = { 0 };
			double calls;

			ret = replay_side(tr, side == 1, &r);
			if (ret)
				break;
			/* 2 world switches per SMC round trip. */
			calls = (double)r.world_switches / 2;
			bench_printf(ctx, "  %-4s %-8s %7" PRIu64 " %10" PRIu64 " %12.2f %10.2f %10"
				     PRIu64 " %10.0f %9" PRIu64 "\n", tname, side_names[side],
				     r.allocs, r.world_switches,
				     r.allocs ? calls / (double)r.allocs : NAN,
				     frames > 0 ? (double)r.world_switches / frames : NAN, r.fw_ops,
				     (double)r.peak / (double)MIB, r.unexpected);
			report(ctx, tname, side_names[side], "TEE calls per buffer", "calls",
			       r.allocs ? calls / (double)r.allocs : NAN, false);
			report(ctx, tname, side_names[side], "world switches per frame", "switches",
			       frames > 0 ? (double)r.world_switches / frames : NAN, false);
			report(ctx, tname, side_names[side], "firewall reprogramming", "ops",
			       (double)r.fw_ops, false);
			report(ctx, tname, side_names[side], "peak protected", "MiB",
			       (double)r.peak / (double)MIB, false);
			/* T2 outgrows one 512 MiB chunk: its failures are the finding, not a goal. */
			report(ctx, tname, side_names[side], "unexpected failures", "ops",
			       (double)r.unexpected, side == 0 || trace_files[t][1] != '2');
		}
		rh_replay_trace_free(tr);
	}
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rheap-bench protmem [common options] [--no-sweep] [--no-replay]\n"
		"  the protected heaps of Linux 6.18 (optee-protmem board): alloc+free on\n"
		"  protected,secure-video and protected,trusted-ui for 4 KiB .. 64 MiB\n"
		"  (C API, fd layer) vs malloc+memset(0)+free, goal >= 1 MiB within %.1fx;\n"
		"  the LEND/RECLAIM cycle; then T1-T5 on both protocols side by side: TEE\n"
		"  calls per buffer, world switches per frame, firewall reprogramming, peak\n"
		"  protected memory, unexpected failures.\n", GOAL_RATIO);
}

int bench_protmem_main(struct bench_ctx *ctx, int argc, char **argv)
{
	bool sweep = true, replay = true;
	int i, ret = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-sweep")) {
			sweep = false;
		} else if (!strcmp(argv[i], "--no-replay")) {
			replay = false;
		} else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	bench_malloc_tune();
	if (sweep)
		ret = alloc_sweep(ctx);
	if (!ret && replay)
		ret = replays(ctx);
	return ret ? 1 : 0;
}
