// SPDX-License-Identifier: MIT
/* User copies of the fd layer, checked and trapped: every bad pointer of every ioctl is -EFAULT. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rheap/dma-buf.h>
#include <rheap/platform.h>
#include <rheap/uapi.h>

#include "rh-test.h"
#include "optee/tee.h"
#include "tee-call-bufs.h"
#include "test-ta.h"

/*
 * Every test runs twice, with checked (process_vm_readv) and trapped
 * (fault handler) copies. The user memory: page 0 RW, page 1 read-only,
 * page 2 RW, page 3 a hole (unmapped), page 4 PROT_NONE, then a page of a
 * memfd with no page behind it (SIGBUS).
 */
#define NPAGES 6
#define PG ((size_t)RH_PAGE_SIZE)

struct fixture {
	enum rh_uaccess_mode mode;
	struct rh_platform *plat;
	int heap, tee, buf;
	unsigned char *mem;
	int memfd;
};

static unsigned char *rw(struct fixture *f) { return f->mem; }
static unsigned char *ro(struct fixture *f) { return f->mem + PG; }
static unsigned char *rw2(struct fixture *f) { return f->mem + 2 * PG; }
static unsigned char *hole(struct fixture *f) { return f->mem + 3 * PG; }
static unsigned char *none(struct fixture *f) { return f->mem + 4 * PG; }
static unsigned char *bus(struct fixture *f) { return f->mem + 5 * PG; }

static int setup(void **state, enum rh_uaccess_mode mode)
{
	struct rh_dma_heap_allocation_data d = { .len = 4096, .fd_flags = O_RDWR };
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->mode = mode;
	assert_int_equal(rh_platform_new(NULL, &f->plat), 0);
	assert_int_equal(rh_test_ta_add_all(rh_tee_emu_of(f->plat)), 0);
	assert_int_equal(rh_uapi_set_user_access(f->plat, mode), 0);
	f->heap = rh_open(f->plat, "/dev/dma_heap/system", O_RDONLY);
	assert_true(f->heap >= 3);
	assert_int_equal(rh_ioctl(f->plat, f->heap, RH_DMA_HEAP_IOCTL_ALLOC, &d), 0);
	f->buf = (int)d.fd;
	f->tee = rh_open(f->plat, RH_TEE_DEV_PATH, O_RDWR);
	assert_true(f->tee >= 3);

	f->mem = mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	assert_true(f->mem != MAP_FAILED);
	memset(f->mem, 0x5a, 5 * PG);
	assert_int_equal(mprotect(ro(f), PG, PROT_READ), 0);
	assert_int_equal(munmap(hole(f), PG), 0);
	assert_int_equal(mprotect(none(f), PG, PROT_NONE), 0);
	f->memfd = memfd_create("uaccess-bus", MFD_CLOEXEC);
	assert_true(f->memfd >= 0);
	assert_true(mmap(bus(f), PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 f->memfd, 0) == bus(f));
	*state = f;
	return 0;
}

static int setup_checked(void **state)
{
	return setup(state, RH_UACCESS_CHECKED);
}

static int setup_trapped(void **state)
{
	return setup(state, RH_UACCESS_TRAPPED);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct rh_tee_dev_stats st;

	assert_int_equal(rh_close(f->plat, f->tee), 0);
	assert_int_equal(rh_close(f->plat, f->buf), 0);
	assert_int_equal(rh_close(f->plat, f->heap), 0);
	assert_int_equal(rh_tee_dev_get_stats(f->plat, &st), 0);
	assert_int_equal(st.sessions, 0);
	assert_int_equal(st.shms, 0);
	assert_int_equal(rh_fd_count(f->plat), 3);
	rh_platform_unref(f->plat);
	munmap(f->mem, NPAGES * PG);
	close(f->memfd);
	free(f);
	return 0;
}

/*
 * The fixture of a test body. cmocka installs its own SIGSEGV/SIGBUS
 * handlers around each test, after the setup: the trapped mode's contract
 * is to set the mode again after such a change, which puts the library's
 * handler back on top.
 */
static struct fixture *enter(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rh_uapi_set_user_access(f->plat, f->mode), 0);
	return f;
}

