// SPDX-License-Identifier: MIT
/* Drop-in: threads sharing dma-buf fds: ioctls racing close, dup2 and reuse of the number; nothing leaks. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
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

#include "dropin-check.h"


#define ROUNDS 400
#define WORKERS 3

static int heap;
static atomic_bool stop;

/* A 4 KiB buffer's fd, or -1 (a failure counted). */
static int alloc(void)
{
	struct dma_heap_allocation_data d = { .len = 4096, .fd_flags = O_RDWR | O_CLOEXEC };
	int ret = ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d);

	CHECK(!ret, "alloc: %s", strerror(errno));
	return ret ? -1 : (int)d.fd;
}

static int sync_rw(int fd, uint64_t flags)
{
	struct dma_buf_sync s = { flags | DMA_BUF_SYNC_RW };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s) ? errno : 0;
}

/* Open fds of the process: every placeholder the shim made is one. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own fd */
}

/* Live buffers as bufinfo counts them ("Total N objects"). */
static int live_buffers(void)
{
	static char buf[1 << 16];
	ssize_t n, got = 0;
	int fd = open("/sys/kernel/debug/dma_buf/bufinfo", O_RDONLY), count = -1;
	char *t;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	for (t = strstr(buf, "Total "); t; t = strstr(t + 1, "Total "))
		if (strstr(t, " objects"))
			count = atoi(t + 6);
	return count;
}

/* Each worker: its own buffers, dup'd, mapped, synced, closed; bad pointers too. */
static void *worker(void *arg)
{
	int fd, copy, err;
	unsigned int i;
	void *p;

	(void)arg;
	for (i = 0; i < ROUNDS; i++) {
		fd = alloc();
		if (fd < 0)
			continue;
		copy = i % 2 ? dup(fd) : fcntl(fd, F_DUPFD_CLOEXEC, 3);
		CHECK(copy >= 0, "dup: %s", strerror(errno));
		err = sync_rw(copy, DMA_BUF_SYNC_START);
		CHECK(!err, "SYNC start: %s", strerror(err));
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
		if (p != MAP_FAILED) {
			memset(p, (int)i, 4096);
			munmap(p, 4096);
		}
		err = sync_rw(fd, DMA_BUF_SYNC_END);
		CHECK(!err, "SYNC end: %s", strerror(err));
		CHECK(ioctl(fd, DMA_BUF_IOCTL_SYNC, (void *)(uintptr_t)(4096 * (i + 1))) == -1 &&
			      errno == EFAULT, "bad pointer: %s", strerror(errno));
		CHECK(close(fd) == 0 && close(copy) == 0, "close");
	}
	return NULL;
}

/* The shared fd the racers use; -1 between buffers. */
static atomic_int shared = -1;

/*
 * Calls on a number another thread closes and reuses meanwhile: each
 * answers as some kernel order would (the old buffer, the new one, EBADF),
 * or ENOTTY from the placeholder while the close is under way; never
 * anything else, never a crash.
 */
static void *racer(void *arg)
{
	struct stat st;
	int fd, err;

	(void)arg;
	while (!atomic_load(&stop)) {
		fd = atomic_load(&shared);
		if (fd < 0)
			continue;
		err = sync_rw(fd, DMA_BUF_SYNC_START);
		CHECK(!err || err == EBADF || err == ENOTTY, "SYNC on a closing fd: %s",
		      strerror(err));
		if (!fstat(fd, &st))
			CHECK(st.st_size == 4096 || st.st_size == 0, "fstat size %lld",
			      (long long)st.st_size);
		err = lseek(fd, 0, SEEK_END) < 0 ? errno : 0;
		CHECK(!err || err == EBADF || err == ESPIPE, "lseek: %s", strerror(err));
	}
	return NULL;
}

/* Replaces the shared buffer again and again: close, dup2 over it, reuse. */
static void *closer(void *arg)
{
	int fd, old, other;
	unsigned int i;

	(void)arg;
	for (i = 0; i < ROUNDS; i++) {
		fd = alloc();
		if (fd < 0)
			continue;
		old = atomic_exchange(&shared, fd);
		if (old < 0)
			continue;
		if (i % 3 == 0) {
			/* dup2 over the number the racers use, then close it. */
			other = alloc();
			CHECK(other >= 0 && dup2(other, fd) == fd, "dup2: %s", strerror(errno));
			close(other);
		}
		CHECK(close(old) == 0, "close: %s", strerror(errno));
	}
	close(atomic_exchange(&shared, -1));
	return NULL;
}

int main(void)
{
	pthread_t w[WORKERS], r[2], c;
	int fds, bufs, i;

	heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	if (heap < 0) {
		perror("/dev/dma_heap/system");
		return 1;
	}
	fds = count_fds();
	bufs = live_buffers();
	CHECK(bufs == 0, "%d buffers before", bufs);

	for (i = 0; i < WORKERS; i++)
		pthread_create(&w[i], NULL, worker, NULL);
	for (i = 0; i < 2; i++)
		pthread_create(&r[i], NULL, racer, NULL);
	pthread_create(&c, NULL, closer, NULL);
	for (i = 0; i < WORKERS; i++)
		pthread_join(w[i], NULL);
	pthread_join(c, NULL);
	atomic_store(&stop, true);
	for (i = 0; i < 2; i++)
		pthread_join(r[i], NULL);

	/* Every buffer and every placeholder is gone again. */
	CHECK(live_buffers() == bufs, "%d buffers left (%d before)", live_buffers(), bufs);
	CHECK(count_fds() == fds, "%d fds open (%d before)", count_fds(), fds);
	close(heap);
	printf("%d workers x %d rounds, closer and racers: %d failures\n", WORKERS, ROUNDS,
	       atomic_load(&failures));
	return atomic_load(&failures) ? 1 : 0;
}
