// SPDX-License-Identifier: MIT
/* Benchmark 1: alloc+free per heap and size, C API and fd layer, against malloc+memset(0)+free. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "baselines.h"
#include "bench-common.h"
#include "bench-sim.h"

/*
 * Method (perf.md §1.4, §6):
 * - one platform for the warm sweep; each heap is warmed first with one
 *   alloc+free of the largest size, so the simulated DRAM behind the pages
 *   the heap reuses is faulted in (a first touch costs ~2.7 µs a page here,
 *   page faults are not the library's cost);
 * - the CMA heap lends its whole region on its first buffer and takes it
 *   back with its last: the steady state is measured with one long-lived
 *   4 KiB CMA buffer held, and the lend + reclaim cycle is reported on its
 *   own (alloc+free with nothing else alive);
 * - the cold pass (a fresh platform, first alloc+free of each size, page
 *   faults included) is reported separately, next to the warm figure;
 * - baseline of the goal: memset(0) of a pre-faulted buffer of the same
 *   size, at every size (the zero hidden from the compiler). It never
 *   page-faults, which the faults/op column shows for every sample;
 * - malloc + memset(0) + free of the same size (below 32 MiB; glibc mmaps
 *   fresh pages above) is measured in the same repetitions and printed with
 *   its own page faults: interleaved with the library its memory can move
 *   to fresh pages (it faulted 40-440 times an iteration at 4 and 16 MiB in
 *   one run), so it is context, not the yardstick;
 * - goal: >= 1 MiB on the restricted heaps, ratio <= 1.5, both paths.
 */

#define GOAL_RATIO 1.5
#define GOAL_MIN_SIZE MIB
#define PREFAULT_MIN_SIZE (32 * MIB)

static const uint64_t sizes[] = {
	4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, MIB, 4 * MIB, 16 * MIB, 64 * MIB,
	128 * MIB, 256 * MIB,
};
#define NR_SIZES (sizeof(sizes) / sizeof(sizes[0]))
#define MAX_SIZE (256 * MIB)
#define SIZE_1M 4 /* index of 1 MiB in sizes[] */
#define SIZE_64M 7

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rheap-bench alloc [common options] [--heap NAME] [--no-cold]\n"
		"  alloc+free per heap (system, restricted_mtk_cm, restricted_mtk_cma)\n"
		"  for 4 KiB .. 256 MiB through the C API and the fd layer, next to\n"
		"  memset(0) of a pre-faulted buffer of the same size (the goal's\n"
		"  baseline) and malloc+memset(0)+free (below 32 MiB, context).\n"
		"  Goal: restricted heaps >= 1 MiB within %.1fx.\n",
		GOAL_RATIO);
}

static size_t latency_ops(const struct bench_ctx *ctx, uint64_t size)
{
	size_t n = ctx->quick ? 100 : 1000;

	if (size >= 128 * MIB)
		n /= 50;
	else if (size >= 16 * MIB)
		n /= 10;
	return n;
}

static int warm_heap(struct bench_alloc_arg *a)
{
	bench_batch_capi(a, 1);
	return a->err;
}

static bool heap_selected(const char *only, const struct bench_heap_desc *hd)
{
	return !only || !strcmp(only, hd->name) || !strcmp(only, hd->tag);
}

/*
 * One size: the baselines and both paths of every selected heap, their
 * samples interleaved; a row per heap and path. @ret_capi gets the C API
 * medians (NAN for heaps not measured).
 */
