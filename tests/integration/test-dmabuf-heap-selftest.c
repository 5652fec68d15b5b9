// SPDX-License-Identifier: MIT
/*
 * The kernel's dmabuf-heap kselftest (tools/testing/selftests/dmabuf-heaps/),
 * ported to the fd layer: every case for every heap, through rh_ioctl().
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rheap/device-bus.h>
#include <rheap/device.h>
#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>
#include <rheap/platform.h>
#include <rheap/uapi.h>

#include "rh-test.h"

#define ONE_MEG (1024 * 1024)
#define NUM_HEAPS_MAX 32
#define NUM_CASES 9

struct heap_case {
	char heap[RH_DMA_HEAP_NAME_LEN];
	struct rh_platform *plat;
	int heap_fd;
	bool cpu_access; /* mmap allowed: a restricted heap refuses it */
};

/* ------------------------------------------------------------ helpers (the selftest's) */

static int dmabuf_heap_alloc_fdflags(struct heap_case *c, size_t len, unsigned int fd_flags,
				     unsigned int heap_flags, int *dmabuf_fd)
{
	struct rh_dma_heap_allocation_data data = {
		.len = len,
		.fd = 0,
		.fd_flags = fd_flags,
		.heap_flags = heap_flags,
	};
	int ret;

	if (!dmabuf_fd)
		return -EINVAL;
	ret = rh_ioctl(c->plat, c->heap_fd, RH_DMA_HEAP_IOCTL_ALLOC, &data);
	if (ret < 0)
		return ret;
	*dmabuf_fd = (int)data.fd;
	return ret;
}

static int dmabuf_heap_alloc(struct heap_case *c, size_t len, unsigned int flags,
			     int *dmabuf_fd)
{
	return dmabuf_heap_alloc_fdflags(c, len, O_RDWR | O_CLOEXEC, flags, dmabuf_fd);
}

static int dmabuf_sync(struct heap_case *c, int fd, int start_stop)
{
	struct rh_dma_buf_sync sync = {
		.flags = (uint64_t)start_stop | RH_DMA_BUF_SYNC_RW,
	};

	return rh_ioctl(c->plat, fd, RH_DMA_BUF_IOCTL_SYNC, &sync);
}

/* ------------------------------------------------------------ fixture */

static int setup(void **state)
{
	struct heap_case *c = *state;
	char path[128];
	int fd = -1;
	void *p;

	assert_int_equal(rh_platform_new(NULL, &c->plat), 0);
	snprintf(path, sizeof(path), "/dev/dma_heap/%s", c->heap);
	/* Failing to open a listed heap fails the whole run, as in the selftest. */
	c->heap_fd = rh_open(c->plat, path, O_RDWR);
	assert_true(c->heap_fd >= 0);
	/* Does the heap let the CPU in? (a restricted heap refuses mmap) */
	assert_int_equal(dmabuf_heap_alloc(c, 4096, 0, &fd), 0);
	c->cpu_access = !rh_mmap(c->plat, fd, 4096, PROT_READ, MAP_SHARED, 0, &p);
	if (c->cpu_access)
		assert_int_equal(rh_munmap(c->plat, p, 4096), 0);
	assert_int_equal(rh_close(c->plat, fd), 0);
	return 0;
}

static int teardown(void **state)
{
	struct heap_case *c = *state;
	struct rh_dma_buf_stats st;

	assert_int_equal(rh_close(c->plat, c->heap_fd), 0);
	assert_int_equal(rh_fd_count(c->plat), 3);
	assert_int_equal(rh_dma_buf_get_stats(c->plat, &st), 0);
	assert_int_equal(st.count, 0);
	c->plat = rh_platform_unref(c->plat);
	return 0;
}

static void need_cpu_access(struct heap_case *c)
{
	if (!c->cpu_access) {
		printf("# %s: no CPU access, skipping\n", c->heap);
		skip();
	}
}

/* ------------------------------------------------------------ the cases */