/* Are SIGSEGV and SIGBUS unblocked in this thread? */
static bool faults_unblocked(void)
{
	sigset_t cur;

	assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &cur), 0);
	return !sigismember(&cur, SIGSEGV) && !sigismember(&cur, SIGBUS);
}

/* ------------------------------------------------------------ the copies */

static void test_mode_api(void **state)
{
	struct fixture *f = enter(state);
	char c = 1;

	assert_int_equal(rh_uapi_set_user_access(NULL, RH_UACCESS_TRAPPED), -EINVAL);
	assert_int_equal(rh_uapi_set_user_access(f->plat, (enum rh_uaccess_mode)3), -EINVAL);
	assert_int_equal(rh_uapi_set_user_access(f->plat, (enum rh_uaccess_mode)-1), -EINVAL);
	assert_int_equal(rh_uapi_copy_from_user(NULL, &c, rw(f), 1), -EINVAL);
	assert_int_equal(rh_uapi_copy_from_user(f->plat, NULL, rw(f), 1), -EINVAL);
	assert_int_equal(rh_uapi_copy_to_user(NULL, rw(f), &c, 1), -EINVAL);
	assert_int_equal(rh_uapi_copy_to_user(f->plat, rw(f), NULL, 1), -EINVAL);
	/* Nothing to copy: nothing checked (copy_from_user(NULL, 0) is 0). */
	assert_int_equal(rh_uapi_copy_from_user(f->plat, NULL, NULL, 0), 0);
	assert_int_equal(rh_uapi_copy_to_user(f->plat, hole(f), NULL, 0), 0);
	/* Trusted: only NULL is caught (a bad pointer would crash). */
	assert_int_equal(rh_uapi_check_user_pointers(f->plat, false), 0);
	assert_int_equal(rh_uapi_copy_from_user(f->plat, &c, NULL, 1), -EFAULT);
	assert_int_equal(rh_uapi_copy_from_user(f->plat, &c, rw(f), 1), 0);
	assert_int_equal(c, 0x5a);
	assert_int_equal(rh_uapi_check_user_pointers(f->plat, true), 0);
	assert_int_equal(rh_uapi_copy_from_user(f->plat, &c, hole(f), 1), -EFAULT);
	assert_int_equal(rh_uapi_check_user_pointers(NULL, true), -EINVAL);
}

static void test_copy_good(void **state)
{
	struct fixture *f = enter(state);
	unsigned char in[3 * RH_PAGE_SIZE], out[3 * RH_PAGE_SIZE];
	size_t i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 7);
	/* Across the RW and read-only pages: reading needs no write access. */
	memset(out, 0, sizeof(out));
	assert_int_equal(rh_uapi_copy_from_user(f->plat, out, ro(f) - 100, 200), 0);
	assert_true(rh_test_all_bytes(out, 200, 0x5a));
	assert_int_equal(rh_uapi_copy_to_user(f->plat, rw(f) + 1, in, PG - 1), 0);
	assert_memory_equal(rw(f) + 1, in, PG - 1);
	assert_int_equal(rh_uapi_copy_from_user(f->plat, out, rw(f) + 1, PG - 1), 0);
	assert_memory_equal(out, in, PG - 1);
	/* Large and unaligned, from the program's own stack. */
	assert_int_equal(rh_uapi_copy_from_user(f->plat, out + 3, in + 1, sizeof(in) - 4), 0);
	assert_memory_equal(out + 3, in + 1, sizeof(in) - 4);
	assert_true(faults_unblocked());
}

/*
 * Copies both ways over [@user, @user + @n), of which the first @rd bytes
 * are readable (all: the read succeeds) and all are writable or not (@wr).
 * A failed copy writes only what it could read: each byte of @dst keeps
 * its value or holds the user's, never anything else.
 */
