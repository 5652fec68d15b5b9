// SPDX-License-Identifier: MIT
/* LD_PRELOAD shim: /dev/dma_heap, /dev/tee0 and their fds served by librheap-sim, the rest by libc. */
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rheap/rheap.h>

/*
 * One platform serves the whole process; it is built on first use from
 * $RHEAP_PLATFORM. The program sees real kernel fds: each simulated fd is
 * backed by a placeholder opened on /dev/null, so its number is the
 * kernel's own (it never collides with the program's files), the kernel
 * applies close-on-exec to it, and a program that leaks it past exec()
 * holds a harmless /dev/null. fdmap[] maps a placeholder to the simulated
 * fd behind it; only fds in the map reach the library, so a number the
 * program did not get from us never touches a simulated object.
 *
 * Locking: map_lock is taken shared by every call on a simulated fd and
 * exclusively by what changes the map (open, close, dup*), so a simulated
 * fd cannot be closed and reused under a call in flight (the kernel's
 * fdget() reference). Calls on other fds take no lock: an atomic load and
 * a compare (docs/performance.md measures it).
 *
 * fork(): the child gets the parent's memory, not its simulated objects.
 * Its fd map is emptied (inherited placeholders stay open on /dev/null)
 * and it builds a fresh platform when it first opens a device; the
 * parent's objects live on in the parent only. See docs/tutorial.md.
 */

#define MAP_FDS 65536
#define PLACEHOLDER "/dev/null"
#define PROG "rheap-sim-preload"

enum sim_kind {
	KIND_NONE = 0,
	KIND_HEAP,
	KIND_DMABUF,
	KIND_SYNC,
	KIND_TEE,
	KIND_TEE_SHM,
};

/* fdmap[real fd]: 0, or (kind << 16) | (simulated fd + 1) */
static _Atomic unsigned int fdmap[MAP_FDS];
static pthread_rwlock_t map_lock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t plat_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rh_platform *plat;
static FILE *trace_file;
static atomic_uint nr_maps; /* live mappings of simulated fds */
static pid_t owner_pid;

/* ------------------------------------------------------------ libc */

static int (*libc_open)(const char *, int, ...);
static int (*libc_openat)(int, const char *, int, ...);
static int (*libc_close)(int);
static int (*libc_close_range)(unsigned int, unsigned int, int);
static int (*libc_dup)(int);
static int (*libc_dup2)(int, int);
static int (*libc_dup3)(int, int, int);
static int (*libc_fcntl)(int, int, ...);
static int (*libc_ioctl)(int, unsigned long, ...);
static void *(*libc_mmap)(void *, size_t, int, int, int, off_t);
static int (*libc_munmap)(void *, size_t);
static off_t (*libc_lseek)(int, off_t, int);
static ssize_t (*libc_read)(int, void *, size_t);
static ssize_t (*libc_write)(int, const void *, size_t);
static int (*libc_fstat)(int, struct stat *);
static int (*libc_fstatat)(int, const char *, struct stat *, int);
static DIR *(*libc_opendir)(const char *);
static struct dirent *(*libc_readdir)(DIR *);
static int (*libc_closedir)(DIR *);
static void (*libc_rewinddir)(DIR *);
static int (*libc_dirfd)(DIR *);

#define RESOLVE(name) \
	(libc_##name ? (void)0 : (void)(*(void **)&libc_##name = dlsym(RTLD_NEXT, #name)))

static void resolve_all(void)
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
}

/* ------------------------------------------------------------ the fd map */

static inline unsigned int map_get(int fd)
{
	if ((unsigned int)fd >= MAP_FDS)
		return 0;
	return atomic_load_explicit(&fdmap[fd], memory_order_acquire);
}

static inline int entry_sim(unsigned int e)
{
	return (int)(e & 0xffff) - 1;
}

static inline enum sim_kind entry_kind(unsigned int e)
{
	return (enum sim_kind)(e >> 16);
}

/*
 * libc declares path arguments nonnull, but a program may pass NULL (the
 * kernel answers EFAULT): compare without letting the compiler assume.
 * The shim is also built with -fno-delete-null-pointer-checks.
 */
static inline bool null_ptr(const void *p)
{
	return (uintptr_t)p == 0;
}

static int fail(int err)
{
	errno = err;
	return -1;
}

static int ret_errno(int ret)
{
	return ret < 0 ? fail(-ret) : ret;
}

/*
 * A placeholder fd for simulated fd @sim (whose reference it takes over);
 * the map lock is held exclusively. Returns the real fd or -errno (then
 * @sim is closed).
 */
