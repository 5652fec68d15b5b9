// SPDX-License-Identifier: MIT
/* LD_PRELOAD shim: /dev/dma_heap, /dev/tee0 and their fds served by librheap-sim, the rest by libc. */
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rheap/rheap.h>

#include "preload.h"

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
 * Locking, as the kernel's fd table: calls on other fds take no lock and
 * no reference (an atomic load and a compare, docs/performance.md). A call
 * on a simulated fd takes no lock either: it holds the map entry it read
 * (fd_get(), fdget()'s reference), announced in its thread's holder
 * record, and what replaces an entry (close, dup2 over it, close_range)
 * releases the simulated fd only once no call holds the entry any more
 * (retire(), the last fput()). Map changes (open, close, dup*, the fds an
 * ioctl creates) take change_lock, so the kernel's fd operations and the
 * map change together. Entries carry a generation: a number closed and
 * opened again is a new entry, never mistaken for the old one.
 *
 * User pointers: ioctl arguments are copied under the library's fault
 * handler (RH_UACCESS_TRAPPED, no system call per copy; RHEAP_UACCESS=
 * checked selects process_vm_readv() instead). Its two promises are kept
 * here: sigaction() and signal() on SIGSEGV/SIGBUS are watched and the
 * handler is put back on top before the next ioctl (trap_stale), and each
 * thread's mask is followed through pthread_sigmask()/sigprocmask(); a
 * thread that blocks those signals gets them unblocked for the length of
 * its ioctl. Not seen: masks restored by siglongjmp() or setcontext(),
 * raw system calls, and an ioctl from a handler whose mask blocks them.
 *
 * fork(): the child gets the parent's memory, not its simulated objects.
 * Its fd map is emptied (inherited placeholders stay open on /dev/null)
 * and it builds a fresh platform when it first opens a device; the
 * parent's objects live on in the parent only. See docs/tutorial.md.
 *
 * The modules: this file (the platform and the interposed fd calls),
 * preload-libc.c (libc's definitions), preload-fdtable.c (the fd map and
 * its holds), preload-signals.c (the user-copy preconditions),
 * preload-files.c (the paths served: devices, bufinfo, fdinfo) and
 * preload-heapdir.c (the /dev/dma_heap listing); preload.h joins them.
 */

static pthread_mutex_t plat_lock = PTHREAD_MUTEX_INITIALIZER;
struct rh_platform *_Atomic plat;
static FILE *trace_file;
static atomic_uint nr_maps; /* live mappings of simulated fds */
static pid_t owner_pid;

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
int get_platform(void)
{
	RH_DEFINE_PLATFORM_INFO(info);
	const char *spec = getenv("RHEAP_PLATFORM");
	const char *trace = getenv("RHEAP_TRACE");
	struct rh_platform *p;
	char path[PATH_MAX];
	int ret = 0;

	if (atomic_load_explicit(&plat, memory_order_acquire))
		return 0;
	pthread_mutex_lock(&plat_lock);
	if (plat)
		goto out;
	ret = uaccess_mode(&uaccess_want);
	if (ret) {
		fprintf(stderr, PROG ": RHEAP_UACCESS=%s: want trapped or checked\n",
			getenv("RHEAP_UACCESS"));
		goto out;
	}
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
	/* The platform installs the library's handler: not the program's change. */
	tl_arming = true;
	ret = rh_platform_new(&info, &p);
	if (ret) {
		tl_arming = false;
		fprintf(stderr, PROG ": cannot build platform %s: %s\n",
			spec ? spec : "mt8188-svp", strerror(-ret));
		goto out;
	}
	if (uaccess_want != RH_UACCESS_TRAPPED ||
	    rh_uapi_set_user_access(p, RH_UACCESS_TRAPPED))
		rh_uapi_set_user_access(p, RH_UACCESS_CHECKED);
	tl_arming = false;
	owner_pid = getpid();
	atomic_store_explicit(&plat, p, memory_order_release);
out:
	pthread_mutex_unlock(&plat_lock);
	return ret;
}

static int do_open(int dirfd, const char *path, int flags, mode_t mode, bool at)
{
	int ret;

	resolve();
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

static __attribute__((noinline)) int sim_close(int fd)
{
	uint64_t e;
	int ret;

	pthread_mutex_lock(&change_lock);
	e = uninstall(fd);
	ret = libc_close(fd);
	pthread_mutex_unlock(&change_lock);
	/* The object's release (TEE calls, buffer free) runs unlocked. */
	retire(e);
	return ret;
}

RH_EXPORT int close(int fd)
{
	resolve();
	if (!map_get(fd))
		return libc_close(fd);
	return sim_close(fd);
}

RH_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	unsigned int fd, end = last < MAP_FDS - 1 ? last : MAP_FDS - 1;
	uint64_t *gone = NULL;
	size_t n = 0, i;
	int ret;

	resolve();
	if (flags & CLOSE_RANGE_CLOEXEC || first > last)
		return libc_close_range(first, last, flags);
	pthread_mutex_lock(&change_lock);
	/* Room for every entry of the range first: once closed, each must go. */
	for (fd = first; fd <= end; fd++)
		n += map_get((int)fd) != 0;
	if (n && !(gone = calloc(n, sizeof(*gone)))) {
		pthread_mutex_unlock(&change_lock);
		return fail(ENOMEM);
	}
	ret = libc_close_range(first, last, flags);
	for (fd = first, i = 0; !ret && fd <= end && i < n; fd++)
		if ((gone[i] = uninstall((int)fd)))
			i++;
	pthread_mutex_unlock(&change_lock);
	for (i = 0; !ret && i < n; i++)
		retire(gone[i]);
	free(gone);
	return ret;
}

/*
 * A copy of simulated entry @e on real fd @newfd that the kernel just made
 * (dup/dup2/dup3/F_DUPFD); change_lock is held, so @e is still live.
 */
static int dup_entry(uint64_t e, int newfd, bool cloexec)
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
	atomic_store_explicit(&fdmap[newfd], make_entry(sim, entry_kind(e)),
			      memory_order_release);
	return newfd;
}