static void check_copy(struct fixture *f, unsigned char *user, size_t n, size_t rd, bool wr)
{
	unsigned char src[2 * RH_PAGE_SIZE], dst[2 * RH_PAGE_SIZE];
	size_t i;

	assert_true(n <= sizeof(src) && rd <= n);
	memset(src, 0xc3, sizeof(src));
	memset(dst, 0x11, sizeof(dst));
	if (rd == n) {
		assert_int_equal(rh_uapi_copy_from_user(f->plat, dst, user, n), 0);
		assert_memory_equal(dst, user, n);
	} else {
		assert_int_equal(rh_uapi_copy_from_user(f->plat, dst, user, n), -EFAULT);
		for (i = 0; i < n; i++)
			assert_true(dst[i] == 0x11 || (i < rd && dst[i] == user[i]));
	}
	assert_true(rh_test_all_bytes(dst + n, sizeof(dst) - n, 0x11));
	if (wr) {
		assert_int_equal(rh_uapi_copy_to_user(f->plat, user, src, n), 0);
		assert_true(rh_test_all_bytes(user, n, 0xc3));
	} else {
		assert_int_equal(rh_uapi_copy_to_user(f->plat, user, src, n), -EFAULT);
	}
	/* The thread can take the next fault (the handler's mask is gone). */
	assert_true(faults_unblocked());
}

static void test_copy_bad(void **state)
{
	struct fixture *f = enter(state);
	int i;

	/* Three times: a fault leaves nothing behind that breaks the next. */
	for (i = 0; i < 3; i++) {
		check_copy(f, ro(f), 8, 8, false);
		check_copy(f, ro(f) - 8, 16, 16, false);   /* RW then read-only */
		check_copy(f, hole(f), 1, 0, false);
		check_copy(f, hole(f) - 8, 16, 8, false);  /* RW then the hole */
		check_copy(f, hole(f) - PG, 2 * PG, PG, false);
		check_copy(f, none(f), 64, 0, false);
		check_copy(f, none(f) - 1, 2, 0, false);   /* hole then PROT_NONE */
		check_copy(f, (unsigned char *)16, 8, 0, false);
	}
	/* The read-only page is untouched by the failed writes. */
	assert_true(rh_test_all_bytes(ro(f), PG, 0x5a));
}

static void test_copy_sigbus(void **state)
{
	struct fixture *f = enter(state);

	/* A shared file mapping past the end of its file: SIGBUS, not SIGSEGV. */
	check_copy(f, bus(f), 16, 0, false);
	check_copy(f, bus(f) - 4, 8, 0, false);    /* PROT_NONE then SIGBUS */
	assert_int_equal(ftruncate(f->memfd, (off_t)PG), 0);
	check_copy(f, bus(f), 16, 16, true);
	assert_int_equal(ftruncate(f->memfd, 0), 0);
	check_copy(f, bus(f) + PG - 8, 8, 0, false);
}

static void test_copy_bounds(void **state)
{
	struct fixture *f = enter(state);
	unsigned char buf[32] = { 0 };

	/* access_ok(): a range that wraps, the kernel's half, its edge */
	assert_int_equal(rh_uapi_copy_from_user(f->plat, buf, (void *)(UINTPTR_MAX - 7), 16),
			 -EFAULT);
	assert_int_equal(rh_uapi_copy_to_user(f->plat, (void *)(UINTPTR_MAX - 7), buf, 16),
			 -EFAULT);
	assert_int_equal(rh_uapi_copy_from_user(f->plat, buf, (void *)(UINTPTR_MAX - 7), 8),
			 -EFAULT);
#if UINTPTR_MAX > 0xffffffffu
	assert_int_equal(rh_uapi_copy_from_user(f->plat, buf, (void *)0xffff800000000000u, 8),
			 -EFAULT);
	assert_int_equal(rh_uapi_copy_from_user(f->plat, buf, (void *)0x7ffffffffffffff8u, 16),
			 -EFAULT);
	/* Non-canonical on x86-64 (a general-protection fault, not a page fault) */
	assert_int_equal(rh_uapi_copy_from_user(f->plat, buf, (void *)0x0000800000000000u, 8),
			 -EFAULT);
	assert_int_equal(rh_uapi_copy_to_user(f->plat, (void *)0x4000000000000000u, buf, 8),
			 -EFAULT);
	assert_int_equal(rh_uapi_copy_from_user(f->plat, buf, (void *)0x7ffffffffffffff0u, 16),
			 -EFAULT);
#endif
	assert_true(faults_unblocked());
}

/* ------------------------------------------------------------ trapped only */

