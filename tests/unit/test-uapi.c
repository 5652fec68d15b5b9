// SPDX-License-Identifier: MIT
/* Unit tests of the fd layer: open/close/dup, every ioctl and its error codes, mmap, lseek, fdinfo. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
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

#include "dmabuf-test-exporter.h"
#include "rh-test.h"

struct fix {
	struct rh_platform *plat;
	struct tx_ctx ctx;
	struct rh_dma_heap *heap;
	int heap_fd;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->plat = tx_platform_new();
	f->ctx.plat = f->plat;
	f->heap = tx_heap_add(&f->ctx, "tx");
	assert_false(RH_IS_ERR_OR_NULL(f->heap));
	f->heap_fd = rh_open(f->plat, "/dev/dma_heap/tx", O_RDWR | O_CLOEXEC);
	assert_int_equal(f->heap_fd, 3);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	struct rh_dma_buf_stats st;

	assert_int_equal(rh_close(f->plat, f->heap_fd), 0);
	/* Nothing left: only the standard streams, no buffer. */
	assert_int_equal(rh_fd_count(f->plat), 3);
	assert_int_equal(rh_dma_buf_get_stats(f->plat, &st), 0);
	assert_int_equal(st.count, 0);
	assert_int_equal(f->ctx.releases, (int)st.released);
	rh_platform_unref(f->plat);
	free(f);
	return 0;
}

static int alloc_fd(struct fix *f, uint64_t len, uint32_t fd_flags)
{
	struct rh_dma_heap_allocation_data data = {
		.len = len,
		.fd_flags = fd_flags,
	};

	assert_int_equal(rh_ioctl(f->plat, f->heap_fd, RH_DMA_HEAP_IOCTL_ALLOC, &data), 0);
	assert_true(data.fd >= 3);
	return (int)data.fd;
}

/* ------------------------------------------------------------ open / close / dup */

static void test_open(void **state)
{
	struct fix *f = *state;
	int fd;

	assert_int_equal(rh_open(NULL, "/dev/dma_heap/tx", O_RDWR), -EINVAL);
	assert_int_equal(rh_open(f->plat, NULL, O_RDWR), -EFAULT);
	assert_int_equal(rh_open(f->plat, "/dev/dma_heap/nope", O_RDWR), -ENOENT);
	assert_int_equal(rh_open(f->plat, "/dev/ion", O_RDWR), -ENOENT);
	assert_int_equal(rh_open(f->plat, "tx", O_RDWR), -ENOENT);
	assert_int_equal(rh_open(f->plat, "/dev/dma_heapx/tx", O_RDWR), -ENOENT);
	assert_int_equal(rh_open(f->plat, "/dev/dma_heap", O_RDWR), -EISDIR);
	assert_int_equal(rh_open(f->plat, "/dev/dma_heap/", O_RDWR), -EISDIR);
	assert_int_equal(rh_open(f->plat, "/dev/dma_heap/tx/x", O_RDWR), -ENOTDIR);
	assert_int_equal(rh_open(f->plat, "/dev/dma_heap/nope/x", O_RDWR), -ENOENT);
	assert_int_equal(rh_fd_count(f->plat), 4);
	/* Lowest free number, read-only opens are fine (libdmabufheap). */
	fd = rh_open(f->plat, "/dev/dma_heap/tx", O_RDONLY | O_CLOEXEC);
	assert_int_equal(fd, 4);
	assert_int_equal(rh_close(f->plat, fd), 0);
	assert_int_equal(rh_fd_count(NULL), -EINVAL);
}

static void test_close_dup(void **state)
{
	struct fix *f = *state;
	int fd, dup_fd;

	assert_int_equal(rh_close(f->plat, -1), -EBADF);
	assert_int_equal(rh_close(f->plat, RH_FD_MAX), -EBADF);
	assert_int_equal(rh_close(f->plat, 100), -EBADF);
	assert_int_equal(rh_close(NULL, 3), -EINVAL);
	assert_int_equal(rh_dup(f->plat, 100), -EBADF);
	assert_int_equal(rh_dup(f->plat, -5), -EBADF);
	assert_int_equal(rh_dup(NULL, 3), -EINVAL);

	/* A dup shares the buffer: closing the original keeps it. */
	fd = alloc_fd(f, 8192, O_RDWR);
	dup_fd = rh_dup(f->plat, fd);
	assert_int_equal(dup_fd, fd + 1);
	assert_int_equal(rh_close(f->plat, fd), 0);
	assert_int_equal(rh_close(f->plat, fd), -EBADF);
	assert_int_equal(f->ctx.releases, 0);
	assert_int_equal(rh_lseek(f->plat, dup_fd, 0, SEEK_END), 8192);
	assert_int_equal(rh_close(f->plat, dup_fd), 0);
	assert_int_equal(f->ctx.releases, 1);

	/* Heap fds dup too, and the dup allocates. */
	dup_fd = rh_dup(f->plat, f->heap_fd);
	assert_true(dup_fd > 3);
	assert_int_equal(rh_close(f->plat, f->heap_fd), 0);
	f->heap_fd = dup_fd;
	fd = alloc_fd(f, 4096, O_RDWR);
	assert_int_equal(rh_close(f->plat, fd), 0);
	/* Back to fd 3 for the teardown's bookkeeping. */
	f->heap_fd = rh_dup(f->plat, dup_fd);
	assert_int_equal(f->heap_fd, 3);
	assert_int_equal(rh_close(f->plat, dup_fd), 0);
}

