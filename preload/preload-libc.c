// SPDX-License-Identifier: MIT
/* LD_PRELOAD shim: libc's own definitions of the names the shim interposes, resolved once. */
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include "preload.h"

int (*libc_open)(const char *, int, ...);
int (*libc_openat)(int, const char *, int, ...);
int (*libc_close)(int);
int (*libc_close_range)(unsigned int, unsigned int, int);
int (*libc_dup)(int);
int (*libc_dup2)(int, int);
int (*libc_dup3)(int, int, int);
int (*libc_fcntl)(int, int, ...);
int (*libc_ioctl)(int, unsigned long, ...);
void *(*libc_mmap)(void *, size_t, int, int, int, off_t);
int (*libc_munmap)(void *, size_t);
off_t (*libc_lseek)(int, off_t, int);
ssize_t (*libc_read)(int, void *, size_t);
ssize_t (*libc_write)(int, const void *, size_t);
int (*libc_fstat)(int, struct stat *);
int (*libc_fstatat)(int, const char *, struct stat *, int);
DIR *(*libc_opendir)(const char *);
struct dirent *(*libc_readdir)(DIR *);
int (*libc_closedir)(DIR *);
void (*libc_rewinddir)(DIR *);
int (*libc_dirfd)(DIR *);
int (*libc_sigaction)(int, const struct sigaction *, struct sigaction *);
sighandler_t (*libc_signal)(int, sighandler_t);
sighandler_t (*libc_bsd_signal)(int, sighandler_t);
sighandler_t (*libc_sysv_signal)(int, sighandler_t);
sighandler_t (*libc___sysv_signal)(int, sighandler_t);
sighandler_t (*libc_sigset)(int, sighandler_t);
int (*libc_pthread_sigmask)(int, const sigset_t *, sigset_t *);
int (*libc_sigprocmask)(int, const sigset_t *, sigset_t *);

/* Every pointer above is set (release), so a call needs one load to know. */
atomic_bool resolved;

/*
 * Idempotent: dlsym() may itself call what we interpose before all is
 * resolved, and two threads may resolve at once (same values, atomic
 * stores).
 */
#define RESOLVE(name)                                                          \
	do {                                                                   \
		if (!__atomic_load_n((void **)&libc_##name, __ATOMIC_RELAXED)) \
			__atomic_store_n((void **)&libc_##name,                 \
					 dlsym(RTLD_NEXT, #name), __ATOMIC_RELAXED); \
	} while (0)

__attribute__((noinline)) void resolve_all(void)
{
	RESOLVE(open);
	RESOLVE(openat);
	RESOLVE(close);
	RESOLVE(close_range);
	RESOLVE(dup);
	RESOLVE(dup2);
	RESOLVE(dup3);
	RESOLVE(fcntl);
	RESOLVE(ioctl);
	RESOLVE(mmap);
	RESOLVE(munmap);
	RESOLVE(lseek);
	RESOLVE(read);
	RESOLVE(write);
	RESOLVE(fstat);
	RESOLVE(fstatat);
	RESOLVE(opendir);
	RESOLVE(readdir);
	RESOLVE(closedir);
	RESOLVE(rewinddir);
	RESOLVE(dirfd);
	RESOLVE(sigaction);
	RESOLVE(signal);
	RESOLVE(bsd_signal);
	RESOLVE(sysv_signal);
	RESOLVE(__sysv_signal);
	RESOLVE(sigset);
	RESOLVE(pthread_sigmask);
	RESOLVE(sigprocmask);
	atomic_store_explicit(&resolved, true, memory_order_release);
}