/* Worker: good and bad copies in turns; counts what went wrong. */
struct worker {
	struct fixture *f;
	atomic_uint *errors;
	unsigned int seed;
};

static void *copy_worker(void *arg)
{
	struct worker *w = arg;
	struct fixture *f = w->f;
	unsigned char buf[64], *bad[] = { hole(f), none(f), bus(f), hole(f) - 8 };
	unsigned int i, k;

	/*
	 * Defined: memcheck gives the target of a store its source's
	 * definedness before the store faults, so a failed write of
	 * undefined bytes would leave the read-only page "undefined".
	 */
	memset(buf, 0, sizeof(buf));

	for (i = 0; i < 300; i++) {
		k = rand_r(&w->seed) % 4;
		RH_TEST_COUNT_IF_NOT(w->errors,
				     rh_uapi_copy_from_user(f->plat, buf, bad[k], 16) == -EFAULT);
		RH_TEST_COUNT_IF_NOT(w->errors,
				     rh_uapi_copy_to_user(f->plat, ro(f), buf, 4) == -EFAULT);
		RH_TEST_COUNT_IF_NOT(w->errors,
				     rh_uapi_copy_from_user(f->plat, buf, ro(f) + k, 64) == 0 &&
					     rh_test_all_bytes(buf, 64, 0x5a));
	}
	RH_TEST_COUNT_IF_NOT(w->errors, faults_unblocked());
	return NULL;
}

static void test_trapped_threads(void **state)
{
	struct fixture *f = enter(state);
	struct worker w[4];
	pthread_t t[4];
	atomic_uint errors = 0;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		w[i] = (struct worker){ f, &errors, i + 1 };
		assert_int_equal(pthread_create(&t[i], NULL, copy_worker, &w[i]), 0);
	}
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(atomic_load(&errors), 0);
}

/* A program's own SIGSEGV handler: counts, then jumps back to the test. */
static sigjmp_buf foreign_env;
static volatile sig_atomic_t foreign_faults;

static void foreign_handler(int sig, siginfo_t *si, void *uctx)
{
	(void)sig;
	(void)si;
	(void)uctx;
	foreign_faults++;
	siglongjmp(foreign_env, 1);
}

static void test_trapped_displaced(void **state)
{
	struct fixture *f = enter(state);
	struct sigaction sa, before;
	unsigned char buf[8] = { 0 };

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = foreign_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGSEGV, &sa, &before), 0);
	foreign_faults = 0;
	/*
	 * The program's handler displaced the library's, which would not see
	 * a copy's fault (the program's would): setting the mode again puts
	 * it back on top, the program's behind it.
	 */
	assert_int_equal(rh_uapi_set_user_access(f->plat, RH_UACCESS_TRAPPED), 0);
	assert_int_equal(rh_uapi_copy_from_user(f->plat, buf, hole(f), sizeof(buf)), -EFAULT);
	assert_int_equal(rh_uapi_copy_to_user(f->plat, ro(f), buf, sizeof(buf)), -EFAULT);
	assert_int_equal(foreign_faults, 0);
	/* A fault of the program's own still reaches the program's handler. */
	if (sigsetjmp(foreign_env, 1) == 0)
		(void)*(volatile unsigned char *)none(f);
	assert_int_equal(foreign_faults, 1);
	assert_int_equal(rh_uapi_copy_from_user(f->plat, buf, none(f), sizeof(buf)), -EFAULT);
	assert_int_equal(foreign_faults, 1);
	assert_true(faults_unblocked());
	assert_int_equal(sigaction(SIGSEGV, &before, NULL), 0);
	assert_int_equal(rh_uapi_set_user_access(f->plat, RH_UACCESS_TRAPPED), 0);
}

/* ------------------------------------------------------------ every ioctl */

/* @len bytes of @data at the start of the read-only page. */
static void *ro_put(struct fixture *f, const void *data, size_t len)
{
	assert_int_equal(mprotect(ro(f), PG, PROT_READ | PROT_WRITE), 0);
	memcpy(ro(f), data, len);
	assert_int_equal(mprotect(ro(f), PG, PROT_READ), 0);
	return ro(f);
}