static void test_stdio_fds(void **state)
{
	struct fix *f = *state;
	struct rh_dma_heap_allocation_data data = { .len = 4096, .heap_flags = 0x111111 };
	void *p = NULL;
	int fd;

	/* The selftest's "invalid fd" case: ALLOC on stdin. */
	assert_int_equal(rh_ioctl(f->plat, 0, RH_DMA_HEAP_IOCTL_ALLOC, &data), -ENOTTY);
	assert_int_equal(rh_ioctl(f->plat, 1, RH_DMA_BUF_IOCTL_SYNC, &data), -ENOTTY);
	assert_int_equal(rh_mmap(f->plat, 2, 4096, PROT_READ, MAP_SHARED, 0, &p), -ENODEV);
	assert_int_equal(rh_lseek(f->plat, 0, 0, SEEK_SET), -ESPIPE);
	assert_null(p);
	/* They can be closed, and their numbers are reused. */
	assert_int_equal(rh_close(f->plat, 0), 0);
	fd = rh_open(f->plat, "/dev/dma_heap/tx", O_RDWR);
	assert_int_equal(fd, 0);
	/* fd 0 is now a heap: ALLOC works on it. */
	data.heap_flags = 0;
	assert_int_equal(rh_ioctl(f->plat, 0, RH_DMA_HEAP_IOCTL_ALLOC, &data), 0);
	assert_int_equal(data.fd, 4);
	assert_int_equal(rh_close(f->plat, 4), 0);
	/* Restore a stdio fd 0 for the teardown: dup fd 1. */
	assert_int_equal(rh_close(f->plat, 0), 0);
	assert_int_equal(rh_dup(f->plat, 1), 0);
	assert_int_equal(rh_ioctl(f->plat, 0, RH_DMA_HEAP_IOCTL_ALLOC, &data), -ENOTTY);
}

static void test_emfile(void **state)
{
	struct fix *f = *state;
	struct rh_dma_heap_allocation_data data = { .len = 4096, .fd_flags = O_RDWR };
	int fd = alloc_fd(f, 4096, O_RDWR), n = 0, newfd, i;

	/* Fill the table with dups of one buffer. */
	while ((newfd = rh_dup(f->plat, fd)) >= 0) {
		assert_int_equal(newfd, fd + 1 + n);
		n++;
	}
	assert_int_equal(newfd, -EMFILE);
	assert_int_equal(rh_fd_count(f->plat), RH_FD_MAX);
	assert_int_equal(rh_open(f->plat, "/dev/dma_heap/tx", O_RDWR), -EMFILE);
	assert_int_equal(rh_ioctl(f->plat, f->heap_fd, RH_DMA_HEAP_IOCTL_ALLOC, &data), -EMFILE);
	assert_int_equal(data.fd, 0);
	/* The allocation that found no fd was released; the shared one lives. */
	assert_int_equal(f->ctx.allocs, 2);
	assert_int_equal(f->ctx.releases, 1);
	for (i = 0; i <= n; i++)
		assert_int_equal(rh_close(f->plat, fd + i), 0);
	assert_int_equal(f->ctx.releases, 2);
}

/* ------------------------------------------------------------ heap ioctl */