/*
 * test_alloc_and_import: 1 MiB, mmap, pattern inside SYNC_START/END; the
 * DRM PRIME import into vgem becomes an attach + map by a simulated device,
 * which must read the pattern back; then "sync after import".
 */
static void test_alloc_and_import(void **state)
{
	struct heap_case *c = *state;
	struct rh_dma_buf_attachment *att;
	struct rh_dma_buf *dmabuf;
	struct rh_sg_table *sgt;
	unsigned char buf[64];
	unsigned char *p;
	int dmabuf_fd = -1;

	need_cpu_access(c);
	assert_int_equal(dmabuf_heap_alloc(c, ONE_MEG, 0, &dmabuf_fd), 0);
	assert_true(dmabuf_fd >= 0);
	assert_int_equal(rh_mmap(c->plat, dmabuf_fd, ONE_MEG, PROT_READ | PROT_WRITE,
				 MAP_SHARED, 0, (void **)&p), 0);
	assert_int_equal(dmabuf_sync(c, dmabuf_fd, RH_DMA_BUF_SYNC_START), 0);
	memset(p, 1, ONE_MEG / 2);
	memset(p + ONE_MEG / 2, 0, ONE_MEG / 2);
	assert_int_equal(dmabuf_sync(c, dmabuf_fd, RH_DMA_BUF_SYNC_END), 0);

	/* import: the importer takes its own reference from the fd */
	dmabuf = rh_dma_buf_get(c->plat, dmabuf_fd);
	assert_false(RH_IS_ERR_OR_NULL(dmabuf));
	att = rh_dma_buf_attach(dmabuf, rh_device_find(c->plat, "gpu"));
	assert_false(RH_IS_ERR_OR_NULL(att));
	sgt = rh_dma_buf_map_attachment(att, RH_DMA_BIDIRECTIONAL);
	assert_false(RH_IS_ERR_OR_NULL(sgt));
	assert_int_equal(rh_device_dma_read_sg(att->dev, sgt, ONE_MEG / 2 - 32, buf, 64), 0);
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[31], 1);
	assert_int_equal(buf[32], 0);
	assert_int_equal(buf[63], 0);

	/* sync after import */
	assert_int_equal(dmabuf_sync(c, dmabuf_fd, RH_DMA_BUF_SYNC_START), 0);
	memset(p, 0xff, ONE_MEG);
	assert_int_equal(dmabuf_sync(c, dmabuf_fd, RH_DMA_BUF_SYNC_END), 0);
	assert_int_equal(rh_device_dma_read_sg(att->dev, sgt, 0, buf, 64), 0);
	assert_int_equal(buf[0], 0xff);

	rh_dma_buf_unmap_attachment(att, sgt, RH_DMA_BIDIRECTIONAL);
	rh_dma_buf_detach(dmabuf, att);
	rh_dma_buf_put(dmabuf);
	assert_int_equal(rh_munmap(c->plat, p, ONE_MEG), 0);
	assert_int_equal(rh_close(c->plat, dmabuf_fd), 0);
}

