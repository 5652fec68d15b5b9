// SPDX-License-Identifier: MIT
/*
 * libdmabufheap's stress cases on the fd layer: 100 threads sharing one heap
 * fd (ConcurrentAllocTest), and 1024 alloc/free cycles per size
 * (RepeatedAllocate) that must leave nothing behind.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rheap/alloc.h>
#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>
#include <rheap/platform.h>
#include <rheap/uapi.h>

#include "internal.h"
#include "mm/page-alloc.h"
#include "rh-test.h"

#define NR_THREADS 100
#define ITERATIONS 20
#define CYCLES 1024

struct fix {
	struct rh_platform *plat;
	int system_fd, uncached_fd;
	uint64_t free_at_start;
	atomic_int failures;
	pthread_barrier_t barrier;
};

static uint64_t free_pages(struct fix *f)
{
	struct rh_page_alloc_stats st;

	rh_page_alloc_get_stats(f->plat->page_alloc, &st);
	return st.nr_free;
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(rh_platform_new(NULL, &f->plat), 0);
	/* libdmabufheap opens its heaps read-only. */
	f->system_fd = rh_open(f->plat, "/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	f->uncached_fd = rh_open(f->plat, "/dev/dma_heap/system-uncached", O_RDONLY | O_CLOEXEC);
	assert_true(f->system_fd >= 0);
	assert_true(f->uncached_fd >= 0);
	f->free_at_start = free_pages(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf_stats st;

	assert_int_equal(rh_close(f->plat, f->system_fd), 0);
	assert_int_equal(rh_close(f->plat, f->uncached_fd), 0);
	assert_int_equal(rh_fd_count(f->plat), 3);
	assert_int_equal(rh_dma_buf_get_stats(f->plat, &st), 0);
	assert_int_equal(st.count, 0);
	assert_int_equal(free_pages(f), f->free_at_start);
	rh_platform_unref(f->plat);
	free(f);
	return 0;
}

static int heap_alloc(struct fix *f, int heap_fd, size_t len)
{
	struct rh_dma_heap_allocation_data data = {
		.len = len,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	int ret;

	ret = rh_ioctl(f->plat, heap_fd, RH_DMA_HEAP_IOCTL_ALLOC, &data);
	return ret ? ret : (int)data.fd;
}

static int cpu_sync(struct fix *f, int fd, uint64_t flags)
{
	struct rh_dma_buf_sync sync = { .flags = flags };

	return rh_ioctl(f->plat, fd, RH_DMA_BUF_IOCTL_SYNC, &sync);
}

/* One client: AllocSystem(cpu, 4K), mmap, Start(RW), write + check, End(RW), munmap, close. */
static void *client_thread(void *p)
{
	struct fix *f = p;
	unsigned char pattern = (unsigned char)(uintptr_t)pthread_self();
	unsigned char *map;
	int i, fd, ok;
	size_t k;

	pthread_barrier_wait(&f->barrier);
	for (i = 0; i < ITERATIONS; i++) {
		fd = heap_alloc(f, f->system_fd, 4096);
		if (fd < 0)
			goto fail;
		if (rh_mmap(f->plat, fd, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 0,
			    (void **)&map))
			goto fail_close;
		if (cpu_sync(f, fd, RH_DMA_BUF_SYNC_START | RH_DMA_BUF_SYNC_RW))
			goto fail_unmap;
		/* Fresh buffers are zeroed, and nobody else writes this one. */
		ok = 1;
		for (k = 0; k < 4096; k++)
			ok &= map[k] == 0;
		memset(map, pattern, 4096);
		for (k = 0; k < 4096; k++)
			ok &= map[k] == pattern;
		if (!ok || cpu_sync(f, fd, RH_DMA_BUF_SYNC_END | RH_DMA_BUF_SYNC_RW))
			goto fail_unmap;
		if (rh_munmap(f->plat, map, 4096) || rh_close(f->plat, fd))
			goto fail;
		pattern++;
		if (!pattern)
			pattern = 1;
	}
	return NULL;

fail_unmap:
	rh_munmap(f->plat, map, 4096);
fail_close:
	rh_close(f->plat, fd);
fail:
	atomic_fetch_add(&f->failures, 1);
	return NULL;
}

static void test_concurrent_alloc(void **state)
{
	struct fix *f = *state;
	pthread_t th[NR_THREADS];
	struct rh_dma_heap_stats st;
	struct rh_dma_heap *heap;
	int i;

	assert_int_equal(pthread_barrier_init(&f->barrier, NULL, NR_THREADS), 0);
	for (i = 0; i < NR_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, client_thread, f), 0);
	for (i = 0; i < NR_THREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&f->barrier);
	assert_int_equal(f->failures, 0);

	heap = rh_dma_heap_find(f->plat, "system");
	assert_int_equal(rh_dma_heap_get_stats(heap, &st), 0);
	rh_dma_heap_put(heap);
	assert_int_equal(st.allocs, NR_THREADS * ITERATIONS);
	assert_int_equal(st.frees, NR_THREADS * ITERATIONS);
	assert_int_equal(st.count, 0);
	assert_true(st.peak_count >= 1 && st.peak_count <= NR_THREADS);
}

/* ------------------------------------------------------------ repeated allocation */

struct live_count {
	long live;
};

static void counted_alloc(void *ptr, size_t size, void *data)
{
	(void)ptr;
	(void)size;
	((struct live_count *)data)->live++;
}

static void counted_free(void *ptr, void *data)
{
	(void)ptr;
	((struct live_count *)data)->live--;
}

static int count_maps(void)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	int c, n = 0;

	assert_non_null(maps);
	while ((c = fgetc(maps)) != EOF)
		n += c == '\n';
	fclose(maps);
	return n;
}