static void test_heap_alloc_errors(void **state)
{
	struct fix *f = *state;
	struct rh_dma_heap_allocation_data data, keep;

	/* fd must be 0 on input, checked first. */
	data = (struct rh_dma_heap_allocation_data){ .len = 0, .fd = 7, .fd_flags = ~0u,
						     .heap_flags = 1 };
	keep = data;
	assert_int_equal(rh_ioctl(f->plat, f->heap_fd, RH_DMA_HEAP_IOCTL_ALLOC, &data), -EINVAL);
	assert_memory_equal(&data, &keep, sizeof(data));
	/* The selftest's invalid heap flags and invalid fd flags. */
	data = (struct rh_dma_heap_allocation_data){ .len = 1 << 20, .fd_flags = O_RDWR | O_CLOEXEC,
						     .heap_flags = 0x111111 };
	assert_int_equal(rh_ioctl(f->plat, f->heap_fd, RH_DMA_HEAP_IOCTL_ALLOC, &data), -EINVAL);
	data = (struct rh_dma_heap_allocation_data){ .len = 1 << 20,
						     .fd_flags = ~(uint32_t)(O_RDWR | O_CLOEXEC) };
	assert_int_equal(rh_ioctl(f->plat, f->heap_fd, RH_DMA_HEAP_IOCTL_ALLOC, &data), -EINVAL);
	data = (struct rh_dma_heap_allocation_data){ .len = 0, .fd_flags = O_RDWR };
	assert_int_equal(rh_ioctl(f->plat, f->heap_fd, RH_DMA_HEAP_IOCTL_ALLOC, &data), -EINVAL);
	data = (struct rh_dma_heap_allocation_data){ .len = UINT64_MAX - 100, .fd_flags = O_RDWR };
	assert_int_equal(rh_ioctl(f->plat, f->heap_fd, RH_DMA_HEAP_IOCTL_ALLOC, &data), -EINVAL);
	assert_int_equal(f->ctx.allocs, 0);
	/* The heap's error. */
	f->ctx.alloc_err = -ENOMEM;
	data = (struct rh_dma_heap_allocation_data){ .len = 4096, .fd_flags = O_RDWR };
	assert_int_equal(rh_ioctl(f->plat, f->heap_fd, RH_DMA_HEAP_IOCTL_ALLOC, &data), -ENOMEM);
	assert_int_equal(data.fd, 0);
	f->ctx.alloc_err = 0;
	/* No argument to read. */
	assert_int_equal(rh_ioctl(f->plat, f->heap_fd, RH_DMA_HEAP_IOCTL_ALLOC, NULL), -EFAULT);
	/* Closed and out-of-range fds; bad platform. */
	assert_int_equal(rh_ioctl(f->plat, 99, RH_DMA_HEAP_IOCTL_ALLOC, &data), -EBADF);
	assert_int_equal(rh_ioctl(f->plat, -1, RH_DMA_HEAP_IOCTL_ALLOC, &data), -EBADF);
	assert_int_equal(rh_ioctl(NULL, f->heap_fd, RH_DMA_HEAP_IOCTL_ALLOC, &data), -EINVAL);
}

static void test_heap_nr_dispatch(void **state)
{
	struct fix *f = *state;
	struct rh_dma_heap_allocation_data data = { .len = 4096, .fd_flags = O_RDWR };
	struct rh_dma_buf_sync sync = { 0 };
	int fds;

	/* Any nr but 0: -EINVAL, not -ENOTTY. */
	assert_int_equal(rh_ioctl(f->plat, f->heap_fd, RH_IOWR('H', 1, data), &data), -EINVAL);
	assert_int_equal(rh_ioctl(f->plat, f->heap_fd, RH_DMA_BUF_SET_NAME_B, "x"), -EINVAL);
	assert_int_equal(rh_ioctl(f->plat, f->heap_fd, RH_IO('H', 0xff), NULL), -EINVAL);
	/* Only the low 32 bits of the command count, as in the syscall. */
	assert_int_equal(rh_ioctl(f->plat, f->heap_fd,
				  (1UL << 40) | RH_DMA_HEAP_IOCTL_ALLOC, &data), 0);
	assert_int_equal(rh_close(f->plat, (int)data.fd), 0);
	/*
	 * nr 0 of any type is ALLOC with the caller's size: DMA_BUF_IOCTL_SYNC
	 * on a heap fd reads 8 bytes (flags as len), copies nothing back.
	 */
	assert_int_equal(rh_ioctl(f->plat, f->heap_fd, RH_DMA_BUF_IOCTL_SYNC, &sync), -EINVAL);
	fds = rh_fd_count(f->plat);
	sync.flags = RH_DMA_BUF_SYNC_START | RH_DMA_BUF_SYNC_RW;
	assert_int_equal(rh_ioctl(f->plat, f->heap_fd, RH_DMA_BUF_IOCTL_SYNC, &sync), 0);
	assert_int_equal(rh_fd_count(f->plat), fds + 1);
	assert_int_equal(rh_lseek(f->plat, 4, 0, SEEK_END), 4096);
	assert_int_equal(rh_close(f->plat, 4), 0);
	/* _IO('H', 0): no argument read, zeroes: len 0. */
	assert_int_equal(rh_ioctl(f->plat, f->heap_fd, RH_IO('H', 0), NULL), -EINVAL);
}

/* The selftest's compat cases plus the larger-than-128-bytes path. */
struct alloc_v0 {
	uint64_t len;
	uint32_t fd;
	uint32_t fd_flags;
};

struct alloc_v2 {
	uint64_t len;
	uint32_t fd;
	uint32_t fd_flags;
	uint64_t heap_flags;
	uint64_t garbage1, garbage2, garbage3;
};

struct alloc_big {
	struct rh_dma_heap_allocation_data data;
	unsigned char tail[200];
};