RH_EXPORT int dup(int fd)
{
	uint64_t e;
	int ret;

	resolve();
	if (!map_get(fd))
		return libc_dup(fd);
	pthread_mutex_lock(&change_lock);
	e = map_get(fd);
	ret = libc_dup(fd);
	if (ret >= 0 && e)
		ret = ret_errno(dup_entry(e, ret, false));
	pthread_mutex_unlock(&change_lock);
	return ret;
}

/* dup2/dup3: whatever @newfd was is closed, exactly once. */
static int do_dup3(int oldfd, int newfd, int flags, bool is_dup3)
{
	uint64_t e, old_new = 0;
	int ret;

	resolve();
	if (!map_get(oldfd) && !map_get(newfd))
		return is_dup3 ? libc_dup3(oldfd, newfd, flags) : libc_dup2(oldfd, newfd);
	pthread_mutex_lock(&change_lock);
	e = map_get(oldfd);
	ret = is_dup3 ? libc_dup3(oldfd, newfd, flags) : libc_dup2(oldfd, newfd);
	if (ret >= 0 && oldfd != newfd) {
		old_new = uninstall(newfd);
		if (e)
			ret = ret_errno(dup_entry(e, newfd, flags & O_CLOEXEC));
	}
	pthread_mutex_unlock(&change_lock);
	retire(old_new);
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
	uint64_t e;
	int ret;

	if (!map_get(fd))
		return libc_fcntl(fd, cmd, arg);
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		pthread_mutex_lock(&change_lock);
		e = map_get(fd);
		ret = libc_fcntl(fd, cmd, arg);
		if (ret >= 0 && e)
			ret = ret_errno(dup_entry(e, ret, cmd == F_DUPFD_CLOEXEC));
		pthread_mutex_unlock(&change_lock);
		return ret;
	case F_SETFD:
		/* The kernel keeps FD_CLOEXEC of the placeholder for exec(). */
		ret = libc_fcntl(fd, cmd, arg);
		if (!ret && !fd_get(fd, &e)) {
			rh_fcntl(plat, entry_sim(e), F_SETFD, (long)(intptr_t)arg);
			fd_put();
		}
		return ret;
	case F_GETFL:
		ret = fd_get(fd, &e);
		if (!ret) {
			ret = rh_fcntl(plat, entry_sim(e), F_GETFL, 0);
			fd_put();
		}
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

	resolve();
	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(fd, cmd, arg);
}