/* A struct ending right at the hole: its head readable, its tail not. */
static void *at_hole(struct fixture *f, const void *data, size_t len)
{
	unsigned char *p = hole(f) - len / 2;

	memcpy(p, data, len / 2);
	return p;
}

static void test_ioctl_dma_heap_buf(void **state)
{
	struct fixture *f = enter(state);
	struct rh_dma_heap_allocation_data d = { .len = 4096, .fd_flags = O_RDWR };
	struct rh_dma_buf_sync sync = { RH_DMA_BUF_SYNC_START | RH_DMA_BUF_SYNC_RW };
	struct rh_dma_buf_export_sync_file exp = { .flags = RH_DMA_BUF_SYNC_RW };
	struct rh_dma_buf_import_sync_file imp = { .flags = RH_DMA_BUF_SYNC_RW, .fd = -1 };
	unsigned char *name;
	int fds = rh_fd_count(f->plat);

	/* ALLOC: the argument in and out */
	assert_int_equal(rh_ioctl(f->plat, f->heap, RH_DMA_HEAP_IOCTL_ALLOC, hole(f)), -EFAULT);
	assert_int_equal(rh_ioctl(f->plat, f->heap, RH_DMA_HEAP_IOCTL_ALLOC, none(f)), -EFAULT);
	assert_int_equal(rh_ioctl(f->plat, f->heap, RH_DMA_HEAP_IOCTL_ALLOC,
				  at_hole(f, &d, sizeof(d))), -EFAULT);
	assert_int_equal(rh_fd_count(f->plat), fds);
	/* Read-only: allocated, the fd installed, its number lost (as the kernel) */
	assert_int_equal(rh_ioctl(f->plat, f->heap, RH_DMA_HEAP_IOCTL_ALLOC,
				  ro_put(f, &d, sizeof(d))), -EFAULT);
	assert_int_equal(rh_fd_count(f->plat), fds + 1);
	assert_int_equal(rh_close(f->plat, fds), 0);

	/* SYNC */
	assert_int_equal(rh_ioctl(f->plat, f->buf, RH_DMA_BUF_IOCTL_SYNC, hole(f)), -EFAULT);
	assert_int_equal(rh_ioctl(f->plat, f->buf, RH_DMA_BUF_IOCTL_SYNC, bus(f)), -EFAULT);
	assert_int_equal(rh_ioctl(f->plat, f->buf, RH_DMA_BUF_IOCTL_SYNC,
				  at_hole(f, &sync, sizeof(sync))), -EFAULT);
	assert_int_equal(rh_ioctl(f->plat, f->buf, RH_DMA_BUF_IOCTL_SYNC,
				  ro_put(f, &sync, sizeof(sync))), 0);
	sync.flags = RH_DMA_BUF_SYNC_END | RH_DMA_BUF_SYNC_RW;
	assert_int_equal(rh_ioctl(f->plat, f->buf, RH_DMA_BUF_IOCTL_SYNC, &sync), 0);

	/* SET_NAME: a string that runs into the hole; one that ends before it */
	name = hole(f) - 4;
	memcpy(name, "abcd", 4);
	assert_int_equal(rh_ioctl(f->plat, f->buf, RH_DMA_BUF_SET_NAME_B, name), -EFAULT);
	assert_int_equal(rh_ioctl(f->plat, f->buf, RH_DMA_BUF_SET_NAME_A, none(f)), -EFAULT);
	memcpy(name, "abc", 4);
	assert_int_equal(rh_ioctl(f->plat, f->buf, RH_DMA_BUF_SET_NAME_B, name), 0);

	/* EXPORT_SYNC_FILE: in and out; IMPORT_SYNC_FILE: in */
	assert_int_equal(rh_ioctl(f->plat, f->buf, RH_DMA_BUF_IOCTL_EXPORT_SYNC_FILE, hole(f)),
			 -EFAULT);
	assert_int_equal(rh_ioctl(f->plat, f->buf, RH_DMA_BUF_IOCTL_EXPORT_SYNC_FILE,
				  ro_put(f, &exp, sizeof(exp))), -EFAULT);
	assert_int_equal(rh_fd_count(f->plat), fds);
	assert_int_equal(rh_ioctl(f->plat, f->buf, RH_DMA_BUF_IOCTL_IMPORT_SYNC_FILE, none(f)),
			 -EFAULT);
	assert_int_equal(rh_ioctl(f->plat, f->buf, RH_DMA_BUF_IOCTL_IMPORT_SYNC_FILE,
				  at_hole(f, &imp, sizeof(imp))), -EFAULT);
	assert_int_equal(rh_fd_count(f->plat), fds);
	assert_true(faults_unblocked());
}