static int install(int sim, enum sim_kind kind, bool cloexec)
{
	int fd;

	fd = libc_open(PLACEHOLDER, O_RDWR | (cloexec ? O_CLOEXEC : 0));
	if (fd < 0 || fd >= MAP_FDS) {
		int err = fd < 0 ? errno : EMFILE;

		if (fd >= 0)
			libc_close(fd);
		rh_close(plat, sim);
		return -err;
	}
	atomic_store_explicit(&fdmap[fd], ((unsigned int)kind << 16) | (unsigned int)(sim + 1),
			      memory_order_release);
	return fd;
}

/* Forget @fd; returns its entry (the caller closes the simulated fd). */
static unsigned int uninstall(int fd)
{
	if ((unsigned int)fd >= MAP_FDS)
		return 0;
	return atomic_exchange(&fdmap[fd], 0);
}

static void release_entry(unsigned int e)
{
	if (e)
		rh_close(plat, entry_sim(e));
}

/* ------------------------------------------------------------ the platform */

static int trace_to_file(void *data, struct rh_platform *p)
{
	return rh_trace_add_chrome_sink(p, data, NULL);
}

/* $RHEAP_PLATFORM: unset or "mt8188-svp": built in; a path; a name in the platform dir. */
static int platform_path(const char *spec, char *buf, size_t len, const char **ret)
{
	const char *dir = getenv("RHEAP_PLATFORM_DIR");

	*ret = NULL;
	if (!spec || !*spec || !strcmp(spec, "mt8188-svp"))
		return 0;
	if (strchr(spec, '/') || strstr(spec, ".dtb")) {
		*ret = spec;
		return 0;
	}
	if (!dir)
		dir = RH_PLATFORM_DIR;
	if (snprintf(buf, len, "%s/%s.dtb", dir, spec) >= (int)len)
		return -ENAMETOOLONG;
	*ret = buf;
	return 0;
}

/* The process's platform, built on first use; -errno when it cannot be. */
static int get_platform(void)
{
	RH_DEFINE_PLATFORM_INFO(info);
	const char *spec = getenv("RHEAP_PLATFORM");
	const char *trace = getenv("RHEAP_TRACE");
	struct rh_platform *p;
	char path[PATH_MAX];
	int ret = 0;

	if (atomic_load_explicit((_Atomic(struct rh_platform *) *)&plat, memory_order_acquire))
		return 0;
	pthread_mutex_lock(&plat_lock);
	if (plat)
		goto out;
	ret = platform_path(spec, path, sizeof(path), &info.dtb_path);
	if (ret)
		goto out;
	if (trace && *trace && !trace_file) {
		trace_file = fopen(trace, "we");
		if (!trace_file) {
			ret = -errno;
			fprintf(stderr, PROG ": RHEAP_TRACE=%s: %s\n", trace, strerror(-ret));
			goto out;
		}
		info.trace_fn = trace_to_file;
		info.trace_data = trace_file;
	}
	ret = rh_platform_new(&info, &p);
	if (ret) {
		fprintf(stderr, PROG ": cannot build platform %s: %s\n",
			spec ? spec : "mt8188-svp", strerror(-ret));
		goto out;
	}
	rh_uapi_check_user_pointers(p, true);
	owner_pid = getpid();
	atomic_store_explicit((_Atomic(struct rh_platform *) *)&plat, p, memory_order_release);
out:
	pthread_mutex_unlock(&plat_lock);
	return ret;
}

/* ------------------------------------------------------------ paths */

#define HEAP_DIR "/dev/dma_heap"
#define BUFINFO "/sys/kernel/debug/dma_buf/bufinfo"

static bool is_device_path(const char *path)
{
	return !strcmp(path, RH_TEE_DEV_PATH) ||
	       !strncmp(path, HEAP_DIR "/", sizeof(HEAP_DIR)) ||
	       !strcmp(path, HEAP_DIR);
}

/* /proc/self/fdinfo/N (also /proc/<pid>/ and /proc/thread-self/) of a simulated N */
static int fdinfo_target(const char *path)
{
	char self[32];
	const char *rest = NULL;
	char *end;
	long n;

	snprintf(self, sizeof(self), "/proc/%d/fdinfo/", (int)getpid());
	if (!strncmp(path, "/proc/self/fdinfo/", 18))
		rest = path + 18;
	else if (!strncmp(path, "/proc/thread-self/fdinfo/", 25))
		rest = path + 25;
	else if (!strncmp(path, self, strlen(self)))
		rest = path + strlen(self);
	if (!rest || !*rest)
		return -1;
	errno = 0;
	n = strtol(rest, &end, 10);
	if (errno || *end || n < 0 || n >= MAP_FDS || !map_get((int)n))
		return -1;
	return (int)n;
}

