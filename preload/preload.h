/* SPDX-License-Identifier: MIT */
/* Internal interface of the LD_PRELOAD shim's modules (rheap-preload.c is the map). */
#ifndef RHEAP_PRELOAD_H
#define RHEAP_PRELOAD_H

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <rheap/rheap.h>

/*
 * Everything below is the shim's own: hidden, so the interposers reach it
 * PC-relative, not through the GOT (-fvisibility=hidden covers definitions
 * only, not extern declarations).
 */
#pragma GCC visibility push(hidden)

#define MAP_FDS 65536
#define PLACEHOLDER "/dev/null"
#define PROG "rheap-sim-preload"
#define HEAP_DIR "/dev/dma_heap"

enum sim_kind {
	KIND_NONE = 0,
	KIND_HEAP,
	KIND_DMABUF,
	KIND_SYNC,
	KIND_TEE,
	KIND_TEE_SHM,
};

/* rheap-preload.c: the process's platform. */
extern struct rh_platform *_Atomic plat;
int get_platform(void);

/* preload-libc.c: the next definitions of what the shim interposes. */
extern int (*libc_open)(const char *, int, ...);
extern int (*libc_openat)(int, const char *, int, ...);
extern int (*libc_close)(int);
extern int (*libc_close_range)(unsigned int, unsigned int, int);
extern int (*libc_dup)(int);
extern int (*libc_dup2)(int, int);
extern int (*libc_dup3)(int, int, int);
extern int (*libc_fcntl)(int, int, ...);
extern int (*libc_ioctl)(int, unsigned long, ...);
extern void *(*libc_mmap)(void *, size_t, int, int, int, off_t);
extern int (*libc_munmap)(void *, size_t);
extern off_t (*libc_lseek)(int, off_t, int);
extern ssize_t (*libc_read)(int, void *, size_t);
extern ssize_t (*libc_write)(int, const void *, size_t);
extern int (*libc_fstat)(int, struct stat *);
extern int (*libc_fstatat)(int, const char *, struct stat *, int);
extern DIR *(*libc_opendir)(const char *);
extern struct dirent *(*libc_readdir)(DIR *);
extern int (*libc_closedir)(DIR *);
extern void (*libc_rewinddir)(DIR *);
extern int (*libc_dirfd)(DIR *);
extern int (*libc_sigaction)(int, const struct sigaction *, struct sigaction *);
extern sighandler_t (*libc_signal)(int, sighandler_t);
extern sighandler_t (*libc_bsd_signal)(int, sighandler_t);
extern sighandler_t (*libc_sysv_signal)(int, sighandler_t);
extern sighandler_t (*libc___sysv_signal)(int, sighandler_t);
extern sighandler_t (*libc_sigset)(int, sighandler_t);
extern int (*libc_pthread_sigmask)(int, const sigset_t *, sigset_t *);
extern int (*libc_sigprocmask)(int, const sigset_t *, sigset_t *);

/* Every pointer above is set (release), so a call needs one load to know. */
extern atomic_bool resolved;
void resolve_all(void);

static inline void resolve(void)
{
	if (__builtin_expect(!atomic_load_explicit(&resolved, memory_order_acquire), 0))
		resolve_all();
}

/* preload-fdtable.c: the fd map, its holds and its changes. */
extern _Atomic uint64_t fdmap[MAP_FDS];
extern pthread_mutex_t change_lock;

static inline uint64_t map_get(int fd)
{
	if ((unsigned int)fd >= MAP_FDS)
		return 0;
	return atomic_load_explicit(&fdmap[fd], memory_order_acquire);
}

static inline int entry_sim(uint64_t e)
{
	return (int)(e & 0xffffff) - 1;
}

static inline enum sim_kind entry_kind(uint64_t e)
{
	return (enum sim_kind)((e >> 24) & 0xff);
}

uint64_t make_entry(int sim, enum sim_kind kind);

/*
 * Holder records: the entries each thread's calls hold, for retire() to
 * wait on. A thread takes a record on its first call and gives it back at
 * exit; records are never freed, so retire() walks the list without a
 * lock. Nested holds (an ioctl naming another fd in its argument, a signal
 * handler's call) stack up to HOLD_MAX deep.
 */
#define HOLD_MAX 4

struct holder {
	_Atomic uint64_t held[HOLD_MAX];
	unsigned int depth; /* the owning thread's only */
	atomic_bool in_use;
	struct holder *next; /* fixed once published */
};

extern _Thread_local struct holder *tl_holder __attribute__((tls_model("initial-exec")));
struct holder *holder_attach(void);

