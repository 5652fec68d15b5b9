// SPDX-License-Identifier: MIT
/* Benchmark 4: the secmem TA's chunk allocator vs tlsf-off and genalloc-ff on fragmenting workloads. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "baselines.h"
#include "ta/chunk-alloc.h"

/*
 * Method (perf.md §3): a 1 GiB region in 4 KiB pages, metadata only. The
 * steady state allocates below the low threshold of live pages, frees a
 * random live buffer above the high one, and in between does either with
 * p = 1/2; a failed allocation forces one random free. Every allocator
 * sees the same seed, so the same request stream. Figures: ns per
 * alloc+free pair (median sample / (steps / 2), harness included: see the
 * null allocator), per-call latency percentiles (separate pass, each call
 * timed), utilisation at the first failure after churn (W3: requested
 * bytes live / region, over several seeds) and the failure rate.
 */

#define REGION_BASE UINT64_C(0x80000000)
#define REGION_SIZE (UINT64_C(1) << 30)
#define REGION_PAGES (REGION_SIZE / BENCH_PAGE_SIZE)
#define P99_9_GOAL_NS 1000.0
#define PAIR_GOAL_RATIO 0.9	/* ns/pair <= 0.9 x tlsf-off's, paired median */

/* ------------------------------------------------------------ workloads */

struct workload {
	const char *name;
	const char *title;
	double lo, hi;		/* live-page thresholds, fraction of the region */
	uint64_t (*size)(struct bench_rng *rng); /* bytes */
};

static uint64_t w1_size(struct bench_rng *rng)
{
	uint64_t r = bench_rng_below(rng, 100);
	uint64_t pages;

	if (r < 40)
		pages = 1 + bench_rng_below(rng, 16);	/* metadata */
	else if (r < 65)
		pages = 256;				/* 1 MiB bitstream */
	else if (r < 85)
		pages = 760;				/* 1080p NV12 */
	else if (r < 97)
		pages = 3038;				/* 4K NV12 */
	else
		pages = 12150;				/* 8K NV12 */
	return pages * BENCH_PAGE_SIZE;
}

static uint64_t w2_size(struct bench_rng *rng)
{
	return (1 + bench_rng_below(rng, 1024)) * BENCH_PAGE_SIZE;
}

/* WR: random sizes 4 KiB - 8 MiB (log-uniform bytes, so small
 * buffers dominate as in a real mix), random lifetimes, 60-95 % target. */
static uint64_t wr_size(struct bench_rng *rng)
{
	static const double lo = 12.0 * 0.69314718055994530942; /* ln 4 KiB */
	static const double hi = 23.0 * 0.69314718055994530942; /* ln 8 MiB */

	return (uint64_t)exp(lo + bench_rng_unit(rng) * (hi - lo));
}

static const struct workload workloads[] = {
	{ "W1", "secure-video mix: 40% 1-16 pages, 25% 1 MiB, 20% 760, 12% 3038, "
		"3% 12150 pages; live 60-80%", 0.60, 0.80, w1_size },
	{ "W2", "uniform 1-1024 pages (4 KiB-4 MiB); live 60-80%", 0.60, 0.80,
	  w2_size },
	{ "WR", "random mix: log-uniform 4 KiB-8 MiB bytes, random lifetimes; "
		"live 60-95%", 0.60, 0.95, wr_size },
};

/* ------------------------------------------------------------ chunk adapters */

static int chunk_create(uint64_t base, uint64_t size, void **ret)
{
	return rh_chunk_alloc_create(base, size, BENCH_PAGE_SIZE,
				     (struct rh_chunk_alloc **)ret);
}

static void chunk_destroy(void *a)
{
	rh_chunk_alloc_destroy(a);
}

static int chunk_alloc(void *a, uint64_t size, uint64_t *ret_pa)
{
	return rh_chunk_alloc_alloc(a, size, BENCH_PAGE_SIZE, ret_pa);
}

