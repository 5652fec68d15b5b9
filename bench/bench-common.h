/* SPDX-License-Identifier: MIT */
/* Helpers shared by the library benchmarks: platforms, heaps, sizes, threads. */
#ifndef RH_BENCH_COMMON_H
#define RH_BENCH_COMMON_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/rheap.h>

#include "bench.h"

#define KIB (UINT64_C(1) << 10)
#define MIB (UINT64_C(1) << 20)

/* Heap names as registered, and their short forms in tables. */
#define BENCH_HEAP_SYSTEM "system"
#define BENCH_HEAP_CM "restricted_mtk_cm"
#define BENCH_HEAP_CMA "restricted_mtk_cma"

struct bench_heap_desc {
	const char *name;  /* registry name */
	const char *tag;   /* short name in tables and CSV cases */
	bool restricted;
	bool cma;          /* lends its whole region on the first buffer */
};

extern const struct bench_heap_desc bench_heaps[3];
#define BENCH_NR_HEAPS 3

/*
 * bench_platform_new() - the default platform (mt8188-svp DTB), quiet:
 * only errors are logged. Returns 0 or a negative errno (printed).
 */
int bench_platform_new(struct rh_platform **ret_plat);

/*
 * bench_platform_new_chunk() - the default platform with its static TEE
 * chunk (/reserved-memory/tee-chunk@60000000, 384 MiB) resized to
 * @chunk_size bytes, by editing a copy of the default DTB with libfdt.
 */
int bench_platform_new_chunk(uint64_t chunk_size, struct rh_platform **ret_plat);

/* "4K", "1M", "64M": @buf of at least 16 bytes. */
const char *bench_fmt_size(uint64_t size, char *buf, size_t len);

/* Single allocations through the C API and the fd layer. */
struct rh_dma_buf *bench_heap_alloc(struct rh_dma_heap *heap, uint64_t size);
/* DMA_HEAP_IOCTL_ALLOC on @heap_fd: the dma-buf fd, or a negative errno. */
int bench_fd_alloc(struct rh_platform *plat, int heap_fd, uint64_t size);

/*
 * struct bench_alloc_arg - one heap's alloc+free batches: @size bytes from
 * @heap (C API) or @heap_fd (fd layer); @err keeps the first failure.
 * bench_batch_capi() / bench_batch_fd() are bench_batch_fn: @iters
 * alloc+free pairs, stopping at the first failure.
 */
struct bench_alloc_arg {
	struct rh_platform *plat;
	struct rh_dma_heap *heap;
	int heap_fd;
	uint64_t size;
	int err; /* first failure, 0 if none */
};

void bench_batch_capi(void *arg, uint64_t iters);
void bench_batch_fd(void *arg, uint64_t iters);

struct bench_case;
/*
 * bench_add_alloc_cases() - @arg's C API and fd-layer cases of @size at
 * @cases[*@n] and the next, each paired with @vs (the baseline), its heap
 * index @heap in @heap_of; *@n grows by 2.
 */
void bench_add_alloc_cases(struct bench_case *cases, unsigned int *heap_of, unsigned int *n,
			   const struct bench_case *vs, struct bench_alloc_arg *arg,
			   unsigned int heap, uint64_t size);

struct rh_replay_trace;
/* Frames a trace shows: (stop - play) x fps of its play/stop markers, per session. */
double bench_played_frames(const struct rh_replay_trace *tr);

/*
 * bench_malloc_tune() - pin glibc's malloc to what perf.md §1.4 measured:
 * requests below 32 MiB from the heap (M_MMAP_THRESHOLD, its maximum, no
 * dynamic adjustment) and freed memory never handed back to the kernel
 * (M_TRIM_THRESHOLD 1 GiB). With glibc's dynamic thresholds, depending on
 * what the process allocated before, free() may trim or unmap and the next
 * malloc() start on fresh pages: malloc+memset(0)+free of 1 MiB measured
 * up to 3x slower than the memset, and the library's ratio better.
 * Process-wide; benchmarks that compare against malloc call it first.
 */
void bench_malloc_tune(void);

/*
 * bench_fault_in() - write every page of @buf once so page faults stay out of
 * the timed baselines (perf.md §1.3).
 */
void bench_fault_in(void *buf, size_t size);

/* ------------------------------------------------------------ interleaving */

/**
 * struct bench_case - one of several figures measured side by side
 * @fn, @arg: the batch function and its argument
 * @vs:    the case this one is compared with (its baseline), or NULL
 * @stats: per-operation ns over the samples (median, min ...) and page
 *         faults per operation, filled by bench_measure_interleaved()
 * @ratio: with @vs, the per-repetition ratios sample[r] / vs->sample[r]
 *         (median, min ...): two samples of one repetition run back to back,
 *         so a burst of load lands on both
 */
struct bench_case {
	bench_batch_fn fn;
	void *arg;
	const struct bench_case *vs;
	struct bench_stats stats;
	struct bench_stats ratio;
	/* private */
	uint64_t iters;
	double *samples;
};

/*
 * bench_measure_interleaved() - bench_measure() for @n cases at once: each
 * is calibrated to ctx->min_sample_ns, gets a warm-up sample, then the
 * ctx->reps repetitions go round-robin over the cases (the first case of a
 * round rotates). Every timed sample is preceded by an untimed re-warm of
 * the same case (a quarter of its batch), so no case inherits caches the
 * previous one filled with its own data. A disturbance on this shared
 * machine lands on a figure and on its baseline alike, and their paired
 * ratios (see struct bench_case) survive it. Page faults are counted over
 * the timed samples. Returns 0 or -ENOMEM.
 */
int bench_measure_interleaved(struct bench_ctx *ctx, struct bench_case *cases,
			      unsigned int n);

/*
 * bench_result_from_cases() - fill @r's value, min, baseline value, paired
 * ratios and page faults from case @c measured against @c->vs (which must
 * be set). The caller fills the names, p99 and goal.
 */
void bench_result_from_cases(struct bench_result *r, const struct bench_case *c);

/*
 * bench_latency() - @nops single operations of @fn timed one by one (TSC,
 * read overhead subtracted): p50 / p99 / p99.9 / max in @ret.
 */
void bench_latency(struct bench_ctx *ctx, bench_batch_fn fn, void *arg,
		   size_t nops, struct bench_stats *ret);

/* ------------------------------------------------------------ threads */

/*
 * Two-thread scaling, perf.md §2: N threads released by a barrier run the
 * same operations; the wall time goes from the release to the last join.
 * @fn(@arg[i], @iters) runs thread i's share.
 */
struct bench_par {
	unsigned int nthreads;
	uint64_t iters;
	bench_batch_fn fn;
	void **args;
};

/* Wall time in ns of one run of @p->nthreads threads, or 0 on failure. */
uint64_t bench_par_run(const struct bench_par *p);

#endif /* RH_BENCH_COMMON_H */