static void test_heap_size_compat(void **state)
{
	struct fix *f = *state;
	struct alloc_v0 v0 = { .len = 4096, .fd_flags = O_RDWR | O_CLOEXEC };
	struct alloc_v2 v2 = { .len = 4096, .fd_flags = O_RDWR | O_CLOEXEC,
			       .garbage1 = 0xffffffff, .garbage2 = 0x88888888,
			       .garbage3 = 0x11111111 };
	struct alloc_big big;
	struct rh_dma_heap_allocation_data out_only = { .len = 4096, .fd_flags = O_RDWR };

	/* Older, 16 bytes: heap_flags reads as 0. */
	assert_int_equal(rh_ioctl(f->plat, f->heap_fd, RH_IOWR('H', 0, struct alloc_v0), &v0), 0);
	assert_true(v0.fd >= 3);
	assert_int_equal(rh_close(f->plat, (int)v0.fd), 0);
	/* Newer, 48 bytes: the extra fields are ignored and copied back unchanged. */
	assert_int_equal(rh_ioctl(f->plat, f->heap_fd, RH_IOWR('H', 0, struct alloc_v2), &v2), 0);
	assert_true(v2.fd >= 3);
	assert_int_equal(v2.garbage1, 0xffffffff);
	assert_int_equal(v2.garbage2, 0x88888888);
	assert_int_equal(v2.garbage3, 0x11111111);
	assert_int_equal(rh_close(f->plat, (int)v2.fd), 0);
	/* More than 128 bytes: the kernel's heap buffer path. */
	memset(&big, 0xa5, sizeof(big));
	big.data = (struct rh_dma_heap_allocation_data){ .len = 8192, .fd_flags = O_RDWR };
	assert_int_equal(rh_ioctl(f->plat, f->heap_fd, RH_IOWR('H', 0, struct alloc_big), &big), 0);
	assert_int_equal(big.tail[199], 0xa5);
	assert_int_equal(rh_lseek(f->plat, (int)big.data.fd, 0, SEEK_END), 8192);
	assert_int_equal(rh_close(f->plat, (int)big.data.fd), 0);
	big.data.fd = 0;
	rh_fail_nth_set(1);
	assert_int_equal(rh_ioctl(f->plat, f->heap_fd, RH_IOWR('H', 0, struct alloc_big), &big),
			 -ENOMEM);
	rh_fail_nth_set(0);
	/* Read-only direction: nothing copied in (len 0 -> -EINVAL), copied out. */
	assert_int_equal(rh_ioctl(f->plat, f->heap_fd,
				  RH_IOR('H', 0, struct rh_dma_heap_allocation_data), &out_only),
			 -EINVAL);
	assert_int_equal(out_only.len, 0);
	out_only.len = 4096;
	/* ... and with no place to copy out: -EFAULT wins. */
	assert_int_equal(rh_ioctl(f->plat, f->heap_fd,
				  RH_IOR('H', 0, struct rh_dma_heap_allocation_data), NULL),
			 -EFAULT);
	/* Write-only direction: allocates, but the fd number is not copied back. */
	assert_int_equal(rh_ioctl(f->plat, f->heap_fd,
				  RH_IOW('H', 0, struct rh_dma_heap_allocation_data), &out_only),
			 0);
	assert_int_equal(out_only.fd, 0);
	assert_int_equal(rh_fd_count(f->plat), 5);
	assert_int_equal(rh_close(f->plat, 4), 0);
}

/* ------------------------------------------------------------ dma-buf ioctls */

static int sync_ioctl(struct fix *f, int fd, uint64_t flags)
{
	struct rh_dma_buf_sync sync = { .flags = flags };

	return rh_ioctl(f->plat, fd, RH_DMA_BUF_IOCTL_SYNC, &sync);
}

static void test_buf_sync(void **state)
{
	struct fix *f = *state;
	int fd = alloc_fd(f, 4096, O_RDWR);

	assert_int_equal(sync_ioctl(f, fd, RH_DMA_BUF_SYNC_START | RH_DMA_BUF_SYNC_READ), 0);
	assert_int_equal(f->ctx.last_dir, RH_DMA_FROM_DEVICE);
	assert_int_equal(sync_ioctl(f, fd, RH_DMA_BUF_SYNC_END | RH_DMA_BUF_SYNC_WRITE), 0);
	assert_int_equal(f->ctx.last_dir, RH_DMA_TO_DEVICE);
	assert_int_equal(sync_ioctl(f, fd, RH_DMA_BUF_SYNC_START | RH_DMA_BUF_SYNC_RW), 0);
	assert_int_equal(f->ctx.last_dir, RH_DMA_BIDIRECTIONAL);
	assert_int_equal(f->ctx.begins, 2);
	assert_int_equal(f->ctx.ends, 1);
	/* Bits outside the mask, no direction. */
	assert_int_equal(sync_ioctl(f, fd, 8 | RH_DMA_BUF_SYNC_RW), -EINVAL);
	assert_int_equal(sync_ioctl(f, fd, 1ULL << 63 | RH_DMA_BUF_SYNC_RW), -EINVAL);
	assert_int_equal(sync_ioctl(f, fd, RH_DMA_BUF_SYNC_START), -EINVAL);
	assert_int_equal(sync_ioctl(f, fd, RH_DMA_BUF_SYNC_END), -EINVAL);
	assert_int_equal(f->ctx.begins + f->ctx.ends, 3);
	/* The exporter's answer is returned. */
	f->ctx.begin_ret = -EPERM;
	assert_int_equal(sync_ioctl(f, fd, RH_DMA_BUF_SYNC_START | RH_DMA_BUF_SYNC_RW), -EPERM);
	f->ctx.begin_ret = 0;
	assert_int_equal(rh_ioctl(f->plat, fd, RH_DMA_BUF_IOCTL_SYNC, NULL), -EFAULT);
	assert_int_equal(rh_close(f->plat, fd), 0);
}