RH_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	resolve();
	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(fd, cmd, arg);
}

/* ------------------------------------------------------------ ioctl */

/* copy_{from,to}_user of the shim itself, as the platform's fd layer copies. */
static int ucopy(void *dst, const void *src, size_t n, bool to_user)
{
	return to_user ? rh_uapi_copy_to_user(plat, dst, src, n) :
			 rh_uapi_copy_from_user(plat, dst, src, n);
}

/*
 * A simulated fd the library wrote at @at of the user struct becomes a
 * placeholder there. Returns 0 or -errno.
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
		uninstall_close((int)fd);
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

/*
 * The fd a program names inside an ioctl argument, held for the call: its
 * simulated fd in @ret_sim (-1 when not ours). Returns true when held
 * (fd_put() after the call).
 */
static bool arg_fd_get(int64_t fd, int *ret_sim)
{
	uint64_t e;

	*ret_sim = -1;
	if (fd != (int)fd || fd_get((int)fd, &e))
		return false;
	*ret_sim = entry_sim(e);
	return true;
}

static int dmabuf_ioctl(int sim, unsigned int cmd, void *arg)
{
	struct rh_dma_buf_import_sync_file imp;
	bool held;
	int ret;

	switch (cmd) {
	case RH_DMA_BUF_IOCTL_IMPORT_SYNC_FILE:
		/* The fd inside is the program's: translate it first. */
		if (ucopy(&imp, arg, sizeof(imp), false))
			return -EFAULT;
		held = arg_fd_get(imp.fd, &imp.fd);
		ret = rh_ioctl(plat, sim, cmd, &imp);
		if (held)
			fd_put();
		return ret;
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
	int64_t fd;
	int ret, rsim;
	bool held;

	switch (cmd) {
	case RH_TEE_IOC_SHM_ALLOC:
	case RH_TEE_IOC_SHM_REGISTER:
		ret = rh_ioctl(plat, sim, cmd, arg);
		/* tee_shm_get_fd(): O_CLOEXEC */
		return ret < 0 ? ret : install(ret, KIND_TEE_SHM, true);
	case RH_TEE_IOC_SHM_REGISTER_FD:
		if (ucopy(&rfd, arg, sizeof(rfd), false))
			return -EFAULT;
		fd = rfd.fd;
		held = arg_fd_get(fd, &rsim);
		if (held)
			rfd.fd = rsim;
		/* An open fd that is not a simulated one is not a dma-buf: EINVAL. */
		else if (fd == (int)fd && libc_fcntl((int)fd, F_GETFD) >= 0)
			rfd.fd = 0;
		else
			rfd.fd = -1;
		ret = rh_ioctl(plat, sim, cmd, &rfd);
		if (held)
			fd_put();
		if (ret < 0)
			return ret;
		/* The kernel writes back what it read: the program's fd number. */
		rfd.fd = fd;
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

/* An ioctl on simulated fd @fd (out of line: the pass-through stays small). */
static __attribute__((noinline)) int sim_ioctl(int fd, unsigned long request, void *arg)
{
	unsigned int cmd = (unsigned int)request;
	sigset_t saved;
	bool restore;
	uint64_t e;
	int ret;

	ret = fd_get(fd, &e);
	if (ret == -EBADF)
		/* Closed meanwhile: the number is the kernel's to answer for. */
		return libc_ioctl(fd, request, arg);
	if (ret)
		return fail(-ret);
	restore = uaccess_begin(plat, &saved);
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
	uaccess_end(restore, &saved);
	fd_put();
	return ret_errno(ret);
}

RH_EXPORT int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	resolve();
	if (!map_get(fd))
		return libc_ioctl(fd, request, arg);
	return sim_ioctl(fd, request, arg);
}

/* ------------------------------------------------------------ mmap */

static __attribute__((noinline)) void *sim_mmap(size_t len, int prot, int flags, int fd,
						 off_t off)
{
	uint64_t e;
	void *ptr;
	int ret;

	/* The library places the mapping; a fixed address cannot be honoured. */
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE))
		ret = -EINVAL;
	else if (!(ret = fd_get(fd, &e))) {
		ret = rh_mmap(plat, entry_sim(e), len, prot, flags, off, &ptr);
		fd_put();
	}
	if (ret) {
		errno = -ret;
		return MAP_FAILED;
	}
	atomic_fetch_add(&nr_maps, 1);
	return ptr;
}

