// SPDX-License-Identifier: MIT
/* Benchmark 7: platform create + destroy from the default DTB against memfd + two mappings alone. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "baselines.h"
#include "bench-common.h"

/*
 * Method (perf.md §1.3): rh_platform_new() with the built-in
 * default DTB (mt8188-svp: 2 GiB of DRAM, a 384 MiB TEE chunk protected at
 * boot, a 384 MiB CMA region, 4 devices, the TEE and its TAs), then
 * rh_platform_unref(). Baseline: what simulated DRAM needs at the least,
 * memfd_create + ftruncate to the DRAM size + two shared mappings (normal
 * and secure view) + munmap x2 + close (perf.md: ~15 µs). Goal: the
 * median under 5 ms, an absolute figure; the ratio is printed too.
 *
 * Cold playback: the first secure session on a fresh platform allocates
 * eight 4K NV12 frames (12 533 760 B) from restricted_mtk_cma, which lends
 * the CMA region and zeroes memory the memfd has never held: page faults,
 * not the library, set that figure. Then all are freed and allocated once
 * more (a second session: the region is lent again, the pages are there).
 * Baselines, each on a fresh memfd of the DRAM size: memset(0) of the same
 * bytes through a fresh mapping (first-touch faults), and
 * MADV_POPULATE_WRITE + memset(0) (the bulk population the TA uses). The
 * platform's creation and destruction are outside the timed part.
 */

#define GOAL_NS 5e6
#define COLD_FRAMES 8
#define COLD_FRAME_SIZE UINT64_C(12533760)

struct floor_arg {
	uint64_t size;
	int err;
};

static void batch_floor(void *arg, uint64_t iters)
{
	struct floor_arg *f = arg;
	void *a, *b;
	int fd;

	while (iters--) {
		fd = memfd_create("bench-dram", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, (off_t)f->size)) {
			f->err = -errno;
			if (fd >= 0)
				close(fd);
			return;
		}
		a = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		b = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (a == MAP_FAILED || b == MAP_FAILED)
			f->err = -ENOMEM;
		if (a != MAP_FAILED)
			munmap(a, f->size);
		if (b != MAP_FAILED)
			munmap(b, f->size);
		close(fd);
		if (f->err)
			return;
	}
}

static void batch_platform(void *arg, uint64_t iters)
{
	int *err = arg;
	struct rh_platform *plat;

	while (iters--) {
		*err = bench_platform_new(&plat);
		if (*err)
			return;
		rh_platform_unref(plat);
	}
}

/* ------------------------------------------------------------ cold playback */

struct cold_sample {
	double first, second;	/* ns for the 8 frames, 1st and 2nd session */
	double fresh, populated; /* ns: memset of a fresh mapping, populate+memset */
	uint64_t faults_first, faults_second, faults_fresh, faults_populated;
};

/* memset(0) of @bytes through a fresh mapping of a fresh memfd of @size. */
static int cold_memfd(uint64_t size, uint64_t bytes, bool populate,
		      double *ret_ns, uint64_t *ret_faults)
{
	unsigned char *p;
	uint64_t t0, f0;
	int fd, ret = 0;

	fd = memfd_create("bench-cold", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size)) {
		ret = -errno;
		goto out;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	f0 = bench_faults();
	t0 = bench_now_ns();
#ifdef MADV_POPULATE_WRITE
	if (populate && madvise(p, bytes, MADV_POPULATE_WRITE))
		ret = -errno;
#else
	(void)populate;
#endif
	bench_memset0(p, bytes);
	*ret_ns = (double)(bench_now_ns() - t0);
	*ret_faults = bench_faults() - f0;
	munmap(p, size);
out:
	close(fd);
	return ret;
}

/* The frames of one session; frees them on failure. */
static int cold_session(struct rh_dma_heap *heap, struct rh_dma_buf **bufs,
			double *ret_ns, uint64_t *ret_faults)
{
	uint64_t t0, f0;
	unsigned int i;
	int ret = 0;

	f0 = bench_faults();
	t0 = bench_now_ns();
	for (i = 0; i < COLD_FRAMES; i++) {
		bufs[i] = bench_heap_alloc(heap, COLD_FRAME_SIZE);
		if (RH_IS_ERR(bufs[i])) {
			ret = (int)RH_PTR_ERR(bufs[i]);
			break;
		}
	}
	*ret_ns = (double)(bench_now_ns() - t0);
	*ret_faults = bench_faults() - f0;
	if (ret)
		while (i--)
			rh_dma_buf_put(bufs[i]);
	return ret;
}

static int cold_one(struct cold_sample *cs)
{
	struct rh_dma_buf *bufs[COLD_FRAMES];
	struct rh_platform *plat;
	struct rh_dma_heap *heap;
	uint64_t dram;
	unsigned int i;
	int ret;

	ret = bench_platform_new(&plat);
	if (ret)
		return ret;
	dram = rh_platform_get_desc(plat)->dram_size;
	heap = rh_dma_heap_find(plat, BENCH_HEAP_CMA);
	if (!heap) {
		ret = -ENOENT;
		goto out;
	}
	ret = cold_session(heap, bufs, &cs->first, &cs->faults_first);
	if (ret)
		goto out_put;
	for (i = 0; i < COLD_FRAMES; i++)
		rh_dma_buf_put(bufs[i]);
	ret = cold_session(heap, bufs, &cs->second, &cs->faults_second);
	if (ret)
		goto out_put;
	for (i = 0; i < COLD_FRAMES; i++)
		rh_dma_buf_put(bufs[i]);
	/* The baselines right after, on memfds as large as the DRAM. */
	ret = cold_memfd(dram, COLD_FRAMES * COLD_FRAME_SIZE, false, &cs->fresh,
			 &cs->faults_fresh);
	if (!ret)
		ret = cold_memfd(dram, COLD_FRAMES * COLD_FRAME_SIZE, true,
				 &cs->populated, &cs->faults_populated);
out_put:
	rh_dma_heap_put(heap);
out:
	rh_platform_unref(plat);
	return ret;
}