/* A read-only file holding what @fill writes, as the kernel's seq_file would show it. */
static int text_file(int (*fill)(FILE *out, int arg), int arg, int flags)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	int fd, ret;

	out = open_memstream(&text, &len);
	if (!out)
		return -ENOMEM;
	ret = fill(out, arg);
	if (fclose(out) && !ret)
		ret = -EIO;
	if (ret) {
		free(text);
		return ret;
	}
	fd = memfd_create("rheap-sim-text", (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
	if (fd < 0 || (len && write(fd, text, len) != (ssize_t)len) ||
	    libc_lseek(fd, 0, SEEK_SET) != 0) {
		ret = -errno;
		if (fd >= 0)
			libc_close(fd);
		free(text);
		return ret;
	}
	free(text);
	return fd;
}

static int fill_bufinfo(FILE *out, int arg)
{
	return rh_dma_buf_bufinfo(plat, out);
}

static int fill_fdinfo(FILE *out, int fd)
{
	unsigned int e;
	int ret;

	pthread_rwlock_rdlock(&map_lock);
	e = map_get(fd);
	ret = e ? rh_dma_buf_fdinfo(plat, entry_sim(e), out) : -ENOENT;
	pthread_rwlock_unlock(&map_lock);
	return ret;
}

/* open() of one of our paths, or INT_MIN when the path is not ours. */
static int sim_open(const char *path, int flags)
{
	enum sim_kind kind;
	int ret, sim, fdinfo;

	fdinfo = fdinfo_target(path);
	if (!is_device_path(path) && strcmp(path, BUFINFO) && fdinfo < 0)
		return INT_MIN;
	ret = get_platform();
	if (ret)
		return ret;
	if (fdinfo >= 0)
		return text_file(fill_fdinfo, fdinfo, flags);
	if (!strcmp(path, BUFINFO))
		return text_file(fill_bufinfo, 0, flags);
	kind = strcmp(path, RH_TEE_DEV_PATH) ? KIND_HEAP : KIND_TEE;
	pthread_rwlock_wrlock(&map_lock);
	sim = rh_open(plat, path, flags);
	ret = sim < 0 ? sim : install(sim, kind, flags & O_CLOEXEC);
	pthread_rwlock_unlock(&map_lock);
	return ret;
}

static int do_open(int dirfd, const char *path, int flags, mode_t mode, bool at)
{
	int ret;

	resolve_all();
	/* Only absolute names (or relative to nothing) can be ours. */
	if (!null_ptr(path) && path[0] == '/') {
		ret = sim_open(path, flags);
		if (ret != INT_MIN)
			return ret_errno(ret);
	}
	if (at)
		return libc_openat(dirfd, path, flags, mode);
	return libc_open(path, flags, mode);
}

static mode_t open_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ?
		       (mode_t)va_arg(ap, int) : 0;
}

RH_EXPORT int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return do_open(AT_FDCWD, path, flags, mode, false);
}

RH_EXPORT int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return do_open(AT_FDCWD, path, flags | O_LARGEFILE, mode, false);
}

RH_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return do_open(dirfd, path, flags, mode, true);
}

RH_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return do_open(dirfd, path, flags | O_LARGEFILE, mode, true);
}

/* The _FORTIFY_SOURCE entry points: no mode argument by construction. */
RH_EXPORT int __open_2(const char *path, int flags);
RH_EXPORT int __open_2(const char *path, int flags)
{
	return do_open(AT_FDCWD, path, flags, 0, false);
}

RH_EXPORT int __open64_2(const char *path, int flags);
RH_EXPORT int __open64_2(const char *path, int flags)
{
	return do_open(AT_FDCWD, path, flags | O_LARGEFILE, 0, false);
}

RH_EXPORT int __openat_2(int dirfd, const char *path, int flags);
RH_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return do_open(dirfd, path, flags, 0, true);
}

RH_EXPORT int __openat64_2(int dirfd, const char *path, int flags);
RH_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	return do_open(dirfd, path, flags | O_LARGEFILE, 0, true);
}

/* ------------------------------------------------------------ close, dup */

RH_EXPORT int close(int fd)
{
	unsigned int e;
	int ret;

	resolve_all();
	if (!map_get(fd))
		return libc_close(fd);
	pthread_rwlock_wrlock(&map_lock);
	e = uninstall(fd);
	ret = libc_close(fd);
	pthread_rwlock_unlock(&map_lock);
	/* The object's release (TEE calls, buffer free) runs unlocked. */
	release_entry(e);
	return ret;
}