static int chunk_free(void *a, uint64_t pa, uint64_t size)
{
	(void)size;
	return rh_chunk_alloc_free(a, pa, NULL);
}

static const struct bench_range_ops range_chunk = {
	.name = "chunk",
	.create = chunk_create,
	.destroy = chunk_destroy,
	.alloc = chunk_alloc,
	.free = chunk_free,
};

/* The same behind an uncontended mutex: what internal locking would cost. */
struct chunk_locked {
	pthread_mutex_t lock;
	struct rh_chunk_alloc *ca;
};

static int chunk_locked_create(uint64_t base, uint64_t size, void **ret)
{
	struct chunk_locked *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	err = rh_chunk_alloc_create(base, size, BENCH_PAGE_SIZE, &c->ca);
	if (err) {
		free(c);
		return err;
	}
	pthread_mutex_init(&c->lock, NULL);
	*ret = c;
	return 0;
}

static void chunk_locked_destroy(void *a)
{
	struct chunk_locked *c = a;

	pthread_mutex_destroy(&c->lock);
	rh_chunk_alloc_destroy(c->ca);
	free(c);
}

static int chunk_locked_alloc(void *a, uint64_t size, uint64_t *ret_pa)
{
	struct chunk_locked *c = a;
	int ret;

	pthread_mutex_lock(&c->lock);
	ret = rh_chunk_alloc_alloc(c->ca, size, BENCH_PAGE_SIZE, ret_pa);
	pthread_mutex_unlock(&c->lock);
	return ret;
}

static int chunk_locked_free(void *a, uint64_t pa, uint64_t size)
{
	struct chunk_locked *c = a;
	int ret;

	(void)size;
	pthread_mutex_lock(&c->lock);
	ret = rh_chunk_alloc_free(c->ca, pa, NULL);
	pthread_mutex_unlock(&c->lock);
	return ret;
}

static const struct bench_range_ops range_chunk_locked = {
	.name = "chunk+mutex",
	.create = chunk_locked_create,
	.destroy = chunk_locked_destroy,
	.alloc = chunk_locked_alloc,
	.free = chunk_locked_free,
};

enum { A_NULL, A_TLSF, A_GENALLOC, A_CHUNK, A_CHUNK_LOCKED, NR_ALLOCATORS };

static const struct bench_range_ops *const allocators[NR_ALLOCATORS] = {
	[A_NULL] = &bench_range_null,
	[A_TLSF] = &bench_range_tlsf_off,
	[A_GENALLOC] = &bench_range_genalloc_ff,
	[A_CHUNK] = &range_chunk,
	[A_CHUNK_LOCKED] = &range_chunk_locked,
};

/* ------------------------------------------------------------ driver */

struct live {
	uint64_t pa;
	uint64_t size;
};

struct run {
	const struct bench_range_ops *ops;
	void *a;
	const struct workload *wl;
	struct bench_rng rng;
	uint64_t lo_pages, hi_pages;
	uint64_t live_pages;	/* rounded */
	uint64_t live_bytes;	/* as requested */
	struct live *live;
	size_t nlive;
	uint64_t allocs, fails;
	int err;		/* first functional error (bad free) */
	/* optional per-call latency record */
	double *lat_alloc, *lat_free;
	size_t nlat_alloc, nlat_free, cap_lat;
	const struct bench_ctx *ctx;
	/* optional overlap checker (one bit per page) */
	uint8_t *check;
};

static inline uint64_t pages_of(uint64_t size)
{
	return (size + BENCH_PAGE_SIZE - 1) / BENCH_PAGE_SIZE;
}

static int run_init(struct run *r, const struct bench_range_ops *ops,
		    const struct workload *wl, uint64_t seed)
{
	memset(r, 0, sizeof(*r));
	r->ops = ops;
	r->wl = wl;
	bench_rng_seed(&r->rng, seed);
	r->lo_pages = (uint64_t)(wl->lo * (double)REGION_PAGES);
	r->hi_pages = (uint64_t)(wl->hi * (double)REGION_PAGES);
	r->live = malloc(REGION_PAGES * sizeof(*r->live));
	if (!r->live)
		return -ENOMEM;
	if (ops->create(REGION_BASE, REGION_SIZE, &r->a)) {
		free(r->live);
		return -ENOMEM;
	}
	return 0;
}

