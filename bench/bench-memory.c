// SPDX-License-Identifier: MIT
/* Benchmark 8: library metadata per live buffer, counted through the allocation hook. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/alloc.h>

#include "bench-common.h"

/*
 * Method : the per-thread allocation hook (include/rheap/
 * alloc.h) sees every internal allocation of the library, the emulated
 * secure world included (its TAs run on the caller's thread). Bytes
 * allocated minus bytes freed are counted with N1 and then N2 buffers
 * alive; (count(N2) - count(N1)) / (N2 - N1) is the metadata one more live
 * buffer costs, one-time costs (sessions, pools, the fd table) excluded and
 * growing tables amortised. Each case runs on a fresh platform. Requested
 * sizes are counted, not malloc's own headers. Goal: at most 512 B + 32 B
 * per scatterlist entry of the buffer.
 */

/* Buffers alive at the two counts; the fd table holds RH_FD_MAX fds. */
#define N1 500
#define N2 4500
#define N1_FD 100
#define N2_FD 1000
#define BUDGET_FIXED 512.0
#define BUDGET_PER_ENTRY 32.0

/* ptr -> size, open addressing (the hook's free callback has no size). */
struct track {
	uintptr_t *keys;
	size_t *sizes;
	size_t cap, used;
	int64_t live_bytes;
	bool overflow;
};

static size_t slot_of(const struct track *t, uintptr_t p)
{
	size_t h = (size_t)((p >> 4) * UINT64_C(0x9e3779b97f4a7c15));

	return h & (t->cap - 1);
}

static void on_allocated(void *ptr, size_t size, void *data)
{
	struct track *t = data;
	size_t i;

	if (t->used * 2 >= t->cap) {
		t->overflow = true;
		return;
	}
	for (i = slot_of(t, (uintptr_t)ptr); t->keys[i]; i = (i + 1) & (t->cap - 1))
		;
	t->keys[i] = (uintptr_t)ptr;
	t->sizes[i] = size;
	t->used++;
	t->live_bytes += (int64_t)size;
}

