// SPDX-License-Identifier: MIT
/* Drop-in: EFAULT, never a crash, whatever the program does with SIGSEGV and SIGBUS: its own handlers, blocked masks, threads. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/tee.h>

#include "dropin-check.h"


static int heap, buf, tee_fd;
static unsigned char *hole, *none, *ro;

/* Every kind of bad pointer on every kind of fd: EFAULT each time. */
static void bad_pointers(const char *when)
{
	struct dma_heap_allocation_data d = { .len = 4096, .fd_flags = O_RDWR };
	unsigned char *bad[] = { (unsigned char *)16, hole, none, hole - 4 };
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(ioctl(heap, DMA_HEAP_IOCTL_ALLOC, bad[i]) == -1 && errno == EFAULT,
		      "%s: ALLOC %u: %s", when, i, strerror(errno));
		CHECK(ioctl(buf, DMA_BUF_IOCTL_SYNC, bad[i]) == -1 && errno == EFAULT,
		      "%s: SYNC %u: %s", when, i, strerror(errno));
		CHECK(ioctl(buf, DMA_BUF_SET_NAME_B, bad[i]) == -1 && errno == EFAULT,
		      "%s: SET_NAME %u: %s", when, i, strerror(errno));
		CHECK(ioctl(tee_fd, TEE_IOC_VERSION, bad[i]) == -1 && errno == EFAULT,
		      "%s: TEE VERSION %u: %s", when, i, strerror(errno));
	}
	/* Writing the answer back into read-only memory */
	CHECK(ioctl(tee_fd, TEE_IOC_VERSION, ro) == -1 && errno == EFAULT, "%s: VERSION into ro",
	      when);
	CHECK(ioctl(buf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, ro) == -1 && errno == EFAULT,
	      "%s: EXPORT_SYNC_FILE into ro: %s", when, strerror(errno));
	/* And a good call still works */
	CHECK(ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d) == 0 && close((int)d.fd) == 0,
	      "%s: a good ALLOC", when);
}

/* Is SIGSEGV blocked in this thread? */
static bool segv_blocked(void)
{
	sigset_t cur;

	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, SIGSEGV) == 1;
}

/* ------------------------------------------------------------ the program's handlers */

static sigjmp_buf env;
static volatile sig_atomic_t own_faults;

static void own_handler(int sig)
{
	(void)sig;
	own_faults++;
	siglongjmp(env, 1);
}

static void own_action(int sig, siginfo_t *si, void *uctx)
{
	(void)si;
	(void)uctx;
	own_handler(sig);
}

/* A fault of the program's own reaches the program's handler. */
static void own_fault(const char *when)
{
	int before = own_faults;

	if (sigsetjmp(env, 1) == 0)
		(void)*(volatile unsigned char *)none;
	CHECK(own_faults == before + 1, "%s: the program's handler missed its fault", when);
}

static void check_handlers(void)
{
	struct sigaction sa, old;

	/* sigaction() after the platform was built (as a crash reporter would) */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = own_action;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGSEGV, &sa, &old) == 0 && sigaction(SIGBUS, &sa, NULL) == 0,
	      "sigaction");
	bad_pointers("sigaction handler");
	CHECK(own_faults == 0, "the program's handler saw %d copy faults", own_faults);
	own_fault("sigaction handler");
	/* signal(), as cmocka installs its handlers */
	CHECK(signal(SIGSEGV, own_handler) != SIG_ERR, "signal");
	bad_pointers("signal handler");
	own_fault("signal handler");
	CHECK(own_faults == 2, "%d faults reached the program's handler", own_faults);
	/* back to the default action */
	CHECK(signal(SIGSEGV, SIG_DFL) != SIG_ERR && signal(SIGBUS, SIG_DFL) != SIG_ERR,
	      "SIG_DFL");
	bad_pointers("default action");
}

/* ------------------------------------------------------------ masks */

static void *blocked_thread(void *arg)
{
	(void)arg;
	/* Inherited from a creator that blocks everything: the shim never saw it set. */
	CHECK(segv_blocked(), "the mask was not inherited");
	bad_pointers("inherited blocked mask");
	CHECK(segv_blocked(), "the mask changed under an ioctl");
	return NULL;
}

static void *blocking_thread(void *arg)
{
	sigset_t all;
	pthread_t t;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	bad_pointers("pthread_sigmask(SIG_BLOCK, all)");
	CHECK(segv_blocked(), "the mask changed under an ioctl");
	pthread_create(&t, NULL, blocked_thread, NULL);
	pthread_join(t, NULL);
	return NULL;
}

static void check_masks(void)
{
	sigset_t segv, old;
	pthread_t t;

	pthread_create(&t, NULL, blocking_thread, NULL);
	pthread_join(t, NULL);
	/* sigprocmask() in the main thread, SIGBUS only, then SIGSEGV too */
	sigemptyset(&segv);
	sigaddset(&segv, SIGBUS);
	sigprocmask(SIG_BLOCK, &segv, &old);
	bad_pointers("sigprocmask(SIG_BLOCK, SIGBUS)");
	sigaddset(&segv, SIGSEGV);
	sigprocmask(SIG_BLOCK, &segv, NULL);
	bad_pointers("sigprocmask(SIG_BLOCK, SIGSEGV|SIGBUS)");
	CHECK(segv_blocked(), "the mask changed under an ioctl");
	sigprocmask(SIG_SETMASK, &old, NULL);
	CHECK(!segv_blocked(), "SIG_SETMASK");
	bad_pointers("unblocked again");
}

/* ------------------------------------------------------------ threads */

static void *faulting_thread(void *arg)
{
	unsigned int i;

	(void)arg;
	for (i = 0; i < 50; i++)
		bad_pointers("threads at once");
	return NULL;
}

int main(void)
{
	struct dma_heap_allocation_data d = { .len = 4096, .fd_flags = O_RDWR };
	struct dma_buf_export_sync_file exp = { .flags = DMA_BUF_SYNC_RW };
	pthread_t t[4];
	unsigned char *mem;
	unsigned int i;

	heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	tee_fd = open("/dev/tee0", O_RDWR | O_CLOEXEC);
	if (heap < 0 || tee_fd < 0 || ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d)) {
		perror("/dev/dma_heap/system, /dev/tee0");
		return 1;
	}
	buf = (int)d.fd;
	/*
	 * Three pages: read-only (a valid EXPORT_SYNC_FILE request, then no
	 * NUL up to the hole), a hole, PROT_NONE.
	 */
	/*
	 * Far below where mmap() places things (a hint, not MAP_FIXED): a
	 * thread's stack or a sanitizer's bookkeeping mapped later must not
	 * land in the hole and turn it into readable garbage.
	 */
	mem = mmap((void *)(uintptr_t)0x7e0000000000ull, 3 * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 1;
	memset(mem, 'x', 4096);
	memcpy(mem, &exp, sizeof(exp));
	ro = mem;
	hole = mem + 4096;
	none = mem + 2 * 4096;
	mprotect(ro, 4096, PROT_READ);
	munmap(hole, 4096);
	mprotect(none, 4096, PROT_NONE);

	bad_pointers("plain");
	check_handlers();
	check_masks();
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, faulting_thread, NULL);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);

	close(buf);
	close(tee_fd);
	close(heap);
	printf("bad pointers under handlers, masks and threads: %d failures\n",
	       atomic_load(&failures));
	return atomic_load(&failures) ? 1 : 0;
}
