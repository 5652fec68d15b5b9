/* SPDX-License-Identifier: MIT */
/* The fd layer: open/ioctl/mmap/lseek/close on a platform's simulated file table. */
#ifndef RHEAP_UAPI_H
#define RHEAP_UAPI_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <rheap/export.h>
#include <rheap/platform.h>
#include <rheap/uapi/dma-buf.h>
#include <rheap/uapi/dma-heap.h>
#include <rheap/uapi/tee.h>

RH_BEGIN_DECLS

/*
 * Each platform has the file table of one simulated process. As in a fresh
 * process, fds 0, 1 and 2 are taken by the standard streams (character
 * devices without any ioctl, mmap or seek); new fds get the lowest free
 * number. All calls return a negative errno on failure, exactly the code
 * the kernel's syscall would fail with.
 */

/** Size of the file table (the default RLIMIT_NOFILE soft limit). */
#define RH_FD_MAX 1024

/**
 * rh_open() - open a heap device node
 * @path: "/dev/dma_heap/<name>"
 * @flags: open(2) flags; the access mode is kept, O_CLOEXEC honoured
 *
 * Mirrors: open(2) on a dma-heap node, dma_heap_open()
 * (drivers/dma-buf/dma-heap.c)
 * @return the fd, -EINVAL (NULL @plat), -EFAULT (NULL @path), -ENOENT (no
 * such heap, or not under /dev/dma_heap), -EISDIR (the directory itself),
 * -ENOTDIR (a path below a heap node), -ENOMEM, -EMFILE (table full).
 */
RH_EXPORT int rh_open(struct rh_platform *plat, const char *path, int flags);

/**
 * rh_close() - close @fd; the object goes when its last fd/mapping is gone
 * Mirrors: close(2)
 * @return 0, -EBADF, -EINVAL (NULL @plat).
 */
RH_EXPORT int rh_close(struct rh_platform *plat, int fd);

/**
 * rh_dup() - a new fd (lowest free) for the same open file
 * Mirrors: dup(2)
 * @return the fd, -EBADF, -EMFILE, -EINVAL (NULL @plat).
 */
RH_EXPORT int rh_dup(struct rh_platform *plat, int fd);

/**
 * rh_ioctl() - the ioctl(2) of the simulated process
 * @cmd: the real command numbers (DMA_HEAP_IOCTL_ALLOC, DMA_BUF_IOCTL_SYNC,
 *       DMA_BUF_SET_NAME_A/_B, DMA_BUF_IOCTL_EXPORT/IMPORT_SYNC_FILE); only
 *       the low 32 bits count, as in the syscall
 * @arg: pointer to the command's argument (the user struct)
 *
 * Heap fds follow dma_heap_ioctl(): any command with nr 0 is an allocation
 * whose user struct may be smaller (missing fields read as 0) or larger
 * (extra bytes ignored and copied back) than the kernel's 24 bytes; nr != 0
 * gives -EINVAL. dma-buf fds follow dma_buf_ioctl(). The standard streams
 * give -ENOTTY.
 *
 * Mirrors: dma_heap_ioctl() (drivers/dma-buf/dma-heap.c), dma_buf_ioctl()
 * (drivers/dma-buf/dma-buf.c)
 * @return 0 or a negative errno: -EBADF (closed fd), -ENOTTY (unknown
 * command for that fd), -EFAULT (NULL @arg where one is read), -EINVAL
 * (validation, see peer-behaviour.md §1.1/§1.2), -ENOMEM, -EMFILE, or the
 * heap's/exporter's error.
 */
RH_EXPORT int rh_ioctl(struct rh_platform *plat, int fd, unsigned long cmd,
		       void *arg);

/**
 * rh_mmap() - map a dma-buf fd into host memory
 * @len: bytes (rounded up to pages)
 * @prot: PROT_READ / PROT_WRITE / PROT_EXEC / PROT_NONE
 * @flags: MAP_SHARED or MAP_SHARED_VALIDATE (MAP_PRIVATE is not simulated)
 * @offset: byte offset into the buffer, page aligned
 * @ret_ptr: the mapping, written only on success
 *
 * The mapping holds a reference on the buffer until rh_munmap() (or the
 * platform's destruction): closing the fd does not unmap.
 * Mirrors: mmap(2) checks of do_mmap() (mm/mmap.c), then
 * dma_buf_mmap_internal() (drivers/dma-buf/dma-buf.c)
 * @return 0, -EINVAL (NULL argument, unaligned @offset, @len 0, bad map
 * type, range beyond the buffer, exporter without mmap), -EBADF, -EACCES
 * (write mapping of a read-only fd, or an fd without read access),
 * -ENODEV (fd that cannot be mapped), -EOVERFLOW, -EOPNOTSUPP
 * (MAP_PRIVATE), -ENOMEM, or the exporter's error (-EPERM on a restricted
 * heap).
 */
