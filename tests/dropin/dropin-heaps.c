// SPDX-License-Identifier: MIT
/* Drop-in: a walk of /dev/dma_heap like the kernel's dmabuf-heap selftest, bufinfo and fdinfo as cat reads them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>

/* libc and the Linux uapi headers only: this runs unchanged on a device. */

#include "dropin-check.h"

/* The selftest's older and newer layouts of the allocation struct. */
struct alloc_smaller {
	uint64_t len;
	uint32_t fd;
	uint32_t fd_flags;
};

struct alloc_bigger {
	uint64_t len;
	uint32_t fd;
	uint32_t fd_flags;
	uint64_t heap_flags;
	uint64_t garbage[3];
};

#define IOCTL_SMALLER _IOWR(DMA_HEAP_IOC_MAGIC, 0, struct alloc_smaller)
#define IOCTL_BIGGER _IOWR(DMA_HEAP_IOC_MAGIC, 0, struct alloc_bigger)

static int alloc(int heap, uint64_t len, uint32_t fd_flags, uint64_t heap_flags)
{
	struct dma_heap_allocation_data d = { .len = len, .fd_flags = fd_flags,
					      .heap_flags = heap_flags };

	return ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d) ? -errno : (int)d.fd;
}

/* The whole text of @path, read with read() as cat does. */
static char *slurp(const char *path)
{
	static char buf[1 << 16];
	ssize_t n, got = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	while ((n = read(fd, buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	return buf;
}

static void check_errors(int heap)
{
	struct dma_heap_allocation_data d = { .len = 4096, .fd_flags = O_RDWR };

	CHECK(alloc(heap, 4096, 0x40000000, 0) == -EINVAL, "bad fd_flags");
	CHECK(alloc(heap, 4096, O_RDWR, 1) == -EINVAL, "heap_flags");
	CHECK(alloc(heap, 0, O_RDWR, 0) == -EINVAL, "len 0");
	d.fd = 7;
	CHECK(ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d) == -1 && errno == EINVAL, "fd set on input");
	CHECK(ioctl(heap, _IOWR(DMA_HEAP_IOC_MAGIC, 1, struct dma_heap_allocation_data), &d) == -1 &&
		      errno == EINVAL, "nr 1");
	CHECK(ioctl(heap, DMA_HEAP_IOCTL_ALLOC, (void *)16) == -1 && errno == EFAULT,
	      "bad pointer gives EFAULT");
	/* A dma-buf command (nr 1) on a heap node: dma_heap_ioctl() knows nr 0 only. */
	CHECK(ioctl(heap, DMA_BUF_SET_NAME_B, "x") == -1 && errno == EINVAL, "SET_NAME on a heap");
	CHECK(lseek(heap, 0, SEEK_END) == -1 && errno == ESPIPE, "lseek on a heap");
}

static void check_system(const char *name, int heap)
{
	struct alloc_smaller small = { .len = 8192, .fd_flags = O_RDWR | O_CLOEXEC };
	struct alloc_bigger big = { .len = 4096, .fd_flags = O_RDWR, .garbage = { 1, 2, 3 } };
	struct dma_buf_sync sync = { DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW };
	unsigned char *p;
	struct stat st;
	int fd, i, nonzero = 0;

	fd = alloc(heap, 1 << 20, O_RDWR | O_CLOEXEC, 0);
	CHECK(fd >= 0, "%s: alloc: %s", name, strerror(-fd));
	if (fd < 0)
		return;
	CHECK(lseek(fd, 0, SEEK_END) == 1 << 20, "%s: size by lseek", name);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 1 << 20, "%s: fstat size", name);
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "%s: O_CLOEXEC of fd_flags", name);
	p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "%s: mmap: %s", name, strerror(errno));
	if (p != MAP_FAILED) {
		CHECK(ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) == 0, "%s: SYNC start", name);
		for (i = 0; i < 1 << 20; i++)
			nonzero |= p[i];
		CHECK(!nonzero, "%s: a fresh buffer reads as zeros", name);
		memset(p, 0xa5, 1 << 20);
		sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
		CHECK(ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) == 0, "%s: SYNC end", name);
		sync.flags = 0xff;
		CHECK(ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) == -1 && errno == EINVAL,
		      "%s: SYNC bad flags", name);
		CHECK(munmap(p, 1 << 20) == 0, "%s: munmap", name);
	}
	/* Past the end of the buffer: dma_buf_mmap_internal() says EINVAL. */
	CHECK(mmap(NULL, 2 << 20, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EINVAL,
	      "%s: mmap past the end", name);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 1 << 20) == MAP_FAILED && errno == EINVAL,
	      "%s: mmap at the end", name);
	close(fd);

	/* The selftest's compat sizes: an older and a newer struct both allocate. */
	CHECK(ioctl(heap, IOCTL_SMALLER, &small) == 0 && small.fd > 2, "%s: smaller struct", name);
	close((int)small.fd);
	CHECK(ioctl(heap, IOCTL_BIGGER, &big) == 0 && big.fd > 2 && big.garbage[2] == 3,
	      "%s: bigger struct", name);
	close((int)big.fd);
}