RH_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	unsigned int fd, end = last < MAP_FDS - 1 ? last : MAP_FDS - 1;
	int ret;

	resolve_all();
	if (flags & CLOSE_RANGE_CLOEXEC || first > last)
		return libc_close_range(first, last, flags);
	pthread_rwlock_wrlock(&map_lock);
	ret = libc_close_range(first, last, flags);
	for (fd = first; !ret && fd <= end; fd++)
		release_entry(uninstall((int)fd));
	pthread_rwlock_unlock(&map_lock);
	return ret;
}

/*
 * A copy of simulated entry @e on real fd @newfd that the kernel just made
 * (dup/dup2/dup3/F_DUPFD); the map lock is held exclusively.
 */
static int dup_entry(unsigned int e, int newfd, bool cloexec)
{
	int sim;

	if (newfd >= MAP_FDS) {
		libc_close(newfd);
		return -EMFILE;
	}
	sim = rh_dup(plat, entry_sim(e));
	if (sim >= 0 && cloexec)
		rh_fcntl(plat, sim, F_SETFD, FD_CLOEXEC);
	if (sim < 0) {
		libc_close(newfd);
		return sim;
	}
	atomic_store_explicit(&fdmap[newfd], (e & 0xffff0000u) | (unsigned int)(sim + 1),
			      memory_order_release);
	return newfd;
}

RH_EXPORT int dup(int fd)
{
	unsigned int e;
	int ret;

	resolve_all();
	if (!map_get(fd))
		return libc_dup(fd);
	pthread_rwlock_wrlock(&map_lock);
	e = map_get(fd);
	ret = libc_dup(fd);
	if (ret >= 0 && e)
		ret = ret_errno(dup_entry(e, ret, false));
	pthread_rwlock_unlock(&map_lock);
	return ret;
}

/* dup2/dup3: whatever @newfd was is closed, exactly once. */
static int do_dup3(int oldfd, int newfd, int flags, bool is_dup3)
{
	unsigned int e, old_new = 0;
	int ret;

	resolve_all();
	if (!map_get(oldfd) && !map_get(newfd))
		return is_dup3 ? libc_dup3(oldfd, newfd, flags) : libc_dup2(oldfd, newfd);
	pthread_rwlock_wrlock(&map_lock);
	e = map_get(oldfd);
	ret = is_dup3 ? libc_dup3(oldfd, newfd, flags) : libc_dup2(oldfd, newfd);
	if (ret >= 0 && oldfd != newfd) {
		old_new = uninstall(newfd);
		if (e)
			ret = ret_errno(dup_entry(e, newfd, flags & O_CLOEXEC));
	}
	pthread_rwlock_unlock(&map_lock);
	release_entry(old_new);
	return ret;
}

RH_EXPORT int dup2(int oldfd, int newfd)
{
	return do_dup3(oldfd, newfd, 0, false);
}

RH_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	return do_dup3(oldfd, newfd, flags, true);
}

static int do_fcntl(int fd, int cmd, void *arg)
{
	unsigned int e = map_get(fd);
	int ret;

	if (!e)
		return libc_fcntl(fd, cmd, arg);
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		pthread_rwlock_wrlock(&map_lock);
		e = map_get(fd);
		ret = libc_fcntl(fd, cmd, arg);
		if (ret >= 0 && e)
			ret = ret_errno(dup_entry(e, ret, cmd == F_DUPFD_CLOEXEC));
		pthread_rwlock_unlock(&map_lock);
		return ret;
	case F_SETFD:
		/* The kernel keeps FD_CLOEXEC of the placeholder for exec(). */
		ret = libc_fcntl(fd, cmd, arg);
		if (!ret)
			rh_fcntl(plat, entry_sim(e), F_SETFD, (long)(intptr_t)arg);
		return ret;
	case F_GETFL:
		pthread_rwlock_rdlock(&map_lock);
		e = map_get(fd);
		ret = e ? rh_fcntl(plat, entry_sim(e), F_GETFL, 0) : -EBADF;
		pthread_rwlock_unlock(&map_lock);
		/* F_GETFL never reports O_CLOEXEC; the file is always large-file. */
		return ret < 0 ? fail(-ret) : (ret & ~O_CLOEXEC) | O_LARGEFILE;
	default:
		/* F_GETFD, locks, F_SETFL...: the placeholder answers. */
		return libc_fcntl(fd, cmd, arg);
	}
}

RH_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	resolve_all();
	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(fd, cmd, arg);
}