RH_EXPORT int rh_mmap(struct rh_platform *plat, int fd, size_t len, int prot,
		      int flags, off_t offset, void **ret_ptr);

/**
 * rh_munmap() - remove a mapping made by rh_mmap()
 * @addr, @len: exactly the mapping (@len rounded up to pages)
 * Mirrors: munmap(2), whole mappings only
 * @return 0, -EINVAL (no mapping starts at @addr, or @len differs).
 */
RH_EXPORT int rh_munmap(struct rh_platform *plat, void *addr, size_t len);

/**
 * rh_lseek() - the only seeks a dma-buf allows: (0, SEEK_END) gives its size,
 * (0, SEEK_SET) gives 0
 *
 * Mirrors: dma_buf_llseek() (drivers/dma-buf/dma-buf.c)
 * @return the offset, -EINVAL (other offsets/whence), -ESPIPE (fd that
 * cannot seek: heap node, standard stream), -EBADF.
 */
RH_EXPORT off_t rh_lseek(struct rh_platform *plat, int fd, off_t offset,
			 int whence);

/**
 * rh_dma_buf_fdinfo() - /proc/self/fdinfo/<fd> of @fd, written to @out
 *
 * "pos:", "flags:" for every fd, then for a dma-buf "ino:", "size:",
 * "count:" (references besides the reader's), "exp_name:" and "name:"
 * (only when set).
 *
 * Mirrors: seq_show() (fs/proc/fd.c) + dma_buf_show_fdinfo()
 * (drivers/dma-buf/dma-buf.c)
 * @return 0, -EBADF, -EINVAL (NULL argument), -EIO (write error).
 */
RH_EXPORT int rh_dma_buf_fdinfo(struct rh_platform *plat, int fd, FILE *out);

/**
 * rh_fd_count() - open fds of @plat, the three standard streams included
 * @return the count, or -EINVAL for NULL.
 */
RH_EXPORT int rh_fd_count(struct rh_platform *plat);

/**
 * rh_fcntl() - the fcntl(2) commands of the file table
 * @cmd: F_DUPFD / F_DUPFD_CLOEXEC (lowest free fd >= @arg), F_GETFD,
 *       F_SETFD (FD_CLOEXEC in @arg), F_GETFL
 *
 * Mirrors: do_fcntl() (fs/fcntl.c)
 * @return the new fd, the flags, 0; -EBADF, -EMFILE, -EINVAL (@arg out of
 * range, any other @cmd, NULL @plat).
 */
RH_EXPORT int rh_fcntl(struct rh_platform *plat, int fd, int cmd, long arg);

/**
 * rh_fstat() - what fstat(2) says about @fd
 * @ret_st: st_mode (a heap node and /dev/tee0: character devices; a
 *          dma-buf: its pseudo file with st_size = the buffer size and
 *          st_ino = the inode bufinfo shows), st_nlink, st_uid, st_gid,
 *          st_blksize; everything else 0. Written only on success.
 *
 * Mirrors: vfs_fstat() (fs/stat.c)
 * @return 0, -EBADF, -EINVAL (NULL argument).
 */
RH_EXPORT int rh_fstat(struct rh_platform *plat, int fd, struct stat *ret_st);

/**
 * enum rh_uaccess_mode - how rh_ioctl() reaches the memory its argument
 * points to (the argument, the TEE parameter buffers, registered memory)
 * @RH_UACCESS_TRUSTED: plain memcpy(); only NULL is -EFAULT. The default: a
 *     library user passes its own structs.
 * @RH_UACCESS_CHECKED: process_vm_readv()/writev() on the calling process:
 *     a bad pointer is -EFAULT, whatever the thread's signal state. A system
 *     call per copy.
 * @RH_UACCESS_TRAPPED: memcpy() under the library's SIGSEGV/SIGBUS handler,
 *     as the kernel's exception-table fixups catch copy_from_user(): a bad
 *     pointer faults, the handler jumps back and the copy is -EFAULT. No
 *     system call, but the caller keeps two promises (see
 *     rh_uapi_set_user_access()).
 */