static int measure_size(struct bench_ctx *ctx, struct bench_alloc_arg *args,
			uint64_t size, const char *only, void *prefaulted,
			double ret_capi[BENCH_NR_HEAPS])
{
	struct bench_mem_arg m = { .size = (size_t)size, .dst = prefaulted };
	struct bench_case cases[2 + 2 * BENCH_NR_HEAPS];
	unsigned int heap_of[2 + 2 * BENCH_NR_HEAPS];
	bool with_malloc = size < PREFAULT_MIN_SIZE;
	unsigned int h, n = 0, i;
	char cname[64], sz[16];
	int ret;

	memset(cases, 0, sizeof(cases));
	cases[n].fn = bench_batch_memset0;
	cases[n++].arg = &m;
	if (with_malloc) {
		cases[n].fn = bench_batch_malloc_memset_free;
		cases[n].vs = &cases[0];
		cases[n++].arg = &m;
	}
	for (h = 0; h < BENCH_NR_HEAPS; h++) {
		ret_capi[h] = NAN;
		if (!heap_selected(only, &bench_heaps[h]))
			continue;
		bench_add_alloc_cases(cases, heap_of, &n, &cases[0], &args[h], h, size);
	}
	ret = bench_measure_interleaved(ctx, cases, n);
	if (ret)
		return ret;

	/* The baselines themselves, with their page faults. */
	snprintf(cname, sizeof(cname), "memset0 %s", bench_fmt_size(size, sz, sizeof(sz)));
	bench_report(ctx, &(struct bench_result){
		.bench = "alloc", .case_name = cname, .metric = "baseline",
		.unit = "ns", .value = cases[0].stats.median, .p99 = NAN,
		.min = cases[0].stats.min, .faults_counted = true,
		.faults = cases[0].stats.faults });
	if (with_malloc) {
		struct bench_result r = {
			.bench = "alloc", .case_name = cname, .metric = "baseline",
			.unit = "ns", .p99 = NAN, .baseline = "memset0",
		};

		snprintf(cname, sizeof(cname), "malloc+memset %s",
			 bench_fmt_size(size, sz, sizeof(sz)));
		bench_result_from_cases(&r, &cases[1]);
		bench_report(ctx, &r);
	}

	for (i = 1 + with_malloc; i < n; i++) {
		const struct bench_heap_desc *hd = &bench_heaps[heap_of[i]];
		struct bench_alloc_arg *a = &args[heap_of[i]];
		bool fd = cases[i].fn == bench_batch_fd;
		struct bench_stats lat;
		struct bench_result r = {
			.bench = "alloc", .metric = "alloc+free", .unit = "ns",
			.baseline = "memset0",
		};

		if (!a->err)
			bench_latency(ctx, cases[i].fn, a, latency_ops(ctx, size), &lat);
		if (a->err) {
			fprintf(stderr, "alloc: %s %s %s failed: %s\n", hd->name,
				fd ? "fd" : "capi", bench_fmt_size(size, sz, sizeof(sz)),
				strerror(-a->err));
			return a->err;
		}
		snprintf(cname, sizeof(cname), "%s %s %s", hd->tag, fd ? "fd" : "capi",
			 bench_fmt_size(size, sz, sizeof(sz)));
		r.case_name = cname;
		bench_result_from_cases(&r, &cases[i]);
		r.p99 = lat.p99;
		if (hd->restricted && size >= GOAL_MIN_SIZE) {
			r.goal_kind = BENCH_GOAL_RATIO_MAX;
			r.goal = GOAL_RATIO;
		}
		bench_report(ctx, &r);
		if (!fd)
			ret_capi[heap_of[i]] = cases[i].stats.median;
		if (!fd)
			bench_sim_report_alloc(ctx, hd, size);
	}
	return 0;
}

/* First alloc+free of @size on a fresh platform: page faults included. */
static int measure_cold(const struct bench_heap_desc *hd, uint64_t size,
			double *ret_ns)
{
	struct rh_platform *plat;
	struct rh_dma_heap *heap;
	struct rh_dma_buf *buf;
	uint64_t t0;
	int ret;

	ret = bench_platform_new(&plat);
	if (ret)
		return ret;
	heap = rh_dma_heap_find(plat, hd->name);
	if (!heap) {
		ret = -ENOENT;
		goto out;
	}
	t0 = bench_now_ns();
	buf = bench_heap_alloc(heap, size);
	if (RH_IS_ERR(buf)) {
		ret = (int)RH_PTR_ERR(buf);
	} else {
		rh_dma_buf_put(buf);
		*ret_ns = (double)(bench_now_ns() - t0);
	}
	rh_dma_heap_put(heap);
out:
	rh_platform_unref(plat);
	return ret;
}

/* CMA lend + reclaim: alloc+free with no other CMA buffer alive. */
static int measure_cma_cycle(struct bench_ctx *ctx, struct bench_alloc_arg *a,
			     uint64_t size, double steady)
{
	struct bench_result r = {
		.bench = "alloc", .metric = "lend+reclaim", .unit = "ns",
		.baseline = "held", .baseline_value = steady,
	};
	struct rh_restricted_mtk_stats before, after;
	struct bench_stats st, lat;
	char cname[64], sz[16];

	rh_restricted_mtk_get_stats(a->plat, BENCH_HEAP_CMA, &before);
	a->size = size;
	a->err = 0;
	bench_measure(ctx, bench_batch_capi, a, &st, ctx->quick ? 20 : 200, &lat);
	if (a->err)
		return a->err;
	rh_restricted_mtk_get_stats(a->plat, BENCH_HEAP_CMA, &after);
	if (after.cma_releases == before.cma_releases) {
		fprintf(stderr, "alloc: the CMA region was never released\n");
		return -EINVAL;
	}
	snprintf(cname, sizeof(cname), "cma cycle %s",
		 bench_fmt_size(size, sz, sizeof(sz)));
	r.case_name = cname;
	r.value = st.median;
	r.p99 = lat.p99;
	r.min = st.min;
	bench_report(ctx, &r);
	return 0;
}