static void test_repeated_alloc(void **state)
{
	static const size_t sizes[] = { 4096, 64 << 10, 1 << 20, 2 << 20 };
	struct fix *f = *state;
	struct live_count lc = { 0 };
	struct rh_alloc_hook hook = {
		.allocated = counted_alloc,
		.freed = counted_free,
		.data = &lc,
	};
	int heap_fds[2] = { f->system_fd, f->uncached_fd };
	long live_after_first = 0;
	int maps_after_first = 0, h, i, fd;
	unsigned int s;
	void *p;

	rh_alloc_hook_set(&hook);
	for (h = 0; h < 2; h++) {
		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			for (i = 0; i < CYCLES; i++) {
				fd = heap_alloc(f, heap_fds[h], sizes[s]);
				assert_true(fd >= 0);
				/* Every 16th cycle maps the buffer too. */
				if (!(i % 16)) {
					assert_int_equal(rh_mmap(f->plat, fd, sizes[s], PROT_READ,
								 MAP_SHARED, 0, &p), 0);
					assert_int_equal(rh_munmap(f->plat, p, sizes[s]), 0);
				}
				assert_int_equal(rh_close(f->plat, fd), 0);
				if (h == 0 && s == 0 && i == 0) {
					live_after_first = lc.live;
					maps_after_first = count_maps();
				}
			}
			/* No growth: metadata, pages, fds, host mappings. */
			assert_int_equal(lc.live, live_after_first);
			assert_int_equal(free_pages(f), f->free_at_start);
			assert_int_equal(rh_fd_count(f->plat), 5);
#if !RH_SANITIZED
			/* valgrind's own code cache comes and goes in the same list */
			if (!rh_test_under_valgrind())
				assert_int_equal(count_maps(), maps_after_first);
#endif
		}
	}
	rh_alloc_hook_set(NULL);
	/* Every allocation made by the cycles was freed again. */
	assert_int_equal(lc.live, 0);
	(void)maps_after_first;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_concurrent_alloc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeated_alloc, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
