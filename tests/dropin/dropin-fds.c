// SPDX-License-Identifier: MIT
/* Drop-in: dup/dup2/dup3/fcntl over dma-buf fds, close-on-exec across exec, fork. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* dup3 */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>

#include "dropin-check.h"

static int alloc(uint32_t fd_flags)
{
	struct dma_heap_allocation_data d = { .len = 4096, .fd_flags = O_RDWR | fd_flags };
	int heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);

	if (heap < 0 || ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d))
		return -1;
	close(heap);
	return (int)d.fd;
}

/* A dma-buf fd answers SYNC; a placeholder left behind does not. */
static bool is_dmabuf(int fd)
{
	struct dma_buf_sync s = { DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s) == 0 &&
	       (s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ,
		ioctl(fd, DMA_BUF_IOCTL_SYNC, &s) == 0);
}

/* Count of live buffers in bufinfo ("Total N objects"). */
static int live_buffers(void)
{
	char buf[8192], *t;
	ssize_t n;
	int fd = open("/sys/kernel/debug/dma_buf/bufinfo", O_RDONLY), count = -1;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The last "Total N objects" line (each buffer has a devices total). */
	for (t = strstr(buf, "Total "); t; t = strstr(t + 1, "Total "))
		if (strstr(t, " objects"))
			count = atoi(t + 6);
	return count;
}

/* exec'd with "child CLOEXEC_FD KEPT_FD": what survived exec? */
static int child_after_exec(int cloexec_fd, int kept_fd)
{
	CHECK(fcntl(cloexec_fd, F_GETFD) == -1 && errno == EBADF,
	      "the FD_CLOEXEC fd must be closed by exec");
	/* Simulated objects live in the process: after exec the fd is a stub. */
	CHECK(fcntl(kept_fd, F_GETFD) == 0, "the other fd stays open");
	CHECK(!is_dmabuf(kept_fd), "but it is no dma-buf in the new image");
	CHECK(live_buffers() == 0, "the new image starts with no buffers");
	return failures ? 1 : 0;
}

static void check_dup(void)
{
	int base = live_buffers(), a = alloc(0), b, c, d, plain;

	CHECK(a > 2 && is_dmabuf(a), "alloc");
	b = dup(a);
	CHECK(b > 2 && b != a && is_dmabuf(b), "dup");
	CHECK(fcntl(b, F_GETFD) == 0, "dup clears FD_CLOEXEC");
	c = fcntl(a, F_DUPFD_CLOEXEC, 100);
	CHECK(c >= 100 && is_dmabuf(c) && fcntl(c, F_GETFD) == FD_CLOEXEC, "F_DUPFD_CLOEXEC");
	CHECK((fcntl(a, F_GETFL) & O_ACCMODE) == O_RDWR, "F_GETFL");
	CHECK(fcntl(a, F_SETFD, FD_CLOEXEC) == 0 && fcntl(a, F_GETFD) == FD_CLOEXEC, "F_SETFD");
	CHECK(close(a) == 0 && is_dmabuf(b), "closing one fd keeps the buffer");
	CHECK(close(a) == -1 && errno == EBADF, "a closed fd is closed");
	CHECK(!is_dmabuf(a), "a closed number reaches nothing");

	/* dup2 onto a simulated fd closes that buffer, exactly once. */
	d = alloc(0);
	CHECK(live_buffers() == base + 2, "two buffers live (%d)", live_buffers());
	CHECK(dup2(b, d) == d && is_dmabuf(d), "dup2 over a dma-buf");
	CHECK(live_buffers() == base + 1, "the buffer dup2 replaced is released");
	/* dup2 of a plain file onto a simulated fd: it is the plain file now. */
	plain = open("/dev/zero", O_RDONLY);
	CHECK(dup3(plain, c, O_CLOEXEC) == c && !is_dmabuf(c) &&
		      fcntl(c, F_GETFD) == FD_CLOEXEC, "dup3 of a plain file");
	CHECK(dup2(b, b) == b && is_dmabuf(b), "dup2 onto itself");
	CHECK(dup3(b, b, 0) == -1 && errno == EINVAL, "dup3 onto itself");
	close(plain);
	close(c);
	close(b);
	CHECK(live_buffers() == base + 1, "d still holds the buffer (%d)", live_buffers());
	close(d);
	CHECK(live_buffers() == base, "all released");
	/* The numbers are the kernel's: a plain open never gets a simulated one. */
	a = alloc(0);
	plain = open("/dev/null", O_RDONLY);
	CHECK(plain != a && fcntl(a, F_GETFD) >= 0, "no collision");
	close(plain);
	close(a);
}

static void check_fork(void)
{
	int fd = alloc(0), status;
	pid_t pid;
	char *p;

	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "mmap");
	strcpy(p, "parent");
	pid = fork();
	if (!pid) {
		/* The child starts with no simulated object; it may make its own. */
		int mine = alloc(0);

		_exit(!is_dmabuf(fd) && mine > 2 && is_dmabuf(mine) && close(fd) == 0 ? 0 : 1);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		      WEXITSTATUS(status) == 0, "fork child");
	CHECK(is_dmabuf(fd) && !strcmp(p, "parent"), "the parent's buffer is unaffected");
	munmap(p, 4096);
	close(fd);
}

int main(int argc, char **argv)
{
	char a[16], b[16];
	int cloexec_fd, kept_fd;

	if (argc == 4 && !strcmp(argv[1], "child"))
		return child_after_exec(atoi(argv[2]), atoi(argv[3]));
	check_dup();
	check_fork();
	cloexec_fd = alloc(O_CLOEXEC);
	kept_fd = alloc(0);
	CHECK(fcntl(cloexec_fd, F_GETFD) == FD_CLOEXEC, "O_CLOEXEC");
	printf("%d failures before exec\n", failures);
	if (failures)
		return 1;
	snprintf(a, sizeof(a), "%d", cloexec_fd);
	snprintf(b, sizeof(b), "%d", kept_fd);
	fflush(NULL);
	execl("/proc/self/exe", argv[0], "child", a, b, (char *)NULL);
	perror("exec");
	return 1;
}