int bench_alloc_main(struct bench_ctx *ctx, int argc, char **argv)
{
	double steady[BENCH_NR_HEAPS][NR_SIZES];
	struct bench_alloc_arg args[BENCH_NR_HEAPS];
	struct rh_dma_buf *keeper = NULL;
	const char *only = NULL;
	struct rh_platform *plat;
	bool cold = true;
	void *prefaulted;
	unsigned int h, s;
	char sz[16], path[96];
	int i, ret;

	for (h = 0; h < BENCH_NR_HEAPS; h++)
		for (s = 0; s < NR_SIZES; s++)
			steady[h][s] = NAN;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--heap") && i + 1 < argc) {
			only = argv[++i];
		} else if (!strcmp(argv[i], "--no-cold")) {
			cold = false;
		} else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}

	bench_malloc_tune();
	prefaulted = mmap(NULL, MAX_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (prefaulted == MAP_FAILED)
		return 1;
	bench_fault_in(prefaulted, MAX_SIZE);

	ret = bench_platform_new(&plat);
	if (ret)
		goto out_unmap;
	memset(args, 0, sizeof(args));
	for (h = 0; h < BENCH_NR_HEAPS; h++) {
		args[h].plat = plat;
		args[h].heap_fd = -1;
	}
	for (h = 0; h < BENCH_NR_HEAPS; h++) {
		args[h].heap = rh_dma_heap_find(plat, bench_heaps[h].name);
		if (!args[h].heap) {
			fprintf(stderr, "alloc: no heap %s\n", bench_heaps[h].name);
			ret = -ENOENT;
			goto out_put;
		}
		snprintf(path, sizeof(path), RH_DMA_HEAP_DEV_DIR "/%s",
			 bench_heaps[h].name);
		args[h].heap_fd = rh_open(plat, path, O_RDWR | O_CLOEXEC);
		if (args[h].heap_fd < 0) {
			ret = args[h].heap_fd;
			goto out_put;
		}
	}

	bench_section(ctx, "alloc: alloc+free per heap, C API (capi) and fd layer (fd)");
	bench_printf(ctx, "  warm pools; the CMA heap is measured with one 4K buffer held "
		     "(region stays lent); baseline memset(0) of a pre-faulted "
		     "buffer (malloc+memset(0)+free below 32M for context)\n");

	/* Warm: the largest size once on every heap; then the CMA keeper. */
	for (h = 0; h < BENCH_NR_HEAPS; h++) {
		args[h].size = MAX_SIZE;
		ret = warm_heap(&args[h]);
		if (ret) {
			fprintf(stderr, "alloc: warming %s failed: %s\n",
				bench_heaps[h].name, strerror(-ret));
			goto out_put;
		}
	}
	keeper = bench_heap_alloc(args[2].heap, 4 * KIB);
	if (RH_IS_ERR(keeper)) {
		ret = (int)RH_PTR_ERR(keeper);
		keeper = NULL;
		goto out_put;
	}

	for (s = 0; s < NR_SIZES; s++) {
		double capi[BENCH_NR_HEAPS];

		/* Quick: 128 MiB is the 256 MiB case's neighbour; save the time. */
		if (ctx->quick && sizes[s] == 128 * MIB)
			continue;
		bench_progress(ctx, "alloc", s, NR_SIZES);
		ret = measure_size(ctx, args, sizes[s], only, prefaulted, capi);
		if (ret)
			goto out_put;
		for (h = 0; h < BENCH_NR_HEAPS; h++)
			steady[h][s] = capi[h];
	}

	if (!only || !strcmp(only, BENCH_HEAP_CMA) || !strcmp(only, "cma")) {
		bench_section(ctx, "alloc: CMA lend + reclaim cycle (no other CMA buffer alive) "
			      "vs the same alloc+free with the region held");
		rh_dma_buf_put(keeper);
		keeper = NULL;
		ret = measure_cma_cycle(ctx, &args[2], 4 * KIB, steady[2][0]);
		if (!ret)
			ret = measure_cma_cycle(ctx, &args[2], MIB, steady[2][SIZE_1M]);
		if (ret)
			goto out_put;
	}

	if (cold) {
		bench_section(ctx, "alloc: cold first alloc+free on a fresh platform "
			      "(page faults included) vs the warm figure (C API)");
		for (h = 0; h < BENCH_NR_HEAPS; h++) {
			if (!heap_selected(only, &bench_heaps[h]))
				continue;
			for (s = 0; s < NR_SIZES; s++) {
				struct bench_result r = {
					.bench = "alloc", .metric = "cold", .unit = "ns",
					.baseline = "warm", .baseline_value = steady[h][s],
					.p99 = NAN, .min = NAN,
				};
				char cname[64];
				double ns = 0;

				/* Quick: 4K, 1M and 64M (first touch of 256M is ~1 s). */
				if (ctx->quick && s != 0 && s != SIZE_1M && s != SIZE_64M)
					continue;
				ret = measure_cold(&bench_heaps[h], sizes[s], &ns);
				if (ret)
					goto out_put;
				snprintf(cname, sizeof(cname), "%s cold %s",
					 bench_heaps[h].tag,
					 bench_fmt_size(sizes[s], sz, sizeof(sz)));
				r.case_name = cname;
				r.value = ns;
				bench_report(ctx, &r);
			}
		}
	}
	ret = 0;

out_put:
	rh_dma_buf_put(keeper);
	for (h = 0; h < BENCH_NR_HEAPS; h++) {
		if (args[h].heap_fd >= 0)
			rh_close(plat, args[h].heap_fd);
		rh_dma_heap_put(args[h].heap);
	}
	rh_platform_unref(plat);
out_unmap:
	munmap(prefaulted, MAX_SIZE);
	return ret ? 1 : 0;
}
