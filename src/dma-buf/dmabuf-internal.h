/* SPDX-License-Identifier: MIT */
/* Internals shared by dma-buf.c, dma-heap.c, uapi.c and the heaps (not installed). */
#ifndef RH_DMABUF_INTERNAL_H
#define RH_DMABUF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>

struct rh_platform;

/*
 * Module constructors, run by platform.c in this order (fini in reverse):
 * dma-buf core, dma-heap registry, system heap, ..., file table. The file
 * table goes last so that its fini (closing every fd and mapping) releases
 * the buffers before any heap or the core is torn down.
 */
int rh_dma_buf_core_init(struct rh_platform *plat);
void rh_dma_buf_core_fini(struct rh_platform *plat);
int rh_dma_heap_registry_init(struct rh_platform *plat);
void rh_dma_heap_registry_fini(struct rh_platform *plat);
int rh_system_heap_init(struct rh_platform *plat);
void rh_system_heap_fini(struct rh_platform *plat);
int rh_file_table_init(struct rh_platform *plat);
void rh_file_table_fini(struct rh_platform *plat);
/* Process exit: close every mapping and fd; the table stays usable. */
void rh_file_table_close_all(struct rh_platform *plat);

/* File-level view of a buffer for the fd layer (struct file of the kernel). */
int rh_dma_buf_f_flags(const struct rh_dma_buf *dmabuf);
unsigned int rh_dma_buf_f_mode(const struct rh_dma_buf *dmabuf);

/* f_mode bits, as include/linux/fs.h. */
#define RH_FMODE_READ 0x1U
#define RH_FMODE_WRITE 0x2U
#define RH_FMODE_LSEEK 0x4U
#define RH_FMODE_OPENED 0x80000U

/*
 * rh_dma_buf_mmap_internal() - the fd path's mmap: bounds, then the op.
 * Mirrors: dma_buf_mmap_internal() (drivers/dma-buf/dma-buf.c)
 */
int rh_dma_buf_mmap_internal(struct rh_dma_buf *dmabuf, struct rh_vm_area *vma);

/*
 * rh_dma_buf_set_heap() - record that @dmabuf was allocated from @heap; the
 * buffer takes over the caller's heap reference and drops it (with the
 * heap's statistics) when it is released.
 */
void rh_dma_buf_set_heap(struct rh_dma_buf *dmabuf, struct rh_dma_heap *heap);

/* Called by the dma-buf core when a buffer of @heap is released. */
void rh_dma_heap_buffer_released(struct rh_dma_heap *heap, size_t size);

#endif /* RH_DMABUF_INTERNAL_H */