/*
 * One repetition = a fresh platform's two sessions and both baselines;
 * figures are medians over the repetitions, ratios paired per repetition.
 */
static int cold_playback(struct bench_ctx *ctx)
{
	unsigned int reps = ctx->reps < 5 && !ctx->quick ? 5 : ctx->reps;
	double v[4][64], rat[3][64], flt[4] = { 0 };
	static const char *const names[4] = {
		"cold playback 8x4K frames", "second session 8x4K frames",
		"memset0 fresh memfd", "populate+memset0 fresh memfd",
	};
	struct bench_stats st[4], rs[3];
	struct cold_sample cs;
	unsigned int r, k;
	int ret = 0;

	if (reps > 64)
		reps = 64;
	bench_section(ctx, "startup: cold playback, 8 x 12 533 760 B from "
		      "restricted_mtk_cma on a fresh platform (first touch of "
		      "the simulated DRAM) vs memset(0) of a fresh memfd mapping");
	bench_window_begin(ctx);
	for (r = 0; r < reps && !ret; r++) {
		bench_progress(ctx, "startup: cold playback", r, reps);
		ret = cold_one(&cs);
		v[0][r] = cs.first;
		v[1][r] = cs.second;
		v[2][r] = cs.fresh;
		v[3][r] = cs.populated;
		flt[0] += (double)cs.faults_first;
		flt[1] += (double)cs.faults_second;
		flt[2] += (double)cs.faults_fresh;
		flt[3] += (double)cs.faults_populated;
		rat[0][r] = cs.first / cs.fresh;
		rat[1][r] = cs.second / cs.fresh;
		rat[2][r] = cs.populated / cs.fresh;
	}
	bench_window_end(ctx);
	if (ret) {
		fprintf(stderr, "startup: cold playback: %s\n", strerror(-ret));
		return ret;
	}
	for (k = 0; k < 4; k++)
		bench_stats_compute(v[k], reps, &st[k]);
	for (k = 0; k < 3; k++)
		bench_stats_compute(rat[k], reps, &rs[k]);
	bench_report(ctx, &(struct bench_result){
		.bench = "startup", .case_name = names[2], .metric = "96M",
		.unit = "ns", .value = st[2].median, .p99 = NAN, .min = st[2].min,
		.faults_counted = true, .faults = flt[2] / reps });
	for (k = 0; k < 4; k++) {
		struct bench_result res = {
			.bench = "startup", .case_name = names[k], .metric = "96M",
			.unit = "ns", .value = st[k].median, .p99 = NAN,
			.min = st[k].min, .baseline = "memset0 fresh",
			.baseline_value = st[2].median, .paired = true,
			.faults_counted = true, .faults = flt[k] / reps,
			.baseline_faults = flt[2] / reps,
		};

		if (k == 2)
			continue;
		res.ratio_median = rs[k == 3 ? 2 : k].median;
		res.ratio_min = rs[k == 3 ? 2 : k].min;
		bench_report(ctx, &res);
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rheap-bench startup [common options]\n"
		"  rh_platform_new() from the default DTB + rh_platform_unref(), next to\n"
		"  memfd_create + ftruncate + 2 shared mappings + unmaps + close of the\n"
		"  same DRAM size. Goal: median < 5 ms. Then the cold playback: eight\n"
		"  4K frames from restricted_mtk_cma on a fresh platform, and again\n"
		"  (second session), vs memset(0) of a fresh memfd mapping.\n");
}

int bench_startup_main(struct bench_ctx *ctx, int argc, char **argv)
{
	struct floor_arg f = { 0 };
	struct bench_case cases[2];
	struct bench_stats lat;
	struct rh_platform *plat;
	int err = 0;

	if (argc > 1) {
		usage(strcmp(argv[1], "--help") ? stderr : stdout);
		return strcmp(argv[1], "--help") ? 2 : 0;
	}
	/* The DRAM size of the default platform, from the platform itself. */
	if (bench_platform_new(&plat))
		return 1;
	f.size = rh_platform_get_desc(plat)->dram_size;
	rh_platform_unref(plat);

	bench_section(ctx, "startup: platform create + destroy (default DTB)");
	cases[0] = (struct bench_case){ .fn = batch_floor, .arg = &f };
	cases[1] = (struct bench_case){ .fn = batch_platform, .arg = &err,
					.vs = &cases[0] };
	if (bench_measure_interleaved(ctx, cases, 2))
		return 1;
	bench_latency(ctx, batch_platform, &err, ctx->quick ? 50 : 500, &lat);
	if (f.err || err) {
		fprintf(stderr, "startup: %s\n", strerror(-(f.err ? f.err : err)));
		return 1;
	}
	{
		struct bench_result r = {
			.bench = "startup", .case_name = "create+destroy default",
			.metric = "median", .unit = "ns", .p99 = lat.p99,
			.baseline = "memfd+2 maps",
			.goal_kind = BENCH_GOAL_VALUE_MAX, .goal = GOAL_NS,
		};

		bench_result_from_cases(&r, &cases[1]);
		bench_report(ctx, &r);
	}
	return cold_playback(ctx) ? 1 : 0;
}