static void test_buf_set_name(void **state)
{
	struct fix *f = *state;
	int fd = alloc_fd(f, 4096, O_RDWR);
	struct rh_dma_buf *dmabuf = rh_dma_buf_get(f->plat, fd);
	char name[RH_DMA_BUF_NAME_LEN];

	assert_false(RH_IS_ERR_OR_NULL(dmabuf));
	assert_int_equal(rh_ioctl(f->plat, fd, RH_DMA_BUF_SET_NAME_A, "a-name"), 0);
	assert_int_equal(rh_dma_buf_get_name(dmabuf, name), 0);
	assert_string_equal(name, "a-name");
	assert_int_equal(rh_ioctl(f->plat, fd, RH_DMA_BUF_SET_NAME_B, "b-name"), 0);
	assert_int_equal(rh_dma_buf_get_name(dmabuf, name), 0);
	assert_string_equal(name, "b-name");
	/* DMA_BUF_SET_NAME (pointer-sized) is one of the two. */
	assert_int_equal(rh_ioctl(f->plat, fd, RH_DMA_BUF_SET_NAME, "ptr"), 0);
	assert_int_equal(rh_ioctl(f->plat, fd, RH_DMA_BUF_SET_NAME_A,
				  "0123456789012345678901234567890123"), -EINVAL);
	assert_int_equal(rh_ioctl(f->plat, fd, RH_DMA_BUF_SET_NAME_A, NULL), -EFAULT);
	assert_int_equal(rh_dma_buf_get_name(dmabuf, name), 0);
	assert_string_equal(name, "ptr");
	rh_dma_buf_put(dmabuf);
	assert_int_equal(rh_close(f->plat, fd), 0);
}

static void test_buf_unknown_and_kinds(void **state)
{
	struct fix *f = *state;
	struct rh_dma_heap_allocation_data data = { .len = 4096 };
	int fd = alloc_fd(f, 4096, O_RDWR);
	struct rh_dma_buf *dmabuf;

	/* The heap's ALLOC on a dma-buf fd, and unknown commands. */
	assert_int_equal(rh_ioctl(f->plat, fd, RH_DMA_HEAP_IOCTL_ALLOC, &data), -ENOTTY);
	assert_int_equal(rh_ioctl(f->plat, fd, RH_IOW('b', 9, uint64_t), &data), -ENOTTY);
	assert_int_equal(rh_ioctl(f->plat, fd, 0x5401 /* TCGETS */, &data), -ENOTTY);
	assert_int_equal(rh_close(f->plat, fd), 0);
	/* Closed fd. */
	assert_int_equal(rh_ioctl(f->plat, fd, RH_DMA_BUF_IOCTL_SYNC, &data), -EBADF);
	/* rh_dma_buf_get(): -EBADF, -EINVAL for a heap fd. */
	assert_ptr_equal(rh_dma_buf_get(f->plat, fd), RH_ERR_PTR(-EBADF));
	assert_ptr_equal(rh_dma_buf_get(f->plat, f->heap_fd), RH_ERR_PTR(-EINVAL));
	assert_ptr_equal(rh_dma_buf_get(NULL, f->heap_fd), RH_ERR_PTR(-EINVAL));
	/* rh_dma_buf_fd(): consumes the reference on success. */
	dmabuf = tx_export(&f->ctx, &tx_full_ops, 4096, O_RDWR);
	assert_false(RH_IS_ERR_OR_NULL(dmabuf));
	fd = rh_dma_buf_fd(dmabuf, O_CLOEXEC);
	assert_true(fd >= 3);
	assert_int_equal(rh_dma_buf_file_count(dmabuf), 1);
	assert_int_equal(rh_dma_buf_fd(NULL, 0), -EINVAL);
	assert_int_equal(rh_close(f->plat, fd), 0);
	assert_int_equal(f->ctx.releases, 2);
}