/* test_alloc_zeroed: freed dirty memory never reaches a new allocation. */
static void alloc_zeroed(struct heap_case *c, size_t size)
{
	int i, j, dmabuf_fd[32];
	unsigned char *p;
	size_t k;

	need_cpu_access(c);
	/* Allocate and fill a bunch of buffers */
	for (i = 0; i < 32; i++) {
		assert_int_equal(dmabuf_heap_alloc(c, size, 0, &dmabuf_fd[i]), 0);
		assert_int_equal(rh_mmap(c->plat, dmabuf_fd[i], size, PROT_READ | PROT_WRITE,
					 MAP_SHARED, 0, (void **)&p), 0);
		assert_int_equal(dmabuf_sync(c, dmabuf_fd[i], RH_DMA_BUF_SYNC_START), 0);
		memset(p, 0xff, size);
		assert_int_equal(dmabuf_sync(c, dmabuf_fd[i], RH_DMA_BUF_SYNC_END), 0);
		assert_int_equal(rh_munmap(c->plat, p, size), 0);
	}
	/* close them all */
	for (i = 0; i < 32; i++)
		assert_int_equal(rh_close(c->plat, dmabuf_fd[i]), 0);

	/* Allocate and validate all buffers are zeroed */
	for (i = 0; i < 32; i++) {
		assert_int_equal(dmabuf_heap_alloc(c, size, 0, &dmabuf_fd[i]), 0);
		assert_int_equal(rh_mmap(c->plat, dmabuf_fd[i], size, PROT_READ | PROT_WRITE,
					 MAP_SHARED, 0, (void **)&p), 0);
		assert_int_equal(dmabuf_sync(c, dmabuf_fd[i], RH_DMA_BUF_SYNC_START), 0);
		for (k = 0; k < size; k++) {
			if (p[k]) {
				for (j = 0; j <= i; j++)
					rh_close(c->plat, dmabuf_fd[j]);
				fail_msg("%s: buffer %d byte %zu is 0x%x, not zeroed", c->heap, i,
					 k, p[k]);
			}
		}
		assert_int_equal(dmabuf_sync(c, dmabuf_fd[i], RH_DMA_BUF_SYNC_END), 0);
		assert_int_equal(rh_munmap(c->plat, p, size), 0);
	}
	for (i = 0; i < 32; i++)
		assert_int_equal(rh_close(c->plat, dmabuf_fd[i]), 0);
}

static void test_alloc_zeroed_4k(void **state)
{
	alloc_zeroed(*state, 4096);
}

static void test_alloc_zeroed_1m(void **state)
{
	alloc_zeroed(*state, ONE_MEG);
}

/* Older kernels' struct (no heap_flags) and a newer, longer one. */
struct dma_heap_allocation_data_smaller {
	uint64_t len;
	uint32_t fd;
	uint32_t fd_flags;
};

struct dma_heap_allocation_data_bigger {
	uint64_t len;
	uint32_t fd;
	uint32_t fd_flags;
	uint64_t heap_flags;
	uint64_t garbage1;
	uint64_t garbage2;
	uint64_t garbage3;
};

static void test_alloc_compat_older(void **state)
{
	struct heap_case *c = *state;
	struct dma_heap_allocation_data_smaller data = {
		.len = ONE_MEG,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};

	assert_int_equal(rh_ioctl(c->plat, c->heap_fd,
				  RH_IOWR(RH_DMA_HEAP_IOC_MAGIC, 0x0,
					  struct dma_heap_allocation_data_smaller), &data), 0);
	assert_true(data.fd >= 3);
	assert_int_equal(rh_close(c->plat, (int)data.fd), 0);
}

static void test_alloc_compat_newer(void **state)
{
	struct heap_case *c = *state;
	struct dma_heap_allocation_data_bigger data = {
		.len = ONE_MEG,
		.fd_flags = O_RDWR | O_CLOEXEC,
		.heap_flags = 0,
		.garbage1 = 0xffffffff,
		.garbage2 = 0x88888888,
		.garbage3 = 0x11111111,
	};

	assert_int_equal(rh_ioctl(c->plat, c->heap_fd,
				  RH_IOWR(RH_DMA_HEAP_IOC_MAGIC, 0x0,
					  struct dma_heap_allocation_data_bigger), &data), 0);
	assert_true(data.fd >= 3);
	assert_int_equal(data.garbage1, 0xffffffff);
	assert_int_equal(rh_close(c->plat, (int)data.fd), 0);
}

/* test_alloc_errors: the three error cases. */
static void test_alloc_errors_invalid_fd(void **state)
{
	struct heap_case *c = *state;
	struct rh_dma_heap_allocation_data data = {
		.len = ONE_MEG,
		.fd_flags = O_RDWR | O_CLOEXEC,
		.heap_flags = 0x111111,
	};

	/* fd 0 is stdin, not a heap. */
	assert_int_equal(rh_ioctl(c->plat, 0, RH_DMA_HEAP_IOCTL_ALLOC, &data), -ENOTTY);
}