RH_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	resolve_all();
	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(fd, cmd, arg);
}

/* ------------------------------------------------------------ ioctl */

/* copy_{from,to}_user of the shim itself: a bad pointer is EFAULT. */
static int ucopy(void *dst, const void *src, size_t n, bool to_user)
{
	struct iovec l = { .iov_base = to_user ? (void *)src : dst, .iov_len = n };
	struct iovec r = { .iov_base = to_user ? dst : (void *)src, .iov_len = n };
	ssize_t got;

	got = to_user ? process_vm_writev(getpid(), &l, 1, &r, 1, 0) :
			process_vm_readv(getpid(), &l, 1, &r, 1, 0);
	return got == (ssize_t)n ? 0 : -EFAULT;
}

/* The simulated fd behind real fd @fd for an argument: -1 when not ours. */
static int arg_fd(int fd)
{
	unsigned int e = map_get(fd);

	return e ? entry_sim(e) : -1;
}

/*
 * A simulated fd the library wrote at @at of the user struct becomes a
 * placeholder there (lock held shared; install() needs it exclusively, so
 * the caller upgrades). Returns 0 or -errno.
 */
static int export_fd(void *uarg, size_t at, enum sim_kind kind, bool cloexec)
{
	uint32_t sim, fd;
	int ret;

	if (ucopy(&sim, (char *)uarg + at, sizeof(sim), false))
		return -EFAULT;
	ret = install((int)sim, kind, cloexec);
	if (ret < 0)
		return ret;
	fd = (uint32_t)ret;
	if (ucopy((char *)uarg + at, &fd, sizeof(fd), true)) {
		release_entry(uninstall((int)fd));
		libc_close((int)fd);
		return -EFAULT;
	}
	return 0;
}

static int heap_ioctl(int sim, unsigned int cmd, void *arg)
{
	const size_t fd_end = offsetof(struct rh_dma_heap_allocation_data, fd) + sizeof(uint32_t);
	const size_t flags_at = offsetof(struct rh_dma_heap_allocation_data, fd_flags);
	size_t size = RH_IOC_SIZE(cmd);
	uint32_t fd_flags = 0;
	int ret;

	ret = rh_ioctl(plat, sim, cmd, arg);
	/*
	 * dma_heap_ioctl(): any nr 0 is ALLOC, copied back only as far as the
	 * caller's struct goes; the fd is reported if it has room for it.
	 */
	if (ret || RH_IOC_NR(cmd) != 0 || !(RH_IOC_DIR(cmd) & RH_IOC_READ) ||
	    size < fd_end)
		return ret;
	if (size >= flags_at + sizeof(fd_flags) &&
	    ucopy(&fd_flags, (char *)arg + flags_at, sizeof(fd_flags), false))
		return -EFAULT;
	return export_fd(arg, offsetof(struct rh_dma_heap_allocation_data, fd),
			 KIND_DMABUF, fd_flags & O_CLOEXEC);
}

static int dmabuf_ioctl(int sim, unsigned int cmd, void *arg)
{
	struct rh_dma_buf_import_sync_file imp;
	int ret;

	switch (cmd) {
	case RH_DMA_BUF_IOCTL_IMPORT_SYNC_FILE:
		/* The fd inside is the program's: translate it first. */
		if (ucopy(&imp, arg, sizeof(imp), false))
			return -EFAULT;
		imp.fd = arg_fd(imp.fd);
		return rh_ioctl(plat, sim, cmd, &imp);
	case RH_DMA_BUF_IOCTL_EXPORT_SYNC_FILE:
		ret = rh_ioctl(plat, sim, cmd, arg);
		if (ret)
			return ret;
		return export_fd(arg, offsetof(struct rh_dma_buf_export_sync_file, fd),
				 KIND_SYNC, true);
	default:
		return rh_ioctl(plat, sim, cmd, arg);
	}
}

