// SPDX-License-Identifier: MIT
/* Helpers shared by the library benchmarks: platforms, heaps, sizes, threads. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libfdt.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/replay.h>

#include "bench-common.h"

const struct bench_heap_desc bench_heaps[BENCH_NR_HEAPS] = {
	{ BENCH_HEAP_SYSTEM, "system", false, false },
	{ BENCH_HEAP_CM, "cm", true, false },
	{ BENCH_HEAP_CMA, "cma", true, true },
};

int bench_platform_new(struct rh_platform **ret_plat)
{
	RH_DEFINE_PLATFORM_INFO(info);
	int ret;

	info.log_level = RH_LOG_ERR;
	ret = rh_platform_new(&info, ret_plat);
	if (ret)
		fprintf(stderr, "rheap-bench: cannot create the default platform: %s\n",
			strerror(-ret));
	return ret;
}

int bench_platform_new_chunk(uint64_t chunk_size, struct rh_platform **ret_plat)
{
	RH_DEFINE_PLATFORM_INFO(info);
	const void *dtb;
	size_t size;
	fdt64_t reg[2];
	void *copy;
	int node, ret;

	dtb = rh_platform_default_dtb(&size);
	copy = malloc(size + 1024);
	if (!copy)
		return -ENOMEM;
	ret = fdt_open_into(dtb, copy, (int)(size + 1024));
	node = ret ? ret : fdt_path_offset(copy, "/reserved-memory/tee-chunk@60000000");
	if (node >= 0) {
		/* #address-cells = #size-cells = 2 in the default DTB. */
		reg[0] = cpu_to_fdt64(UINT64_C(0x60000000));
		reg[1] = cpu_to_fdt64(chunk_size);
		ret = fdt_setprop(copy, node, "reg", reg, sizeof(reg));
	} else {
		ret = node;
	}
	if (ret) {
		fprintf(stderr, "rheap-bench: cannot edit the default DTB: %s\n",
			fdt_strerror(ret));
		free(copy);
		return -EINVAL;
	}
	info.dtb = copy;
	info.dtb_size = fdt_totalsize(copy);
	info.log_level = RH_LOG_ERR;
	ret = rh_platform_new(&info, ret_plat);
	free(copy);
	if (ret)
		fprintf(stderr, "rheap-bench: cannot create the platform: %s\n",
			strerror(-ret));
	return ret;
}

const char *bench_fmt_size(uint64_t size, char *buf, size_t len)
{
	if (size >= MIB && !(size % MIB))
		snprintf(buf, len, "%" PRIu64 "M", size / MIB);
	else if (size >= KIB && !(size % KIB))
		snprintf(buf, len, "%" PRIu64 "K", size / KIB);
	else
		snprintf(buf, len, "%" PRIu64, size);
	return buf;
}

struct rh_dma_buf *bench_heap_alloc(struct rh_dma_heap *heap, uint64_t size)
{
	return rh_dma_heap_buffer_alloc_dmabuf(heap, (size_t)size,
					       O_RDWR | O_CLOEXEC, 0);
}

