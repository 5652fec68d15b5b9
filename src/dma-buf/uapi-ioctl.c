// SPDX-License-Identifier: MIT
/* The fd layer's ioctl dispatch: dma_heap_ioctl() and dma_buf_ioctl() with the real numbers. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <string.h>

#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>
#include <rheap/uapi.h>

#include "dma-buf/dmabuf-internal.h"
#include "dma-buf/file.h"
#include "dma-buf/uapi-internal.h"
#include "internal.h"
#include "lib/uaccess.h"
#include "trace/trace.h"


static const unsigned int dma_heap_ioctl_cmds[] = {
	RH_DMA_HEAP_IOCTL_ALLOC,
};

static int dma_heap_ioctl_allocate(struct heap_file *hf, void *data)
{
	struct rh_dma_heap_allocation_data *heap_allocation = data;
	int fd;

	if (heap_allocation->fd)
		return -EINVAL;
	fd = rh_dma_heap_buffer_alloc(hf->heap, heap_allocation->len,
				      heap_allocation->fd_flags,
				      heap_allocation->heap_flags);
	if (fd < 0)
		return fd;
	heap_allocation->fd = (uint32_t)fd;
	return 0;
}

static unsigned int max_u(unsigned int a, unsigned int b)
{
	return a > b ? a : b;
}

/*
 * Any nr-0 command is an allocation whatever its type and size: the user
 * struct may be older (shorter: the rest reads as zero) or newer (longer:
 * the extra bytes are ignored and copied back unchanged).
 */
static int dma_heap_ioctl(struct rh_platform *plat, struct heap_file *hf,
			  unsigned int ucmd, void *arg)
{
	uint64_t stack_kdata[16];
	char *kdata = (char *)stack_kdata;
	unsigned int kcmd, in_size, out_size, drv_size, ksize;
	unsigned int nr = RH_IOC_NR(ucmd);
	int ret;

	if (nr >= RH_ARRAY_SIZE(dma_heap_ioctl_cmds))
		return -EINVAL;
	/* Get the kernel ioctl cmd that matches */
	kcmd = dma_heap_ioctl_cmds[nr];

	/* Figure out the delta between user cmd size and kernel cmd size */
	drv_size = RH_IOC_SIZE(kcmd);
	out_size = RH_IOC_SIZE(ucmd);
	in_size = out_size;
	if ((ucmd & kcmd & RH_IOC_IN) == 0)
		in_size = 0;
	if ((ucmd & kcmd & RH_IOC_OUT) == 0)
		out_size = 0;
	ksize = max_u(max_u(in_size, out_size), drv_size);

	/* If necessary, allocate buffer for ioctl argument */
	if (ksize > sizeof(stack_kdata)) {
		kdata = rh_malloc(ksize);
		if (!kdata)
			return -ENOMEM;
	}

	if (rh_copy_from_user(plat, kdata, arg, in_size)) {
		ret = -EFAULT;
		goto err;
	}
	/* zero out any difference between the kernel/user structure size */
	if (ksize > in_size)
		memset(kdata + in_size, 0, ksize - in_size);

	switch (kcmd) {
	case RH_DMA_HEAP_IOCTL_ALLOC:
		ret = dma_heap_ioctl_allocate(hf, kdata);
		break;
	default:
		ret = -ENOTTY;
		goto err;
	}

	if (rh_copy_to_user(plat, arg, kdata, out_size))
		ret = -EFAULT;
err:
	if (kdata != (char *)stack_kdata)
		rh_free(kdata);
	return ret;
}

/* ------------------------------------------------------------ dma-buf ioctls */

/* EXPORT/IMPORT_SYNC_FILE flags: a non-empty subset of DMA_BUF_SYNC_RW. */
static bool sync_file_flags_valid(uint32_t flags)
{
	return !(flags & ~(uint32_t)RH_DMA_BUF_SYNC_RW) &&
	       (flags & RH_DMA_BUF_SYNC_RW);
}