static void test_ioctl_tee(void **state)
{
	struct fixture *f = enter(state);
	struct rh_tee_ioctl_shm_alloc_data sa = { .size = 4096 };
	struct rh_tee_ioctl_shm_register_data sr = { .length = 64 };
	struct rh_tee_ioctl_shm_register_fd_data srfd = { .fd = (int64_t)f->buf };
	struct rh_tee_ioctl_cancel_arg cancel = { 0 };
	struct rh_tee_ioctl_close_session_arg cs = { 0 };
	struct rh_tee_dev_stats st;
	int fds = rh_fd_count(f->plat);

	/* VERSION: out only */
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_VERSION, hole(f)), -EFAULT);
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_VERSION, ro(f)), -EFAULT);
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_VERSION, hole(f) - 4), -EFAULT);

	/* SHM_ALLOC: in; out on a read-only struct frees the shm again */
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_SHM_ALLOC, none(f)), -EFAULT);
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_SHM_ALLOC,
				  ro_put(f, &sa, sizeof(sa))), -EFAULT);
	/* SHM_REGISTER: the struct, the memory it names, the struct out */
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_SHM_REGISTER,
				  at_hole(f, &sr, sizeof(sr))), -EFAULT);
	sr.addr = (uintptr_t)(hole(f) - 32);
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_SHM_REGISTER, &sr), -EFAULT);
	sr.addr = (uintptr_t)rw2(f);
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_SHM_REGISTER,
				  ro_put(f, &sr, sizeof(sr))), -EFAULT);
	assert_int_equal(rh_tee_dev_get_stats(f->plat, &st), 0);
	assert_int_equal(st.shms, 0);
	assert_int_equal(rh_fd_count(f->plat), fds);
	/* SHM_REGISTER_FD, CANCEL, CLOSE_SESSION: in only */
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_SHM_REGISTER_FD,
				  at_hole(f, &srfd, sizeof(srfd))), -EFAULT);
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_CANCEL,
				  at_hole(f, &cancel, sizeof(cancel))), -EFAULT);
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_CLOSE_SESSION,
				  at_hole(f, &cs, sizeof(cs))), -EFAULT);
	assert_true(faults_unblocked());
}

static int tee_call(struct fixture *f, unsigned int cmd, void *buf, size_t len)
{
	struct rh_tee_ioctl_buf_data data = { (uintptr_t)buf, len };

	return rh_ioctl(f->plat, f->tee, cmd, &data);
}

/*
 * @len bytes of @buf placed so that the first @writable end the RW page 0
 * and the rest start the read-only page: what the TEE writes back there
 * faults.
 */
static void *split_ro(struct fixture *f, const void *buf, size_t writable, size_t len)
{
	unsigned char *p = ro(f) - writable;

	memcpy(p, buf, writable);
	ro_put(f, (const unsigned char *)buf + writable, len - writable);
	return p;
}

static unsigned int tee_sessions(struct fixture *f)
{
	struct rh_tee_dev_stats st;

	assert_int_equal(rh_tee_dev_get_stats(f->plat, &st), 0);
	return st.sessions;
}