static void on_freed(void *ptr, void *data)
{
	struct track *t = data;
	size_t i, j, k;

	for (i = slot_of(t, (uintptr_t)ptr); t->keys[i]; i = (i + 1) & (t->cap - 1))
		if (t->keys[i] == (uintptr_t)ptr)
			break;
	if (!t->keys[i])
		return; /* allocated before the hook was installed */
	t->live_bytes -= (int64_t)t->sizes[i];
	t->used--;
	/* Backward-shift deletion keeps every probe chain intact. */
	for (j = i;;) {
		t->keys[i] = 0;
		for (;;) {
			j = (j + 1) & (t->cap - 1);
			if (!t->keys[j])
				return;
			k = slot_of(t, t->keys[j]);
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		t->keys[i] = t->keys[j];
		t->sizes[i] = t->sizes[j];
		i = j;
	}
}

struct mem_case {
	const struct bench_heap_desc *heap;
	uint64_t size;
	unsigned int entries; /* of the buffer's sg table */
	bool fd_layer;
};

struct live {
	struct rh_dma_buf *buf[N2];
	int fd[N2_FD];
	unsigned int n;
};

static int grow(struct rh_platform *plat, struct rh_dma_heap *heap, int heap_fd,
		const struct mem_case *c, struct live *l, unsigned int to)
{
	while (l->n < to) {
		if (c->fd_layer) {
			int fd = bench_fd_alloc(plat, heap_fd, c->size);

			if (fd < 0)
				return fd;
			l->fd[l->n++] = fd;
		} else {
			struct rh_dma_buf *b = bench_heap_alloc(heap, c->size);

			if (RH_IS_ERR(b))
				return (int)RH_PTR_ERR(b);
			l->buf[l->n++] = b;
		}
	}
	return 0;
}

static void release(struct rh_platform *plat, const struct mem_case *c,
		    struct live *l)
{
	while (l->n) {
		l->n--;
		if (c->fd_layer)
			rh_close(plat, l->fd[l->n]);
		else
			rh_dma_buf_put(l->buf[l->n]);
	}
}

static int measure_case(struct bench_ctx *ctx, struct track *t,
			const struct mem_case *c)
{
	unsigned int n1 = c->fd_layer ? N1_FD : N1, n2 = c->fd_layer ? N2_FD : N2;
	struct rh_platform *plat;
	struct rh_alloc_hook hook = {
		.allocated = on_allocated, .freed = on_freed, .data = t,
	};
	struct rh_dma_heap *heap;
	struct live *l;
	int64_t at_n1, at_n2;
	int heap_fd = -1, ret;
	char path[96], cname[64], sz[16];
	double per, budget;

	ret = bench_platform_new(&plat);
	if (ret)
		return ret;
	heap = rh_dma_heap_find(plat, c->heap->name);
	l = calloc(1, sizeof(*l));
	if (!heap || !l) {
		free(l);
		rh_dma_heap_put(heap);
		rh_platform_unref(plat);
		return -ENOMEM;
	}
	snprintf(path, sizeof(path), RH_DMA_HEAP_DEV_DIR "/%s", c->heap->name);
	if (c->fd_layer) {
		heap_fd = rh_open(plat, path, O_RDWR | O_CLOEXEC);
		if (heap_fd < 0) {
			ret = heap_fd;
			goto out;
		}
	}

	memset(t->keys, 0, t->cap * sizeof(*t->keys));
	t->used = 0;
	t->live_bytes = 0;
	t->overflow = false;
	rh_alloc_hook_set(&hook);
	ret = grow(plat, heap, heap_fd, c, l, n1);
	at_n1 = t->live_bytes;
	if (!ret)
		ret = grow(plat, heap, heap_fd, c, l, n2);
	at_n2 = t->live_bytes;
	release(plat, c, l);
	rh_alloc_hook_set(NULL);
	if (ret)
		goto out;
	if (t->overflow) {
		ret = -E2BIG;
		goto out;
	}

	per = (double)(at_n2 - at_n1) / (double)(n2 - n1);
	budget = BUDGET_FIXED + BUDGET_PER_ENTRY * c->entries;
	snprintf(cname, sizeof(cname), "%s %s %s (%u sg)", c->heap->tag,
		 c->fd_layer ? "fd" : "capi",
		 bench_fmt_size(c->size, sz, sizeof(sz)), c->entries);
	{
		struct bench_result r = {
			.bench = "memory", .case_name = cname, .metric = "per buffer",
			.unit = "B", .value = per, .p99 = NAN, .min = NAN,
			.baseline = "budget", .baseline_value = budget,
			.goal_kind = BENCH_GOAL_RATIO_MAX, .goal = 1.0,
		};

		bench_report(ctx, &r);
	}
out:
	if (heap_fd >= 0)
		rh_close(plat, heap_fd);
	rh_dma_heap_put(heap);
	rh_platform_unref(plat);
	free(l);
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rheap-bench memory [common options]\n"
		"  library metadata per live buffer, counted through the allocation\n"
		"  hook between %u and %u live buffers (fd layer: %u and %u), per heap,\n"
		"  C API and fd layer. Goal: <= 512 B + 32 B per sg entry (the\n"
		"  'budget' column).\n", N1, N2, N1_FD, N2_FD);
}

int bench_memory_main(struct bench_ctx *ctx, int argc, char **argv)
{
	/*
	 * System heap: 64 KiB + 2 x 4 KiB is an order-4 block and two
	 * order-0 ones, 3 entries. The restricted heaps answer with one
	 * contiguous extent.
	 */
	const struct mem_case cases[] = {
		{ &bench_heaps[0], 4 * KIB, 1, false },
		{ &bench_heaps[0], 72 * KIB, 3, false },
		{ &bench_heaps[1], 4 * KIB, 1, false },
		{ &bench_heaps[1], 64 * KIB, 1, false },
		{ &bench_heaps[2], 4 * KIB, 1, false },
		{ &bench_heaps[2], 64 * KIB, 1, false },
		{ &bench_heaps[0], 4 * KIB, 1, true },
		{ &bench_heaps[1], 4 * KIB, 1, true },
		{ &bench_heaps[2], 4 * KIB, 1, true },
	};
	struct track t = { 0 };
	unsigned int i;
	int ret = 0;

	if (argc > 1) {
		usage(strcmp(argv[1], "--help") ? stderr : stdout);
		return strcmp(argv[1], "--help") ? 2 : 0;
	}
	t.cap = 1 << 16;
	t.keys = calloc(t.cap, sizeof(*t.keys));
	t.sizes = calloc(t.cap, sizeof(*t.sizes));
	if (!t.keys || !t.sizes) {
		free(t.keys);
		free(t.sizes);
		return 1;
	}

	bench_section(ctx, "memory: library metadata per live buffer (allocation hook)");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]) && !ret; i++)
		ret = measure_case(ctx, &t, &cases[i]);
	free(t.keys);
	free(t.sizes);
	if (ret)
		fprintf(stderr, "memory: %s\n", strerror(-ret));
	return ret ? 1 : 0;
}