static void *do_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	resolve();
	if ((flags & MAP_ANONYMOUS) || !map_get(fd))
		return libc_mmap(addr, len, prot, flags, fd, off);
	return sim_mmap(len, prot, flags, fd, off);
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
	struct rh_platform *p;

	resolve();
	/* Whole mappings of simulated fds go back to the library. */
	if (atomic_load_explicit(&nr_maps, memory_order_relaxed) &&
	    (p = atomic_load_explicit(&plat, memory_order_acquire)) &&
	    !rh_munmap(p, addr, len)) {
		atomic_fetch_sub(&nr_maps, 1);
		return 0;
	}
	return libc_munmap(addr, len);
}

/* ------------------------------------------------------------ lseek, read, write */

static off_t do_lseek(int fd, off_t off, int whence)
{
	uint64_t e;
	off_t ret;

	resolve();
	if (!map_get(fd))
		return libc_lseek(fd, off, whence);
	ret = fd_get(fd, &e);
	if (!ret) {
		ret = rh_lseek(plat, entry_sim(e), off, whence);
		fd_put();
	}
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
	resolve();
	if (!map_get(fd))
		return libc_read(fd, buf, len);
	return fail(EINVAL);
}

RH_EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	resolve();
	if (!map_get(fd))
		return libc_write(fd, buf, len);
	return fail(EINVAL);
}

/* ------------------------------------------------------------ stat */

/* What fstat says of simulated fd @fd: the placeholder's, then ours over it. */
static int sim_fstat(int fd, struct stat *st)
{
	struct stat sim;
	uint64_t e;
	int ret;

	if (libc_fstat(fd, st))
		return -errno;
	ret = fd_get(fd, &e);
	if (ret)
		return ret;
	ret = rh_fstat(plat, entry_sim(e), &sim);
	fd_put();
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
	resolve();
	if (!map_get(fd))
		return libc_fstat(fd, st);
	return ret_errno(sim_fstat(fd, st));
}

RH_EXPORT int fstat64(int fd, struct stat64 *st)
{
	return fstat(fd, (struct stat *)st);
}

RH_EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	resolve();
	if (!null_ptr(path) && !*path && (flags & AT_EMPTY_PATH) && map_get(dirfd))
		return ret_errno(sim_fstat(dirfd, st));
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

/* ------------------------------------------------------------ process life */

static void atfork_prepare(void)
{
	pthread_mutex_lock(&plat_lock);
	pthread_mutex_lock(&change_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&change_lock);
	pthread_mutex_unlock(&plat_lock);
}

/* The child starts without simulated objects (see the top of this file). */
static void atfork_child(void)
{
	fdtable_fork_child();
	atomic_store(&nr_maps, 0);
	plat = NULL;
	trace_file = NULL;
	pthread_mutex_init(&change_lock, NULL);
	pthread_mutex_init(&plat_lock, NULL);
}

__attribute__((constructor)) static void shim_init(void)
{
	resolve();
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