static void test_ioctl_tee_calls(void **state)
{
	struct fixture *f = enter(state);
	const size_t open_len = sizeof(struct rh_tee_ioctl_open_session_arg);
	const size_t inv_len = sizeof(struct rh_tee_ioctl_invoke_arg);
	const size_t par = sizeof(struct rh_tee_ioctl_param);
	struct rh_tee_ioctl_close_session_arg cs;
	struct invoke_buf ib;
	struct open_buf ob;
	unsigned char *p;

	/* The buf_data itself, then the buffer it points at */
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_OPEN_SESSION, hole(f) - 8),
			 -EFAULT);
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_INVOKE, none(f)), -EFAULT);
	assert_int_equal(tee_call(f, RH_TEE_IOC_OPEN_SESSION, hole(f), open_len), -EFAULT);
	assert_int_equal(tee_call(f, RH_TEE_IOC_INVOKE, bus(f), inv_len), -EFAULT);

	memset(&ob, 0, sizeof(ob));
	assert_int_equal(rh_uuid_parse(TEST_TA_MULTI_UUID, ob.arg.uuid), 0);
	ob.arg.clnt_login = RH_TEE_IOCTL_LOGIN_PUBLIC;
	/* The header readable, its parameter in the hole */
	ob.arg.num_params = 1;
	p = hole(f) - open_len;
	memcpy(p, &ob, open_len);
	assert_int_equal(tee_call(f, RH_TEE_IOC_OPEN_SESSION, p, open_len + par), -EFAULT);
	/* Opened, but nowhere to say so: the session is closed again. */
	ob.arg.num_params = 0;
	assert_int_equal(tee_call(f, RH_TEE_IOC_OPEN_SESSION, ro_put(f, &ob, open_len),
				  open_len), -EFAULT);
	assert_int_equal(tee_sessions(f), 0);
	/* The same when only an output parameter cannot be written back */
	ob.arg.num_params = 2;
	ob.params[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	assert_int_equal(tee_call(f, RH_TEE_IOC_OPEN_SESSION,
				  split_ro(f, &ob, open_len + par, open_len + 2 * par),
				  open_len + 2 * par), -EFAULT);
	assert_int_equal(tee_sessions(f), 0);

	/* A session to invoke */
	ob.arg.num_params = 0;
	assert_int_equal(tee_call(f, RH_TEE_IOC_OPEN_SESSION, &ob, open_len), 0);
	assert_int_equal(ob.arg.ret, RH_TEEC_SUCCESS);
	assert_int_equal(tee_sessions(f), 1);
	memset(&ib, 0, sizeof(ib));
	ib.arg.session = ob.arg.session;
	ib.arg.func = TEST_TA_CMD_VALUES;
	ib.arg.num_params = 3;
	ib.params[0].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT;
	ib.params[1].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT;
	ib.params[2].attr = RH_TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
	/* Parameters running into the hole */
	p = hole(f) - inv_len - 2 * par;
	memcpy(p, &ib, inv_len + 2 * par);
	assert_int_equal(tee_call(f, RH_TEE_IOC_INVOKE, p, inv_len + 3 * par), -EFAULT);
	/* Invoked, the results not writable: the header, then a parameter */
	assert_int_equal(tee_call(f, RH_TEE_IOC_INVOKE, ro_put(f, &ib, inv_len + 3 * par),
				  inv_len + 3 * par), -EFAULT);
	assert_int_equal(tee_call(f, RH_TEE_IOC_INVOKE,
				  split_ro(f, &ib, inv_len + par, inv_len + 3 * par),
				  inv_len + 3 * par), -EFAULT);
	/* Readable and writable: it works, and the session survived it all */
	assert_int_equal(tee_call(f, RH_TEE_IOC_INVOKE, &ib, inv_len + 3 * par), 0);
	assert_int_equal(ib.arg.ret, RH_TEEC_SUCCESS);
	cs.session = ob.arg.session;
	assert_int_equal(rh_ioctl(f->plat, f->tee, RH_TEE_IOC_CLOSE_SESSION, &cs), 0);
	assert_true(faults_unblocked());
}

#define BOTH(fn)                                                             \
	cmocka_unit_test_setup_teardown(fn, setup_checked, teardown),        \
		cmocka_unit_test_setup_teardown(fn, setup_trapped, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_mode_api),
		BOTH(test_copy_good),
		BOTH(test_copy_bad),
		BOTH(test_copy_sigbus),
		BOTH(test_copy_bounds),
		BOTH(test_ioctl_dma_heap_buf),
		BOTH(test_ioctl_tee),
		BOTH(test_ioctl_tee_calls),
		cmocka_unit_test_setup_teardown(test_trapped_threads, setup_trapped, teardown),
		cmocka_unit_test_setup_teardown(test_trapped_displaced, setup_trapped, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
