/* SPDX-License-Identifier: MIT */
/* Files of other subsystems in the fd layer (struct file_operations, reduced). */
#ifndef RH_DMA_BUF_FILE_H
#define RH_DMA_BUF_FILE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include <rheap/dma-buf.h>

struct rh_platform;

/**
 * struct rh_file_ops - what the fd layer calls on a file another subsystem
 * made (the TEE's /dev/tee0 and its shm fds: src/tee/tee-uapi.c)
 * @name: for logs
 * @st_mode: file type and permission bits fstat reports
 * @get, @put: reference of the object behind the file (get_file()/fput());
 *             the last put releases it
 * @f_flags: the open flags of the file (O_ACCMODE and the status flags)
 * @ioctl: unlocked_ioctl; @uarg is a user pointer (src/lib/uaccess.h)
 * @mmap: optional; fill the PROT_NONE range [vma->vm_start, vma->vm_end)
 *        (vm_dmabuf is NULL); the mapping holds a reference (get) until
 *        rh_munmap()
 */
struct rh_file_ops {
	const char *name;
	mode_t st_mode;
	void (*get)(void *priv);
	void (*put)(void *priv);
	int (*f_flags)(void *priv);
	int (*ioctl)(struct rh_platform *plat, void *priv, unsigned int cmd,
		     void *uarg);
	int (*mmap)(void *priv, struct rh_vm_area *vma);
};

/*
 * rh_fd_install_file() - a new fd (lowest free) for @priv; the caller's
 * reference moves to the fd. Mirrors anon_inode_getfd().
 * Returns the fd or -EMFILE / -EINVAL.
 */
int rh_fd_install_file(struct rh_platform *plat, const struct rh_file_ops *ops,
		       void *priv, bool cloexec);

/*
 * rh_fd_get_file() - the object of @fd if it is a file of @ops, with a
 * reference (put it with ops->put). Returns 0, -EBADF (closed), -EINVAL
 * (another kind of file).
 */
int rh_fd_get_file(struct rh_platform *plat, int fd,
		   const struct rh_file_ops *ops, void **ret_priv);

/*
 * src/tee/tee-uapi.c: open("/dev/tee0") of the fd layer.
 * Mirrors tee_open(). Returns the fd or a negative errno.
 */
int rh_tee_dev_open(struct rh_platform *plat, int flags);

#endif /* RH_DMA_BUF_FILE_H */