static int tee_ioctl(int sim, unsigned int cmd, void *arg)
{
	struct rh_tee_ioctl_shm_register_fd_data rfd;
	int64_t user_fd;
	int ret;

	switch (cmd) {
	case RH_TEE_IOC_SHM_ALLOC:
	case RH_TEE_IOC_SHM_REGISTER:
		ret = rh_ioctl(plat, sim, cmd, arg);
		/* tee_shm_get_fd(): O_CLOEXEC */
		return ret < 0 ? ret : install(ret, KIND_TEE_SHM, true);
	case RH_TEE_IOC_SHM_REGISTER_FD:
		if (ucopy(&rfd, arg, sizeof(rfd), false))
			return -EFAULT;
		user_fd = rfd.fd;
		if (rfd.fd != (int)rfd.fd)
			rfd.fd = -1;
		/* An open fd that is not a simulated one is not a dma-buf: EINVAL. */
		else if (arg_fd((int)rfd.fd) < 0)
			rfd.fd = libc_fcntl((int)rfd.fd, F_GETFD) < 0 ? -1 : 0;
		else
			rfd.fd = arg_fd((int)rfd.fd);
		ret = rh_ioctl(plat, sim, cmd, &rfd);
		if (ret < 0)
			return ret;
		/* The kernel writes back what it read: the program's fd number. */
		rfd.fd = user_fd;
		if (ucopy(arg, &rfd, sizeof(rfd), true)) {
			rh_close(plat, ret);
			return -EFAULT;
		}
		/* tee_shm_get_fd(): O_CLOEXEC; the shm cannot be mapped. */
		return install(ret, KIND_TEE_SHM, true);
	default:
		return rh_ioctl(plat, sim, cmd, arg);
	}
}

RH_EXPORT int ioctl(int fd, unsigned long request, ...)
{
	unsigned int cmd = (unsigned int)request;
	unsigned int e;
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	resolve_all();
	if (!map_get(fd))
		return libc_ioctl(fd, request, arg);
	/* Exclusive: a call may install fds; ioctls are not a fast path. */
	pthread_rwlock_wrlock(&map_lock);
	e = map_get(fd);
	if (!e) {
		pthread_rwlock_unlock(&map_lock);
		return libc_ioctl(fd, request, arg);
	}
	switch (entry_kind(e)) {
	case KIND_HEAP:
		ret = heap_ioctl(entry_sim(e), cmd, arg);
		break;
	case KIND_DMABUF:
		ret = dmabuf_ioctl(entry_sim(e), cmd, arg);
		break;
	case KIND_TEE:
		ret = tee_ioctl(entry_sim(e), cmd, arg);
		break;
	default:
		ret = rh_ioctl(plat, entry_sim(e), cmd, arg);
		break;
	}
	pthread_rwlock_unlock(&map_lock);
	return ret_errno(ret);
}

/* ------------------------------------------------------------ mmap */

static void *do_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	unsigned int e;
	void *ptr;
	int ret;

	resolve_all();
	if (!map_get(fd) || (flags & MAP_ANONYMOUS))
		return libc_mmap(addr, len, prot, flags, fd, off);
	/* The library places the mapping; a fixed address cannot be honoured. */
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	pthread_rwlock_rdlock(&map_lock);
	e = map_get(fd);
	ret = e ? rh_mmap(plat, entry_sim(e), len, prot, flags, off, &ptr) : -EBADF;
	pthread_rwlock_unlock(&map_lock);
	if (ret) {
		errno = -ret;
		return MAP_FAILED;
	}
	atomic_fetch_add(&nr_maps, 1);
	return ptr;
}

RH_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return do_mmap(addr, len, prot, flags, fd, off);
}

RH_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return do_mmap(addr, len, prot, flags, fd, off);
}

RH_EXPORT int munmap(void *addr, size_t len)
{
	resolve_all();
	/* Whole mappings of simulated fds go back to the library. */
	if (atomic_load_explicit(&nr_maps, memory_order_relaxed) && plat &&
	    !rh_munmap(plat, addr, len)) {
		atomic_fetch_sub(&nr_maps, 1);
		return 0;
	}
	return libc_munmap(addr, len);
}

/* ------------------------------------------------------------ lseek, read, write */

static off_t do_lseek(int fd, off_t off, int whence)
{
	unsigned int e;
	off_t ret;

	resolve_all();
	if (!map_get(fd))
		return libc_lseek(fd, off, whence);
	pthread_rwlock_rdlock(&map_lock);
	e = map_get(fd);
	ret = e ? rh_lseek(plat, entry_sim(e), off, whence) : -EBADF;
	pthread_rwlock_unlock(&map_lock);
	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

RH_EXPORT off_t lseek(int fd, off_t off, int whence)
{
	return do_lseek(fd, off, whence);
}

RH_EXPORT off_t lseek64(int fd, off_t off, int whence)
{
	return do_lseek(fd, off, whence);
}

/* Heap nodes, dma-bufs, /dev/tee0 and tee shms have no read/write: EINVAL. */
RH_EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	resolve_all();
	if (!map_get(fd))
		return libc_read(fd, buf, len);
	return fail(EINVAL);
}

RH_EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	resolve_all();
	if (!map_get(fd))
		return libc_write(fd, buf, len);
	return fail(EINVAL);
}

/* ------------------------------------------------------------ stat */