int bench_fd_alloc(struct rh_platform *plat, int heap_fd, uint64_t size)
{
	struct rh_dma_heap_allocation_data data = {
		.len = size,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	int ret;

	ret = rh_ioctl(plat, heap_fd, RH_DMA_HEAP_IOCTL_ALLOC, &data);
	return ret ? ret : (int)data.fd;
}

void bench_malloc_tune(void)
{
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

void bench_fault_in(void *buf, size_t size)
{
	volatile unsigned char *p = buf;
	size_t off;

	for (off = 0; off < size; off += 4096)
		p[off] = 1;
}

/* ------------------------------------------------------------ interleaving */

/* Iterations of @c->fn so that one sample lasts about @ns (as bench_measure()). */
static uint64_t calibrate_case(const struct bench_case *c, uint64_t ns)
{
	uint64_t iters = 1, t0, dt;

	for (;;) {
		t0 = bench_now_ns();
		c->fn(c->arg, iters);
		dt = bench_now_ns() - t0;
		if (dt >= ns / 4 || iters >= (UINT64_C(1) << 40))
			break;
		iters *= dt < ns / 64 ? 8 : 2;
	}
	return dt ? (uint64_t)((double)iters * (double)ns / (double)dt) + 1 : iters;
}

int bench_measure_interleaved(struct bench_ctx *ctx, struct bench_case *cases,
			      unsigned int n)
{
	uint64_t t0, f0, *faults;
	double *ratios = NULL;
	unsigned int i, r, k;
	int ret = 0;

	faults = calloc(n ? n : 1, sizeof(*faults));
	ratios = calloc(ctx->reps, sizeof(*ratios));
	if (!faults || !ratios)
		ret = -ENOMEM;
	for (i = 0; i < n; i++) {
		cases[i].samples = calloc(ctx->reps, sizeof(double));
		if (!cases[i].samples)
			ret = -ENOMEM;
	}
	if (ret)
		goto out;
	for (i = 0; i < n; i++) {
		cases[i].iters = calibrate_case(&cases[i], ctx->min_sample_ns);
		cases[i].fn(cases[i].arg, cases[i].iters); /* warm-up */
	}
	bench_window_begin(ctx);
	for (r = 0; r < ctx->reps; r++) {
		for (k = 0; k < n; k++) {
			struct bench_case *c = &cases[(r + k) % n];

			/* Re-warm: its own data back in the caches, untimed. */
			c->fn(c->arg, c->iters / 4 ? c->iters / 4 : 1);
			f0 = bench_faults();
			t0 = bench_now_ns();
			c->fn(c->arg, c->iters);
			c->samples[r] = (double)(bench_now_ns() - t0) / (double)c->iters;
			faults[c - cases] += bench_faults() - f0;
		}
	}
	bench_window_end(ctx);
	for (i = 0; i < n; i++) {
		const struct bench_case *vs = cases[i].vs;

		memset(&cases[i].ratio, 0, sizeof(cases[i].ratio));
		cases[i].ratio.faults = NAN;
		if (!vs)
			continue;
		for (r = 0; r < ctx->reps; r++)
			ratios[r] = vs->samples[r] > 0 ?
				    cases[i].samples[r] / vs->samples[r] : NAN;
		bench_stats_compute(ratios, ctx->reps, &cases[i].ratio);
	}
	for (i = 0; i < n; i++) {
		bench_stats_compute(cases[i].samples, ctx->reps, &cases[i].stats);
		cases[i].stats.faults = (double)faults[i] /
					((double)cases[i].iters * ctx->reps);
	}
out:
	for (i = 0; i < n; i++) {
		free(cases[i].samples);
		cases[i].samples = NULL;
	}
	free(ratios);
	free(faults);
	return ret;
}

void bench_result_from_cases(struct bench_result *r, const struct bench_case *c)
{
	r->value = c->stats.median;
	r->min = c->stats.min;
	r->baseline_value = c->vs->stats.median;
	r->paired = true;
	r->ratio_median = c->ratio.median;
	r->ratio_min = c->ratio.min;
	r->faults_counted = true;
	r->faults = c->stats.faults;
	r->baseline_faults = c->vs->stats.faults;
}

void bench_latency(struct bench_ctx *ctx, bench_batch_fn fn, void *arg,
		   size_t nops, struct bench_stats *ret)
{
	double *lat = calloc(nops ? nops : 1, sizeof(*lat));
	uint64_t a, b;
	size_t k;

	memset(ret, 0, sizeof(*ret));
	if (!lat)
		return;
	for (k = 0; k < nops; k++) {
		a = bench_ticks();
		fn(arg, 1);
		b = bench_ticks();
		lat[k] = bench_ticks_to_ns(ctx, b - a) - ctx->tick_overhead_ns;
		if (lat[k] < 0)
			lat[k] = 0;
	}
	bench_stats_compute(lat, nops, ret);
	free(lat);
}

/* ------------------------------------------------------------ threads */

struct par_thread {
	const struct bench_par *p;
	unsigned int idx;
	pthread_barrier_t *barrier;
	uint64_t start, end;
};

static void *par_main(void *arg)
{
	struct par_thread *t = arg;

	pthread_barrier_wait(t->barrier);
	t->start = bench_now_ns();
	t->p->fn(t->p->args[t->idx], t->p->iters);
	t->end = bench_now_ns();
	return NULL;
}

uint64_t bench_par_run(const struct bench_par *p)
{
	struct par_thread th[8];
	pthread_t tid[8];
	pthread_barrier_t barrier;
	unsigned int i, started;
	uint64_t first, last;

	if (!p->nthreads || p->nthreads > 8)
		return 0;
	/* The main thread is the release: it waits on the barrier too. */
	if (pthread_barrier_init(&barrier, NULL, p->nthreads + 1))
		return 0;
	for (started = 0; started < p->nthreads; started++) {
		th[started].p = p;
		th[started].idx = started;
		th[started].barrier = &barrier;
		if (pthread_create(&tid[started], NULL, par_main, &th[started]))
			break;
	}
	if (started < p->nthreads) {
		/* Cannot happen on a sane machine; do not leave threads waiting. */
		fprintf(stderr, "rheap-bench: pthread_create failed\n");
		abort();
	}
	pthread_barrier_wait(&barrier);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&barrier);
	/*
	 * From the first worker's start to the last one's end, as the workers
	 * saw them: the main thread's own clock read after the barrier can
	 * come milliseconds late on a busy machine (it measured 2 µs for two
	 * threads' 47 MiB of memset), after the work is done.
	 */
	first = th[0].start;
	last = th[0].end;
	for (i = 1; i < p->nthreads; i++) {
		if (th[i].start < first)
			first = th[i].start;
		if (th[i].end > last)
			last = th[i].end;
	}
	return last > first ? last - first : 1;
}

/* ------------------------------------------------------------ alloc+free batches */

void bench_batch_capi(void *arg, uint64_t iters)
{
	struct bench_alloc_arg *a = arg;
	struct rh_dma_buf *buf;

	while (iters--) {
		buf = bench_heap_alloc(a->heap, a->size);
		if (RH_IS_ERR(buf)) {
			if (!a->err)
				a->err = (int)RH_PTR_ERR(buf);
			return;
		}
		rh_dma_buf_put(buf);
	}
}

void bench_batch_fd(void *arg, uint64_t iters)
{
	struct bench_alloc_arg *a = arg;
	int fd;

	while (iters--) {
		fd = bench_fd_alloc(a->plat, a->heap_fd, a->size);
		if (fd < 0) {
			if (!a->err)
				a->err = fd;
			return;
		}
		rh_close(a->plat, fd);
	}
}

void bench_add_alloc_cases(struct bench_case *cases, unsigned int *heap_of, unsigned int *n,
			   const struct bench_case *vs, struct bench_alloc_arg *arg,
			   unsigned int heap, uint64_t size)
{
	arg->size = size;
	arg->err = 0;
	heap_of[*n] = heap;
	cases[*n].fn = bench_batch_capi;
	cases[*n].vs = vs;
	cases[(*n)++].arg = arg;
	heap_of[*n] = heap;
	cases[*n].fn = bench_batch_fd;
	cases[*n].vs = vs;
	cases[(*n)++].arg = arg;
}

/* ------------------------------------------------------------ traces */

/* Sessions of a trace whose markers are counted (sess= 0..15). */
#define MAX_SESSIONS 16

/* Frames shown: (stop - play) x fps of the play/stop markers, per session. */
double bench_played_frames(const struct rh_replay_trace *tr)
{
	uint64_t play[MAX_SESSIONS] = { 0 };
	double fps[MAX_SESSIONS] = { 0 }, frames = 0;
	size_t i, n = rh_replay_trace_count(tr);

	for (i = 0; i < n; i++) {
		const struct rh_replay_event *ev = rh_replay_trace_event(tr, i);
		const char *f;

		if (ev->op != RH_REPLAY_OP_MARK || ev->sess >= MAX_SESSIONS)
			continue;
		if (!strcmp(ev->id, "play")) {
			play[ev->sess] = ev->t_us;
			f = strstr(ev->attrs, "fps=");
			fps[ev->sess] = f ? atof(f + 4) : 30.0;
		} else if (!strcmp(ev->id, "stop") && fps[ev->sess] > 0) {
			frames += (double)(ev->t_us - play[ev->sess]) / 1e6 *
				  fps[ev->sess];
		}
	}
	return frames;
}
