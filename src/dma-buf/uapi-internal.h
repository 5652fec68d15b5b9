/* SPDX-License-Identifier: MIT */
/* The fd layer's file table entries, shared by uapi.c (the table) and uapi-ioctl.c (dispatch). */
#ifndef RH_DMA_BUF_UAPI_INTERNAL_H
#define RH_DMA_BUF_UAPI_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>

#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>

#include "dma-buf/file.h"

struct rh_platform;
struct rh_file_table;

enum file_kind {
	FILE_FREE = 0,
	FILE_STDIO, /* fds 0-2 of a fresh process: a tty, no dma ioctls */
	FILE_HEAP,  /* /dev/dma_heap/<name> */
	FILE_DMABUF,
	FILE_SYNC,  /* a signalled sync_file from DMA_BUF_IOCTL_EXPORT_SYNC_FILE */
	FILE_OPS,   /* another subsystem's file (dma-buf/file.h): /dev/tee0, tee shm */
};

/* The struct file of an opened heap node, shared by dup()ed fds. */
struct heap_file {
	atomic_int refcount;
	struct rh_dma_heap *heap;
	int f_flags;
};

struct fd_slot {
	enum file_kind kind;
	bool cloexec;
	union {
		struct heap_file *hf;
		struct rh_dma_buf *dmabuf;
		struct {
			const struct rh_file_ops *ops;
			void *priv;
		} f;
	} u;
};

/* fdget(): a copy of the slot of @fd with a reference on its object (-EBADF). */
int rh_fdget(struct rh_platform *plat, int fd, struct fd_slot *ret_slot);
/* fput(): drops a reference rh_fdget() took or an fd owned. */
void rh_fd_slot_put(const struct fd_slot *slot);
/* get_unused_fd_flags() + fd_install(): the object's reference moves to the fd (-EMFILE). */
int rh_fd_install_new(struct rh_file_table *ft, const struct fd_slot *slot);
/* The platform's users still hold it: the fd layer may serve (else refused and logged). */
bool rh_fd_table_ready(const struct rh_platform *plat);

#endif /* RH_DMA_BUF_UAPI_INTERNAL_H */