static void run_fini(struct run *r)
{
	r->ops->destroy(r->a);
	free(r->live);
	free(r->lat_alloc);
	free(r->lat_free);
	free(r->check);
}

/* Marks [pa, pa + pages) in the checker; false when it overlaps or leaves the region. */
static bool check_mark(struct run *r, uint64_t pa, uint64_t pages, bool set)
{
	uint64_t first, i;

	if (pa < REGION_BASE || pa % BENCH_PAGE_SIZE ||
	    pa - REGION_BASE + pages * BENCH_PAGE_SIZE > REGION_SIZE)
		return false;
	first = (pa - REGION_BASE) / BENCH_PAGE_SIZE;
	for (i = first; i < first + pages; i++) {
		bool was = r->check[i / 8] & (1u << (i % 8));

		if (was == set)
			return false;
		r->check[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	return true;
}

static inline void free_at(struct run *r, size_t idx)
{
	struct live *l = &r->live[idx];
	uint64_t t0 = 0;

	if (r->lat_free)
		t0 = bench_ticks();
	if (r->ops->free(r->a, l->pa, l->size) && !r->err)
		r->err = -EIO;
	if (r->lat_free && r->nlat_free < r->cap_lat)
		r->lat_free[r->nlat_free++] =
			bench_ticks_to_ns(r->ctx, bench_ticks() - t0);
	if (r->check && !check_mark(r, l->pa, pages_of(l->size), false) &&
	    !r->err)
		r->err = -EFAULT;
	r->live_pages -= pages_of(l->size);
	r->live_bytes -= l->size;
	*l = r->live[--r->nlive];
}

static inline void free_random(struct run *r)
{
	if (r->nlive)
		free_at(r, bench_rng_below(&r->rng, r->nlive));
}

/* One allocation attempt; returns false (after the forced free) on failure. */
static inline bool alloc_one(struct run *r)
{
	uint64_t size = r->wl->size(&r->rng), pa = 0, t0 = 0;
	int ret;

	if (r->lat_alloc)
		t0 = bench_ticks();
	ret = r->ops->alloc(r->a, size, &pa);
	if (r->lat_alloc && r->nlat_alloc < r->cap_lat)
		r->lat_alloc[r->nlat_alloc++] =
			bench_ticks_to_ns(r->ctx, bench_ticks() - t0);
	if (ret) {
		r->fails++;
		return false;
	}
	if (r->check && !check_mark(r, pa, pages_of(size), true) && !r->err)
		r->err = -EFAULT;
	r->allocs++;
	r->live[r->nlive].pa = pa;
	r->live[r->nlive].size = size;
	r->nlive++;
	r->live_pages += pages_of(size);
	r->live_bytes += size;
	return true;
}

static void run_steps(struct run *r, uint64_t steps)
{
	while (steps--) {
		bool do_alloc;

		if (r->live_pages < r->lo_pages)
			do_alloc = true;
		else if (r->live_pages > r->hi_pages)
			do_alloc = false;
		else
			do_alloc = bench_rng_next(&r->rng) >> 63;
		if (do_alloc) {
			if (!alloc_one(r))
				free_random(r);
		} else {
			free_random(r);
		}
	}
}

/* ------------------------------------------------------------ measurements */

struct frag_params {
	uint64_t warmup, steps, lat_steps, churn;
	unsigned int samples, seeds;
};

struct frag_result {
	bool done;
	bool steady;			/* steady-state figures measured */
	struct bench_stats pair_ns;	/* over samples */
	struct bench_stats ratio;	/* sample i / tlsf-off's sample i */
	double faults;			/* page faults per pair, timed samples */
	struct bench_stats lat_alloc, lat_free;
	double fail_rate;		/* steady state */
	struct bench_stats util;	/* over seeds */
	uint64_t metadata_bytes;	/* chunk only */
	uint64_t free_extents, live_buffers;
	int err;
};

static uint64_t wl_seed(const struct bench_ctx *ctx, unsigned int wl,
			unsigned int k)
{
	return ctx->seed * 1000003u + wl * 7919u + k;
}

/*
 * Steady state of every selected allocator, samples interleaved (one
 * sample of each in turn, the order rotating) so that load from the rest
 * of the machine hits all of them alike: only the ratios are kept.
 */
static int measure_steady(struct bench_ctx *ctx, const struct frag_params *p,
			  unsigned int wi, const bool *sel,
			  struct frag_result *res)
{
	struct run runs[NR_ALLOCATORS];
	double *samples[NR_ALLOCATORS] = { NULL };
	uint64_t t0, f0, allocs0[NR_ALLOCATORS], fails0[NR_ALLOCATORS];
	uint64_t faults[NR_ALLOCATORS] = { 0 };
	double *ratios = calloc(p->samples, sizeof(double));
	unsigned int i, k, ai;
	char label[64];
	int err = 0;

	snprintf(label, sizeof(label), "fragmentation %s: steady state",
		 workloads[wi].name);
	if (!ratios)
		return -ENOMEM;

	for (ai = 0; ai < NR_ALLOCATORS; ai++) {
		if (!sel[ai])
			continue;
		samples[ai] = calloc(p->samples, sizeof(double));
		err = samples[ai] ? run_init(&runs[ai], allocators[ai],
					     &workloads[wi], wl_seed(ctx, wi, 0)) :
				    -ENOMEM;
		if (err) {
			free(samples[ai]);
			samples[ai] = NULL;
			goto out;
		}
		run_steps(&runs[ai], p->warmup);
	}
	/*
	 * Each timed sample follows an untimed re-warm of the same allocator
	 * (a quarter of a sample): its own records, not the previous
	 * allocator's, are in the caches, as in a program that uses one.
	 * The steady-state counters start after the warm-up.
	 */
	for (ai = 0; ai < NR_ALLOCATORS; ai++) {
		if (!samples[ai])
			continue;
		allocs0[ai] = runs[ai].allocs;
		fails0[ai] = runs[ai].fails;
	}
	bench_window_begin(ctx);
	for (i = 0; i < p->samples; i++) {
		for (k = 0; k < NR_ALLOCATORS; k++) {
			ai = (i + k) % NR_ALLOCATORS;
			if (!samples[ai])
				continue;
			run_steps(&runs[ai], p->steps / 4);
			f0 = bench_faults();
			t0 = bench_now_ns();
			run_steps(&runs[ai], p->steps);
			samples[ai][i] = (double)(bench_now_ns() - t0) /
					 ((double)p->steps / 2);
			faults[ai] += bench_faults() - f0;
		}
		bench_progress(ctx, label, i + 1, p->samples);
	}
	bench_window_end(ctx);
	for (ai = 0; ai < NR_ALLOCATORS; ai++) {
		if (!samples[ai] || !samples[A_TLSF])
			continue;
		for (i = 0; i < p->samples; i++)
			ratios[i] = samples[ai][i] / samples[A_TLSF][i];
		bench_stats_compute(ratios, p->samples, &res[ai].ratio);
	}

	for (ai = 0; ai < NR_ALLOCATORS; ai++) {
		struct run *r = &runs[ai];
		struct frag_result *f = &res[ai];

		if (!samples[ai])
			continue;
		bench_stats_compute(samples[ai], p->samples, &f->pair_ns);
		f->faults = (double)faults[ai] /
			    ((double)p->samples * (double)p->steps / 2);
		f->fail_rate = (double)(r->fails - fails0[ai]) /
			       (double)(r->allocs - allocs0[ai] + r->fails -
					fails0[ai]);

		/* Latency pass: every call timed on its own. */
		r->ctx = ctx;
		r->cap_lat = p->lat_steps;
		r->lat_alloc = calloc(r->cap_lat, sizeof(double));
		r->lat_free = calloc(r->cap_lat, sizeof(double));
		if (r->lat_alloc && r->lat_free) {
			run_steps(r, p->lat_steps);
			for (i = 0; i < r->nlat_alloc; i++)
				r->lat_alloc[i] = fmax(0, r->lat_alloc[i] -
							  ctx->tick_overhead_ns);
			for (i = 0; i < r->nlat_free; i++)
				r->lat_free[i] = fmax(0, r->lat_free[i] -
							 ctx->tick_overhead_ns);
			bench_stats_compute(r->lat_alloc, r->nlat_alloc,
					    &f->lat_alloc);
			bench_stats_compute(r->lat_free, r->nlat_free,
					    &f->lat_free);
		}
		if (ai == A_CHUNK) {
			struct rh_chunk_alloc_stats st;

			rh_chunk_alloc_stats(r->a, &st);
			f->metadata_bytes = st.metadata_bytes;
			f->free_extents = st.free_blocks;
			f->live_buffers = st.used_blocks;
		}
		f->err = r->err;
	}
out:
	for (ai = 0; ai < NR_ALLOCATORS; ai++) {
		if (!samples[ai])
			continue;
		free(samples[ai]);
		run_fini(&runs[ai]);
	}
	free(ratios);
	return err;
}

/* W3: churn, then allocate until the first failure; utilisation per seed. */
static int measure_util(struct bench_ctx *ctx, const struct frag_params *p,
			unsigned int wi, unsigned int ai,
			struct frag_result *res)
{
	double *util = calloc(p->seeds, sizeof(*util));
	unsigned int s;
	char label[64];
	struct run r;
	int err = 0;

	snprintf(label, sizeof(label), "fragmentation %s: utilisation, %s",
		 workloads[wi].name, allocators[ai]->name);

	if (!util)
		return -ENOMEM;
	for (s = 0; s < p->seeds; s++) {
		err = run_init(&r, allocators[ai], &workloads[wi],
			       wl_seed(ctx, wi, s + 1));
		if (err)
			break;
		run_steps(&r, p->churn);
		while (alloc_one(&r))
			;
		util[s] = (double)r.live_bytes / (double)REGION_SIZE;
		if (r.err && !res->err)
			res->err = r.err;
		run_fini(&r);
		bench_progress(ctx, label, s + 1, p->seeds);
	}
	if (!err)
		bench_stats_compute(util, p->seeds, &res->util);
	free(util);
	return err;
}

/* Functional cross-check (quick mode): no overlap, inside the region. */
static int check_allocator(unsigned int wi, unsigned int ai, uint64_t steps)
{
	struct run r;
	int err;

	err = run_init(&r, allocators[ai], &workloads[wi], 42 + wi);
	if (err)
		return err;
	r.check = calloc(REGION_PAGES / 8, 1);
	if (!r.check) {
		run_fini(&r);
		return -ENOMEM;
	}
	run_steps(&r, steps);
	while (r.nlive)
		free_at(&r, r.nlive - 1);
	err = r.err;
	if (!err && ai == A_CHUNK) {
		if (rh_chunk_alloc_check(r.a) || !rh_chunk_alloc_is_empty(r.a))
			err = -EUCLEAN;
	}
	run_fini(&r);
	return err;
}

/* ------------------------------------------------------------ reporting */

static void print_table(struct bench_ctx *ctx, const struct frag_result *res)
{
	unsigned int ai;

	bench_printf(ctx, "  %-12s %9s %9s %13s | %6s %6s %6s %8s | %8s | %-29s | %6s\n",
		     "allocator", "ns/pair", "min", "/tlsf (min)", "alc50", "p99",
		     "p99.9", "max", "free99.9", "util median (p10, min-max)",
		     "fail %");
	for (ai = 0; ai < NR_ALLOCATORS; ai++) {
		const struct frag_result *f = &res[ai];
		char util[40] = "-", ratio[24] = "-";

		if (!f->done)
			continue;
		if (f->util.n)
			snprintf(util, sizeof(util), "%.3f (%.3f, %.3f-%.3f)",
				 f->util.median, f->util.p10, f->util.min,
				 f->util.max);
		if (!f->steady) {
			bench_printf(ctx, "  %-12s %9s %9s %13s | %6s %6s %6s %8s | %8s | %-29s |\n",
				     allocators[ai]->name, "-", "-", "-", "-", "-",
				     "-", "-", "-", util);
			continue;
		}
		if (f->ratio.n)
			snprintf(ratio, sizeof(ratio), "%.3f (%.3f)", f->ratio.median,
				 f->ratio.min);
		bench_printf(ctx,
			     "  %-12s %9.1f %9.1f %13s | %6.0f %6.0f %6.0f %8.0f | %8.0f | %-29s | %6.2f\n",
			     allocators[ai]->name, f->pair_ns.median,
			     f->pair_ns.min, ratio, f->lat_alloc.median,
			     f->lat_alloc.p99, f->lat_alloc.p999,
			     f->lat_alloc.max, f->lat_free.p999, util,
			     allocators[ai]->never_fails ? 0.0 :
							   100 * f->fail_rate);
	}
}

static void report_rows(struct bench_ctx *ctx, const struct workload *wl,
			const struct frag_result *res)
{
	char name[48];
	unsigned int ai;

	/* Every allocator's figures for CSV/JSON (the table shows them). */
	for (ai = 0; ai < NR_ALLOCATORS; ai++) {
		const struct frag_result *f = &res[ai];
		struct bench_result row = {
			.bench = "fragmentation",
			.case_name = name,
			.csv_only = true,
		};

		if (!f->done)
			continue;
		snprintf(name, sizeof(name), "%s %s", wl->name,
			 allocators[ai]->name);
		if (!f->steady)
			goto util;
		row.metric = "ns/pair";
		row.unit = "ns";
		row.value = f->pair_ns.median;
		row.p99 = f->pair_ns.p99;
		row.min = f->pair_ns.min;
		row.baseline = res[A_TLSF].done ? "tlsf-off" : NULL;
		row.baseline_value = res[A_TLSF].pair_ns.median;
		row.paired = res[A_TLSF].done;
		row.ratio_median = f->ratio.median;
		row.ratio_min = f->ratio.min;
		row.faults_counted = true;
		row.faults = f->faults;
		row.baseline_faults = res[A_TLSF].faults;
		bench_report(ctx, &row);
		row.paired = false;
		row.faults_counted = false;

		row.metric = "alloc p99.9";
		row.value = f->lat_alloc.p999;
		row.p99 = f->lat_alloc.p99;
		row.min = f->lat_alloc.min;
		row.baseline_value = res[A_TLSF].lat_alloc.p999;
		bench_report(ctx, &row);
util:
		if (!f->util.n)
			continue;
		row.metric = "utilisation";
		row.unit = "ratio";
		row.value = f->util.median;
		row.p99 = NAN;
		row.min = f->util.min;
		row.baseline = res[A_GENALLOC].done ? "genalloc-ff" : NULL;
		row.baseline_value = res[A_GENALLOC].util.median;
		bench_report(ctx, &row);

		if (!f->steady)
			continue;
		row.metric = "fail rate";
		row.unit = "ratio";
		row.value = f->fail_rate;
		row.min = NAN;
		row.baseline_value = res[A_GENALLOC].fail_rate;
		bench_report(ctx, &row);
	}

	/*
	 * The goals, chunk against its two peers: ns/pair <= 0.9 x tlsf-off's
	 * (median of the paired ratios), utilisation >= genalloc-ff's at the
	 * median and at the 10th percentile of the seeds.
	 */
	if (!res[A_CHUNK].done)
		return;
	snprintf(name, sizeof(name), "%s chunk", wl->name);
	if (res[A_TLSF].done && res[A_CHUNK].steady)
		bench_report(ctx, &(struct bench_result){
			.bench = "fragmentation", .case_name = name,
			.metric = "ns/pair", .unit = "ns",
			.value = res[A_CHUNK].pair_ns.median,
			.p99 = res[A_CHUNK].pair_ns.p99,
			.min = res[A_CHUNK].pair_ns.min,
			.baseline = "tlsf-off",
			.baseline_value = res[A_TLSF].pair_ns.median,
			.paired = true, .ratio_median = res[A_CHUNK].ratio.median,
			.ratio_min = res[A_CHUNK].ratio.min,
			.faults_counted = true, .faults = res[A_CHUNK].faults,
			.baseline_faults = res[A_TLSF].faults,
			.goal_kind = BENCH_GOAL_RATIO_MAX, .goal = PAIR_GOAL_RATIO });
	for (ai = 0; ai < 2 && res[A_GENALLOC].done && res[A_GENALLOC].util.n; ai++)
		bench_report(ctx, &(struct bench_result){
			.bench = "fragmentation", .case_name = name,
			.metric = ai ? "util p10" : "utilisation", .unit = "ratio",
			.value = ai ? res[A_CHUNK].util.p10 : res[A_CHUNK].util.median,
			.p99 = NAN, .min = res[A_CHUNK].util.min,
			.baseline = "genalloc-ff",
			.baseline_value = ai ? res[A_GENALLOC].util.p10 :
					       res[A_GENALLOC].util.median,
			.goal_kind = BENCH_GOAL_RATIO_MIN, .goal = 1.0 });
	if (!res[A_CHUNK].steady)
		return;
	bench_report(ctx, &(struct bench_result){
		.bench = "fragmentation", .case_name = name,
		.metric = "alloc p99.9", .unit = "ns",
		.value = res[A_CHUNK].lat_alloc.p999,
		.p99 = res[A_CHUNK].lat_alloc.p99,
		.min = res[A_CHUNK].lat_alloc.min,
		.goal_kind = BENCH_GOAL_VALUE_MAX, .goal = P99_9_GOAL_NS });
	if (res[A_CHUNK_LOCKED].done)
		bench_report(ctx, &(struct bench_result){
			.bench = "fragmentation", .case_name = name,
			.metric = "mutex cost", .unit = "ns",
			.value = res[A_CHUNK_LOCKED].pair_ns.median,
			.p99 = NAN, .min = res[A_CHUNK_LOCKED].pair_ns.min,
			.baseline = "chunk",
			.baseline_value = res[A_CHUNK].pair_ns.median });
	bench_printf(ctx, "  chunk metadata at the end: %" PRIu64 " KiB for %"
		     PRIu64 " live buffers and %" PRIu64
		     " free extents (tlsf-off: %" PRIu64
		     " KiB of records, genalloc-ff: %" PRIu64 " KiB bitmap)\n",
		     res[A_CHUNK].metadata_bytes >> 10,
		     res[A_CHUNK].live_buffers, res[A_CHUNK].free_extents,
		     (uint64_t)(REGION_PAGES * 16) >> 10,
		     (uint64_t)(REGION_PAGES / 8) >> 10);
}

/* ------------------------------------------------------------ main */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rheap-bench fragmentation [--workload W1|W2|WR]... "
		"[--allocator NAME]... [--seeds N]\n"
		"                                  [--steady-only | --util-only] "
		"[common options]\n"
		"allocators: null tlsf-off genalloc-ff chunk chunk+mutex\n"
		"--seeds N: utilisation seeds (default 101, quick 3)\n");
	bench_usage_common(f);
}