enum rh_uaccess_mode {
	RH_UACCESS_TRUSTED = 0,
	RH_UACCESS_CHECKED,
	RH_UACCESS_TRAPPED,
};

/**
 * rh_uapi_set_user_access() - how @plat's fd layer copies from and to the
 * pointers of its callers
 * @mode: an enum rh_uaccess_mode
 *
 * With RH_UACCESS_TRAPPED a copy checks nothing before it runs, so a bad
 * pointer gives -EFAULT only if, when it faults, (1) the library's handler
 * is the process's SIGSEGV and SIGBUS action and (2) the calling thread
 * does not block either signal. Otherwise the process dies of the fault as
 * it would of its own bad access. Setting RH_UACCESS_TRAPPED (again)
 * installs the handler on top of whatever action is there now (which then
 * gets every fault that is not a copy's): call it again after any change
 * of those actions. The LD_PRELOAD shim keeps both promises for the
 * programs it serves (it watches sigaction(), signal() and the threads'
 * masks, docs/architecture.md).
 *
 * Mirrors: nothing; the kernel's copy_from_user() needs no mode.
 * @return 0, -EINVAL (NULL @plat or an unknown @mode), or the -errno of
 * installing the handler (the mode is then unchanged).
 */
RH_EXPORT int rh_uapi_set_user_access(struct rh_platform *plat,
				      enum rh_uaccess_mode mode);

/**
 * rh_uapi_check_user_pointers() - treat ioctl arguments as untrusted
 * @on: true: rh_uapi_set_user_access(@plat, RH_UACCESS_CHECKED); false:
 *      RH_UACCESS_TRUSTED (the default).
 *
 * @return 0, -EINVAL for NULL.
 */
RH_EXPORT int rh_uapi_check_user_pointers(struct rh_platform *plat, bool on);

/**
 * rh_uapi_copy_from_user() - copy @n bytes at the caller's pointer @usrc
 * to @dst as @plat's fd layer does (its enum rh_uaccess_mode)
 *
 * For a program's own shim around the fd layer (the LD_PRELOAD shim reads
 * and rewrites the fds inside ioctl arguments with it).
 * Mirrors: copy_from_user() (include/linux/uaccess.h), which returns the
 * bytes it could not copy; here any fault is -EFAULT, and @dst may then
 * hold some of the bytes that could be read.
 * @return 0, -EFAULT (bad or NULL @usrc, a range that wraps or reaches the
 * kernel's half of the address space), -EINVAL (NULL @plat or @dst with
 * @n).
 */
RH_EXPORT int rh_uapi_copy_from_user(struct rh_platform *plat, void *dst,
				     const void *usrc, size_t n);

/**
 * rh_uapi_copy_to_user() - copy @n bytes of @src to the caller's pointer
 * @udst as @plat's fd layer does; read-only memory there is a fault
 *
 * Mirrors: copy_to_user() (include/linux/uaccess.h); any fault is -EFAULT,
 * and some bytes at @udst may then have been written.
 * @return 0, -EFAULT, -EINVAL (NULL @plat or @src with @n).
 */
RH_EXPORT int rh_uapi_copy_to_user(struct rh_platform *plat, void *udst,
				   const void *src, size_t n);

/**
 * struct rh_tee_dev_stats - what user space holds of /dev/tee0
 * @contexts: open /dev/tee0 files (a dup()ed fd shares one)
 * @sessions: sessions open in those contexts
 * @shms: shared memory objects (SHM_ALLOC / SHM_REGISTER) still alive
 */
struct rh_tee_dev_stats {
	unsigned int contexts;
	unsigned int sessions;
	unsigned int shms;
};

/**
 * rh_tee_dev_get_stats() - snapshot of @plat's /dev/tee0 objects
 * @return 0, -EINVAL for NULL.
 */
RH_EXPORT int rh_tee_dev_get_stats(struct rh_platform *plat,
				   struct rh_tee_dev_stats *ret_stats);

RH_END_DECLS

#endif /* RHEAP_UAPI_H */