static void test_alloc_errors_heap_flags(void **state)
{
	struct heap_case *c = *state;
	int dmabuf_fd = -1;

	assert_int_equal(dmabuf_heap_alloc(c, ONE_MEG, 0x111111, &dmabuf_fd), -EINVAL);
	assert_int_equal(dmabuf_fd, -1);
}

static void test_alloc_errors_fd_flags(void **state)
{
	struct heap_case *c = *state;
	int dmabuf_fd = -1;

	assert_int_equal(dmabuf_heap_alloc_fdflags(c, ONE_MEG, ~(unsigned int)(O_RDWR | O_CLOEXEC),
						   0, &dmabuf_fd),
			 -EINVAL);
	assert_int_equal(dmabuf_fd, -1);
}

static void test_heap_listed(void **state)
{
	struct heap_case *c = *state;
	const char *names[RH_DMA_HEAP_MAX];
	int n, i;

	/* opendir("/dev/dma_heap"): the heap is there, once. */
	n = rh_dma_heap_list(c->plat, names, RH_DMA_HEAP_MAX);
	assert_true(n > 0);
	for (i = 0; i < n; i++)
		if (!strcmp(names[i], c->heap))
			break;
	assert_true(i < n);
	for (i++; i < n; i++)
		assert_string_not_equal(names[i], c->heap);
}

static const struct {
	const char *name;
	CMUnitTestFunction fn;
} cases[NUM_CASES] = {
	{ "alloc_and_import", test_alloc_and_import },
	{ "alloc_zeroed 4k", test_alloc_zeroed_4k },
	{ "alloc_zeroed 1M", test_alloc_zeroed_1m },
	{ "alloc_compat older", test_alloc_compat_older },
	{ "alloc_compat newer", test_alloc_compat_newer },
	{ "alloc_errors invalid fd", test_alloc_errors_invalid_fd },
	{ "alloc_errors invalid heap flags", test_alloc_errors_heap_flags },
	{ "alloc_errors invalid fd flags", test_alloc_errors_fd_flags },
	{ "heap listed", test_heap_listed },
};

int main(void)
{
	static struct heap_case heaps[NUM_HEAPS_MAX];
	static struct CMUnitTest tests[NUM_HEAPS_MAX * NUM_CASES];
	static char names[NUM_HEAPS_MAX * NUM_CASES][128];
	const char *heap_names[NUM_HEAPS_MAX];
	struct rh_platform *plat;
	int nr_heaps, h, k, n = 0;

	/* Enumerate the heaps of the default platform, as the selftest does /dev/dma_heap. */
	if (rh_platform_new(NULL, &plat)) {
		fprintf(stderr, "cannot create the platform\n");
		return 77;
	}
	nr_heaps = rh_dma_heap_list(plat, heap_names, NUM_HEAPS_MAX);
	if (nr_heaps <= 0) {
		rh_platform_unref(plat);
		return 77; /* KSFT_SKIP */
	}
	if (nr_heaps > NUM_HEAPS_MAX)
		nr_heaps = NUM_HEAPS_MAX;
	for (h = 0; h < nr_heaps; h++)
		snprintf(heaps[h].heap, sizeof(heaps[h].heap), "%s", heap_names[h]);
	rh_platform_unref(plat);

	for (h = 0; h < nr_heaps; h++) {
		for (k = 0; k < NUM_CASES; k++) {
			snprintf(names[n], sizeof(names[n]), "%.63s: %.40s", heaps[h].heap,
				 cases[k].name);
			tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate_setup_teardown(
				test_heap_listed, setup, teardown, &heaps[h]);
			tests[n].name = names[n];
			tests[n].test_func = cases[k].fn;
			n++;
		}
	}
	printf("# %d heaps, %d cases\n", nr_heaps, n);
	return _cmocka_run_group_tests("dmabuf-heap selftest", tests, (size_t)n, NULL, NULL);
}