static void test_sync_file(void **state)
{
	struct fix *f = *state;
	int fd = alloc_fd(f, 4096, O_RDWR);
	struct rh_dma_buf_export_sync_file exp = { .flags = 0 };
	struct rh_dma_buf_import_sync_file imp = { .flags = RH_DMA_BUF_SYNC_WRITE };
	void *p;

	assert_int_equal(rh_ioctl(f->plat, fd, RH_DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp), -EINVAL);
	exp.flags = RH_DMA_BUF_SYNC_END | RH_DMA_BUF_SYNC_READ;
	assert_int_equal(rh_ioctl(f->plat, fd, RH_DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp), -EINVAL);
	assert_int_equal(rh_ioctl(f->plat, fd, RH_DMA_BUF_IOCTL_EXPORT_SYNC_FILE, NULL), -EFAULT);
	exp.flags = RH_DMA_BUF_SYNC_READ;
	assert_int_equal(rh_ioctl(f->plat, fd, RH_DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp), 0);
	assert_int_equal(exp.fd, fd + 1);
	/* A sync_file has no dma ioctls, no mmap, no seek. */
	assert_int_equal(rh_ioctl(f->plat, exp.fd, RH_DMA_BUF_IOCTL_SYNC, &imp), -ENOTTY);
	assert_int_equal(rh_mmap(f->plat, exp.fd, 4096, PROT_READ, MAP_SHARED, 0, &p), -ENODEV);
	assert_int_equal(rh_lseek(f->plat, exp.fd, 0, SEEK_SET), -ESPIPE);
	/* Import: flags, then the fd must be a sync_file. */
	imp.fd = exp.fd;
	assert_int_equal(rh_ioctl(f->plat, fd, RH_DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp), 0);
	imp.flags = 0;
	assert_int_equal(rh_ioctl(f->plat, fd, RH_DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp), -EINVAL);
	imp.flags = RH_DMA_BUF_SYNC_RW;
	imp.fd = fd;
	assert_int_equal(rh_ioctl(f->plat, fd, RH_DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp), -EINVAL);
	imp.fd = 999;
	assert_int_equal(rh_ioctl(f->plat, fd, RH_DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp), -EINVAL);
	assert_int_equal(rh_ioctl(f->plat, fd, RH_DMA_BUF_IOCTL_IMPORT_SYNC_FILE, NULL), -EFAULT);
	assert_int_equal(rh_close(f->plat, exp.fd), 0);
	assert_int_equal(rh_close(f->plat, fd), 0);
}

/* ------------------------------------------------------------ lseek */

static void test_lseek(void **state)
{
	struct fix *f = *state;
	int fd = alloc_fd(f, 5000, O_RDWR);

	assert_int_equal(rh_lseek(f->plat, fd, 0, SEEK_END), 8192);
	assert_int_equal(rh_lseek(f->plat, fd, 0, SEEK_SET), 0);
	assert_int_equal(rh_lseek(f->plat, fd, 0, SEEK_CUR), -EINVAL);
	assert_int_equal(rh_lseek(f->plat, fd, 1, SEEK_SET), -EINVAL);
	assert_int_equal(rh_lseek(f->plat, fd, -1, SEEK_END), -EINVAL);
	assert_int_equal(rh_lseek(f->plat, fd, 0, SEEK_DATA), -EINVAL);
	assert_int_equal(rh_lseek(f->plat, fd, 0, 99), -EINVAL);
	assert_int_equal(rh_lseek(f->plat, f->heap_fd, 0, SEEK_END), -ESPIPE);
	assert_int_equal(rh_lseek(f->plat, 200, 0, SEEK_END), -EBADF);
	assert_int_equal(rh_lseek(NULL, fd, 0, SEEK_END), -EINVAL);
	assert_int_equal(rh_close(f->plat, fd), 0);
}

/* ------------------------------------------------------------ mmap */

static void test_mmap_errors(void **state)
{
	struct fix *f = *state;
	int fd = alloc_fd(f, 4 * 4096, O_RDWR);
	int ro = alloc_fd(f, 4096, O_RDONLY);
	int wo = alloc_fd(f, 4096, O_WRONLY);
	void *keep = &f->ctx, *p = keep;

	assert_int_equal(rh_mmap(f->plat, fd, 4096, PROT_READ, MAP_SHARED, 100, &p), -EINVAL);
	assert_int_equal(rh_mmap(f->plat, fd, 4096, PROT_READ, MAP_SHARED, -4096, &p), -EINVAL);
	assert_int_equal(rh_mmap(f->plat, 99, 4096, PROT_READ, MAP_SHARED, 0, &p), -EBADF);
	assert_int_equal(rh_mmap(f->plat, fd, 0, PROT_READ, MAP_SHARED, 0, &p), -EINVAL);
	assert_int_equal(rh_mmap(f->plat, fd, SIZE_MAX, PROT_READ, MAP_SHARED, 0, &p), -ENOMEM);
	assert_int_equal(rh_mmap(f->plat, fd, 4096, PROT_READ, 0, 0, &p), -EINVAL);
	assert_int_equal(rh_mmap(f->plat, fd, 4096, PROT_READ, MAP_PRIVATE, 0, &p), -EOPNOTSUPP);
	/* Beyond the end: offset + length in pages > size in pages. */
	assert_int_equal(rh_mmap(f->plat, fd, 5 * 4096, PROT_READ, MAP_SHARED, 0, &p), -EINVAL);
	assert_int_equal(rh_mmap(f->plat, fd, 4096, PROT_READ, MAP_SHARED, 4 * 4096, &p), -EINVAL);
	assert_int_equal(rh_mmap(f->plat, fd, 2 * 4096, PROT_READ, MAP_SHARED, 3 * 4096, &p),
			 -EINVAL);
	/* Access mode. */
	assert_int_equal(rh_mmap(f->plat, ro, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 0, &p),
			 -EACCES);
	assert_int_equal(rh_mmap(f->plat, wo, 4096, PROT_WRITE, MAP_SHARED, 0, &p), -EACCES);
	/* Not mappable: a heap node. */
	assert_int_equal(rh_mmap(f->plat, f->heap_fd, 4096, PROT_READ, MAP_SHARED, 0, &p), -ENODEV);
	/* The exporter refuses (as a restricted heap does). */
	f->ctx.mmap_ret = -EPERM;
	assert_int_equal(rh_mmap(f->plat, fd, 4096, PROT_READ, MAP_SHARED, 0, &p), -EPERM);
	f->ctx.mmap_ret = 0;
	assert_int_equal(rh_mmap(f->plat, fd, 4096, PROT_READ, MAP_SHARED, 0, NULL), -EINVAL);
	assert_int_equal(rh_mmap(NULL, fd, 4096, PROT_READ, MAP_SHARED, 0, &p), -EINVAL);
	assert_ptr_equal(p, keep);
	assert_int_equal(f->ctx.mmaps, 0);
	/* A read-only buffer can be mapped read-only. */
	assert_int_equal(rh_mmap(f->plat, ro, 4096, PROT_READ, MAP_SHARED, 0, &p), 0);
	assert_int_equal(rh_munmap(f->plat, p, 4096), 0);
	assert_int_equal(rh_close(f->plat, fd), 0);
	assert_int_equal(rh_close(f->plat, ro), 0);
	assert_int_equal(rh_close(f->plat, wo), 0);
}