static int dma_buf_export_sync_file(struct rh_platform *plat, void *uarg)
{
	struct fd_slot slot = { .kind = FILE_SYNC, .cloexec = true };
	struct rh_dma_buf_export_sync_file arg;
	int fd;

	if (rh_copy_from_user(plat, &arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!sync_file_flags_valid(arg.flags))
		return -EINVAL;
	/* No fences exist: the sync_file is the signalled stub fence's. */
	fd = rh_fd_install_new(plat->files, &slot);
	if (fd < 0)
		return fd;
	arg.fd = fd;
	if (rh_copy_to_user(plat, uarg, &arg, sizeof(arg))) {
		/* put_unused_fd(): the fd was never handed out. */
		rh_close(plat, fd);
		return -EFAULT;
	}
	return 0;
}

static int dma_buf_import_sync_file(struct rh_platform *plat, const void *uarg)
{
	struct rh_dma_buf_import_sync_file arg;
	struct fd_slot slot;
	bool is_sync;

	if (rh_copy_from_user(plat, &arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!sync_file_flags_valid(arg.flags))
		return -EINVAL;
	/* sync_file_get_fence(): NULL for anything but a sync_file. */
	if (rh_fdget(plat, arg.fd, &slot))
		return -EINVAL;
	is_sync = slot.kind == FILE_SYNC;
	rh_fd_slot_put(&slot);
	/* Its fence is signalled: adding it to the buffer changes nothing. */
	return is_sync ? 0 : -EINVAL;
}

static int dma_buf_ioctl(struct rh_platform *plat, struct rh_dma_buf *dmabuf,
			 unsigned int cmd, void *arg)
{
	struct rh_dma_buf_sync sync;
	enum rh_dma_data_direction direction;
	char name[RH_DMA_BUF_NAME_LEN];
	long len;

	switch (cmd) {
	case RH_DMA_BUF_IOCTL_SYNC:
		if (rh_copy_from_user(plat, &sync, arg, sizeof(sync)))
			return -EFAULT;
		if (sync.flags & ~(uint64_t)RH_DMA_BUF_SYNC_VALID_FLAGS_MASK)
			return -EINVAL;
		switch (sync.flags & RH_DMA_BUF_SYNC_RW) {
		case RH_DMA_BUF_SYNC_READ:
			direction = RH_DMA_FROM_DEVICE;
			break;
		case RH_DMA_BUF_SYNC_WRITE:
			direction = RH_DMA_TO_DEVICE;
			break;
		case RH_DMA_BUF_SYNC_RW:
			direction = RH_DMA_BIDIRECTIONAL;
			break;
		default:
			return -EINVAL;
		}
		if (sync.flags & RH_DMA_BUF_SYNC_END)
			return rh_dma_buf_end_cpu_access(dmabuf, direction);
		return rh_dma_buf_begin_cpu_access(dmabuf, direction);
	case RH_DMA_BUF_SET_NAME_A:
	case RH_DMA_BUF_SET_NAME_B:
		if (!rh_uaccess_checked(plat))
			return rh_dma_buf_set_name(dmabuf, arg);
		/* strndup_user(buf, DMA_BUF_NAME_LEN) of dma_buf_set_name() */
		len = rh_strncpy_from_user(plat, name, arg, sizeof(name));
		if (len < 0)
			return (int)len;
		return rh_dma_buf_set_name(dmabuf, name);
	case RH_DMA_BUF_IOCTL_EXPORT_SYNC_FILE:
		return dma_buf_export_sync_file(plat, arg);
	case RH_DMA_BUF_IOCTL_IMPORT_SYNC_FILE:
		return dma_buf_import_sync_file(plat, arg);
	default:
		return -ENOTTY;
	}
}

RH_EXPORT int rh_ioctl(struct rh_platform *plat, int fd, unsigned long cmd,
		       void *arg)
{
	/* The syscall takes the command as an unsigned int. */
	unsigned int ucmd = (unsigned int)cmd;
	struct fd_slot slot;
	int ret;

	if (!rh_fd_table_ready(plat))
		return -EINVAL;
	ret = rh_fdget(plat, fd, &slot);
	if (ret)
		return ret;
	switch (slot.kind) {
	case FILE_HEAP:
		ret = dma_heap_ioctl(plat, slot.u.hf, ucmd, arg);
		break;
	case FILE_DMABUF:
		ret = dma_buf_ioctl(plat, slot.u.dmabuf, ucmd, arg);
		break;
	case FILE_OPS:
		ret = slot.u.f.ops->ioctl(plat, slot.u.f.priv, ucmd, arg);
		break;
	default:
		/* A tty without those ioctls; a sync_file without SYNC_IOC_*. */
		ret = -ENOTTY;
		break;
	}
	rh_fd_slot_put(&slot);
	return ret;
}