/* What fstat says of simulated fd @e: the placeholder's, then ours over it. */
static int sim_fstat(int fd, unsigned int e, struct stat *st)
{
	struct stat sim;
	int ret;

	if (libc_fstat(fd, st))
		return -errno;
	pthread_rwlock_rdlock(&map_lock);
	ret = rh_fstat(plat, entry_sim(e), &sim);
	pthread_rwlock_unlock(&map_lock);
	if (ret)
		return ret;
	st->st_mode = sim.st_mode;
	st->st_size = sim.st_size;
	st->st_ino = sim.st_ino ? sim.st_ino : st->st_ino;
	st->st_rdev = sim.st_rdev;
	st->st_blocks = 0;
	return 0;
}

/* stat() of a device path: the node of the simulated device. */
static int path_stat(const char *path, struct stat *st)
{
	int fd, ret;

	if (!strcmp(path, HEAP_DIR)) {
		memset(st, 0, sizeof(*st));
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	fd = do_open(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0, false);
	if (fd < 0)
		return -errno;
	ret = fstat(fd, st);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

RH_EXPORT int fstat(int fd, struct stat *st)
{
	unsigned int e;

	resolve_all();
	e = map_get(fd);
	if (!e)
		return libc_fstat(fd, st);
	return ret_errno(sim_fstat(fd, e, st));
}

RH_EXPORT int fstat64(int fd, struct stat64 *st)
{
	return fstat(fd, (struct stat *)st);
}

RH_EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	unsigned int e;

	resolve_all();
	if (!null_ptr(path) && !*path && (flags & AT_EMPTY_PATH) && (e = map_get(dirfd)))
		return ret_errno(sim_fstat(dirfd, e, st));
	if (!null_ptr(path) && path[0] == '/' && is_device_path(path) && !get_platform())
		return ret_errno(path_stat(path, st));
	return libc_fstatat(dirfd, path, st, flags);
}

RH_EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	return fstatat(dirfd, path, (struct stat *)st, flags);
}

RH_EXPORT int stat(const char *path, struct stat *st)
{
	return fstatat(AT_FDCWD, path, st, 0);
}

RH_EXPORT int stat64(const char *path, struct stat64 *st)
{
	return fstatat(AT_FDCWD, path, (struct stat *)st, 0);
}