static void test_mmap_lifetime(void **state)
{
	struct fix *f = *state;
	int fd = alloc_fd(f, 3 * 4096, O_RDWR), fd2;
	unsigned char *p, *q;
	struct rh_dma_buf *dmabuf = rh_dma_buf_get(f->plat, fd);

	assert_false(RH_IS_ERR_OR_NULL(dmabuf));
	rh_dma_buf_put(dmabuf);
	assert_int_equal(rh_mmap(f->plat, fd, 3 * 4096, PROT_READ | PROT_WRITE,
				 MAP_SHARED, 0, (void **)&p), 0);
	assert_int_equal(rh_dma_buf_file_count(dmabuf), 2);
	memset(p, 0x3c, 3 * 4096);
	/* The fd closed while mapped: the buffer stays. */
	assert_int_equal(rh_close(f->plat, fd), 0);
	assert_int_equal(f->ctx.releases, 0);
	assert_int_equal(p[3 * 4096 - 1], 0x3c);
	/* A second mapping at an offset sees the same memory. */
	fd2 = alloc_fd(f, 4096, O_RDWR);
	assert_int_equal(rh_mmap(f->plat, fd2, 4096, PROT_READ, MAP_SHARED_VALIDATE, 0,
				 (void **)&q), 0);
	/* Whole mappings only. */
	assert_int_equal(rh_munmap(f->plat, p + 4096, 4096), -EINVAL);
	assert_int_equal(rh_munmap(f->plat, p, 4096), -EINVAL);
	assert_int_equal(rh_munmap(f->plat, p, 0), -EINVAL);
	assert_int_equal(rh_munmap(f->plat, NULL, 4096), -EINVAL);
	assert_int_equal(rh_munmap(NULL, p, 3 * 4096), -EINVAL);
	assert_int_equal(rh_munmap(f->plat, p, 3 * 4096 - 100), 0);
	assert_int_equal(f->ctx.releases, 1);
	assert_int_equal(rh_munmap(f->plat, p, 3 * 4096), -EINVAL);
	/* A mapping left behind is undone with the platform (teardown check). */
	assert_int_equal(rh_close(f->plat, fd2), 0);
	assert_int_equal(rh_munmap(f->plat, q, 4096), 0);
}

static void test_platform_teardown_releases(void **state)
{
	struct fix *f = *state;
	struct rh_platform *plat = tx_platform_new();
	struct tx_ctx ctx = { .plat = plat };
	void *p;
	int hfd, fd1, fd2;
	struct rh_dma_heap_allocation_data data = { .len = 8192, .fd_flags = O_RDWR };

	(void)f;
	assert_false(RH_IS_ERR_OR_NULL(tx_heap_add(&ctx, "tx")));
	hfd = rh_open(plat, "/dev/dma_heap/tx", O_RDWR);
	assert_int_equal(rh_ioctl(plat, hfd, RH_DMA_HEAP_IOCTL_ALLOC, &data), 0);
	fd1 = (int)data.fd;
	data.fd = 0;
	assert_int_equal(rh_ioctl(plat, hfd, RH_DMA_HEAP_IOCTL_ALLOC, &data), 0);
	fd2 = (int)data.fd;
	assert_int_equal(rh_mmap(plat, fd1, 8192, PROT_READ, MAP_SHARED, 0, &p), 0);
	assert_int_equal(rh_close(plat, fd1), 0);
	assert_true(fd2 > fd1);
	/* Process exit: every fd and mapping goes, every buffer is released. */
	rh_platform_unref(plat);
	assert_int_equal(ctx.releases, 2);
}

/* ------------------------------------------------------------ fdinfo */

static char *fdinfo_text(struct fix *f, int fd)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	assert_int_equal(rh_dma_buf_fdinfo(f->plat, fd, out), 0);
	fclose(out);
	return text;
}

