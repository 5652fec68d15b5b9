// SPDX-License-Identifier: MIT
/* Benchmark 3: rh_sg_dup_table() + free against malloc + memcpy + free of 32 B x entries. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "baselines.h"
#include "bench-common.h"

/*
 * Method (perf.md §1.4): a source table of n entries (4 KiB
 * pages at scattered PAs, as the system heap builds them; chained every
 * 128 entries like the kernel's), duplicated and freed again. Baseline:
 * the least a copy of n kernel-style 32-byte scatterlist entries costs,
 * one malloc of 32 B x n, a memcpy and a free. Samples of the two are
 * interleaved.
 */

#define GOAL_RATIO 3.0

static const unsigned int nents[] = { 1, 16, 256, 4096 };
#define NR_CASES (sizeof(nents) / sizeof(nents[0]))

struct dup_arg {
	struct rh_sg_table src;
	int err;
};

static void batch_dup(void *arg, uint64_t iters)
{
	struct dup_arg *d = arg;
	struct rh_sg_table *t;

	while (iters--) {
		t = rh_sg_dup_table(&d->src);
		if (RH_IS_ERR(t)) {
			d->err = (int)RH_PTR_ERR(t);
			return;
		}
		__asm__ volatile("" : : "r"(t) : "memory");
		rh_sg_dup_table_free(t);
	}
}

static int build_source(struct rh_sg_table *t, unsigned int n)
{
	struct rh_scatterlist *sg;
	unsigned int i;
	int ret;

	ret = rh_sg_alloc_table(t, n);
	if (ret)
		return ret;
	for (i = 0, sg = t->sgl; i < n; i++, sg = rh_sg_next(sg))
		rh_sg_set_page(sg, 0x40000 + 3 * i, RH_PAGE_SIZE, 0);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rheap-bench sgdup [common options]\n"
		"  rh_sg_dup_table() + rh_sg_dup_table_free() of 1, 16, 256 and 4096\n"
		"  entries, next to malloc + memcpy + free of 32 B x entries.\n"
		"  Goal: within %.0fx.\n", GOAL_RATIO);
}

int bench_sgdup_main(struct bench_ctx *ctx, int argc, char **argv)
{
	struct bench_stats lat;
	struct dup_arg d;
	unsigned int c;
	void *src;
	int ret = 0;

	if (argc > 1) {
		usage(strcmp(argv[1], "--help") ? stderr : stdout);
		return strcmp(argv[1], "--help") ? 2 : 0;
	}
	src = calloc(4096, 32);
	if (!src)
		return 1;

	bench_malloc_tune();
	bench_section(ctx, "sgdup: rh_sg_dup_table + free vs malloc+memcpy+free of 32 B x entries");
	for (c = 0; c < NR_CASES && !ret; c++) {
		struct bench_mem_arg m = { .size = (size_t)nents[c] * 32, .src = src };
		struct bench_result r = {
			.bench = "sgdup", .metric = "dup+free", .unit = "ns",
			.baseline = "malloc+memcpy",
			.goal_kind = BENCH_GOAL_RATIO_MAX, .goal = GOAL_RATIO,
		};
		struct bench_case cases[2] = {
			{ .fn = bench_batch_malloc_memcpy_free, .arg = &m },
			{ .fn = batch_dup, .arg = &d },
		};
		char cname[32];

		memset(&d, 0, sizeof(d));
		ret = build_source(&d.src, nents[c]);
		if (ret)
			break;
		cases[1].vs = &cases[0];
		ret = bench_measure_interleaved(ctx, cases, 2);
		if (!ret)
			bench_latency(ctx, batch_dup, &d, ctx->quick ? 1000 : 10000, &lat);
		rh_sg_free_table(&d.src);
		if (!ret)
			ret = d.err;
		if (ret)
			break;
		snprintf(cname, sizeof(cname), "%u entries", nents[c]);
		r.case_name = cname;
		bench_result_from_cases(&r, &cases[1]);
		r.p99 = lat.p99;
		bench_report(ctx, &r);
	}
	free(src);
	if (ret)
		fprintf(stderr, "sgdup: %s\n", strerror(-ret));
	return ret ? 1 : 0;
}