RH_EXPORT int lstat(const char *path, struct stat *st)
{
	return fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

RH_EXPORT int lstat64(const char *path, struct stat64 *st)
{
	return fstatat(AT_FDCWD, path, (struct stat *)st, AT_SYMLINK_NOFOLLOW);
}

/* ------------------------------------------------------------ /dev/dma_heap listing */

/*
 * opendir("/dev/dma_heap") as the kernel's selftest and libdmabufheap do:
 * ".", "..", then one DT_CHR entry per heap. The DIR handed out is ours
 * (tagged), never passed to libc.
 */
#define HEAP_DIR_MAGIC 0x72686469u

struct heap_dir {
	uint32_t magic;
	unsigned int pos;
	int n;
	struct dirent ent;
	char names[RH_DMA_HEAP_MAX][RH_DMA_HEAP_NAME_LEN];
};

static struct heap_dir *as_heap_dir(DIR *d)
{
	struct heap_dir *hd = (struct heap_dir *)(void *)d;

	return d && hd->magic == HEAP_DIR_MAGIC ? hd : NULL;
}

static pthread_mutex_t dirs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct heap_dir *dirs[16];

static bool dir_is_ours(DIR *d)
{
	bool ours = false;
	size_t i;

	pthread_mutex_lock(&dirs_lock);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		ours |= dirs[i] && (DIR *)(void *)dirs[i] == d;
	pthread_mutex_unlock(&dirs_lock);
	return ours;
}

RH_EXPORT DIR *opendir(const char *path)
{
	const char *names[RH_DMA_HEAP_MAX];
	struct heap_dir *hd;
	size_t i, slot;
	int n, err;

	resolve_all();
	if (null_ptr(path) || (strcmp(path, HEAP_DIR) && strcmp(path, HEAP_DIR "/")))
		return libc_opendir(path);
	err = get_platform();
	if (err) {
		errno = -err;
		return NULL;
	}
	hd = calloc(1, sizeof(*hd));
	if (!hd)
		return NULL;
	hd->magic = HEAP_DIR_MAGIC;
	n = rh_dma_heap_list(plat, names, RH_DMA_HEAP_MAX);
	hd->n = n < 0 ? 0 : n > RH_DMA_HEAP_MAX ? RH_DMA_HEAP_MAX : n;
	for (i = 0; i < (size_t)hd->n; i++)
		snprintf(hd->names[i], sizeof(hd->names[i]), "%s", names[i]);
	pthread_mutex_lock(&dirs_lock);
	for (slot = 0; slot < sizeof(dirs) / sizeof(dirs[0]) && dirs[slot]; slot++)
		;
	if (slot < sizeof(dirs) / sizeof(dirs[0]))
		dirs[slot] = hd;
	pthread_mutex_unlock(&dirs_lock);
	if (slot == sizeof(dirs) / sizeof(dirs[0])) {
		free(hd);
		errno = EMFILE;
		return NULL;
	}
	return (DIR *)(void *)hd;
}

RH_EXPORT struct dirent *readdir(DIR *d)
{
	struct heap_dir *hd;
	const char *name;

	resolve_all();
	if (!dir_is_ours(d))
		return libc_readdir(d);
	hd = as_heap_dir(d);
	if (hd->pos >= (unsigned int)hd->n + 2)
		return NULL;
	name = hd->pos == 0 ? "." : hd->pos == 1 ? ".." : hd->names[hd->pos - 2];
	memset(&hd->ent, 0, sizeof(hd->ent));
	hd->ent.d_ino = hd->pos + 1;
	hd->ent.d_off = hd->pos + 1;
	hd->ent.d_reclen = sizeof(hd->ent);
	hd->ent.d_type = hd->pos < 2 ? DT_DIR : DT_CHR;
	snprintf(hd->ent.d_name, sizeof(hd->ent.d_name), "%s", name);
	hd->pos++;
	return &hd->ent;
}

RH_EXPORT struct dirent64 *readdir64(DIR *d)
{
	return (struct dirent64 *)readdir(d);
}

RH_EXPORT void rewinddir(DIR *d)
{
	resolve_all();
	if (!dir_is_ours(d)) {
		libc_rewinddir(d);
		return;
	}
	as_heap_dir(d)->pos = 0;
}

RH_EXPORT int dirfd(DIR *d)
{
	resolve_all();
	if (!dir_is_ours(d))
		return libc_dirfd(d);
	/* There is no kernel directory behind the simulated one. */
	return fail(ENOTSUP);
}

RH_EXPORT int closedir(DIR *d)
{
	size_t i;

	resolve_all();
	if (!dir_is_ours(d))
		return libc_closedir(d);
	pthread_mutex_lock(&dirs_lock);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if ((DIR *)(void *)dirs[i] == d)
			dirs[i] = NULL;
	pthread_mutex_unlock(&dirs_lock);
	free(d);
	return 0;
}

/* ------------------------------------------------------------ process life */

static void atfork_prepare(void)
{
	pthread_mutex_lock(&plat_lock);
	pthread_rwlock_wrlock(&map_lock);
}

static void atfork_parent(void)
{
	pthread_rwlock_unlock(&map_lock);
	pthread_mutex_unlock(&plat_lock);
}

/* The child starts without simulated objects (see the top of this file). */
static void atfork_child(void)
{
	unsigned int fd;

	for (fd = 0; fd < MAP_FDS; fd++)
		if (atomic_load_explicit(&fdmap[fd], memory_order_relaxed))
			atomic_store_explicit(&fdmap[fd], 0, memory_order_relaxed);
	atomic_store(&nr_maps, 0);
	plat = NULL;
	trace_file = NULL;
	pthread_rwlock_init(&map_lock, NULL);
	pthread_mutex_init(&plat_lock, NULL);
}

__attribute__((constructor)) static void shim_init(void)
{
	resolve_all();
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* The one-line leak report, then the platform goes (the trace is completed). */
__attribute__((destructor)) static void shim_fini(void)
{
	struct rh_dma_buf_stats bufs = { 0 };
	struct rh_tee_dev_stats tee = { 0 };

	if (!plat || getpid() != owner_pid)
		return;
	rh_dma_buf_get_stats(plat, &bufs);
	rh_tee_dev_get_stats(plat, &tee);
	if (bufs.count || tee.sessions || tee.shms)
		fprintf(stderr, PROG ": leaked at exit: %llu dma-buf%s (%llu bytes), %u TEE session%s, %u TEE shm%s\n",
			(unsigned long long)bufs.count, bufs.count == 1 ? "" : "s",
			(unsigned long long)bufs.bytes, tee.sessions,
			tee.sessions == 1 ? "" : "s", tee.shms, tee.shms == 1 ? "" : "s");
	plat = rh_platform_unref(plat);
	if (trace_file)
		fclose(trace_file);
	trace_file = NULL;
}