int bench_fragmentation_main(struct bench_ctx *ctx, int argc, char **argv)
{
	struct frag_result res[NR_ALLOCATORS];
	bool want_wl[3] = { false }, want_a[NR_ALLOCATORS] = { false };
	bool any_wl = false, any_a = false, sel[NR_ALLOCATORS];
	bool steady_only = false, util_only = false;
	unsigned int seeds = 0;
	char *end;
	struct frag_params p;
	unsigned int wi, ai;
	char title[160];
	int i, err;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--workload") && i + 1 < argc) {
			i++;
			for (wi = 0; wi < 3; wi++)
				if (!strcmp(argv[i], workloads[wi].name))
					break;
			if (wi == 3)
				goto err_usage;
			want_wl[wi] = any_wl = true;
		} else if (!strcmp(argv[i], "--allocator") && i + 1 < argc) {
			i++;
			for (ai = 0; ai < NR_ALLOCATORS; ai++)
				if (!strcmp(argv[i], allocators[ai]->name))
					break;
			if (ai == NR_ALLOCATORS)
				goto err_usage;
			want_a[ai] = any_a = true;
		} else if (!strcmp(argv[i], "--seeds") && i + 1 < argc) {
			seeds = (unsigned int)strtoul(argv[++i], &end, 10);
			if (*end || seeds == 0 || seeds > 1000)
				goto err_usage;
		} else if (!strcmp(argv[i], "--steady-only")) {
			steady_only = true;
		} else if (!strcmp(argv[i], "--util-only")) {
			util_only = true;
		} else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			goto err_usage;
		}
	}

	if (ctx->quick)
		p = (struct frag_params){ .warmup = 20000, .steps = 100000,
					  .lat_steps = 50000, .churn = 20000,
					  .samples = ctx->reps, .seeds = 3 };
	else
		p = (struct frag_params){ .warmup = 200000, .steps = 1000000,
					  .lat_steps = 400000, .churn = 200000,
					  .samples = ctx->reps, .seeds = 101 };
	if (seeds)
		p.seeds = seeds;

	bench_printf(ctx, "fragmentation: 1 GiB region in 4 KiB pages, metadata only; "
		     "%" PRIu64 " warm-up steps, %u samples of %" PRIu64
		     " steps, latency pass %" PRIu64 " steps, utilisation %u seeds x %"
		     PRIu64 " churn steps\n", p.warmup, p.samples, p.steps,
		     p.lat_steps, p.seeds, p.churn);

	for (wi = 0; wi < 3; wi++) {
		if (any_wl && !want_wl[wi])
			continue;
		memset(res, 0, sizeof(res));
		snprintf(title, sizeof(title), "%s %s", workloads[wi].name,
			 workloads[wi].title);
		bench_section(ctx, title);
		for (ai = 0; ai < NR_ALLOCATORS; ai++) {
			sel[ai] = !any_a || want_a[ai];
			if (!sel[ai] || !ctx->quick || allocators[ai]->never_fails)
				continue;
			err = check_allocator(wi, ai, 20000);
			if (err) {
				fprintf(stderr, "fragmentation: %s failed the "
					"overlap/consistency check on %s (%d)\n",
					allocators[ai]->name, workloads[wi].name,
					err);
				return 1;
			}
		}
		if (!util_only)
			err = measure_steady(ctx, &p, wi, sel, res);
		for (ai = 0; ai < NR_ALLOCATORS && !err; ai++) {
			if (!sel[ai])
				continue;
			res[ai].steady = !util_only;
			if (!allocators[ai]->never_fails && !steady_only)
				err = measure_util(ctx, &p, wi, ai, &res[ai]);
			if (!err)
				err = res[ai].err;
			if (err) {
				fprintf(stderr, "fragmentation: %s on %s: error %d\n",
					allocators[ai]->name, workloads[wi].name,
					err);
				return 1;
			}
			res[ai].done = true;
		}
		if (err) {
			fprintf(stderr, "fragmentation: %s: error %d\n",
				workloads[wi].name, err);
			return 1;
		}
		print_table(ctx, res);
		report_rows(ctx, &workloads[wi], res);
	}
	return 0;

err_usage:
	usage(stderr);
	return 2;
}