static void test_fdinfo(void **state)
{
	struct fix *f = *state;
	int fd = alloc_fd(f, 3 * 4096, O_RDWR | O_CLOEXEC), fd2;
	struct rh_dma_buf *dmabuf = rh_dma_buf_get(f->plat, fd);
	char expect[256];
	char *text;

	assert_false(RH_IS_ERR_OR_NULL(dmabuf));
	fd2 = rh_dup(f->plat, fd);
	snprintf(expect, sizeof(expect),
		 "pos:\t0\nflags:\t02000002\nino:\t%llu\nsize:\t12288\ncount:\t3\n"
		 "exp_name:\ttx\n", (unsigned long long)rh_dma_buf_ino(dmabuf));
	text = fdinfo_text(f, fd);
	assert_string_equal(text, expect);
	free(text);
	/* A dup'ed fd has no FD_CLOEXEC, but the file flags keep O_CLOEXEC. */
	text = fdinfo_text(f, fd2);
	assert_string_equal(text, expect);
	free(text);
	assert_int_equal(rh_ioctl(f->plat, fd, RH_DMA_BUF_SET_NAME_B, "frame"), 0);
	rh_dma_buf_put(dmabuf);
	snprintf(expect, sizeof(expect),
		 "pos:\t0\nflags:\t02000002\nino:\t%llu\nsize:\t12288\ncount:\t2\n"
		 "exp_name:\ttx\nname:\tframe\n", (unsigned long long)rh_dma_buf_ino(dmabuf));
	text = fdinfo_text(f, fd);
	assert_string_equal(text, expect);
	free(text);
	/* Heap fds and standard streams: the generic lines only. */
	text = fdinfo_text(f, f->heap_fd);
	assert_string_equal(text, "pos:\t0\nflags:\t02000002\n");
	free(text);
	text = fdinfo_text(f, 1);
	assert_string_equal(text, "pos:\t0\nflags:\t02\n");
	free(text);
	assert_int_equal(rh_dma_buf_fdinfo(f->plat, 500, stdout), -EBADF);
	assert_int_equal(rh_dma_buf_fdinfo(f->plat, fd, NULL), -EINVAL);
	assert_int_equal(rh_dma_buf_fdinfo(NULL, fd, stdout), -EINVAL);
	assert_int_equal(rh_close(f->plat, fd), 0);
	assert_int_equal(rh_close(f->plat, fd2), 0);
}

/* ------------------------------------------------------------ fail-nth */

struct nth_arg {
	struct fix *f;
	int fd;
	void *p;
};

static void nth_clean(void *p)
{
	struct nth_arg *arg = p;
	struct rh_dma_buf_stats st;

	assert_int_equal(rh_fd_count(arg->f->plat), 4);
	assert_int_equal(rh_dma_buf_get_stats(arg->f->plat, &st), 0);
	assert_int_equal(st.count, 0);
}

static int nth_open(void *p)
{
	struct nth_arg *arg = p;

	arg->fd = rh_open(arg->f->plat, "/dev/dma_heap/tx", O_RDWR);
	return arg->fd < 0 ? arg->fd : 0;
}

static void nth_close(void *p)
{
	struct nth_arg *arg = p;

	assert_int_equal(rh_close(arg->f->plat, arg->fd), 0);
}

static int nth_alloc_ioctl(void *p)
{
	struct nth_arg *arg = p;
	struct rh_dma_heap_allocation_data data = { .len = 1 << 20, .fd_flags = O_RDWR };
	int ret;

	ret = rh_ioctl(arg->f->plat, arg->f->heap_fd, RH_DMA_HEAP_IOCTL_ALLOC, &data);
	arg->fd = ret ? -1 : (int)data.fd;
	return ret;
}

static int nth_alloc_mmap(void *p)
{
	struct nth_arg *arg = p;
	int ret;

	ret = nth_alloc_ioctl(arg);
	if (ret)
		return ret;
	ret = rh_mmap(arg->f->plat, arg->fd, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, 0,
		      &arg->p);
	if (ret)
		rh_close(arg->f->plat, arg->fd);
	return ret;
}

static void nth_unmap_close(void *p)
{
	struct nth_arg *arg = p;

	assert_int_equal(rh_munmap(arg->f->plat, arg->p, 1 << 20), 0);
	assert_int_equal(rh_close(arg->f->plat, arg->fd), 0);
}

static void test_fail_nth(void **state)
{
	struct nth_arg arg = { .f = *state };

	assert_true(rh_test_fail_nth_sweep(nth_open, nth_close, nth_clean, &arg) >= 1);
	assert_true(rh_test_fail_nth_sweep(nth_alloc_ioctl, nth_close, nth_clean, &arg) >= 2);
	assert_true(rh_test_fail_nth_sweep(nth_alloc_mmap, nth_unmap_close, nth_clean, &arg) >= 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_dup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stdio_fds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emfile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_heap_alloc_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_heap_nr_dispatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_heap_size_compat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buf_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buf_set_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buf_unknown_and_kinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lseek, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmap_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmap_lifetime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_teardown_releases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fdinfo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fail_nth, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