/*
 * fd_get() and fd_put() are on every call on a simulated fd: inline, so
 * the split costs that path nothing (bench-shim).
 *
 * fdget(): the entry of @fd, held by this thread until fd_put(), so its
 * simulated fd stays open under the call whatever other threads do to
 * @fd. Returns 0, -EBADF (@fd is not ours), -ENOMEM (no record), -EBUSY
 * (held too deep).
 */
static inline int fd_get(int fd, uint64_t *ret_e)
{
	struct holder *h = tl_holder;
	unsigned int d;
	uint64_t e;

	if (__builtin_expect(!h, 0) && !(h = holder_attach()))
		return -ENOMEM;
	if (h->depth >= HOLD_MAX)
		return -EBUSY;
	/* Depth first: a signal handler's call in between stacks above. */
	d = h->depth++;
	for (;;) {
		e = map_get(fd);
		if (!e) {
			h->depth--;
			return -EBADF;
		}
		/*
		 * Announce, then look again (both seq_cst): retire() takes the
		 * entry out, then scans. Either it sees the announcement or
		 * this sees the entry gone.
		 */
		atomic_store_explicit(&h->held[d], e, memory_order_seq_cst);
		if (atomic_load_explicit(&fdmap[fd], memory_order_seq_cst) == e)
			break;
		atomic_store_explicit(&h->held[d], 0, memory_order_relaxed);
	}
	*ret_e = e;
	return 0;
}

/* fdput(): drops the last hold fd_get() took. */
static inline void fd_put(void)
{
	struct holder *h = tl_holder;

	atomic_store_explicit(&h->held[h->depth - 1], 0, memory_order_release);
	h->depth--;
}

void retire(uint64_t e);
int install(int sim, enum sim_kind kind, bool cloexec);
uint64_t uninstall(int fd);
void uninstall_close(int fd);
void fdtable_fork_child(void);

/*
 * libc declares path arguments nonnull, but a program may pass NULL (the
 * kernel answers EFAULT): compare without letting the compiler assume.
 * The shim is also built with -fno-delete-null-pointer-checks.
 */
static inline bool null_ptr(const void *p)
{
	return (uintptr_t)p == 0;
}

static inline int fail(int err)
{
	errno = err;
	return -1;
}

static inline int ret_errno(int ret)
{
	return ret < 0 ? fail(-ret) : ret;
}

/* preload-signals.c: the preconditions of trapped user copies. */
extern enum rh_uaccess_mode uaccess_want;
extern _Thread_local bool tl_arming __attribute__((tls_model("initial-exec")));
int uaccess_mode(enum rh_uaccess_mode *ret_mode);

/* A SIGSEGV/SIGBUS action changed since the handler was last put on top. */
extern atomic_bool trap_stale;

/* What this thread's mask does to SIGSEGV/SIGBUS, as far as the shim saw. */
enum fault_mask {
	MASK_UNKNOWN = 0, /* a new thread (it inherits its creator's mask) */
	MASK_OPEN,
	MASK_BLOCKS,
};

extern _Thread_local unsigned char tl_fault_mask __attribute__((tls_model("initial-exec")));

void rearm(struct rh_platform *p);
bool uaccess_unblock(sigset_t *ret_saved);

/*
 * Before an ioctl's user copies: the handler on top, and SIGSEGV/SIGBUS
 * let through for its length if this thread blocks them (@ret_saved gets
 * the mask to restore; returns true then). Inline: every ioctl passes here.
 */
static inline bool uaccess_begin(struct rh_platform *p, sigset_t *ret_saved)
{
	if (__builtin_expect(atomic_load_explicit(&trap_stale, memory_order_relaxed), 0))
		rearm(p);
	if (__builtin_expect(tl_fault_mask == MASK_OPEN, 1))
		return false;
	return uaccess_unblock(ret_saved);
}

static inline void uaccess_end(bool restore, const sigset_t *saved)
{
	if (!restore)
		return;
	libc_pthread_sigmask(SIG_SETMASK, saved, NULL);
	/* A trapped fault's unblock went through our pthread_sigmask() (preload-signals.c). */
	tl_fault_mask = MASK_BLOCKS;
}

/* preload-files.c: the paths the shim serves and the files it makes up. */
bool is_device_path(const char *path);
/* open() of one of our paths, or INT_MIN when the path is not ours. */
int sim_open(const char *path, int flags);

#pragma GCC visibility pop

#endif /* RHEAP_PRELOAD_H */