static void check_restricted(const char *name, int heap)
{
	struct dma_buf_sync sync = { DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };
	int fd = alloc(heap, 1 << 20, O_RDWR, 0);

	CHECK(fd >= 0, "%s: alloc: %s", name, strerror(-fd));
	if (fd < 0)
		return;
	CHECK(mmap(NULL, 1 << 20, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EPERM,
	      "%s: mmap must be EPERM", name);
	CHECK(ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) == -1 && errno == EPERM,
	      "%s: SYNC must be EPERM", name);
	close(fd);
}

static void check_bufinfo_fdinfo(int heap)
{
	char path[64], *text;
	int fd = alloc(heap, 3 << 12, O_RDWR, 0);

	CHECK(fd >= 0, "alloc for bufinfo");
	CHECK(ioctl(fd, DMA_BUF_SET_NAME_B, "dropin-frame") == 0, "SET_NAME");
	CHECK(ioctl(fd, DMA_BUF_SET_NAME_B, (void *)8) == -1 && errno == EFAULT, "SET_NAME EFAULT");
	text = slurp("/sys/kernel/debug/dma_buf/bufinfo");
	CHECK(text && strstr(text, "dropin-frame") && strstr(text, "00012288"),
	      "bufinfo shows the buffer:\n%s", text ? text : "(none)");
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	text = slurp(path);
	CHECK(text && strstr(text, "size:\t12288\n") && strstr(text, "exp_name:\tsystem\n") &&
		      strstr(text, "name:\tdropin-frame\n"),
	      "fdinfo:\n%s", text ? text : "(none)");
	close(fd);
	text = slurp("/sys/kernel/debug/dma_buf/bufinfo");
	CHECK(text && !strstr(text, "dropin-frame"), "closed buffer gone from bufinfo");
}

int main(void)
{
	struct dirent *de;
	char path[300];
	int heaps = 0, heap;
	DIR *dir;

	dir = opendir("/dev/dma_heap");
	if (!dir) {
		perror("/dev/dma_heap");
		return 1;
	}
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/dev/dma_heap/%s", de->d_name);
		heap = open(path, O_RDONLY | O_CLOEXEC);
		CHECK(heap >= 0, "open %s: %s", path, strerror(errno));
		if (heap < 0)
			continue;
		heaps++;
		check_errors(heap);
		if (!strncmp(de->d_name, "system", 6))
			check_system(de->d_name, heap);
		else
			check_restricted(de->d_name, heap);
		close(heap);
	}
	closedir(dir);
	CHECK(heaps >= 3, "only %d heaps", heaps);
	CHECK(open("/dev/dma_heap/nope", O_RDONLY) == -1 && errno == ENOENT, "unknown heap");
	heap = open("/dev/dma_heap/system", O_RDONLY);
	check_bufinfo_fdinfo(heap);
	close(heap);
	printf("%d heaps walked, %d failures\n", heaps, failures);
	return failures ? 1 : 0;
}
